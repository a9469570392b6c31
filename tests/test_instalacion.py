"""La biblioteca instalada desde el repositorio (como en Colab) lleva sus datos."""

import os
import subprocess
import sys
import zipfile

import pytest

from conftest import DATOS, RAIZ


@pytest.fixture(scope="module")
def rueda(tmp_path_factory):
    destino = tmp_path_factory.mktemp("rueda")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(destino), str(RAIZ)],
                   check=True, capture_output=True)
    (archivo,) = destino.glob("generativa-*.whl")
    return archivo


def _visibles(carpeta, prefijo: str) -> set[str]:
    """Los archivos de ``carpeta`` (sin ocultos ni cachés de Python) como rutas de la rueda."""
    return {prefijo + p.relative_to(carpeta).as_posix() for p in carpeta.rglob("*")
            if p.is_file() and not any(parte.startswith((".", "__pycache__")) for parte in p.relative_to(carpeta).parts)
            and p.suffix != ".pyc"}


def test_la_rueda_lleva_exactamente_el_arbol_de_fuentes(rueda):
    """Cada módulo, subpaquete (generativa.tareas...), registro y dato, y nada más."""
    nombres = {n for n in zipfile.ZipFile(rueda).namelist() if ".dist-info/" not in n}
    esperados = _visibles(RAIZ / "lib" / "generativa", "generativa/") | _visibles(DATOS, "generativa/_datos/")
    assert nombres == esperados, (sorted(esperados - nombres), sorted(nombres - esperados))
    assert {"generativa/tareas/ebm.py", "generativa/tareas/difusion.py", "generativa/registro.json"} <= nombres


def test_instalada_encuentra_sus_datos_sin_el_repositorio(rueda, tmp_path):
    instalada = tmp_path / "sitio"
    subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "--quiet", "--target", str(instalada),
                    str(rueda)], check=True, capture_output=True)
    codigo = ("import generativa, generativa.archivos as r; from generativa.datos import cargar_mnist;"
              "print(generativa.__file__); print(r.directorios_de_datos()); print(cargar_mnist()[0].shape)")
    entorno = {k: v for k, v in os.environ.items() if k != "GENERATIVA_DATOS"}
    entorno["PYTHONPATH"] = str(instalada)
    salida = subprocess.run([sys.executable, "-c", codigo], cwd=tmp_path, env=entorno,
                            capture_output=True, text=True, check=True).stdout.splitlines()
    assert salida[0].startswith(str(instalada))
    assert str(instalada / "generativa" / "_datos") in salida[1] and str(RAIZ) not in salida[1]
    assert salida[2] == "(10000, 32, 32, 1)"
