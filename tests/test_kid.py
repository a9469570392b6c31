"""La KID: el estimador, el extractor de flores y la curva por épocas."""

import numpy as np
import pytest

from generativa import entrenar
from generativa import kid as c
from generativa.archivos import escribir_atomico, escribir_json, obtener, sha256_de
from generativa.kid import kid


def test_kid_de_la_misma_distribucion_es_casi_cero():
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=(500, 16)), rng.normal(size=(500, 16))
    assert abs(kid(a, b)) < 0.01


def test_kid_crece_al_separar_las_distribuciones():
    rng = np.random.default_rng(1)
    a = rng.normal(size=(400, 16))
    valores = [kid(a, rng.normal(size=(400, 16)) + desplazamiento) for desplazamiento in (0.0, 0.5, 1.0, 2.0)]
    assert valores[0] < 0.02 < valores[1] < valores[2] < valores[3]


def test_kid_es_simetrica_e_insesgada():
    rng = np.random.default_rng(2)
    a, b = rng.normal(size=(100, 8)), rng.normal(1.0, 1.0, size=(120, 8))
    assert kid(a, b) == pytest.approx(kid(b, a))
    # Insesgada: la media sobre muchas parejas de conjuntos iguales en distribución es ~0 (puede ser < 0).
    medias = [kid(rng.normal(size=(30, 8)), rng.normal(size=(30, 8))) for _ in range(200)]
    assert abs(np.mean(medias)) < 3 * np.std(medias) / np.sqrt(200) + 1e-3
    assert min(medias) < 0


def test_kid_a_mano_con_dos_puntos():
    # d = 1; x = {0, 1}, y = {1, 2}: k(a, b) = (ab + 1)³
    x, y = np.array([[0.0], [1.0]]), np.array([[1.0], [2.0]])
    k = lambda a, b: (a * b + 1) ** 3
    esperado = (2 * k(0, 1)) / 2 + (2 * k(1, 2)) / 2 - 2 * (k(0, 1) + k(0, 2) + k(1, 1) + k(1, 2)) / 4
    assert kid(x, y) == pytest.approx(esperado)


@pytest.mark.parametrize("a, b, mensaje", [
    (np.zeros((1, 4)), np.zeros((3, 4)), r"forma \(n ≥ 2, d ≥ 1\)"),
    (np.zeros((3, 4)), np.zeros((3, 5)), "misma dimensión"),
    (np.full((3, 4), np.nan), np.zeros((3, 4)), "no finitos"),
    (None, np.zeros((3, 4)), "array de números"),
    (np.zeros((0, 4)), np.zeros((3, 4)), "vacío"),
])
def test_kid_errores(a, b, mensaje):
    with pytest.raises(ValueError, match=mensaje):
        kid(a, b)


@pytest.fixture(scope="module")
def flores():
    from generativa.datos import cargar_flores
    return cargar_flores(32)


def test_el_extractor_de_flores_separa_flores_de_ruido(flores):
    nombre, extractor = c.extractor_kid("flores")
    assert nombre == "flores"
    rng = np.random.default_rng(0)
    orden = rng.permutation(len(flores.imagenes))
    a = c.caracteristicas(extractor, flores.imagenes[orden[:200]])
    b = c.caracteristicas(extractor, flores.imagenes[orden[200:400]])
    ruido = c.caracteristicas(extractor, rng.uniform(size=(200, 32, 32, 3)))
    assert a.shape == (200, 256)
    assert abs(kid(a, b)) < 0.05 < 10 * 0.05 < kid(a, ruido)


@pytest.mark.parametrize("llamada, mensaje", [
    (lambda: c.extractor_kid("vgg"), "'cual' debe ser"),
    (lambda: c.caracteristicas(c.extractor_kid("flores")[1], np.zeros((2, 8, 8))), r"forma \(N, ·, ·, 3\)"),
    (lambda: c.caracteristicas(c.extractor_kid("flores")[1], np.full((2, 8, 8, 3), 2.0)), r"en \[0, 1\]"),
    (lambda: c.caracteristicas("no es un modelo", np.zeros((2, 8, 8, 3))), "'extractor' debe ser un modelo"),
    (lambda: c.entrenar_extractor_flores(0), "'epocas'"),
])
def test_errores_en_espanol(llamada, mensaje):
    with pytest.raises(ValueError, match=mensaje):
        llamada()


def test_la_curva_de_kid_por_epocas_con_varias_semillas_y_la_red_sin_promediar(tmp_path, monkeypatch):
    from generativa import difusion, entrenamiento
    from generativa.perfiles import PERFILES

    monkeypatch.setitem(difusion.CONFIGURACIONES, "rapido", difusion.ConfiguracionDDM(16, 128, 2, 2, (1, 2)))
    monkeypatch.setattr(entrenamiento, "describir_maquina", lambda: {})
    difusion.entrenar_ddm(PERFILES["rapido"], salida=tmp_path, verbose=0, guardar_red=True)
    curva = c.evaluar_puntos_de_control(tmp_path, num_images=8, diffusion_steps=2, cual="flores", semillas=(0, 1, 2),
                                        redes=("ema_network", "network"))
    assert set(curva["medidas"]) == {"ema_network/1", "ema_network/2", "network/1", "network/2"}
    assert all(len(v) == 3 and all(np.isfinite(list(v.values()))) for v in curva["medidas"].values())
    assert set(curva["por_epoca"]) == {"1", "2"} and "extractor de flores" in curva["extractor"]
    import json

    assert json.loads((tmp_path / "procedencia.json").read_text(encoding="utf-8"))["kid"] == curva
    with pytest.raises(ValueError, match="No hay pesos guardados de las épocas \\[3\\]"):
        c.evaluar_puntos_de_control(tmp_path, epocas=[3], num_images=8, cual="flores")
    # Lo medido con el extractor incluido queda atado a sus pesos y a sus datos de entrenamiento.
    assert curva["sha256_del_extractor"] == sha256_de(obtener("extractor_flores"))
    assert "entrena con las 6551 flores de entrenamiento" in curva["datos_del_extractor"]
    assert curva["exactitud_del_extractor"] == c.procedencia_extractor_flores()["exactitud_validacion"]

    # Otro extractor (la salida de «entrenar extractor»): la orden «kid» lo usa, lo anota y no
    # mezcla sus medidas con las del incluido.
    otro = tmp_path / "otro_extractor"
    otro.mkdir()
    keras = c._keras()
    keras.utils.set_random_seed(5)
    red = c.build_extractor_flores()
    suma = escribir_atomico(otro / c.ARCHIVO_EXTRACTOR, red.save_weights)
    escribir_json(otro / "procedencia.json", {"datos": "solo las flores de entrenamiento del curso",
                                              "exactitud_validacion": 0.5, "pesos": {c.ARCHIVO_EXTRACTOR: suma}})
    assert entrenar.main(["kid", "--salida", str(tmp_path), "--epocas", "2", "--imagenes", "8", "--pasos", "2",
                          "--semillas", "0,1,2", "--extractor", str(otro)]) == 0
    nueva = json.loads((tmp_path / "procedencia.json").read_text(encoding="utf-8"))["kid"]
    assert nueva["sha256_del_extractor"] == suma != curva["sha256_del_extractor"]
    assert nueva["datos_del_extractor"] == "solo las flores de entrenamiento del curso"
    assert nueva["exactitud_del_extractor"] == 0.5
    assert set(nueva["medidas"]) == {"ema_network/2"} and len(nueva["medidas"]["ema_network/2"]) == 3
    # otras características, otra cifra (con el mismo ruido y el mismo modelo)
    assert nueva["medidas"]["ema_network/2"] != curva["medidas"]["ema_network/2"]
    nombre, modelo = c.extractor_kid("auto", otro)
    assert nombre == "flores" and np.allclose(modelo.get_weights()[0], red.get_weights()[0])

    # Pesos cambiados después de anotarlos: se niega a usarlos y dice por qué.
    contenido = bytearray((otro / c.ARCHIVO_EXTRACTOR).read_bytes())
    contenido[len(contenido) // 2] ^= 0xFF
    (otro / c.ARCHIVO_EXTRACTOR).write_bytes(bytes(contenido))
    with pytest.raises(ValueError, match="no es el que anotó su procedencia"):
        c.extractor_kid("flores", otro)
    with pytest.raises(ValueError, match="no se combina con"):
        c.extractor_kid("inception", otro)
    with pytest.raises(ValueError, match="no parece la salida"):
        c.extractor_kid("flores", tmp_path)


def test_la_kid_como_keras_io_usa_inception_a_75_y_5_pasos(monkeypatch):
    """Sin conexión no hay Inception: se sustituye por una red pequeña con la misma entrada (a 75x75)
    para comprobar el camino de Colab; sin ella, la función dice por qué no mide."""
    from generativa import difusion
    from generativa.errores import ErrorDeDescarga

    keras = c._keras()
    layers = keras.layers
    vistas = []

    def inception_pequena():
        entrada = keras.Input((None, None, 3))
        x = layers.Resizing(c.LADO_INCEPTION, c.LADO_INCEPTION)(entrada)
        vistas.append(x.shape[1:3])
        x = layers.Conv2D(8, 3, strides=4, kernel_initializer=keras.initializers.RandomNormal(seed=0))(x)
        return keras.Model(entrada, layers.GlobalAveragePooling2D()(x))

    pasos = []
    original = difusion.generar_por_lotes

    def espia(modelo, num_images, diffusion_steps, *args, **kwargs):
        pasos.append(diffusion_steps)
        return original(modelo, num_images, diffusion_steps, *args, **kwargs)

    keras.utils.set_random_seed(0)
    modelo = difusion.DiffusionModel(16, widths=(8, 16), block_depth=1)
    reales = np.random.default_rng(0).uniform(size=(12, 16, 16, 3)).astype(np.float32)
    modelo.adapt(reales)
    monkeypatch.setattr(c, "_extractor_inception", inception_pequena)
    monkeypatch.setattr(difusion, "generar_por_lotes", espia)
    valor, motivo = c.kid_como_keras_io(modelo, reales, num_images=6, semilla=3)
    assert motivo is None and np.isfinite(valor)
    assert pasos == [c.PASOS_KERAS_IO] == [5] and vistas == [(75, 75)]
    # La misma cifra que la KID del modelo con ese extractor, 5 pasos y la misma semilla.
    keras.utils.set_random_seed(0)
    assert valor == pytest.approx(c.kid_de_modelo(modelo, inception_pequena(), 6, 5, 3, reales=reales), rel=1e-4)

    def sin_conexion():
        raise ErrorDeDescarga("No se pudieron cargar los pesos de InceptionV3 (¿sin conexión?)")

    monkeypatch.setattr(c, "_extractor_inception", sin_conexion)
    assert c.kid_como_keras_io(modelo, reales, num_images=6) == (None, "No se pudieron cargar los pesos de "
                                                                      "InceptionV3 (¿sin conexión?)")
    with pytest.raises(ValueError, match="'reales'"):
        c.kid_como_keras_io(modelo, reales[:, :8, :8])
