"""El camino de Colab: un cuaderno abierto donde ``generativa`` no está instalada.

Se crea un entorno virtual nuevo que ve los paquetes del entorno actual
(TensorFlow, Keras, Jupyter... como los trae Colab) pero no ``generativa``. Se
ejecuta el ``.ipynb`` emparejado de un capítulo, con la URL de su celda de
instalación apuntando a este repositorio (``git+file://``), en el perfil
``rapido``. El cuaderno debe completarse, y la instalación no debe haber traído
ni reinstalado TensorFlow.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import sysconfig
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from conftest import RAIZ

# La presentación (la primera instalación, desde cero) y el capítulo que une las dos partes
# (con la biblioteca ya instalada: sus datos y pesos salen del paquete, no del repositorio).
CAPITULOS = ["00-presentacion.ipynb", "difusion/08-de-la-energia-a-la-difusion.ipynb"]


def _rama_actual() -> str:
    return subprocess.run(["git", "-C", str(RAIZ), "rev-parse", "--abbrev-ref", "HEAD"],
                          capture_output=True, text=True, check=True).stdout.strip()


@pytest.fixture(scope="module")
def entorno_como_colab(tmp_path_factory):
    if not (RAIZ / ".git").exists():
        pytest.skip("El repositorio no es un clon de git: no hay nada que instalar con git+file://.")
    carpeta = tmp_path_factory.mktemp("colab") / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(carpeta)], check=True)
    python = carpeta / "bin" / "python"
    sitio = Path(subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                                capture_output=True, text=True, check=True).stdout.strip())
    # Los paquetes del entorno actual, como los preinstalados de Colab; los .pth de ese
    # directorio (entre ellos el de la instalación editable de generativa) no se procesan.
    (sitio / "colab_preinstalado.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    entorno = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "VIRTUAL_ENV"))}
    sonda = subprocess.run([str(python), "-c", "import tensorflow, keras, ipykernel; import generativa"],
                           capture_output=True, text=True, env=entorno)
    assert "No module named 'generativa'" in sonda.stderr, sonda.stderr[-500:]
    return python, sitio, entorno


@pytest.mark.parametrize("capitulo", CAPITULOS)
def test_el_capitulo_se_instala_solo_y_se_ejecuta(entorno_como_colab, tmp_path, capitulo):
    python, sitio, entorno = entorno_como_colab
    nb = nbformat.read(RAIZ / "chapters" / capitulo, as_version=4)
    primera = next(c for c in nb.cells if c.cell_type == "code")
    primera.source = re.sub(r'(?m)^URL_REPOSITORIO = ".*"$', f'URL_REPOSITORIO = "file://localhost{RAIZ}"', primera.source)
    primera.source = re.sub(r'(?m)^RAMA = ".*"$', f'RAMA = "{_rama_actual()}"', primera.source)

    kernel = tmp_path / "kernels" / "colab"
    kernel.mkdir(parents=True)
    (kernel / "kernel.json").write_text(
        '{"argv": ["%s", "-m", "ipykernel_launcher", "-f", "{connection_file}"], '
        '"display_name": "Colab simulado", "language": "python"}' % python)
    entorno = {**entorno, "JUPYTER_PATH": str(tmp_path), "GENERATIVA_PERFIL": "rapido", "MPLBACKEND": "Agg",
               "GENERATIVA_CACHE": str(tmp_path / "cache")}
    anterior = dict(os.environ)
    os.environ.clear()
    os.environ.update(entorno)
    try:
        NotebookClient(nb, kernel_name="colab", timeout=900, resources={"metadata": {"path": str(tmp_path)}}).execute()
    finally:
        os.environ.clear()
        os.environ.update(anterior)

    # generativa quedó instalada en el entorno nuevo, con sus datos, y TensorFlow no.
    assert any(p.name.startswith("generativa") for p in sitio.iterdir()), sorted(p.name for p in sitio.iterdir())
    assert (sitio / "generativa" / "_datos" / "mnist" / "t10k-images-idx3-ubyte.gz").is_file()
    assert not any(p.name.lower().startswith("tensorflow") for p in sitio.iterdir())
    salidas = "".join(o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", []))
    esperado = {"00-presentacion.ipynb": "(10000, 32, 32, 1)", CAPITULOS[1]: "R² del ruido"}[capitulo]
    assert esperado in salidas
