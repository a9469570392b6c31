"""Entrenar sin perder nada: respaldo, reanudación, continuación, procedencia y carpetas (EBM y difusión)."""

import json

import numpy as np
import pytest

from conftest import DATOS
from generativa import archivos, difusion, ebm, entrenamiento
from generativa.entrenamiento import CARPETA_RESPALDO, DetenerPorTiempo, DetenerSiDiverge, estado_del_respaldo
from generativa.errores import EntrenamientoDivergente, ErrorDeArgumento, ErrorDeDatos, ErrorDeEntrenamiento
from generativa.perfiles import PERFILES

keras = difusion.keras
RAPIDO = PERFILES["rapido"]


@pytest.fixture
def diminuto(monkeypatch):
    """Perfil «rapido» a escala mínima: EBM de 256 dígitos y difusión de 16 píxeles, 2 lotes por época."""
    monkeypatch.setitem(ebm.CONFIGURACIONES, "rapido", ebm.ConfiguracionEBM("prueba", 256, 3, 2, (1, 3)))
    monkeypatch.setitem(difusion.CONFIGURACIONES, "rapido", difusion.ConfiguracionDDM(16, 128, 3, 2, (1, 3)))
    monkeypatch.setattr(entrenamiento, "describir_maquina", lambda: {"nucleos": 2, "gpu": []})


class Corte(keras.callbacks.Callback):
    """Simula una interrupción (Ctrl+C, Colab que se desconecta) al empezar la época ``epoca``."""

    def __init__(self, epoca):
        super().__init__()
        self.epoca = epoca

    def on_epoch_begin(self, epoch, logs=None):
        if epoch + 1 == self.epoca:
            raise KeyboardInterrupt("corte simulado")


def _coherente(salida, procedencia, puntos=("ebm",), sufijo=".weights.h5"):
    """La procedencia coincide con los archivos: épocas, historial, sumas e imágenes vistas."""
    epocas = procedencia["epocas"]
    assert all(len(v) == epocas for v in procedencia["historial"].values())
    assert procedencia["imagenes_vistas"] == epocas * procedencia["pasos_por_epoca"] * 128 or \
        procedencia["imagenes_vistas"] == epocas * procedencia["pasos_por_epoca"] * 64
    for nombre, suma in procedencia["pesos"].items():
        archivos.verificar_archivo(salida / nombre, suma)
    for prefijo in puntos:
        assert f"{prefijo}_epoca_{epocas:03d}{sufijo}" in procedencia["pesos"]
    estado = estado_del_respaldo(salida)
    assert estado["epoca"] == epocas and estado["pesos"] == procedencia["pesos"]


def test_ebm_interrumpido_reanuda_con_optimizador_y_bufer(tmp_path, diminuto, recwarn):
    with pytest.raises(KeyboardInterrupt):
        ebm.entrenar_ebm(RAPIDO, salida=tmp_path, verbose=0, callbacks_extra=[Corte(2)])
    estado = estado_del_respaldo(tmp_path)
    assert estado["epoca"] == 1 and (tmp_path / "ebm_epoca_001.weights.h5").is_file()
    modelo = ebm.EBM(seed=42)
    modelo.compile(optimizer=keras.optimizers.Adam(1e-4))
    modelo.optimizer.build(modelo.trainable_variables)
    modelo.load_weights(tmp_path / CARPETA_RESPALDO / estado["archivo"])
    assert int(modelo.buffer.count.numpy()) == 128 + 2 * 128  # el búfer viaja en el respaldo

    procedencia = ebm.entrenar_ebm(RAPIDO, salida=tmp_path, verbose=0)
    assert not [w for w in recwarn if "Skipping variable loading" in str(w.message)]
    assert procedencia["epocas"] == 3 and procedencia["reanudaciones"][0]["epoca"] == 1
    assert set(procedencia["pesos"]) == {"ebm_epoca_001.weights.h5", "ebm_epoca_003.weights.h5"}
    assert procedencia["historial"]["loss"][0] == estado["historial"]["loss"][0]
    _coherente(tmp_path, procedencia)
    assert json.loads((tmp_path / "procedencia.json").read_text(encoding="utf-8")) == procedencia


def test_ebm_guarda_instantaneas_del_bufer_que_sobreviven_a_un_corte(tmp_path, diminuto):
    """Con guardar_bufer_en_cada_punto, cada época guardada deja el búfer de ese momento: sus
    imágenes (las del tensor del búfer, no otras), la puntuación de todas y la de los reales."""
    capturado = {}

    class Copia(keras.callbacks.Callback):  # el búfer real al final de la época 1, para comparar
        def on_epoch_end(self, epoch, logs=None):
            if epoch == 0:
                capturado["examples"] = self.model.buffer.examples.numpy().copy()
                capturado["count"] = int(self.model.buffer.count.numpy())

    with pytest.raises(KeyboardInterrupt):
        ebm.entrenar_ebm(RAPIDO, salida=tmp_path, verbose=0, guardar_bufer_en_cada_punto=True,
                         callbacks_extra=[Copia(), Corte(2)])
    procedencia = ebm.entrenar_ebm(RAPIDO, salida=tmp_path, verbose=0, guardar_bufer_en_cada_punto=True)
    _coherente(tmp_path, procedencia, puntos=("ebm",))
    assert {"ebm_bufer_epoca_001.npz", "ebm_bufer_epoca_003.npz"} <= set(procedencia["pesos"])
    primera = ebm.cargar_bufer(tmp_path / "ebm_bufer_epoca_001.npz")
    ultima = ebm.cargar_bufer(tmp_path / "ebm_bufer_epoca_003.npz")
    assert int(primera["ocupadas"]) == capturado["count"] == 128 + 2 * 128
    assert int(ultima["ocupadas"]) == 128 + 6 * 128
    assert primera["imagenes"].shape == (min(ebm.BUFER_GUARDADO, 384), 32, 32, 1)
    esperadas = np.clip(capturado["examples"][primera["indices"]], -1, 1)
    np.testing.assert_allclose(primera["imagenes"], esperadas, atol=1 / 127.5 + 1e-6)  # uint8: medio escalón
    assert primera["puntuaciones"].shape == (384,) and np.isfinite(primera["puntuaciones"]).all()
    red = ebm.build_energy_network()
    red.load_weights(tmp_path / "ebm_epoca_001.weights.h5")
    np.testing.assert_allclose(primera["puntuaciones"],
                               red.predict(capturado["examples"][:384], verbose=0)[:, 0], rtol=1e-4, atol=1e-5)
    assert primera["puntuaciones_reales"].shape == (256,)  # los 256 dígitos de la escala diminuta
    assert "instantaneas_del_bufer" in procedencia
    with pytest.raises(ErrorDeArgumento, match="no es una instantánea"):
        ebm.cargar_bufer(tmp_path / "ebm_epoca_001.weights.h5")


def test_ebm_seguir_terminado_desde_respaldo_o_desde_pesos(tmp_path, diminuto):
    terminado = ebm.entrenar_ebm(RAPIDO, salida=tmp_path, verbose=0)
    assert ebm.entrenar_ebm(RAPIDO, salida=tmp_path, verbose=0)["historial"] == terminado["historial"]  # nada nuevo
    with pytest.raises(ErrorDeEntrenamiento, match="ya tiene 3 épocas; se pidieron 2"):
        ebm.entrenar_ebm(RAPIDO, epocas=2, salida=tmp_path, verbose=0)
    # Con el respaldo completo, pedir más épocas sigue desde él (optimizador y búfer incluidos).
    seguida = ebm.entrenar_ebm(RAPIDO, epocas=4, salida=tmp_path, verbose=0)
    assert seguida["epocas"] == 4 and seguida["historial"]["loss"][:3] == terminado["historial"]["loss"]
    assert "respaldo completo" in seguida["reanudaciones"][-1]["desde"]
    _coherente(tmp_path, seguida)
    # Sin el respaldo, hace falta pedirlo (continuar) y se parte de los últimos pesos guardados.
    import shutil

    shutil.rmtree(tmp_path / CARPETA_RESPALDO)
    with pytest.raises(ErrorDeEntrenamiento, match="usa --continuar"):
        ebm.entrenar_ebm(RAPIDO, epocas=5, salida=tmp_path, verbose=0)
    with pytest.raises(ErrorDeEntrenamiento, match="mayor que las 4 ya entrenadas"):
        ebm.entrenar_ebm(RAPIDO, epocas=4, salida=tmp_path, verbose=0, continuar=True)
    desde_pesos = ebm.entrenar_ebm(RAPIDO, epocas=5, salida=tmp_path, verbose=0, continuar=True)
    assert desde_pesos["epocas"] == 5 and "ebm_epoca_004.weights.h5" in desde_pesos["reanudaciones"][-1]["desde"]
    _coherente(tmp_path, desde_pesos)


def test_un_respaldo_o_un_punto_de_control_danado_no_se_usa(tmp_path, diminuto):
    with pytest.raises(KeyboardInterrupt):
        ebm.entrenar_ebm(RAPIDO, salida=tmp_path, verbose=0, callbacks_extra=[Corte(3)])
    estado = estado_del_respaldo(tmp_path)
    respaldo = tmp_path / CARPETA_RESPALDO / estado["archivo"]
    original = respaldo.read_bytes()
    respaldo.write_bytes(original[:1000] + bytes(65536) + original[1000 + 65536:])  # 64 KiB a cero
    with pytest.raises(ErrorDeDatos, match="respaldo .* no se puede usar.*dañado.*borra la carpeta"):
        ebm.entrenar_ebm(RAPIDO, salida=tmp_path, verbose=0)
    respaldo.write_bytes(original)
    (tmp_path / CARPETA_RESPALDO / "estado.json").write_text('{"epoca": 2, "archiv', encoding="utf-8")
    with pytest.raises(ErrorDeDatos, match="no es un JSON válido"):
        ebm.entrenar_ebm(RAPIDO, salida=tmp_path, verbose=0)
    archivos.escribir_json(tmp_path / CARPETA_RESPALDO / "estado.json", estado)
    punto = tmp_path / "ebm_epoca_001.weights.h5"
    punto.write_bytes(bytes(punto.stat().st_size))
    with pytest.raises(ErrorDeDatos, match="ebm_epoca_001.*ha cambiado"):
        ebm.entrenar_ebm(RAPIDO, salida=tmp_path, verbose=0)


def test_ddm_reanuda_rechaza_otro_tamano_y_anota_imagenes(tmp_path, diminuto):
    with pytest.raises(KeyboardInterrupt):
        difusion.entrenar_ddm(RAPIDO, salida=tmp_path, verbose=0, guardar_red=True, callbacks_extra=[Corte(2)])
    with pytest.raises(ErrorDeEntrenamiento, match="otra configuración.*image_size: era 16 y se pidió 32"):
        difusion.entrenar_ddm(RAPIDO, salida=tmp_path, verbose=0, image_size=32)
    procedencia = difusion.entrenar_ddm(RAPIDO, salida=tmp_path, verbose=0, guardar_red=True)
    assert procedencia["epocas"] == 3 and procedencia["image_size"] == 16
    assert procedencia["imagenes_vistas"] == 3 * 2 * 64 and "val_n_loss" in procedencia["historial"]
    assert set(procedencia["pesos"]) == {f"ddm{r}_epoca_{e:03d}.h5" for r in ("", "_red") for e in (1, 3)}
    _coherente(tmp_path, procedencia, puntos=("ddm", "ddm_red"), sufijo=".h5")
    red = difusion.cargar_ema(difusion.DiffusionModel(16), tmp_path / "ddm_red_epoca_003.h5")
    ema = difusion.cargar_ema(difusion.DiffusionModel(16), tmp_path / "ddm_epoca_003.h5")
    assert not np.allclose(red.ema_network.weights[0].numpy(), ema.ema_network.weights[0].numpy())


def test_ddm_detener_por_tiempo_guarda_la_ultima_epoca(tmp_path, diminuto):
    procedencia = difusion.entrenar_ddm(RAPIDO, epocas=3, salida=tmp_path, verbose=0, guardar_en=[3],
                                        tiempo_maximo=1e-6)
    assert procedencia["epocas"] == 1 and set(procedencia["pesos"]) == {"ddm_epoca_001.h5"}
    _coherente(tmp_path, procedencia, puntos=("ddm",), sufijo=".h5")
    with pytest.raises(ErrorDeArgumento, match="'segundos' debe ser > 0"):
        DetenerPorTiempo(0)


def test_ddm_que_diverge_se_detiene_y_no_guarda_la_epoca(tmp_path, diminuto, monkeypatch):
    monkeypatch.setattr(difusion, "LEARNING_RATE", 1e4)
    with pytest.raises(EntrenamientoDivergente, match="«n_loss»"):
        difusion.entrenar_ddm(RAPIDO, salida=tmp_path, verbose=0)
    assert estado_del_respaldo(tmp_path) is None


def test_la_validacion_tambien_se_vigila():
    class Falso:
        stop_training = False

    vigilante = DetenerSiDiverge(("n_loss",), limite=100)
    vigilante.set_model(Falso())
    vigilante.on_epoch_begin(3)
    vigilante.on_train_batch_end(0, {"n_loss": 0.3})
    with pytest.raises(EntrenamientoDivergente, match="época 4, final de la época.*«val_n_loss» vale 3364"):
        vigilante.on_epoch_end(3, {"n_loss": 0.3, "val_n_loss": 3364.0})


def test_nunca_se_escribe_en_los_datos_del_libro(tmp_path, monkeypatch):
    with pytest.raises(ErrorDeEntrenamiento, match="carpeta de datos y pesos incluidos"):
        entrenamiento.carpeta_de_salida(DATOS / "pesos" / "ebm", "ebm")
    assert entrenamiento.carpeta_de_salida(None, "ebm") == tmp_path / "cache" / "pesos" / "ebm"
    monkeypatch.setenv("GENERATIVA_PESOS", str(tmp_path / "drive"))
    assert entrenamiento.carpeta_de_salida(None, "ddm") == tmp_path / "drive" / "ddm"


def test_los_pesos_propios_van_antes_que_los_del_libro(tmp_path, diminuto, monkeypatch):
    assert ebm.pesos_entrenados.origen() == "libro" and ebm.epocas_entrenadas()[-1] == 100
    ebm.entrenar_ebm(RAPIDO, verbose=0)  # a la carpeta de pesos propios (la caché de la prueba)
    assert ebm.pesos_entrenados.origen() == "propios" and ebm.epocas_entrenadas() == [1, 3]
    assert ebm.procedencia()["perfil"] == "rapido" and "tus pesos" in ebm.pesos_entrenados.describir()
    assert ebm.cargar_red_entrenada().count_params() == 76_993
    monkeypatch.setenv("GENERATIVA_PESOS_DEL_LIBRO", "1")
    assert ebm.pesos_entrenados.origen() == "libro" and "pesos del libro" in ebm.pesos_entrenados.describir()
    monkeypatch.delenv("GENERATIVA_PESOS_DEL_LIBRO")
    propio = tmp_path / "cache" / "pesos" / "ebm" / "ebm_epoca_003.weights.h5"
    propio.write_bytes(propio.read_bytes()[:-10] + b"0123456789")
    with pytest.raises(ErrorDeDatos, match="dañado.*Tu entrenamiento anotó otra suma"):
        ebm.cargar_red_entrenada()


def test_cargar_o_entrenar_entrena_si_faltan_los_pesos_del_libro(copia_de_datos, diminuto, capsys):
    for archivo in (copia_de_datos / "pesos" / "ddm").iterdir():
        archivo.unlink()
    with pytest.raises(ErrorDeDatos, match="No hay pesos entrenados del modelo de difusión.*Faltan estos archivos"):
        difusion.cargar_modelo_entrenado()
    assert difusion.cargar_o_entrenar(RAPIDO) == [1, 3]
    assert "Faltan pesos del libro" in capsys.readouterr().out
    modelo = difusion.cargar_modelo_entrenado(3)
    assert modelo.image_size == 16 and np.asarray(modelo.generate(2, 2)).shape == (2, 16, 16, 3)
    with pytest.raises(ErrorDeDatos, match="de la época 2"):
        difusion.cargar_modelo_entrenado(2)


def test_un_archivo_del_libro_danado_se_nombra(copia_de_datos):
    archivo = copia_de_datos / "pesos" / "ebm" / "ebm_epoca_100.weights.h5"
    archivo.write_bytes(bytes(archivo.stat().st_size))
    with pytest.raises(ErrorDeDatos, match="ebm_epoca_100.weights.h5 está dañado.*git checkout"):
        ebm.cargar_red_entrenada()


def test_la_orden_de_la_linea_de_comandos(tmp_path, diminuto, capsys):
    from generativa import entrenar

    assert entrenar.main(["ddm", "--perfil", "rapido", "--epocas", "1", "--salida", str(tmp_path),
                          "--kid", "8"]) == 0
    salida = capsys.readouterr().out
    assert "Hecho: 1 épocas" in salida and "KID por época" in salida
    assert json.loads((tmp_path / "procedencia.json").read_text(encoding="utf-8"))["epocas"] == 1
    assert entrenar.main(["ebm", "--perfil", "rapido", "--salida", str(DATOS / "pesos" / "ebm")]) == 2
    assert "nunca modifica" in capsys.readouterr().err


def test_la_escritura_atomica_deja_los_permisos_de_un_archivo_normal(tmp_path):
    """Un respaldo o un punto de control se comparte (Drive, otra cuenta): no queda en 0600."""
    import os

    mascara = os.umask(0o022)
    try:
        ruta = tmp_path / "estado.json"
        archivos.escribir_json(ruta, {"a": 1})
        assert ruta.stat().st_mode & 0o777 == archivos._PERMISOS
        assert archivos.leer_json(ruta, "prueba") == {"a": 1}
    finally:
        os.umask(mascara)


def test_ddm_continuar_desde_pesos_recupera_tambien_la_red_sin_promediar(tmp_path, diminuto):
    """Sin respaldo, --continuar carga la EMA en las dos redes y, si se guardó, la red de verdad en la que entrena."""
    primera = difusion.entrenar_ddm("rapido", epocas=2, salida=tmp_path, verbose=0, guardar_red=True)
    assert {"ddm_epoca_002.h5", "ddm_red_epoca_002.h5"} <= set(primera["pesos"])
    modelo = difusion.DiffusionModel(16)
    modelo.adapt(np.zeros((4, 16, 16, 3), np.float32) + 0.5)
    difusion.cargar_para_continuar(modelo, tmp_path / "ddm_epoca_002.h5")
    ema, red = modelo.ema_network.get_weights(), modelo.network.get_weights()
    assert any(not np.allclose(a, b) for a, b in zip(ema, red))  # dos redes distintas, como al entrenar
    solo_ema = difusion.DiffusionModel(16)
    solo_ema.adapt(np.zeros((4, 16, 16, 3), np.float32) + 0.5)
    (tmp_path / "ddm_red_epoca_002.h5").rename(tmp_path / "aparte.h5")
    difusion.cargar_para_continuar(solo_ema, tmp_path / "ddm_epoca_002.h5")
    for a, b in zip(solo_ema.ema_network.get_weights(), solo_ema.network.get_weights()):
        np.testing.assert_array_equal(a, b)
    (tmp_path / "aparte.h5").rename(tmp_path / "ddm_red_epoca_002.h5")

    # y el entrenamiento continuado lo anota en la procedencia
    (tmp_path / CARPETA_RESPALDO / "estado.json").unlink()
    segunda = difusion.entrenar_ddm("rapido", epocas=3, salida=tmp_path, verbose=0, guardar_red=True, continuar=True)
    tramo = segunda["reanudaciones"][-1]
    assert tramo["epoca"] == 2 and "ddm_red_epoca_002.h5" in tramo["desde"] and "optimizador" in tramo["desde"]


class DecaimientoUsado(keras.callbacks.Callback):
    """El decaimiento d con que train_step movió la EMA en cada paso, deducido de los pesos:
    ema_despues = d · ema_antes + (1 − d) · red_despues."""

    def on_train_begin(self, logs=None):
        self.usados = []

    def on_train_batch_begin(self, batch, logs=None):
        self.antes = [w.numpy() for w in self.model.ema_network.weights]

    def on_train_batch_end(self, batch, logs=None):
        d = []
        for antes, ema, red in zip(self.antes, self.model.ema_network.weights, self.model.network.weights):
            hueco = antes - red.numpy()
            grandes = np.abs(hueco) > 1e-5
            d.extend(((ema.numpy() - red.numpy())[grandes] / hueco[grandes]).tolist())
        self.usados.append(float(np.median(d)))


@pytest.mark.parametrize("desde", ["pesos", "respaldo"])
def test_ddm_al_seguir_el_calentamiento_de_la_ema_cuenta_todos_los_pasos(tmp_path, diminuto, desde):
    """Al seguir desde pesos guardados el optimizador empieza de nuevo (su contador también); el
    calentamiento de la EMA no: usa el paso de todo el entrenamiento (2 épocas de 2 lotes: pasos 5 y 6)."""
    difusion.entrenar_ddm("rapido", epocas=2, salida=tmp_path, verbose=0, guardar_red=True)
    if desde == "pesos":
        (tmp_path / CARPETA_RESPALDO / "estado.json").unlink()
    espia = DecaimientoUsado()
    procedencia = difusion.entrenar_ddm("rapido", epocas=3, salida=tmp_path, verbose=0, guardar_red=True,
                                        continuar=desde == "pesos", callbacks_extra=[espia])
    esperados = [float(difusion.decaimiento_ema(n)) for n in (5, 6)]  # no (1, 2): no vuelve a empezar
    np.testing.assert_allclose(espia.usados, esperados, atol=2e-3)
    assert difusion.pasos_de_la_ema(procedencia) == {1: 2, 2: 4, 3: 6}  # lo que dice la procedencia
    if desde == "pesos":
        assert procedencia["reanudaciones"][-1]["ema"] == "el calentamiento de la EMA sigue desde el paso total"


def test_los_pasos_de_la_ema_de_un_entrenamiento_reanudado_antes_y_despues_del_arreglo():
    """El entrenamiento de 64x64 del libro: hasta la época 11, al seguir desde pesos el calentamiento
    volvía a empezar (ventana de ~58 pasos); desde la 12 sigue el paso total."""
    sin_estado = "pesos guardados ddm_epoca_00N.h5 (sin el estado del optimizador, que empieza de nuevo)"
    reanudaciones = [{"epoca": 1, "desde": "respaldo completo (pesos, optimizador y estado del entrenamiento)"},
                     *({"epoca": e, "desde": sin_estado} for e in (2, 3, 5, 7)),
                     {"epoca": 8, "desde": "respaldo completo (pesos, optimizador y estado del entrenamiento)"},
                     *({"epoca": e, "desde": sin_estado} for e in (9, 10)),
                     {"epoca": 11, "desde": "respaldo completo (pesos, optimizador y estado del entrenamiento)",
                      "ema": "el calentamiento de la EMA sigue desde el paso total"}]
    pasos = difusion.pasos_de_la_ema({"epocas": 13, "pasos_por_epoca": 511, "reanudaciones": reanudaciones})
    assert [pasos[e] // 511 for e in range(1, 14)] == [1, 2, 1, 1, 2, 1, 2, 1, 2, 1, 1, 12, 13]
    assert difusion.pasos_de_la_ema({"epocas": 2, "pasos_por_epoca": 5}) == {1: 5, 2: 10}
    with pytest.raises(ErrorDeArgumento, match="pasos por época"):
        difusion.pasos_de_la_ema({"epocas": 2})
