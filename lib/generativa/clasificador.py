"""Un clasificador de dígitos pequeño, para medir qué reconoce como dígito en las muestras de un EBM.

Se entrena con los primeros 8.000 dígitos del conjunto de prueba de MNIST incluido y se
mide con los 2.000 restantes. Sus pesos van en ``data/pesos/clasificador/`` (los
incluidos se verifican por sha256); ``python -m generativa.entrenar clasificador`` los rehace.
"""

from __future__ import annotations

import time

import numpy as np

from .motor import importar_keras
from .validacion import comprobar_entero, comprobar_imagenes, comprobar_modelo, comprobar_opcion, comprobar_real, \
    comprobar_semilla

keras = importar_keras()
layers = keras.layers

ENTRENAMIENTO = 8000
CONFIANZA = 0.9


def build_clasificador() -> keras.Model:
    """Dos convoluciones con paso 2 y una densa: de ``(N, 32, 32, 1)`` en [-1, 1] a 10 probabilidades."""
    entrada = keras.Input((32, 32, 1))
    x = layers.Conv2D(32, 3, strides=2, padding="same", activation="relu")(entrada)
    x = layers.Conv2D(64, 3, strides=2, padding="same", activation="relu")(x)
    x = layers.Flatten()(x)
    x = layers.Dropout(0.3)(x)
    return keras.Model(entrada, layers.Dense(10, activation="softmax")(x), name="clasificador_de_digitos")


def entrenar_clasificador(epocas: int = 5, semilla: int = 0, verbose: int = 0):
    """Entrena el clasificador y devuelve ``(modelo, procedencia)`` con su exactitud en los 2.000 de prueba."""
    from .datos import cargar_mnist

    comprobar_entero(epocas, "epocas", maximo=1000)
    comprobar_semilla(semilla, "semilla", opcional=False)
    comprobar_opcion(verbose, "verbose", (0, 1, 2, "auto"))
    keras.utils.set_random_seed(semilla)
    imagenes, etiquetas = cargar_mnist()
    modelo = build_clasificador()
    modelo.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    inicio = time.time()
    modelo.fit(imagenes[:ENTRENAMIENTO], etiquetas[:ENTRENAMIENTO], epochs=epocas, batch_size=64, verbose=verbose)
    _, exactitud = modelo.evaluate(imagenes[ENTRENAMIENTO:], etiquetas[ENTRENAMIENTO:], verbose=0)
    procedencia = {
        "modelo": f"clasificador de dígitos ({modelo.count_params():,} parámetros)".replace(",", "."),
        "datos": f"MNIST, conjunto de prueba oficial: entrena con los {ENTRENAMIENTO} primeros, mide con el resto",
        "epocas": epocas, "semilla": semilla, "duracion_s": round(time.time() - inicio, 1),
        "exactitud_prueba": round(float(exactitud), 4),
    }
    return modelo, procedencia


def cargar_clasificador() -> keras.Model:
    """El clasificador con los pesos incluidos (verificados por sha256)."""
    from .archivos import obtener

    modelo = build_clasificador()
    modelo.load_weights(obtener("clasificador_de_digitos", descargar_si_falta=False))
    return modelo


def reconocidos(modelo, imagenes, confianza: float = CONFIANZA) -> tuple[np.ndarray, np.ndarray]:
    """``(clase, reconocida)`` de cada imagen: la clase más probable y si su probabilidad ≥ ``confianza``."""
    comprobar_modelo(modelo, "modelo", entrada=(32, 32, 1), salida=(10,),
                     descripcion="el clasificador de dígitos (cargar_clasificador())")
    comprobar_real(confianza, "confianza", minimo=0, maximo=1, abierto_abajo=True, abierto_arriba=True)
    imagenes = comprobar_imagenes(imagenes, "imagenes", lado=32, canales=1, minimo=-1.0, maximo=1.0)
    probabilidades = np.asarray(modelo.predict(imagenes, verbose=0, batch_size=256))
    return probabilidades.argmax(axis=1), probabilidades.max(axis=1) >= confianza
