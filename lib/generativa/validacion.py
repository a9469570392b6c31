"""Comprobaciones de argumentos compartidas por la biblioteca, con mensajes en español."""

from __future__ import annotations

import numpy as np


def comprobar_entero(valor, nombre: str, minimo: int = 1) -> int:
    """Devuelve ``valor`` como ``int`` si es un entero (no un booleano) ≥ ``minimo``."""
    if isinstance(valor, bool) or not isinstance(valor, (int, np.integer)) or valor < minimo:
        raise ValueError(f"'{nombre}' debe ser un entero ≥ {minimo}; llegó {valor!r}.")
    return int(valor)
