"""Utilidades compartidas por las pruebas."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

RAIZ = Path(__file__).resolve().parents[1]
DATOS = RAIZ / "data"
sys.path.insert(0, str(RAIZ / "scripts"))


@pytest.fixture(autouse=True)
def _sin_memoria_de_datos(monkeypatch, tmp_path):
    """Cada prueba empieza sin cachés en memoria y con una caché de descargas vacía."""
    from generativa import archivos, datos

    monkeypatch.setenv("GENERATIVA_CACHE", str(tmp_path / "cache"))
    monkeypatch.delenv("GENERATIVA_PESOS", raising=False)
    monkeypatch.delenv("GENERATIVA_PESOS_DEL_LIBRO", raising=False)
    datos._mnist.cache_clear()
    datos._flores_de_archivo.cache_clear()
    archivos._verificados.clear()
    yield
    datos._mnist.cache_clear()
    datos._flores_de_archivo.cache_clear()
    archivos._verificados.clear()


@pytest.fixture
def copia_de_datos(tmp_path, monkeypatch):
    """Una copia de data/ (sin las fotos originales) a la que apunta GENERATIVA_DATOS."""
    destino = tmp_path / "datos"
    shutil.copytree(DATOS, destino, ignore=shutil.ignore_patterns("jpg", "README.md"))
    monkeypatch.setenv("GENERATIVA_DATOS", str(destino))
    return destino
