"""Dónde buscar los datos: la carpeta indicada, la del repositorio o la caché."""

from __future__ import annotations

import os
from pathlib import Path

VARIABLE_DATOS = "GENERATIVA_DATOS"
VARIABLE_CACHE = "GENERATIVA_CACHE"

_PAQUETE = Path(__file__).resolve().parent


def directorios_de_datos() -> list[Path]:
    """Carpetas con datos incluidos, en orden de preferencia.

    Si ``GENERATIVA_DATOS`` está definida, es la única: así se puede apuntar a
    otra copia sin que se mezcle con la del repositorio. Si no, la carpeta
    ``data/`` del repositorio (instalación editable) y la copia que viaja con el
    paquete instalado desde git (``generativa/_datos``).
    """
    indicada = os.environ.get(VARIABLE_DATOS)
    if indicada:
        return [Path(indicada).expanduser().resolve()]
    candidatas = [_PAQUETE.parents[1] / "data", _PAQUETE / "_datos"]
    return [c for c in candidatas if c.is_dir()]


def directorio_cache() -> Path:
    """Carpeta de descargas: ``GENERATIVA_CACHE`` o la caché del usuario."""
    indicada = os.environ.get(VARIABLE_CACHE)
    if indicada:
        base = Path(indicada).expanduser()
    else:
        base = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "generativa"
    return base.resolve()
