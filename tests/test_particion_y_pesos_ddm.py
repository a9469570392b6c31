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
