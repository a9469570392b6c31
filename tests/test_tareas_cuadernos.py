"""Las tareas: la versión con soluciones se ejecuta entera y la de Colab se para en el primer hueco."""

from pathlib import Path

import jupytext
import nbformat
import pytest
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

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


@pytest.mark.parametrize("md", TAREAS, ids=lambda p: p.stem)
def test_la_version_en_blanco_se_para_en_el_primer_hueco(md):
    nb = nbformat.read(md.with_suffix(".ipynb"), as_version=4)
    codigo = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
    assert "--- solución ---" not in codigo and "TU CÓDIGO AQUÍ" in codigo
    with pytest.raises(CellExecutionError) as error:
        _ejecutar(nb, md.parent)
    assert error.value.ename == "NotImplementedError"
    assert "TU CÓDIGO AQUÍ" in error.value.evalue
    ejecutadas = [c for c in nb.cells if c.cell_type == "code" and c.get("execution_count")]
    primer_hueco = next(c for c in nb.cells if c.cell_type == "code" and "TU CÓDIGO AQUÍ" in c.source)
    # Se para en la comprobación del primer hueco: nada posterior se ejecutó.
    assert ejecutadas[-1].source.startswith("comprobar_") and ejecutadas[-2] is primer_hueco
