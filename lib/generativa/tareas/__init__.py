"""Comprobaciones automáticas para las tareas del libro.

Cada función ``comprobar_...`` ejecuta lo que ha escrito el estudiante con entradas
fijas y con semilla, lo compara con la implementación de referencia de la biblioteca
y, o bien imprime una línea de éxito, o bien lanza :class:`ErrorDeComprobacion` con
lo que está mal y una pista para arreglarlo (el signo del gradiente, un recorte
olvidado, el ruido que falta...).
"""

from __future__ import annotations

import textwrap

from ..errores import ErrorDeComprobacion

__all__ = ["ANCHO", "ErrorDeComprobacion", "exito", "fallo"]

ANCHO = 76  # caracteres: lo que cabe en una celda de salida del libro sin barra de desplazamiento


def fallo(que: str, pista: str) -> ErrorDeComprobacion:
    return ErrorDeComprobacion(f"✘ {que}\nPista: {pista}")


def exito(que: str) -> None:
    print(textwrap.fill(f"✔ {que}", ANCHO, subsequent_indent="  "))
