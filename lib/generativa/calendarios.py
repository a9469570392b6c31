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

keras = importar_keras()
ops = keras.ops

PASOS = 1000
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
    _comprobar_pasos(T)
    if not 0 < beta_min <= beta_max < 1:
        raise ErrorDeArgumento(f"Se esperaba 0 < beta_min ≤ beta_max < 1; llegaron {beta_min!r} y {beta_max!r}.")
    betas = np.linspace(beta_min, beta_max, T, dtype=np.float64)
    return _tabla(betas)


def tabla_coseno(T: int = PASOS, s: float = 0.008, beta_max: float = 0.999) -> TablaDiscreta:
    """Calendario coseno discreto de Nichol y Dhariwal (2021).

    ᾱ_t = f(t)/f(0) con f(t) = cos²(((t/T + s)/(1 + s)) · π/2); β_t = 1 − ᾱ_t/ᾱ_{t−1},
    recortada a ``beta_max`` para evitar la singularidad del final.
    """
    _comprobar_pasos(T)
    if not 0 <= s < 1:
        raise ErrorDeArgumento(f"Se esperaba un desplazamiento s en [0, 1); llegó {s!r}.")
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
    es continua y monótona. (La transparencia del curso devuelve ᾱ y 1 − ᾱ sin
    raíces: es un error.)
    """
    t = _tiempos(diffusion_times)
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
    t = _tiempos(diffusion_times)
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
    if not 0 <= min_signal_rate < max_signal_rate <= 1:
        raise ErrorDeArgumento(
            "Se esperaba 0 ≤ min_signal_rate < max_signal_rate ≤ 1; "
            f"llegaron {min_signal_rate!r} y {max_signal_rate!r}."
        )
    t = _tiempos(diffusion_times)
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
    x = _imagenes(images)
    betas = _betas(betas)
    t = _paso(t, len(betas))
    pasos = None
    if return_steps is not None:
        pasos = {_paso(p, t) for p in return_steps}
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
    pasos = np.asarray(t)
    if not np.issubdtype(pasos.dtype, np.integer) or pasos.ndim > 1:
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

def _tiempos(diffusion_times):
    """Convierte a float32 y comprueba que los tiempos estén en [0, 1] (si se pueden ver)."""
    try:
        t = ops.convert_to_tensor(diffusion_times, dtype="float32")
    except (ValueError, TypeError) as e:
        raise ErrorDeArgumento(f"Se esperaban tiempos de difusión numéricos; llegó {diffusion_times!r}.") from e
    try:
        valores = ops.convert_to_numpy(t)
    except Exception:  # tensor simbólico dentro de un grafo: no hay valores que mirar
        return t
    if valores.size and not np.all(np.isfinite(valores)):
        raise ErrorDeArgumento("Los tiempos de difusión deben estar en [0, 1]; llegaron valores NaN o infinitos.")
    if valores.size and (valores.min() < 0 or valores.max() > 1):
        raise ErrorDeArgumento(
            "Los tiempos de difusión deben estar en [0, 1]; llegaron valores entre "
            f"{valores.min()} y {valores.max()}."
        )
    return t


def _imagenes(images) -> np.ndarray:
    x = np.asarray(images)
    if not np.issubdtype(x.dtype, np.floating):
        raise ErrorDeArgumento(f"Se esperaban imágenes con valores reales (float); llegó el tipo {x.dtype}.")
    if x.ndim == 0:
        raise ErrorDeArgumento("Se esperaba un array de imágenes; llegó un escalar.")
    return x


def _betas(valores, nombre: str = "betas") -> np.ndarray:
    b = np.asarray(valores, dtype=np.float64)
    if b.ndim != 1 or b.size == 0 or not np.all((b >= 0) & (b <= 1)):
        raise ErrorDeArgumento(f"'{nombre}' debe ser un vector no vacío de valores en [0, 1]; llegó forma {b.shape}.")
    return b


def _paso(t, T: int) -> int:
    if isinstance(t, bool) or not isinstance(t, (int, np.integer)) or not 0 <= t <= T:
        raise ErrorDeArgumento(f"'t' debe ser un entero entre 0 y {T}; llegó {t!r}.")
    return int(t)


def _comprobar_pasos(T) -> None:
    if isinstance(T, bool) or not isinstance(T, (int, np.integer)) or T < 1:
        raise ErrorDeArgumento(f"El número de pasos T debe ser un entero ≥ 1; llegó {T!r}.")
