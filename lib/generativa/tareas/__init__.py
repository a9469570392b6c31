"""Comprobaciones automáticas para las tareas del libro.

Cada función ``comprobar_...`` ejecuta lo que escribió el estudiante y compara lo que
**hace** con la implementación de referencia de la biblioteca, con entradas que ejercitan
cada parte (puntuaciones no lineales, varios pasos, estadísticas del ruido, estadísticas
de normalización al azar, un paso de optimización cuyo cambio en los pesos se compara
con el gradiente de la pérdida correcta...). Nunca juzga por la estructura del código:
cualquier forma correcta de escribirlo (``keras.ops`` o ``tf``, operadores o capas,
modelos funcionales o subclases) pasa. Imprime una línea de éxito o lanza
:class:`ErrorDeComprobacion` con el comportamiento que difiere y dónde mirar.

Las tolerancias salen del error de redondeo de float32, no de un umbral arbitrario:
:func:`_cerca` admite unas decenas de ulp relativas a la escala de los valores.
"""

from __future__ import annotations

import textwrap

import numpy as np

from ..errores import ErrorDeArgumento, ErrorDeComprobacion
from ..validacion import comprobar_funcion, comprobar_real, comprobar_texto

__all__ = ["ANCHO", "ErrorDeComprobacion", "exito", "fallo"]

ANCHO = 76  # caracteres: lo que cabe en una celda de salida del libro sin barra de desplazamiento
EPS32 = float(np.finfo(np.float32).eps)


def fallo(que: str, pista: str) -> ErrorDeComprobacion:
    """El error de una comprobación: qué comportamiento difiere y una pista de dónde mirar."""
    return ErrorDeComprobacion(f"✘ {que}\nPista: {pista}")


def exito(que: str) -> None:
    print(textwrap.fill(f"✔ {que}", ANCHO, subsequent_indent="  "))


def _comprobar_llamable(objeto, nombre: str, que: str) -> None:
    """Las comprobaciones reciben funciones o clases: otra cosa es un error de uso."""
    comprobar_texto(nombre, "nombre")
    comprobar_texto(que, "que")
    if not callable(objeto):
        raise ErrorDeArgumento(f"'{nombre}' debe ser {que}; llegó {type(objeto).__name__}.")


def _ejecutar(fn, nombre: str, *args, pista: str, **kwargs):
    """Llama a ``fn``; si falla (salvo un hueco sin rellenar), lo convierte en un fallo con pista."""
    comprobar_funcion(fn, "fn")
    comprobar_texto(nombre, "nombre")
    comprobar_texto(pista, "pista")
    try:
        return fn(*args, **kwargs)
    except NotImplementedError:
        raise
    except ErrorDeComprobacion:
        raise
    except Exception as e:  # noqa: BLE001 - el código del estudiante puede lanzar cualquier cosa
        raise fallo(f"{nombre} falla: {type(e).__name__}: {e}", pista) from e


def _a_numpy(valor, nombre: str = "el resultado") -> np.ndarray:
    """Un tensor de TensorFlow o de Keras, un array o un número, como array float64."""
    comprobar_texto(nombre, "nombre")
    try:
        if hasattr(valor, "numpy"):
            valor = valor.numpy()
        return np.asarray(valor, np.float64)
    except (TypeError, ValueError) as e:
        raise fallo(f"{nombre} no es un tensor ni un array numérico: es {type(valor).__name__}.",
                    "devuelve el tensor que calculas (no una lista de tensores ni un texto).") from e


def _numeros(valor, nombre: str) -> np.ndarray:
    try:
        valor = np.asarray(valor.numpy() if hasattr(valor, "numpy") else valor, np.float64)
    except (TypeError, ValueError) as e:
        raise ErrorDeArgumento(f"'{nombre}' debe ser un tensor, un array o un número; llegó "
                               f"{type(valor).__name__}.") from e
    return valor


def _cerca(a, b, ulps: float = 64.0) -> bool:
    """``a ≈ b`` salvo redondeo de float32: ``ulps`` ulp relativas a la escala de ``b``.

    Un NaN o un infinito nunca está cerca de nada (el código del estudiante puede producirlos)."""
    a, b = _numeros(a, "a"), _numeros(b, "b")
    comprobar_real(ulps, "ulps", minimo=0, maximo=1e12)
    if a.shape != b.shape or not (np.all(np.isfinite(a)) and np.all(np.isfinite(b))):
        return False
    escala = max(1.0, float(np.max(np.abs(b)))) if b.size else 1.0
    return bool(np.all(np.abs(a - b) <= ulps * EPS32 * escala))


def _diferencia(a, b) -> float:
    """La mayor diferencia absoluta entre ``a`` y ``b`` (infinito si sus formas no coinciden o
    alguno tiene NaN o infinitos)."""
    a, b = _numeros(a, "a"), _numeros(b, "b")
    if a.shape != b.shape or not a.size or not (np.all(np.isfinite(a)) and np.all(np.isfinite(b))):
        return float("inf")
    return float(np.max(np.abs(a - b)))


def _grabadora(red):
    """Envuelve ``red`` en un modelo que predice igual y anota cada llamada en ``.llamadas``:
    una lista de ``(entrada, training)``, con la entrada como arreglo de NumPy (o lista de
    arreglos si la red recibe varias). Así se ve qué le pasó a la red el código del estudiante."""
    from ..motor import importar_keras

    keras = importar_keras()

    class Grabadora(keras.Model):
        def __init__(self, red):
            super().__init__()
            self.red, self.llamadas = red, []

        def call(self, entradas, training=None):
            if isinstance(entradas, (list, tuple)):
                copia = [np.asarray(e) for e in entradas]
            else:
                copia = np.asarray(entradas)
            self.llamadas.append((copia, training))
            return self.red(entradas, training=training)

    return Grabadora(red)
