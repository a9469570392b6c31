"""Extractores de características para la KID.

El ejemplo de keras.io usa InceptionV3 preentrenada en ImageNet (imágenes a 75x75).
Sus pesos se descargan de internet; donde no se puede (este libro se construye sin
conexión), se usa un **extractor de flores**: una red convolucional pequeña entrenada
aquí para clasificar las 102 especies de Oxford Flowers, cuyas características son la
media global de su última capa convolucional (256 números por imagen). No es
intercambiable con Inception (las cifras de KID no se pueden comparar entre
extractores), y cada figura dice cuál usó.
"""

from __future__ import annotations

import time

import numpy as np

from .motor import importar_keras
from .validacion import comprobar_entero

keras = importar_keras()
layers = keras.layers

LADO_FLORES = 64
LADO_INCEPTION = 75
NOMBRES = {
    "inception": "InceptionV3 (ImageNet), imágenes a 75x75",
    "flores": "extractor de flores del libro (CNN entrenada en Oxford 102 Flowers), imágenes a 64x64",
}


def build_extractor_flores(clases: int = 102) -> keras.Model:
    """Clasificador pequeño de flores; su capa ``caracteristicas`` da 256 números por imagen."""
    entrada = keras.Input((None, None, 3), name="imagenes")
    x = layers.Resizing(LADO_FLORES, LADO_FLORES, name="a_64")(entrada)
    x = layers.Rescaling(2.0, offset=-1.0)(x)
    for i, ancho in enumerate((32, 64, 128, 256)):
        x = layers.Conv2D(ancho, 3, padding="same", use_bias=False, name=f"conv_{i}")(x)
        x = layers.BatchNormalization(name=f"bn_{i}")(x)
        x = layers.Activation("relu")(x)
        if i < 3:
            x = layers.MaxPooling2D()(x)
    caracteristicas = layers.GlobalAveragePooling2D(name="caracteristicas")(x)
    x = layers.Dropout(0.3)(caracteristicas)
    salida = layers.Dense(clases, activation="softmax", name="especie")(x)
    return keras.Model(entrada, salida, name="extractor_flores")


def entrenar_extractor_flores(epocas: int = 30, semilla: int = 42, verbose: int = 0):
    """Entrena el extractor de flores y devuelve ``(modelo, procedencia)``.

    Entrena con la partición oficial de prueba (6.149 imágenes, la más grande) y mide
    la exactitud en las de entrenamiento y validación oficiales (2.040), con volteos
    y recortes aleatorios como aumento de datos.
    """
    from .datos import cargar_flores

    comprobar_entero(epocas, "epocas")
    keras.utils.set_random_seed(semilla)
    flores = cargar_flores(LADO_FLORES)
    entrenamiento = flores.particiones["tstid"]
    prueba = np.concatenate([flores.particiones["trnid"], flores.particiones["valid"]])
    x, y = flores.imagenes[entrenamiento], flores.etiquetas[entrenamiento] - 1
    aumento = keras.Sequential([layers.RandomFlip("horizontal", seed=semilla),
                                layers.RandomZoom((-0.2, 0.0), seed=semilla)])
    modelo = build_extractor_flores()
    entrada = keras.Input((LADO_FLORES, LADO_FLORES, 3))
    entrenable = keras.Model(entrada, modelo(aumento(entrada)))
    entrenable.compile(optimizer=keras.optimizers.Adam(1e-3), loss="sparse_categorical_crossentropy",
                       metrics=["accuracy"])
    inicio = time.time()
    historia = entrenable.fit(x, y, batch_size=64, epochs=epocas, verbose=verbose)
    modelo.compile(loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    _, exactitud = modelo.evaluate(flores.imagenes[prueba], flores.etiquetas[prueba] - 1, verbose=0)
    procedencia = {
        "modelo": f"extractor de flores ({modelo.count_params():,} parámetros)".replace(",", "."),
        "datos": f"Oxford 102 Flowers a 64x64: entrena con tstid ({len(entrenamiento)}), mide con trnid+valid "
                 f"({len(prueba)})",
        "epocas": epocas, "semilla": semilla, "duracion_s": round(time.time() - inicio, 1),
        "exactitud_entrenamiento": round(float(historia.history["accuracy"][-1]), 4),
        "exactitud_prueba": round(float(exactitud), 4),
        "azar": round(1 / 102, 4),
    }
    return modelo, procedencia


def _extractor_inception():
    """InceptionV3 de ImageNet sin la cabeza, con media global: 2.048 números por imagen."""
    entrada = keras.Input((None, None, 3))
    x = layers.Resizing(LADO_INCEPTION, LADO_INCEPTION)(entrada)
    x = layers.Rescaling(255.0)(x)
    x = keras.applications.inception_v3.preprocess_input(x)
    base = keras.applications.InceptionV3(include_top=False, weights="imagenet",
                                          input_shape=(LADO_INCEPTION, LADO_INCEPTION, 3), pooling="avg")
    return keras.Model(entrada, base(x), name="extractor_inception")


def _extractor_flores():
    from .fuentes import obtener

    modelo = build_extractor_flores()
    modelo.load_weights(obtener("extractor_flores", descargar_si_falta=False))
    return keras.Model(modelo.input, modelo.get_layer("caracteristicas").output, name="extractor_flores")


def extractor_kid(cual: str = "auto"):
    """``(nombre, modelo)``: el extractor de características para la KID.

    ``cual`` es ``"inception"``, ``"flores"`` o ``"auto"`` (Inception si sus pesos se
    pueden cargar, es decir, con internet o ya descargados; si no, el de flores).
    """
    if cual not in ("auto", "inception", "flores"):
        raise ValueError(f"'cual' debe ser 'auto', 'inception' o 'flores'; llegó {cual!r}.")
    if cual in ("auto", "inception"):
        try:
            return "inception", _extractor_inception()
        except Exception as e:  # sin conexión: la descarga de los pesos falla
            if cual == "inception":
                raise ValueError(f"No se pudieron cargar los pesos de InceptionV3 (¿sin conexión?): {e}") from e
    return "flores", _extractor_flores()


def caracteristicas(extractor, imagenes, batch_size: int = 128) -> np.ndarray:
    """Características ``(n, d)`` de imágenes ``(n, lado, lado, 3)`` en [0, 1]."""
    imagenes = np.asarray(imagenes, np.float32)
    if imagenes.ndim != 4 or imagenes.shape[-1] != 3:
        raise ValueError(f"Se esperaban imágenes (n, alto, ancho, 3); llegó la forma {imagenes.shape}.")
    if imagenes.size and (imagenes.min() < 0 or imagenes.max() > 1):
        raise ValueError("Se esperaban imágenes en [0, 1]; llegaron valores entre "
                         f"{imagenes.min():.3g} y {imagenes.max():.3g}.")
    return np.asarray(extractor.predict(imagenes, batch_size=batch_size, verbose=0), np.float64)


def procedencia_extractor_flores() -> dict:
    """Cómo se entrenó el extractor de flores incluido: datos, épocas y exactitud."""
    import json

    from .fuentes import obtener

    with open(obtener("kid_procedencia", descargar_si_falta=False), encoding="utf-8") as f:
        return json.load(f)
