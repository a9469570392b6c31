"""Entrenamiento del modelo de difusión: partición, pesos compactos, orden, reanudación y KID."""

import json

import h5py
import numpy as np
import pytest

from generativa import difusion, entrenar
from generativa.difusion import DiffusionModel, cargar_ema, guardar_ema, particion_del_curso
from generativa.entrenamiento import DetenerPorTiempo, EntrenamientoDivergente
from generativa.integridad import ErrorDeDatos
from generativa.perfiles import PERFILES

keras = difusion.keras
DIMINUTA = difusion.ConfiguracionDDM(16, 128, 3, 2, (1, 3))


@pytest.fixture
def diminuto(monkeypatch):
    """Un perfil «rapido» de 16 píxeles, 2 lotes por época y 3 épocas."""
    monkeypatch.setitem(difusion.CONFIGURACIONES, "rapido", DIMINUTA)
    monkeypatch.setattr(entrenar, "describir_maquina", lambda: {})


def test_la_particion_del_curso():
    from generativa.datos import cargar_flores

    flores = cargar_flores(16)
    entrenamiento, validacion = particion_del_curso(flores)
    assert (len(entrenamiento), len(validacion)) == (6551, 1638)
    assert not set(entrenamiento) & set(validacion)
    # setid.mat viene ordenado por especie: sin barajar, la validación tendría solo las últimas.
    assert len(set(flores.etiquetas[entrenamiento])) == 102 and len(set(flores.etiquetas[validacion])) == 102
    assert np.array_equal(particion_del_curso(flores)[0], entrenamiento)  # determinista


def test_pesos_compactos_en_float16(tmp_path):
    from generativa.datos import cargar_flores

    keras.utils.set_random_seed(0)
    imagenes = cargar_flores(16).imagenes[:64]
    modelo = DiffusionModel(16, widths=(8, 16), block_depth=1)
    modelo.adapt(imagenes)
    modelo.compile(optimizer=keras.optimizers.AdamW(1e-3), loss=keras.losses.MeanAbsoluteError())
    modelo.fit(np.repeat(imagenes, 5, axis=0), batch_size=32, epochs=1, verbose=0)  # 10 pasos: EMA ≠ 0
    ruidosas = np.random.default_rng(2).standard_normal((4, 16, 16, 3)).astype(np.float32)
    varianzas = np.full((4, 1, 1, 1), 0.5, np.float32)
    antes = np.asarray(modelo.ema_network([ruidosas, varianzas]))
    guardar_ema(modelo, tmp_path / "ddm.h5")
    otro = cargar_ema(DiffusionModel(16, widths=(8, 16), block_depth=1), tmp_path / "ddm.h5")
    despues = np.asarray(otro.ema_network([ruidosas, varianzas]))
    assert antes.std() > 1e-3 and np.abs(antes - despues).max() < 1e-2 * antes.std()  # el redondeo de float16
    assert np.allclose(np.asarray(otro.normalizer.mean), np.asarray(modelo.normalizer.mean), rtol=1e-3)
    for a, b in zip(otro.network.weights, otro.ema_network.weights):  # la red que se entrena parte de la EMA
        assert np.array_equal(a.numpy(), b.numpy())
    with h5py.File(tmp_path / "ddm.h5") as f:
        assert f["ema_network"]["000"].dtype == np.float16
    with pytest.raises(ValueError, match="son para imágenes de 16 píxeles"):
        cargar_ema(DiffusionModel(32, widths=(8, 16), block_depth=1), tmp_path / "ddm.h5")
    (tmp_path / "roto.h5").write_bytes((tmp_path / "ddm.h5").read_bytes()[:5000])
    with pytest.raises(ErrorDeDatos):
        cargar_ema(otro, tmp_path / "roto.h5")


def test_entrenar_interrumpir_reanudar_continuar_y_kid(tmp_path, diminuto, recwarn):
    from generativa.evaluacion import evaluar_puntos_de_control

    class Corte(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            if epoch == 1:
                raise KeyboardInterrupt("corte simulado")

    with pytest.raises(KeyboardInterrupt):
        entrenar.entrenar_ddm(PERFILES["rapido"], salida=tmp_path, verbose=0, callbacks_extra=[Corte()])
    assert (tmp_path / ".respaldo").is_dir() and (tmp_path / "ddm_epoca_001.h5").is_file()
    procedencia = entrenar.entrenar_ddm(PERFILES["rapido"], salida=tmp_path, verbose=0)
    # Se reanuda con el estado del optimizador (y su contador de pasos, que usa la EMA).
    assert not [w for w in recwarn if "Skipping variable loading" in str(w.message)]
    assert procedencia["epocas"] == 3 and len(procedencia["historial"]["n_loss"]) == 3
    assert procedencia["imagenes_vistas"] == 3 * 2 * 64 and procedencia["image_size"] == 16
    assert set(procedencia["pesos"]) == {"ddm_epoca_001.h5", "ddm_epoca_003.h5"}
    assert "val_n_loss" in procedencia["historial"] and not (tmp_path / ".respaldo").exists()

    seguida = entrenar.entrenar_ddm(PERFILES["rapido"], epocas=4, salida=tmp_path, verbose=0, continuar=True)
    assert seguida["continuado_desde_epoca"] == 3 and seguida["epocas"] == 4
    assert seguida["historial"]["n_loss"][:3] == procedencia["historial"]["n_loss"]
    with pytest.raises(ValueError, match="es de 16 píxeles"):
        entrenar.entrenar_ddm(PERFILES["rapido"], epocas=5, salida=tmp_path, verbose=0, continuar=True,
                              image_size=32)

    kid = evaluar_puntos_de_control(tmp_path, epocas=[1, 4], num_images=16, diffusion_steps=2, cual="flores")
    assert set(kid["por_epoca"]) == {"1", "4"} and all(np.isfinite(v) for v in kid["por_epoca"].values())
    assert "extractor de flores" in kid["extractor"]
    assert json.loads((tmp_path / "procedencia.json").read_text(encoding="utf-8"))["kid"] == kid
    with pytest.raises(ValueError, match="No hay pesos guardados de las épocas \\[2\\]"):
        evaluar_puntos_de_control(tmp_path, epocas=[2], num_images=16, cual="flores")


def test_detener_por_tiempo_guarda_la_ultima_epoca(tmp_path, diminuto):
    procedencia = entrenar.entrenar_ddm(PERFILES["rapido"], epocas=3, salida=tmp_path, verbose=0,
                                        guardar_en=[3], tiempo_maximo=1e-6)
    assert procedencia["epocas"] == 1 and set(procedencia["pesos"]) == {"ddm_epoca_001.h5"}
    with pytest.raises(ValueError, match="'segundos' debe ser positivo"):
        DetenerPorTiempo(0)


def test_un_entrenamiento_que_diverge_se_detiene(tmp_path, diminuto, monkeypatch):
    monkeypatch.setattr(difusion, "LEARNING_RATE", 1e4)
    with pytest.raises(EntrenamientoDivergente, match="«n_loss»"):
        entrenar.entrenar_ddm(PERFILES["rapido"], salida=tmp_path, verbose=0)


def test_cargar_o_entrenar_sin_pesos_incluidos(tmp_path, monkeypatch, diminuto):
    from generativa import fuentes

    for nombre in [n for n in fuentes.FUENTES if n.startswith("ddm_")]:
        monkeypatch.delitem(fuentes.FUENTES, nombre)
    monkeypatch.setenv("GENERATIVA_CACHE", str(tmp_path))
    with pytest.raises(ValueError, match="No hay pesos entrenados del modelo de difusión"):
        difusion.cargar_modelo_entrenado()
    assert difusion.cargar_o_entrenar(PERFILES["rapido"]) == [1, 3]
    modelo = difusion.cargar_modelo_entrenado(3)
    assert modelo.image_size == 16 and np.asarray(modelo.generate(2, 2)).shape == (2, 16, 16, 3)
    with pytest.raises(ValueError, match="de la época 2"):
        difusion.cargar_modelo_entrenado(2)


def test_la_orden_de_la_linea_de_comandos(tmp_path, diminuto, capsys):
    assert entrenar.main(["ddm", "--perfil", "rapido", "--epocas", "1", "--salida", str(tmp_path),
                          "--kid", "8"]) == 0
    salida = capsys.readouterr().out
    assert "Hecho en" in salida and "KID por época" in salida
    assert json.loads((tmp_path / "procedencia.json").read_text(encoding="utf-8"))["epocas"] == 1
