"""Extractor de características de la KID, la métrica de Keras y el diagrama de la U-Net."""

import numpy as np
import pytest

from generativa import caracteristicas as c
from generativa.metricas import KID, kid

keras = c.keras


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


def test_la_metrica_de_keras_coincide_con_la_formula():
    rng = np.random.default_rng(3)
    x = rng.normal(size=(20, 2, 2, 3)).astype(np.float32)
    y = (rng.normal(size=(20, 2, 2, 3)) + 0.5).astype(np.float32)
    plano = keras.Sequential([keras.Input((2, 2, 3)), keras.layers.Flatten()])
    metrica = KID(plano)
    metrica.update_state(x, y)
    esperado = kid(x.reshape(20, -1), y.reshape(20, -1))
    assert float(metrica.result()) == pytest.approx(esperado, rel=1e-4)
    metrica.update_state(x, x)  # segundo lote: la media de los dos
    assert float(metrica.result()) == pytest.approx((esperado + kid(x.reshape(20, -1), x.reshape(20, -1))) / 2,
                                                    rel=1e-3, abs=1e-5)
    metrica.reset_state()
    assert float(metrica.result()) == 0.0


@pytest.mark.parametrize("llamada, mensaje", [
    (lambda: c.extractor_kid("vgg"), "'cual' debe ser"),
    (lambda: c.caracteristicas(None, np.zeros((2, 8, 8))), r"\(n, alto, ancho, 3\)"),
    (lambda: c.caracteristicas(None, np.full((2, 8, 8, 3), 2.0)), r"en \[0, 1\]"),
    (lambda: KID("no es un modelo"), "'extractor' debe ser un modelo"),
    (lambda: c.entrenar_extractor_flores(0), "'epocas'"),
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
