import numpy as np
import pytest

from generativa.metricas import kid


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
    (np.zeros((1, 4)), np.zeros((3, 4)), r"forma \(n ≥ 2, d\)"),
    (np.zeros((3, 4)), np.zeros((3, 5)), "misma dimensión"),
    (np.full((3, 4), np.nan), np.zeros((3, 4)), "no finitos"),
])
def test_kid_errores(a, b, mensaje):
    with pytest.raises(ValueError, match=mensaje):
        kid(a, b)
