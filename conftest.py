"""Configuración común de pytest: las pruebas usan siempre el perfil «rapido»."""

import os

os.environ["GENERATIVA_PERFIL"] = "rapido"
# La escala de prueba la ponen solo las pruebas que la usan (y para sus cuadernos).
os.environ.pop("GENERATIVA_PRUEBA_ESCALA", None)
os.environ.pop("GENERATIVA_PRUEBA_MATAR_EN_ESCRITURA", None)
os.environ.setdefault("MPLBACKEND", "Agg")
