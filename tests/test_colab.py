"""El camino de Colab: cada cuaderno del libro, abierto donde ``generativa`` no está instalada.

Se crea un entorno virtual nuevo que ve los paquetes del entorno actual
(TensorFlow, Keras, Jupyter... como los trae Colab) pero no ``generativa``. Se
ejecutan, por orden de ruta (la presentación primero) y en el perfil ``rapido``, los ``.ipynb`` de
todos los capítulos, actividades y tareas, con la URL de su celda de instalación
apuntando a este repositorio (``git+file://``; si hay cambios sin confirmar, a un clon
donde están confirmados): el primero instala la biblioteca y los demás la
encuentran instalada, como en una sesión de Colab que abre un capítulo tras otro.
Todos comparten la caché (descargas y pesos propios), también como en una sesión.

Cada capítulo y actividad debe completarse, con sus comprobaciones ocultas; cada
tarea, en su edición en blanco, debe pararse en la comprobación de su primer
hueco con el ``NotImplementedError`` en español. La instalación no debe traer ni
reinstalar TensorFlow. Estas ejecuciones son también la prueba de que cada
cuaderno corre de principio a fin (el libro construido ejecuta los ``.md``).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

import cuadernos
from conftest import RAIZ

CUADERNOS = [md.with_suffix(".ipynb") for md in cuadernos.fuentes_md()]

# Lo que imprime cada uno de estos capítulos cuando ha ido bien (además de no fallar).
ESPERADO = {
    "00-presentacion.ipynb": "(10000, 32, 32, 1)",
    "08-de-la-energia-a-la-difusion.ipynb": "R² del ruido",
}


def _git(*args, cwd=RAIZ) -> str:
    return subprocess.run(["git", "-C", str(cwd), *args], capture_output=True, text=True, check=True).stdout


def _repositorio_a_instalar(base: Path) -> tuple[Path, str]:
    """El repositorio y la rama que instala la celda: este mismo o, si hay cambios sin confirmar,
    un clon con ellos confirmados (para probar lo que hay en la carpeta, no solo lo confirmado)."""
    rama = _git("rev-parse", "--abbrev-ref", "HEAD").strip()
    modificados = _git("ls-files", "-z", "--modified", "--others", "--exclude-standard").split("\0")
    borrados = set(_git("ls-files", "-z", "--deleted").split("\0")) - {""}
    modificados = [m for m in modificados if m and m not in borrados]
    if not modificados and not borrados:
        return RAIZ, rama
    copia = base / "repositorio"
    subprocess.run(["git", "clone", "-q", "--shared", "--branch", rama, str(RAIZ), str(copia)], check=True)
    for ruta in modificados:
        (copia / ruta).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(RAIZ / ruta, copia / ruta)
    for ruta in borrados:
        (copia / ruta).unlink(missing_ok=True)
    _git("add", "-A", cwd=copia)
    _git("-c", "user.name=pruebas", "-c", "user.email=pruebas@localhost", "commit", "-q", "-m",
         "cambios sin confirmar", cwd=copia)
    return copia, rama


@pytest.fixture(scope="module")
def entorno_como_colab(tmp_path_factory):
    if not (RAIZ / ".git").exists():
        pytest.skip("El repositorio no es un clon de git: no hay nada que instalar con git+file://.")
    base = tmp_path_factory.mktemp("colab")
    carpeta = base / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(carpeta)], check=True)
    python = carpeta / "bin" / "python"
    sitio = Path(subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                                capture_output=True, text=True, check=True).stdout.strip())
    # Los paquetes del entorno actual, como los preinstalados de Colab; los .pth de ese
    # directorio (entre ellos el de la instalación editable de generativa) no se procesan.
    (sitio / "colab_preinstalado.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    entorno = {k: v for k, v in os.environ.items()
               if not k.startswith(("PYTHON", "VIRTUAL_ENV", "GENERATIVA_"))}
    sonda = subprocess.run([str(python), "-c", "import tensorflow, keras, ipykernel; import generativa"],
                           capture_output=True, text=True, env=entorno)
    assert "No module named 'generativa'" in sonda.stderr, sonda.stderr[-500:]

    kernel = base / "jupyter" / "kernels" / "colab"
    kernel.mkdir(parents=True)
    (kernel / "kernel.json").write_text(
        '{"argv": ["%s", "-m", "ipykernel_launcher", "-f", "{connection_file}"], '
        '"display_name": "Colab simulado", "language": "python"}' % python)
    entorno.update({"JUPYTER_PATH": str(base / "jupyter"), "GENERATIVA_PERFIL": "rapido", "MPLBACKEND": "Agg",
                    "GENERATIVA_CACHE": str(base / "cache")})
    return python, sitio, entorno, *_repositorio_a_instalar(base)


def _ejecutar(nb, entorno, carpeta):
    """Ejecuta ``nb`` en el núcleo del entorno simulado, con solo las variables de ``entorno``."""
    anterior = dict(os.environ)
    os.environ.clear()
    os.environ.update(entorno)
    try:
        NotebookClient(nb, kernel_name="colab", timeout=900, resources={"metadata": {"path": str(carpeta)}}).execute()
    finally:
        os.environ.clear()
        os.environ.update(anterior)


@pytest.mark.parametrize("ipynb", CUADERNOS, ids=lambda p: str(p.relative_to(RAIZ / "chapters")))
def test_el_cuaderno_se_instala_solo_y_se_ejecuta(entorno_como_colab, tmp_path, ipynb):
    python, sitio, entorno, repositorio, rama = entorno_como_colab
    nb = nbformat.read(ipynb, as_version=4)
    primera = next(c for c in nb.cells if c.cell_type == "code")
    primera.source = re.sub(r'(?m)^URL_REPOSITORIO = ".*"$', f'URL_REPOSITORIO = "file://localhost{repositorio}"',
                            primera.source)
    primera.source = re.sub(r'(?m)^RAMA = ".*"$', f'RAMA = "{rama}"', primera.source)

    if cuadernos.es_tarea(ipynb):
        codigo = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
        assert "--- solución ---" not in codigo and "TU CÓDIGO AQUÍ" in codigo
        with pytest.raises(CellExecutionError) as error:
            _ejecutar(nb, entorno, tmp_path)
        assert error.value.ename == "NotImplementedError"
        assert "TU CÓDIGO AQUÍ" in error.value.evalue
        ejecutadas = [c for c in nb.cells if c.cell_type == "code" and c.get("execution_count")]
        primer_hueco = next(c for c in nb.cells if c.cell_type == "code" and "TU CÓDIGO AQUÍ" in c.source)
        # Se para en la comprobación del primer hueco: nada posterior se ejecutó.
        assert ejecutadas[-1].source.startswith("comprobar_") and ejecutadas[-2] is primer_hueco
    else:
        _ejecutar(nb, entorno, tmp_path)
        salidas = "".join(o.get("text", "") for c in nb.cells if c.cell_type == "code"
                          for o in c.get("outputs", []))
        assert ESPERADO.get(ipynb.name, "") in salidas

    # generativa quedó instalada en el entorno nuevo, con sus datos, y TensorFlow no.
    assert any(p.name.startswith("generativa") for p in sitio.iterdir()), sorted(p.name for p in sitio.iterdir())
    assert (sitio / "generativa" / "_datos" / "mnist" / "t10k-images-idx3-ubyte.gz").is_file()
    assert not any(p.name.lower().startswith("tensorflow") for p in sitio.iterdir())
