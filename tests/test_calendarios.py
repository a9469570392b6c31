import numpy as np
import pytest

from generativa.calendarios import (
    CALENDARIOS,
    closed_form_diffusion,
    cosine_diffusion_schedule,
    forward_diffusion,
    linear_diffusion_schedule,
    offset_cosine_diffusion_schedule,
    tabla_coseno,
    tabla_lineal,
)

TIEMPOS = np.linspace(0, 1, 1001)


def _np(tensores):
    return [np.asarray(t) for t in tensores]


@pytest.mark.parametrize("nombre", list(CALENDARIOS))
def test_suma_de_cuadrados_uno_monotonia_y_tipo(nombre):
    noise, signal = CALENDARIOS[nombre](TIEMPOS)
    assert noise.dtype == signal.dtype == "float32"
    noise, signal = _np((noise, signal))
    assert np.abs(noise**2 + signal**2 - 1).max() < 1e-6
    assert np.all(np.diff(signal) < 0) and np.all(np.diff(noise) > 0)
    assert signal.min() >= 0 and noise.min() >= 0


@pytest.mark.parametrize("nombre", list(CALENDARIOS))
def test_cualquier_forma(nombre):
    t = np.random.default_rng(0).uniform(size=(5, 1, 1, 1))
    noise, signal = _np(CALENDARIOS[nombre](t))
    assert noise.shape == signal.shape == (5, 1, 1, 1)
    plano = _np(CALENDARIOS[nombre](t.ravel()))
    assert np.allclose(signal.ravel(), plano[1])


def test_extremos():
    noise, signal = _np(offset_cosine_diffusion_schedule([0.0, 1.0]))
    assert signal == pytest.approx([0.95, 0.02], abs=1e-6)
    assert noise == pytest.approx([np.sqrt(1 - 0.95**2), np.sqrt(1 - 0.02**2)], abs=1e-6)
    noise, signal = _np(cosine_diffusion_schedule([0.0, 0.5, 1.0]))
    assert signal == pytest.approx([1, np.sqrt(0.5), 0], abs=1e-6)
    noise, signal = _np(linear_diffusion_schedule([0.0, 1.0]))
    assert signal[0] == 1 and noise[0] == 0
    assert signal[1] ** 2 == pytest.approx(tabla_lineal().alpha_bars[-1], rel=1e-4)


def test_lineal_coincide_con_la_tabla_en_los_pasos():
    tabla = tabla_lineal()
    noise, signal = _np(linear_diffusion_schedule(np.arange(1, 1001) / 1000))
    # raíces, no ᾱ: el desliz de la diapositiva haría fallar esta comprobación
    assert np.allclose(signal, np.sqrt(tabla.alpha_bars), rtol=1e-4, atol=1e-7)
    assert np.allclose(noise, np.sqrt(1 - tabla.alpha_bars), rtol=1e-4, atol=1e-7)


def test_tabla_lineal_contra_float64():
    tabla = tabla_lineal()
    betas = 1e-4 + np.arange(1000) * (0.02 - 1e-4) / 999
    assert np.allclose(tabla.betas, betas, rtol=0, atol=1e-15)
    esperado = np.exp(np.sum(np.log1p(-betas)))
    assert tabla.alpha_bars[-1] == pytest.approx(esperado, rel=1e-10)
    assert tabla.alpha_bars[-1] == pytest.approx(4.0358e-5, rel=1e-3)


def test_tabla_coseno_de_nichol_y_dhariwal():
    tabla = tabla_coseno()
    assert tabla.alpha_bars[-1] < 1e-8 and tabla.betas.max() == pytest.approx(0.999)
    f = lambda t: np.cos((t / 1000 + 0.008) / 1.008 * np.pi / 2) ** 2
    assert tabla.alpha_bars[499] == pytest.approx(f(500) / f(0), rel=1e-9)
    assert np.all(np.diff(tabla.alpha_bars) < 0)


def test_iterativo_y_salto_directo_coinciden_en_distribucion():
    """Media y varianza por píxel de 4.000 cadenas de 300 pasos frente a la fórmula cerrada."""
    tabla = tabla_lineal()
    x0 = np.linspace(-1.5, 1.5, 16).astype(np.float64)
    cadenas = np.broadcast_to(x0, (4000, 16)).copy()
    iterativo = forward_diffusion(cadenas, 300, tabla.betas, seed=1)
    directo = closed_form_diffusion(cadenas, 300, tabla.alpha_bars, seed=2)
    ab = tabla.alpha_bars[299]
    error_tipico = np.sqrt((1 - ab) / 4000)
    for muestras in (iterativo, directo):
        assert np.abs(muestras.mean(0) - np.sqrt(ab) * x0).max() < 5 * error_tipico
        assert np.abs(muestras.var(0) / (1 - ab) - 1).max() < 0.1
    assert np.abs(iterativo.mean(0) - directo.mean(0)).max() < 6 * error_tipico


def test_forward_diffusion_devuelve_la_trayectoria():
    tabla = tabla_lineal(10)
    x = np.zeros((2, 3), np.float32)
    tray = forward_diffusion(x, 10, tabla.betas, seed=0, return_all=True)
    assert len(tray) == 11 and tray[0] is x and tray[-1].dtype == np.float32
    assert np.array_equal(forward_diffusion(x, 10, tabla.betas, seed=0), tray[-1])
    assert np.array_equal(forward_diffusion(x, 0, tabla.betas), x)


def test_forward_diffusion_guarda_solo_los_pasos_pedidos():
    tabla = tabla_lineal(50)
    x = np.ones((4, 3), np.float32)
    guardados = forward_diffusion(x, 50, tabla.betas, seed=3, return_steps=[0, 10, 50])
    assert sorted(guardados) == [0, 10, 50]
    completa = forward_diffusion(x, 50, tabla.betas, seed=3, return_all=True)
    assert all(np.array_equal(guardados[t], completa[t]) for t in (0, 10, 50))
    with pytest.raises(ValueError, match="entre 0 y 50"):
        forward_diffusion(x, 50, tabla.betas, return_steps=[60])


def test_salto_directo_con_un_paso_por_imagen():
    x = np.ones((3, 4), np.float32)
    tabla = tabla_lineal()
    y = closed_form_diffusion(x, np.array([0, 0, 1000]), tabla.alpha_bars, seed=0)
    assert np.array_equal(y[:2], x[:2]) and np.abs(y[2] - x[2]).max() > 0.1


@pytest.mark.parametrize("llamada, mensaje", [
    (lambda: offset_cosine_diffusion_schedule([0.5, 1.2]), r"en \[0, 1\].*1.2"),
    (lambda: cosine_diffusion_schedule([-0.1]), r"en \[0, 1\]"),
    (lambda: linear_diffusion_schedule([np.nan]), r"en \[0, 1\]"),
    (lambda: linear_diffusion_schedule("medio"), "array de números"),
    (lambda: offset_cosine_diffusion_schedule([0.5], min_signal_rate=0.9, max_signal_rate=0.5), "min_signal_rate"),
    (lambda: tabla_lineal(0), "'T' debe ser un entero entre 1 y"),
    (lambda: tabla_lineal(10, 0.5, 0.1), "beta_min ≤ beta_max"),
    (lambda: tabla_coseno(10, s=-1), "'s' debe estar entre 0 y 1"),
    (lambda: forward_diffusion(np.zeros(3), 5, tabla_lineal(3).betas), "entre 0 y 3"),
    (lambda: forward_diffusion(np.zeros(3, np.uint8), 1, tabla_lineal(3).betas), "float"),
    (lambda: forward_diffusion(np.zeros(3), 1, [2.0]), "'betas'"),
    (lambda: closed_form_diffusion(np.zeros((2, 3)), np.array([1, 2, 3]), tabla_lineal().alpha_bars), "un paso por imagen"),
    (lambda: closed_form_diffusion(np.zeros((2, 3)), 0.5, tabla_lineal().alpha_bars), "entero"),
    (lambda: closed_form_diffusion(np.zeros((2, 3)), 1001, tabla_lineal().alpha_bars), "entre 0 y 1000"),
])
def test_errores_en_espanol(llamada, mensaje):
    with pytest.raises(ValueError, match=mensaje):
        llamada()


def test_dentro_de_un_grafo_no_se_valida_pero_funciona():
    import tensorflow as tf

    @tf.function
    def tasas(t):
        return offset_cosine_diffusion_schedule(t)

    noise, signal = tasas(tf.constant([[0.0], [1.0]]))
    assert np.allclose(signal.numpy().ravel(), [0.95, 0.02], atol=1e-6)
