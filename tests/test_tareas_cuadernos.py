"""Las tareas: la versión con soluciones se ejecuta entera y pasa sus comprobaciones.

Si el libro ya está construido con la biblioteca y los datos de ahora (la caché de ejecución
de ``_ext/cache_por_version.py``, en ``_build/.jupyter_cache`` o en
``GENERATIVA_CACHE_EJECUCION``) y esa caché guarda una ejecución de este mismo código, se
comprueban las salidas de esa ejecución en lugar de repetirla: es lo que hace
``.ci/run``, que construye el libro antes de las pruebas. Si no, el cuaderno se ejecuta aquí.
"""

import os
import sys
from pathlib import Path

import jupytext
import nbformat
import pytest
from jupyter_cache import get_cache
from nbclient import NotebookClient

RAIZ = Path(__file__).resolve().parents[1]
TAREAS = sorted((RAIZ / "chapters" / "tareas").glob("tarea-*.md"))
sys.path.insert(0, str(RAIZ / "_ext"))
from cache_por_version import huella  # noqa: E402

from generativa.perfiles import NOMBRES  # noqa: E402


def _ejecucion_del_libro(nb):
    """(perfil, cuaderno ejecutado) de la caché del libro para este código, o None si no la hay."""
    base = Path(os.environ.get("GENERATIVA_CACHE_EJECUCION") or RAIZ / "_build" / ".jupyter_cache")
    for perfil in (*NOMBRES, "automático"):  # el perfil con que se construyó, sin saber cuál
        carpeta = base / huella(RAIZ, perfil)
        if (carpeta / "global.db").is_file():
            try:
                return perfil, get_cache(carpeta).merge_match_into_notebook(nb)[1]
            except KeyError:  # la caché no tiene este código
                continue
    return None


def _ejecutar(nb, carpeta):
    NotebookClient(nb, timeout=900, kernel_name="python3", resources={"metadata": {"path": str(carpeta)}}).execute()


def test_hay_tareas():
    assert TAREAS, "no hay tareas en chapters/tareas/"


@pytest.mark.parametrize("md", TAREAS, ids=lambda p: p.stem)
def test_la_version_con_soluciones_pasa_sus_comprobaciones(md):
    nb = jupytext.read(md, fmt="md:myst")
    guardada = _ejecucion_del_libro(nb)
    if guardada:
        print(f"{md.name}: salidas de la construcción del libro (perfil {guardada[0]})")
        nb = guardada[1]
    else:
        _ejecutar(nb, md.parent)
    salidas = "".join(o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", []))
    comprobaciones = sum(c.source.count("comprobar_") for c in nb.cells
                         if c.cell_type == "code" and c.source.startswith("comprobar_"))
    assert salidas.count("✔") == comprobaciones >= 5


@pytest.mark.parametrize("md", TAREAS, ids=lambda p: p.stem)
def test_la_version_en_blanco_no_habla_de_soluciones_que_no_tiene(md):
    import re

    nb = nbformat.read(md.with_suffix(".ipynb"), as_version=4)
    texto = " ".join(c.source for c in nb.cells if c.cell_type == "markdown")
    for frase in (r"aquí cada solución", r"esta página del libro cada solución", r"abre el desplegable",
                  r"en el desplegable «Solución»", r"la solución (de arriba|anterior)"):
        assert not re.search(frase, texto, re.I), f"{md.name}: «{frase}» no es cierto en la versión en blanco"


# Que la versión en blanco se para en el primer hueco lo comprueba tests/test_colab.py, que la
# ejecuta en un entorno como el de Colab.
