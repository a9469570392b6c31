"""Calendarios de difusión y el proceso directo (añadir ruido).

Un calendario lleva los tiempos de difusión ``t`` en [0, 1] a las tasas
``(noise_rates, signal_rates)`` con las que se mezcla una imagen con ruido:

    x_t = signal_rate(t) · x_0 + noise_rate(t) · ε,   signal² + noise² = 1.

Son funciones puras de los tiempos, de cualquier forma, que devuelven tensores
float32 (como el código del curso, que las usa dentro de ``train_step``). Las
tablas discretas β/α/ᾱ de T pasos y el proceso directo, paso a paso o de un
salto, trabajan con NumPy.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np

from .errores import ErrorDeArgumento
from .motor import importar_keras
from .validacion import comprobar_array, comprobar_bool, comprobar_entero, comprobar_real, comprobar_semilla, \
    comprobar_tensor

keras = importar_keras()
ops = keras.ops

PASOS = 1000
MAXIMO_PASOS = 100_000  # pasos de una tabla discreta: más es casi seguro un error
BETA_MIN, BETA_MAX = 1e-4, 0.02
MIN_SIGNAL_RATE, MAX_SIGNAL_RATE = 0.02, 0.95


# ------------------------------------------------------------- tablas discretas

class TablaDiscreta(NamedTuple):
    """Las tres sucesiones de un calendario discreto de T pasos (índice 0 = paso 1)."""

    betas: np.ndarray
    """β_t: la varianza del ruido que se añade en el paso t."""
    alphas: np.ndarray
    """α_t = 1 − β_t: la fracción de la señal que se conserva en el paso t."""
    alpha_bars: np.ndarray
    """ᾱ_t = α_1 · … · α_t: lo que queda de la imagen original tras t pasos."""


def tabla_lineal(T: int = PASOS, beta_min: float = BETA_MIN, beta_max: float = BETA_MAX) -> TablaDiscreta:
    """Calendario lineal de Ho et al. (2020): β_t equiespaciadas de ``beta_min`` a ``beta_max``."""
    T = _comprobar_pasos(T)
    beta_min = comprobar_real(beta_min, "beta_min", minimo=0, maximo=1, abierto_abajo=True, abierto_arriba=True)
    beta_max = comprobar_real(beta_max, "beta_max", minimo=0, maximo=1, abierto_abajo=True, abierto_arriba=True)
    if beta_min > beta_max:
        raise ErrorDeArgumento(f"Se esperaba 0 < beta_min ≤ beta_max < 1; llegaron {beta_min!r} y {beta_max!r}.")
    betas = np.linspace(beta_min, beta_max, T, dtype=np.float64)
    return _tabla(betas)


def tabla_coseno(T: int = PASOS, s: float = 0.008, beta_max: float = 0.999) -> TablaDiscreta:
    """Calendario coseno discreto de Nichol y Dhariwal (2021).

    ᾱ_t = f(t)/f(0) con f(t) = cos²(((t/T + s)/(1 + s)) · π/2); β_t = 1 − ᾱ_t/ᾱ_{t−1},
    recortada a ``beta_max`` para evitar la singularidad del final.
    """
    T = _comprobar_pasos(T)
    s = comprobar_real(s, "s", minimo=0, maximo=1, abierto_arriba=True)
    beta_max = comprobar_real(beta_max, "beta_max", minimo=0, maximo=1, abierto_abajo=True)
    f = np.cos((np.arange(T + 1) / T + s) / (1 + s) * np.pi / 2) ** 2
    alpha_bars = f / f[0]
    betas = np.clip(1 - alpha_bars[1:] / alpha_bars[:-1], 0, beta_max)
    return _tabla(betas)


def _tabla(betas: np.ndarray) -> TablaDiscreta:
    alphas = 1.0 - betas
    return TablaDiscreta(betas, alphas, np.cumprod(alphas))


# ------------------------------------------------------ calendarios continuos


def linear_diffusion_schedule(
    diffusion_times,
    T: int = PASOS,
    beta_min: float = BETA_MIN,
    beta_max: float = BETA_MAX,
):
    """Calendario lineal como función del tiempo:
    ``(noise_rates, signal_rates)``.

    En t = n/T coincide con la tabla discreta: signal = √ᾱ_n,
    noise = √(1 − ᾱ_n). Entre dos pasos se interpola log ᾱ linealmente, así que
    es continua y monótona. (La diapositiva del curso devuelve ᾱ y 1 − ᾱ sin
    raíces: es un error.)
    """
    t = comprobar_tiempos(diffusion_times)
    tabla = tabla_lineal(T, beta_min, beta_max)
    log_alpha_bars = np.concatenate([[0.0], np.log(tabla.alpha_bars)]).astype(
        np.float32
    )
    posicion = t * T
    n = ops.clip(ops.floor(posicion), 0, T - 1)
    fraccion = posicion - n
    n = ops.cast(n, "int32")
    log_ab = (1 - fraccion) * ops.take(log_alpha_bars, n) + fraccion * ops.take(
        log_alpha_bars, n + 1
    )
    alpha_bars = ops.exp(log_ab)
    return ops.sqrt(1 - alpha_bars), ops.sqrt(alpha_bars)


def cosine_diffusion_schedule(diffusion_times):
    """Calendario coseno continuo: signal = cos(t·π/2), noise = sin(t·π/2)."""
    t = comprobar_tiempos(diffusion_times)
    angulos = t * (math.pi / 2)
    # en float32, cos(π/2) sale −4e-8: se recorta a 0 para que la señal no
    # cambie de signo
    return ops.sin(angulos), ops.maximum(ops.cos(angulos), 0.0)


def offset_cosine_diffusion_schedule(
    diffusion_times,
    min_signal_rate: float = MIN_SIGNAL_RATE,
    max_signal_rate: float = MAX_SIGNAL_RATE,
):
    """Coseno desplazado (el del curso): la señal va de 0,95 en t = 0 a 0,02 en
    t = 1.

    Los ángulos recorren linealmente [acos(0,95), acos(0,02)];
    signal = cos(ángulo) y noise = sin(ángulo).
    """
    t = comprobar_coseno_desplazado(
        diffusion_times, min_signal_rate, max_signal_rate
    )
    start_angle = math.acos(max_signal_rate)
    end_angle = math.acos(min_signal_rate)
    diffusion_angles = start_angle + t * (end_angle - start_angle)
    signal_rates = ops.cos(diffusion_angles)
    noise_rates = ops.sin(diffusion_angles)
    return noise_rates, signal_rates


CALENDARIOS = {
    "lineal": linear_diffusion_schedule,
    "coseno": cosine_diffusion_schedule,
    "coseno desplazado": offset_cosine_diffusion_schedule,
}


# -------------------------------------------------------------- proceso directo


def forward_diffusion(
    images,
    t: int,
    betas,
    seed: int | None = None,
    return_all: bool = False,
    return_steps=None,
):
    """Proceso directo paso a paso: x_t = √(1 − β_t) · x_{t−1} + √β_t · ε_t.

    ``images`` (x_0) es un array de cualquier forma; ``t`` el número de pasos
    (0 ≤ t ≤ len(betas)). Devuelve x_t; con ``return_all``, la lista
    ``[x_0, x_1, …, x_t]``; con ``return_steps`` (pasos concretos), un
    diccionario ``{paso: x_paso}``, que no guarda el resto. El ruido sale de
    ``numpy.random.default_rng(seed)``.
    """
    x, t, betas, pasos = comprobar_proceso_directo(
        images, t, betas, seed, return_all, return_steps
    )
    rng = np.random.default_rng(seed)
    trayectoria = [x] if return_all else None
    guardados = {0: x} if pasos and 0 in pasos else {}
    for paso, beta in enumerate(betas[:t].astype(x.dtype), start=1):
        x = np.sqrt(1 - beta) * x + np.sqrt(beta) * rng.standard_normal(
            x.shape, dtype=x.dtype
        )
        if return_all:
            trayectoria.append(x)
        if pasos and paso in pasos:
            guardados[paso] = x
    if return_all:
        return trayectoria
    return guardados if pasos is not None else x


def closed_form_diffusion(images, t, alpha_bars, seed: int | None = None):
    """El salto directo: x_t = √ᾱ_t · x_0 + √(1 − ᾱ_t) · ε, con ε ~ N(0, I).

    ``t`` es un entero o un array de enteros, uno por imagen (eje 0); t = 0
    devuelve las imágenes sin ruido.
    """
    x = _imagenes(images)
    alpha_bars = _betas(alpha_bars, "alpha_bars")
    comprobar_semilla(seed)
    if isinstance(t, (bool, np.bool_)) or not isinstance(t, (int, np.integer, list, tuple, np.ndarray)):
        raise ErrorDeArgumento(f"'t' debe ser un entero o un vector de enteros; llegó {t!r}.")
    pasos = np.asarray(t)
    if not np.issubdtype(pasos.dtype, np.integer) or pasos.ndim > 1 or pasos.size == 0:
        raise ErrorDeArgumento(f"'t' debe ser un entero o un vector de enteros; llegó {t!r}.")
    if pasos.ndim == 1 and pasos.shape[0] != x.shape[0]:
        raise ErrorDeArgumento(f"Se esperaba un paso por imagen ({x.shape[0]}); llegaron {pasos.shape[0]}.")
    if pasos.min() < 0 or pasos.max() > len(alpha_bars):
        raise ErrorDeArgumento(f"Los pasos deben estar entre 0 y {len(alpha_bars)}; llegó {t!r}.")
    ab = np.concatenate([[1.0], alpha_bars])[pasos].astype(x.dtype)
    ab = ab.reshape(ab.shape + (1,) * (x.ndim - ab.ndim))
    ruido = np.random.default_rng(seed).standard_normal(x.shape, dtype=x.dtype)
    return np.sqrt(ab) * x + np.sqrt(1 - ab) * ruido


# ---------------------------------------------------------------- validaciones

def comprobar_tiempos(diffusion_times):
    """Los tiempos de difusión como tensor float32, con valores en [0, 1].

    Dentro de un grafo (``train_step`` compilado) los tiempos no tienen valores que
    mirar: entonces solo se convierten.
    """
    return comprobar_tensor(diffusion_times, "diffusion_times", minimo=0.0, maximo=1.0)


def comprobar_coseno_desplazado(diffusion_times, min_signal_rate, max_signal_rate):
    """Los tiempos (ver :func:`comprobar_tiempos`) y 0 ≤ min_signal_rate < max_signal_rate ≤ 1."""
    minimo = comprobar_real(min_signal_rate, "min_signal_rate", minimo=0, maximo=1)
    maximo = comprobar_real(max_signal_rate, "max_signal_rate", minimo=0, maximo=1)
    if not minimo < maximo:
        raise ErrorDeArgumento("Se esperaba 0 ≤ min_signal_rate < max_signal_rate ≤ 1; "
                               f"llegaron {min_signal_rate!r} y {max_signal_rate!r}.")
    return comprobar_tiempos(diffusion_times)


def comprobar_proceso_directo(images, t, betas, seed=None, return_all=False, return_steps=None):
    """Los argumentos de :func:`forward_diffusion`: ``(x_0, t, betas, pasos que guardar o None)``."""
    x = _imagenes(images)
    betas = _betas(betas)
    t = _paso(t, len(betas))
    comprobar_semilla(seed)
    comprobar_bool(return_all, "return_all")
    if return_steps is None:
        return x, t, betas, None
    if isinstance(return_steps, (str, bytes, dict)) or not isinstance(return_steps, (list, tuple, set, range,
                                                                                      np.ndarray)):
        raise ErrorDeArgumento(f"'return_steps' debe ser una lista de pasos (enteros entre 0 y {t}); llegó "
                               f"{return_steps!r}.")
    if len(return_steps) == 0:
        raise ErrorDeArgumento("'return_steps' está vacía: hace falta al menos un paso que guardar.")
    return x, t, betas, {_paso(p, t) for p in return_steps}


def _imagenes(images) -> np.ndarray:
    x = comprobar_array(images, "images", reales=True)
    if x.ndim == 0:
        raise ErrorDeArgumento("Se esperaba un array de imágenes; llegó un escalar.")
    return x


def _betas(valores, nombre: str = "betas") -> np.ndarray:
    b = comprobar_array(valores, nombre, ndim=1, minimo=0, maximo=1).astype(np.float64)
    return np.clip(b, 0.0, 1.0)  # comprobar_array tolera 1e-5 de redondeo fuera del intervalo


def _paso(t, T: int) -> int:
    return comprobar_entero(t, "t", minimo=0, maximo=T)


def _comprobar_pasos(T) -> int:
    return comprobar_entero(T, "T", minimo=1, maximo=MAXIMO_PASOS)
