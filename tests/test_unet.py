import math

import numpy as np
import pytest

from generativa import unet
from generativa.unet import (
    build_unet,
    DownBlock,
    ResidualBlock,
    sinusoidal_embedding,
    SinusoidalEmbedding,
    UpBlock,
)

keras = unet.keras


def _cuenta(modelo):
    entrenables = sum(int(np.prod(w.shape)) for w in modelo.trainable_weights)
    fijos = sum(int(np.prod(w.shape)) for w in modelo.non_trainable_weights)
    return entrenables, fijos


def test_la_unet_del_curso_a_64_pixeles():
    modelo = build_unet(64)
    assert _cuenta(modelo) == (1_950_627, 2_880)
    assert modelo.count_params() == 1_953_507
    salida = modelo([np.zeros((2, 64, 64, 3), np.float32), np.full((2, 1, 1, 1), 0.3, np.float32)])
    assert salida.shape == (2, 64, 64, 3)
    assert np.all(np.asarray(salida) == 0)  # la última convolución empieza en cero


@pytest.mark.parametrize("lado", [32, 128])
def test_otros_tamanos(lado):
    modelo = build_unet(lado)
    assert modelo.output_shape == (None, lado, lado, 3)
    assert _cuenta(modelo) == (1_950_627, 2_880)  # convolucional: mismos pesos a cualquier tamaño


def test_valores_de_la_incrustacion():
    x = np.array([[[[0.0]]], [[[0.34]]]], np.float32)
    e = np.asarray(sinusoidal_embedding(x))
    assert e.shape == (2, 1, 1, 32)
    assert np.allclose(e[0, 0, 0], [0] * 16 + [1] * 16)
    frecuencias = np.exp(np.linspace(math.log(1), math.log(1000), 16))
    esperado = np.concatenate([np.sin(2 * np.pi * frecuencias * 0.34), np.cos(2 * np.pi * frecuencias * 0.34)])
    # float32: con 2π·1000·0,34 ≈ 2.136 radianes, el error de redondeo llega a unas diezmilésimas
    assert np.allclose(e[1, 0, 0], esperado, atol=1e-3)


def test_la_capa_se_guarda_y_se_carga(tmp_path):
    capa = SinusoidalEmbedding(16, name="emb")
    entrada = keras.Input((1, 1, 1))
    modelo = keras.Model(entrada, capa(entrada))
    modelo.save(tmp_path / "m.keras")
    cargado = keras.models.load_model(tmp_path / "m.keras")  # sin safe_mode=False: no hay Lambda
    x = np.full((1, 1, 1, 1), 0.5, np.float32)
    assert np.allclose(np.asarray(cargado(x)), np.asarray(modelo(x)))


def test_formas_de_los_bloques():
    entrada = keras.Input((16, 16, 8))
    assert ResidualBlock(8)(entrada).shape == (None, 16, 16, 8)
    assert ResidualBlock(12)(entrada).shape == (None, 16, 16, 12)
    skips = []
    abajo = DownBlock(12, 2)([entrada, skips])
    assert abajo.shape == (None, 8, 8, 12) and [s.shape for s in skips] == [(None, 16, 16, 12)] * 2
    arriba = UpBlock(8, 2)([abajo, skips])
    assert arriba.shape == (None, 16, 16, 8) and skips == []


@pytest.mark.parametrize("llamada, mensaje", [
    (lambda: build_unet(60), "múltiplo de 8"),
    (lambda: build_unet(64, widths=(32,)), "al menos dos anchos"),
    (lambda: build_unet(64, block_depth=0), "'block_depth'"),
    (lambda: ResidualBlock(0), "'width'"),
    (lambda: SinusoidalEmbedding(31), "entero par"),
    (lambda: SinusoidalEmbedding(32, min_frequency=10, max_frequency=1), "min_frequency < max_frequency"),
])
def test_errores_en_espanol(llamada, mensaje):
    with pytest.raises(ValueError, match=mensaje):
        llamada()


def test_el_diagrama_sale_del_modelo():
    from generativa.diagramas import dibujar_unet, nodos_unet
    from generativa.unet import build_unet

    nodos = nodos_unet(build_unet(32, widths=(8, 16, 24), block_depth=3))
    bloques = [n for n in nodos if n.tipo == "bloque"]
    assert len(bloques) == 3 * 2 + 3 + 3 * 2 and sum(len(n.saltos_desde) for n in nodos) == 6
    assert [n.forma[0] for n in bloques][:7] == [32, 32, 32, 16, 16, 16, 8]
    assert nodos[0].forma == (32, 32, 40) and nodos[-1].forma == (32, 32, 3)
    # Cada salto une dos bloques de la misma resolución, y el primero que baja es el último que sube.
    por_nombre = {n.nombre: n for n in nodos}
    for n in nodos:
        for fuente in n.saltos_desde:
            assert por_nombre[fuente].forma[:2] == n.forma[:2]
    assert bloques[-1].saltos_desde == [bloques[0].nombre]
    assert dibujar_unet(build_unet(32)).axes
    with pytest.raises(ValueError, match="U-Net"):
        nodos_unet(keras.Sequential([keras.Input((4,)), keras.layers.Dense(2)]))
