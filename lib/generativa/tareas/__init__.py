"""Comprobaciones automáticas para las tareas del libro.

Cada función ``comprobar_...`` ejecuta lo que ha escrito el estudiante con entradas
fijas y con semilla, lo compara con la implementación de referencia de la biblioteca
y, o bien imprime una línea de éxito, o bien lanza :class:`ErrorDeComprobacion` con
lo que está mal y una pista para arreglarlo (el signo del gradiente, un recorte
olvidado, el ruido que falta...).
"""

from __future__ import annotations

import textwrap

ANCHO = 76  # caracteres: lo que cabe en una celda de salida del libro sin barra de desplazamiento


class ErrorDeComprobacion(AssertionError):
    """Lo escrito no hace lo que se pedía; el mensaje dice qué falla y da una pista."""


def fallo(que: str, pista: str) -> ErrorDeComprobacion:
    return ErrorDeComprobacion(f"✘ {que}\nPista: {pista}")


def exito(que: str) -> None:
    print(textwrap.fill(f"✔ {que}", ANCHO, subsequent_indent="  "))
