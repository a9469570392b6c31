"""La U-Net del curso que predice el ruido: incrustación sinusoidal y bloques.

Los nombres siguen el código del curso (``sinusoidal_embedding``, ``ResidualBlock``,
``DownBlock``, ``UpBlock``). La incrustación es una capa registrada de Keras (no
una ``Lambda``), así que los modelos se guardan y se cargan sin código arbitrario.
"""

from __future__ import annotations

import math

import numpy as np

from .errores import ErrorDeArgumento
from .motor import importar_keras
from .validacion import comprobar_bool, comprobar_entero, comprobar_enteros, comprobar_real, comprobar_tensor

keras = importar_keras()
layers, ops = keras.layers, keras.ops

NOISE_EMBEDDING_SIZE = 32
WIDTHS = (32, 64, 96, 128)
BLOCK_DEPTH = 2
MAXIMO_ANCHO = 4096  # canales de un bloque
MAXIMA_PROFUNDIDAD = 16  # bloques residuales por nivel
MAXIMOS_NIVELES = 8  # reducciones a la mitad de la U-Net
MAXIMA_INCRUSTACION = 4096  # dimensiones de la incrustación sinusoidal
MAXIMO_LADO = 1024  # píxeles de las imágenes


# ------------------------------------------------------------------ comprobaciones

def comprobar_frecuencias(embedding_dims, min_frequency, max_frequency) -> tuple[int, float, float]:
    """Dimensiones de la incrustación (entero par, 2 a 4.096) y 0 < min_frequency < max_frequency."""
    embedding_dims = comprobar_entero(embedding_dims, "embedding_dims", minimo=2, maximo=MAXIMA_INCRUSTACION)
    if embedding_dims % 2:
        raise ErrorDeArgumento(f"'embedding_dims' debe ser un entero par ≥ 2; llegó {embedding_dims!r}.")
    minima = comprobar_real(min_frequency, "min_frequency", minimo=0, maximo=1e9, abierto_abajo=True)
    maxima = comprobar_real(max_frequency, "max_frequency", minimo=0, maximo=1e9, abierto_abajo=True)
    if not minima < maxima:
        raise ErrorDeArgumento("Se esperaba 0 < min_frequency < max_frequency; llegaron "
                               f"{min_frequency!r} y {max_frequency!r}.")
    return embedding_dims, minima, maxima


def comprobar_incrustacion(x, embedding_dims, min_frequency, max_frequency):
    """``x`` (varianzas de ruido ``(..., 1)``, finitas) como tensor float32, y las frecuencias.

    Dentro de un grafo solo se mira la forma de ``x``, que no tiene valores.
    """
    comprobar_frecuencias(embedding_dims, min_frequency, max_frequency)
    x = comprobar_tensor(x, "x")
    try:
        forma = tuple(x.shape)
    except (TypeError, ValueError):  # un tensor simbólico de dimensiones desconocidas
        forma = None
    if forma is not None and (len(forma) == 0 or forma[-1] not in (1, None)):
        raise ErrorDeArgumento(f"'x' debe tener la forma (..., 1), una varianza por imagen; llegó {forma}.")
    return x


def comprobar_bloque(width, block_depth: int = 1) -> tuple[int, int]:
    """Un ancho (canales, de 1 a 4.096) y una profundidad (bloques residuales, de 1 a 16)."""
    return (comprobar_entero(width, "width", maximo=MAXIMO_ANCHO),
            comprobar_entero(block_depth, "block_depth", maximo=MAXIMA_PROFUNDIDAD))


def comprobar_unet(image_size, widths, block_depth, embedding_dims=NOISE_EMBEDDING_SIZE) -> tuple[int, ...]:
    """Los argumentos de :func:`build_unet`; devuelve ``widths`` como tupla de enteros.

    ``widths``: de 2 a 9 anchos; ``image_size``: hasta 1.024 píxeles y múltiplo de
    2^(len(widths) − 1), para que cada reducción a la mitad sea exacta.
    """
    comprobar_entero(block_depth, "block_depth", maximo=MAXIMA_PROFUNDIDAD)
    comprobar_frecuencias(embedding_dims, 1.0, 1000.0)
    if isinstance(widths, (list, tuple, range, np.ndarray)) and len(widths) < 2:
        raise ErrorDeArgumento(f"'widths' debe tener al menos dos anchos enteros positivos; llegó {widths!r}.")
    widths = comprobar_enteros(widths, "widths", maximo=MAXIMO_ANCHO)
    if len(widths) > MAXIMOS_NIVELES + 1:
        raise ErrorDeArgumento(f"'widths' debe tener como mucho {MAXIMOS_NIVELES + 1} anchos; llegaron "
                               f"{len(widths)}.")
    niveles = len(widths) - 1
    lado = comprobar_entero(image_size, "image_size", minimo=1, maximo=MAXIMO_LADO)
    if lado < 2**niveles or lado % (2**niveles):
        raise ErrorDeArgumento(f"'image_size' debe ser un múltiplo de {2 ** niveles} (hay {niveles} reducciones "
                               f"a la mitad); llegó {image_size!r}.")
    return widths


# ------------------------------------------------------------------ la red


def sinusoidal_embedding(
    x,
    embedding_dims: int = NOISE_EMBEDDING_SIZE,
    min_frequency: float = 1.0,
    max_frequency: float = 1000.0,
):
    """Incrustación sinusoidal de una varianza de ruido: ``(..., 1)`` →
    ``(..., embedding_dims)``.

    Usa ``embedding_dims / 2`` frecuencias f espaciadas exponencialmente entre
    ``min_frequency`` y ``max_frequency``, velocidades angulares 2πf, y
    concatena [sen(2πf·x), cos(2πf·x)].
    """
    x = comprobar_incrustacion(x, embedding_dims, min_frequency, max_frequency)
    frequencies = ops.exp(
        ops.linspace(
            math.log(min_frequency),
            math.log(max_frequency),
            embedding_dims // 2,
        )
    )
    angular_speeds = ops.cast(2.0 * math.pi * frequencies, "float32")
    return ops.concatenate(
        [ops.sin(angular_speeds * x), ops.cos(angular_speeds * x)], axis=-1
    )


@keras.saving.register_keras_serializable(package="generativa")
class SinusoidalEmbedding(layers.Layer):
    """Capa que aplica :func:`sinusoidal_embedding` (sin pesos)."""

    def __init__(self, embedding_dims: int = NOISE_EMBEDDING_SIZE, min_frequency: float = 1.0,
                 max_frequency: float = 1000.0, **kwargs):
        super().__init__(**kwargs)
        embedding_dims, min_frequency, max_frequency = comprobar_frecuencias(embedding_dims, min_frequency,
                                                                             max_frequency)
        self.embedding_dims, self.min_frequency, self.max_frequency = embedding_dims, min_frequency, max_frequency

    def call(self, x):
        return sinusoidal_embedding(x, self.embedding_dims, self.min_frequency, self.max_frequency)

    def compute_output_shape(self, input_shape):
        return (*input_shape[:-1], self.embedding_dims)

    def get_config(self):
        return {**super().get_config(), "embedding_dims": self.embedding_dims,
                "min_frequency": self.min_frequency, "max_frequency": self.max_frequency}


def ResidualBlock(width: int):
    """Bloque residual: (Conv 1x1 si cambian los canales) + BN sin parámetros,
    Conv 3x3 swish, Conv 3x3, suma.
    """
    comprobar_bloque(width)

    def apply(x):
        input_width = x.shape[-1]
        if input_width == width:
            residual = x
        else:
            residual = layers.Conv2D(width, kernel_size=1)(x)
        x = layers.BatchNormalization(center=False, scale=False)(x)
        x = layers.Conv2D(
            width, kernel_size=3, padding="same", activation="swish"
        )(x)
        x = layers.Conv2D(width, kernel_size=3, padding="same")(x)
        return layers.Add()([x, residual])

    return apply


def DownBlock(width: int, block_depth: int):
    """``block_depth`` bloques residuales (cada salida va a ``skips``) y
    AveragePooling2D(2).
    """
    comprobar_bloque(width, block_depth)

    def apply(x):
        x, skips = x
        for _ in range(block_depth):
            x = ResidualBlock(width)(x)
            skips.append(x)
        return layers.AveragePooling2D(pool_size=2)(x)

    return apply


def UpBlock(width: int, block_depth: int):
    """UpSampling2D(2, bilineal) y ``block_depth`` veces: concatenar
    ``skips.pop()`` y bloque residual.
    """
    comprobar_bloque(width, block_depth)

    def apply(x):
        x, skips = x
        x = layers.UpSampling2D(size=2, interpolation="bilinear")(x)
        for _ in range(block_depth):
            x = layers.Concatenate()([x, skips.pop()])
            x = ResidualBlock(width)(x)
        return x

    return apply


def build_unet(
    image_size: int = 64,
    widths=WIDTHS,
    block_depth: int = BLOCK_DEPTH,
    embedding_dims: int = NOISE_EMBEDDING_SIZE,
    precision_mixta: bool = False,
) -> keras.Model:
    """La U-Net del curso: entradas
    ``(imágenes ruidosas, varianzas del ruido)``, salida: ruido predicho.

    ``widths[:-1]`` son los anchos de los bloques de bajada (y, al revés, de
    subida) y ``widths[-1]`` el del cuello. Con 64 píxeles y los valores por
    defecto tiene 1.950.627 parámetros entrenables y 2.880 no entrenables.

    Con ``precision_mixta`` las capas calculan en float16 y guardan sus pesos en
    float32 (la política ``mixed_float16`` de Keras), salvo la incrustación
    sinusoidal, que sigue en float32: sus ángulos llegan a 2π·1000 y en float16
    perderían toda la precisión del seno. Los pesos son los mismos en las dos
    versiones y se cargan en cualquiera.
    """
    widths = comprobar_unet(image_size, widths, block_depth, embedding_dims)
    if not comprobar_bool(precision_mixta, "precision_mixta"):
        return _build_unet(image_size, widths, block_depth, embedding_dims)
    anterior = keras.config.dtype_policy()
    keras.config.set_dtype_policy("mixed_float16")
    try:
        return _build_unet(image_size, widths, block_depth, embedding_dims)
    finally:
        keras.config.set_dtype_policy(anterior)


def _build_unet(image_size, widths, block_depth, embedding_dims) -> keras.Model:
    noisy_images = keras.Input(
        shape=(image_size, image_size, 3), name="noisy_images"
    )
    x = layers.Conv2D(widths[0], kernel_size=1)(noisy_images)
    noise_variances = keras.Input(shape=(1, 1, 1), name="noise_variances")
    noise_embedding = SinusoidalEmbedding(
        embedding_dims, name="sinusoidal_embedding", dtype="float32"
    )(noise_variances)
    noise_embedding = layers.UpSampling2D(
        size=image_size, interpolation="nearest"
    )(noise_embedding)
    x = layers.Concatenate()([x, noise_embedding])
    skips = []
    for width in widths[:-1]:
        x = DownBlock(width, block_depth)([x, skips])
    for _ in range(block_depth):
        x = ResidualBlock(widths[-1])(x)
    for width in reversed(widths[:-1]):
        x = UpBlock(width, block_depth)([x, skips])
    x = layers.Conv2D(3, kernel_size=1, kernel_initializer="zeros")(x)
    return keras.Model([noisy_images, noise_variances], x, name="unet")
