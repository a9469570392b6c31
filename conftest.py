"""Configuración común de pytest: las pruebas usan siempre el perfil «rapido»."""

import os

os.environ["GENERATIVA_PERFIL"] = "rapido"
os.environ.setdefault("MPLBACKEND", "Agg")
