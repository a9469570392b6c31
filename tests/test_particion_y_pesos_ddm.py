"""El modelo de difusión y sus datos de entrenamiento: la partición del curso y los pesos compactos."""

import json

import h5py
import numpy as np
import pytest

from generativa import difusion, entrenar
from generativa.difusion import (
    cargar_ema,
    DiffusionModel,
    guardar_ema,
    particion_del_curso,
)
from generativa.entrenamiento import DetenerPorTiempo
from generativa.errores import EntrenamientoDivergente, ErrorDeDatos
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


def test_los_pesos_del_libro_coinciden_con_su_procedencia(monkeypatch):
    """Los pesos de difusión incluidos: los de 64x64 del perfil «completo», con las épocas de la figura
    del curso, y una procedencia que cuadra con los archivos y trae la curva de KID de cada época incluida
    (tres semillas, red EMA y red sin promediar) medida con el extractor incluido."""
    from generativa.archivos import sha256_de
    from generativa.kid import procedencia_extractor_flores

    monkeypatch.setenv("GENERATIVA_PESOS_DEL_LIBRO", "1")
    procedencia = difusion.procedencia()
    epocas = difusion.epocas_entrenadas()
    assert difusion.pesos_entrenados.origen() == "libro"
    assert procedencia["perfil"] == "completo" and procedencia["image_size"] == 64
    assert {1, 4, 8, 11} <= set(epocas) and epocas[-1] == procedencia["epocas"] < procedencia["epocas_previstas"]
    assert procedencia["imagenes_vistas"] == procedencia["epocas"] * procedencia["pasos_por_epoca"] * 64
    # el recuadro de cada página dice que aún no son las 50 épocas del curso
    assert (f"los pesos del libro (data/pesos): perfil completo, 64x64, {procedencia['epocas']} de 50 épocas, "
            in difusion.pesos_entrenados.describir())
    assert all(len(v) == procedencia["epocas"] for v in procedencia["historial"].values())
    for epoca in epocas:
        ruta = difusion.pesos_entrenados.ruta(epoca)
        assert procedencia["pesos"][ruta.name] == sha256_de(ruta)
    assert cargar_ema(DiffusionModel(64), difusion.pesos_entrenados.ruta()).image_size == 64
    kid = procedencia["kid"]
    assert kid["imagenes_generadas"] == 500 and kid["pasos_de_difusion"] == 20
    assert kid["sha256_del_extractor"] == sha256_de(difusion.pesos_entrenados.ruta().parents[1] / "kid"
                                                    / "extractor_flores.weights.h5")
    assert kid["exactitud_del_extractor"] == procedencia_extractor_flores()["exactitud_validacion"]
    for epoca in epocas:
        for red in ("ema_network", "network"):
            assert len(kid["medidas"][f"{red}/{epoca}"]) >= 3, (red, epoca)
    # los pasos de la EMA que cuenta el capítulo 5
    ventanas = {e: 1 / (1 - float(difusion.decaimiento_ema(n))) for e, n in difusion.pasos_de_la_ema(procedencia).items()}
    assert all(55 < ventanas[e] < 60 for e in (1, 4, 8, 11))
