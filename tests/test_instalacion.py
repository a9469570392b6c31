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


def test_la_rueda_lleva_todos_los_datos(rueda):
    nombres = set(zipfile.ZipFile(rueda).namelist())
    esperados = {"generativa/_datos/" + p.relative_to(DATOS).as_posix() for p in DATOS.rglob("*")
                 if p.is_file() and ".respaldo" not in p.parts and p.suffix != ".csv"}  # sin restos de un entrenamiento en curso
    assert esperados <= nombres, sorted(esperados - nombres)
    modulos = {p.name for p in (RAIZ / "lib" / "generativa").glob("*.py")}
    assert {n.split("/")[1] for n in nombres if n.startswith("generativa/") and n.endswith(".py")} >= modulos


def test_instalada_encuentra_sus_datos_sin_el_repositorio(rueda, tmp_path):
    instalada = tmp_path / "sitio"
    subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "--quiet", "--target", str(instalada),
                    str(rueda)], check=True, capture_output=True)
    codigo = ("import generativa, generativa.rutas as r; from generativa.datos import cargar_mnist;"
              "print(generativa.__file__); print(r.directorios_de_datos()); print(cargar_mnist()[0].shape)")
    entorno = {k: v for k, v in os.environ.items() if k != "GENERATIVA_DATOS"}
    entorno["PYTHONPATH"] = str(instalada)
    salida = subprocess.run([sys.executable, "-c", codigo], cwd=tmp_path, env=entorno,
                            capture_output=True, text=True, check=True).stdout.splitlines()
    assert salida[0].startswith(str(instalada))
    assert str(instalada / "generativa" / "_datos") in salida[1] and str(RAIZ) not in salida[1]
    assert salida[2] == "(10000, 32, 32, 1)"
