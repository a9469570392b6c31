"""Las tareas: la versión con soluciones se ejecuta entera y pasa sus comprobaciones."""

from pathlib import Path

import jupytext
import nbformat
import pytest
from nbclient import NotebookClient

RAIZ = Path(__file__).resolve().parents[1]
TAREAS = sorted((RAIZ / "chapters" / "tareas").glob("tarea-*.md"))


def _ejecutar(nb, carpeta):
    NotebookClient(nb, timeout=900, kernel_name="python3", resources={"metadata": {"path": str(carpeta)}}).execute()


def test_hay_tareas():
    assert TAREAS, "no hay tareas en chapters/tareas/"


@pytest.mark.parametrize("md", TAREAS, ids=lambda p: p.stem)
def test_la_version_con_soluciones_pasa_sus_comprobaciones(md):
    nb = jupytext.read(md, fmt="md:myst")
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
