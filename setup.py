"""Qué paquetes lleva la biblioteca: los de lib/ y la carpeta data/ como generativa._datos.

Se calculan recorriendo las carpetas (nada se enumera a mano: un subpaquete nuevo, como
generativa.tareas, entra solo). El resto de la configuración está en pyproject.toml.
"""

from pathlib import Path

from setuptools import find_packages, setup

RAIZ = Path(__file__).resolve().parent
DATOS = RAIZ / "data"
subcarpetas = sorted(p.relative_to(DATOS) for p in DATOS.rglob("*")
                     if p.is_dir() and not any(parte.startswith((".", "_")) for parte in p.relative_to(DATOS).parts))

datos = ["generativa._datos"] + ["generativa._datos." + ".".join(s.parts) for s in subcarpetas]

setup(
    package_dir={"": "lib", "generativa._datos": "data"},
    packages=find_packages("lib") + datos,
    # Todos los archivos de cada carpeta de datos (los ocultos, como .respaldo/, no).
    package_data={"generativa": ["registro.json"], **{paquete: ["*"] for paquete in datos}},
)
