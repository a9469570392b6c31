"""Extensión de Sphinx: una caché de ejecución por versión de la biblioteca, los datos y el perfil.

jupyter-cache solo mira el código de las celdas para decidir si un cuaderno ya está
ejecutado. Si cambia la biblioteca ``generativa``, un archivo de ``data/`` o el perfil
de ejecución, las celdas son las mismas pero sus resultados no: la caché serviría
páginas viejas. Esta extensión guarda la caché en una carpeta cuyo nombre depende de
una huella de todo eso, así que cualquier cambio obliga a ejecutar de nuevo, y borra
las cachés de huellas anteriores. La carpeta base es la de la construcción o la que diga
``GENERATIVA_CACHE_EJECUCION``.
"""

from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path

RAIZ = Path(__file__).resolve().parents[1]


def huella(raiz: Path = RAIZ, perfil: str | None = None) -> str:
    """Huella (12 cifras hexadecimales) de lib/, data/ y el perfil de ejecución."""
    h = hashlib.sha256()
    perfil = perfil if perfil is not None else os.environ.get("GENERATIVA_PERFIL", "automático")
    h.update(f"perfil={perfil.strip().lower()}\n".encode())
    for carpeta in ("lib", "data"):
        for archivo in sorted((raiz / carpeta).rglob("*")):
            if archivo.is_file() and "__pycache__" not in archivo.parts and ".respaldo" not in archivo.parts:
                h.update(archivo.relative_to(raiz).as_posix().encode() + b"\0")
                h.update(hashlib.sha256(archivo.read_bytes()).digest())
    return h.hexdigest()[:12]


def _fijar_cache(app, config):
    # GENERATIVA_CACHE_EJECUCION permite compartir la caché entre construcciones (la edición
    # del estudiante reutiliza las ejecuciones del libro en lugar de repetirlas).
    base = Path(os.environ.get("GENERATIVA_CACHE_EJECUCION") or Path(app.outdir).parent / ".jupyter_cache")
    actual = base / huella()
    if base.is_dir():
        for vieja in base.iterdir():
            if vieja.is_dir() and vieja != actual and len(vieja.name) == 12:
                shutil.rmtree(vieja, ignore_errors=True)
    config.nb_execution_cache_path = str(actual)


def setup(app):
    app.connect("config-inited", _fijar_cache, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
