"""Configuración común de pytest: las pruebas (y nbval) usan siempre el perfil «rapido»."""

import os

os.environ["GENERATIVA_PERFIL"] = "rapido"
os.environ.setdefault("MPLBACKEND", "Agg")

# Los .ipynb de las tareas están en blanco (son los que abren los estudiantes): nbval no
# los ejecuta; tests/test_tareas_cuadernos.py ejecuta la versión con soluciones (el .md)
# y comprueba que la versión en blanco se para en el primer hueco.
collect_ignore_glob = ["chapters/tareas/tarea-*.ipynb"]
