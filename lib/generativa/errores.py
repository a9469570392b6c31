"""Los errores de la biblioteca: una clase base y una subclase por tipo de problema.

Todos heredan de :class:`ErrorGenerativa`, así que ``except ErrorGenerativa`` atrapa
cualquier error de la biblioteca y deja pasar los de Python, NumPy o TensorFlow (que
serían un fallo del libro, no del uso). Cada uno hereda además de la excepción de
Python que corresponde a su naturaleza (``ValueError``, ``RuntimeError``...), para que
el código que ya los atrapaba así siga funcionando.

============================ ===================================================
``ErrorDeArgumento``         un argumento con el tipo, la forma o el valor equivocados
``ErrorDeDatos``             un archivo que falta, está truncado o no es el esperado
``ErrorDeDescarga``          una descarga que no se pudo completar
``FaltanPesos``              no hay pesos entrenados de un modelo (ni incluidos ni propios)
``ErrorDeEntrenamiento``     un entrenamiento que no puede empezar o reanudarse
``EntrenamientoDivergente``  un entrenamiento cuyos números se han disparado
``ErrorDeComprobacion``      el código de una tarea no hace lo que debe
============================ ===================================================
"""

from __future__ import annotations


class ErrorGenerativa(Exception):
    """Base de todos los errores de la biblioteca ``generativa``."""


class ErrorDeArgumento(ErrorGenerativa, ValueError):
    """Un argumento no es lo que la función espera: el mensaje dice qué se esperaba y qué llegó."""


class ErrorDeDatos(ErrorGenerativa, ValueError):
    """Un archivo de datos o de pesos falta, está truncado o no es el que debería ser."""


class ErrorDeDescarga(ErrorDeDatos):
    """No se pudo descargar un archivo (sin red, servidor caído, respuesta de error, corte)."""


class FaltanPesos(ErrorDeDatos):
    """No hay pesos entrenados del modelo pedido, ni incluidos ni propios."""


class ErrorDeEntrenamiento(ErrorGenerativa, RuntimeError):
    """Un entrenamiento no puede empezar ni reanudarse tal como se pidió."""


class EntrenamientoDivergente(ErrorDeEntrenamiento):
    """El entrenamiento se ha detenido porque sus números se han disparado."""


class ErrorDeComprobacion(ErrorGenerativa, AssertionError):
    """El código de una tarea no hace lo que se pide; el mensaje dice qué falla y cómo arreglarlo."""
