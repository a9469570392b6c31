"""Métricas de calidad de muestras.

``kid`` estima la *kernel inception distance* (Bińkowski et al., 2018), como en el
ejemplo DDIM de keras.io: la discrepancia de medias máxima (MMD²) insesgada entre
dos conjuntos de características, con el núcleo polinómico cúbico
k(x, y) = (xᵀy / d + 1)³. Es 0 (en esperanza) si ambos conjuntos vienen de la misma
distribución y crece cuanto más se separan.
"""

from __future__ import annotations

import numpy as np

from .motor import importar_keras

keras = importar_keras()
ops = keras.ops


def nucleo_polinomico(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """k(a, b) = (a·bᵀ / d + 1)³ para todas las parejas de filas."""
    d = a.shape[1]
    return (a @ b.T / d + 1.0) ** 3


def kid(caracteristicas_reales, caracteristicas_generadas) -> float:
    """MMD² insesgada con núcleo cúbico entre dos conjuntos de características ``(n, d)``."""
    x = _comprobar(caracteristicas_reales, "reales")
    y = _comprobar(caracteristicas_generadas, "generadas")
    if x.shape[1] != y.shape[1]:
        raise ValueError(f"Las características deben tener la misma dimensión; llegaron {x.shape[1]} y {y.shape[1]}.")
    n, m = len(x), len(y)
    kxx, kyy, kxy = nucleo_polinomico(x, x), nucleo_polinomico(y, y), nucleo_polinomico(x, y)
    # Insesgada: sin la diagonal (cada muestra consigo misma) en los términos intra-conjunto.
    media_xx = (kxx.sum() - np.trace(kxx)) / (n * (n - 1))
    media_yy = (kyy.sum() - np.trace(kyy)) / (m * (m - 1))
    return float(media_xx + media_yy - 2.0 * kxy.mean())


def _comprobar(valores, nombre: str) -> np.ndarray:
    x = np.asarray(valores, dtype=np.float64)
    if x.ndim != 2 or x.shape[0] < 2:
        raise ValueError(f"Se esperaban características {nombre} de forma (n ≥ 2, d); llegó la forma {x.shape}.")
    if not np.all(np.isfinite(x)):
        raise ValueError(f"Las características {nombre} contienen valores no finitos.")
    return x


class KID(keras.metrics.Metric):
    """La KID como métrica de Keras, como en el ejemplo DDIM de keras.io.

    ``update_state(reales, generadas)`` extrae las características de dos lotes de
    imágenes en [0, 1] con ``extractor`` (ver :func:`generativa.caracteristicas.extractor_kid`)
    y acumula su MMD² insesgada; ``result()`` es la media sobre los lotes vistos.
    """

    def __init__(self, extractor, name: str = "kid", **kwargs):
        super().__init__(name=name, **kwargs)
        if not callable(extractor):
            raise ValueError(f"'extractor' debe ser un modelo de Keras; llegó {type(extractor).__name__}.")
        self.extractor = extractor
        self.suma = self.add_variable(shape=(), initializer="zeros", name="suma")
        self.lotes = self.add_variable(shape=(), initializer="zeros", name="lotes")

    def update_state(self, real_images, generated_images, sample_weight=None):
        x = ops.cast(self.extractor(real_images, training=False), "float32")
        y = ops.cast(self.extractor(generated_images, training=False), "float32")
        n = ops.cast(ops.shape(x)[0], "float32")
        d = ops.cast(ops.shape(x)[1], "float32")
        kxx = (ops.matmul(x, ops.transpose(x)) / d + 1.0) ** 3
        kyy = (ops.matmul(y, ops.transpose(y)) / d + 1.0) ** 3
        kxy = (ops.matmul(x, ops.transpose(y)) / d + 1.0) ** 3
        fuera_diagonal = 1.0 - ops.eye(ops.shape(x)[0])
        media_xx = ops.sum(kxx * fuera_diagonal) / (n * (n - 1.0))
        media_yy = ops.sum(kyy * fuera_diagonal) / (n * (n - 1.0))
        self.suma.assign_add(media_xx + media_yy - 2.0 * ops.mean(kxy))
        self.lotes.assign_add(1.0)

    def result(self):
        return self.suma / ops.maximum(self.lotes, 1.0)

    def reset_state(self):
        self.suma.assign(0.0)
        self.lotes.assign(0.0)
