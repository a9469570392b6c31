"""generativa: la biblioteca del libro «Modelos generativos profundos: energía y difusión».

Cada módulo enseña una idea y los capítulos importan lo que explican:

- ``perfiles``: los perfiles de ejecución (``rapido``, ``cpu``, ``completo``).
- ``datos``: MNIST y Oxford 102 Flowers, verificados y listos para entrenar.
- ``fuentes``, ``integridad``, ``descargas``, ``rutas``: de dónde sale cada
  archivo de datos y cómo se comprueba que está intacto.
- ``graficos``: rejillas de imágenes para las figuras del libro.
"""

import os as _os

# Keras 3 con TensorFlow como motor, y sin los avisos de arranque de TensorFlow
# (no cambia nada si quien usa la biblioteca ya eligió otra cosa).
_os.environ.setdefault("KERAS_BACKEND", "tensorflow")
_os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

# TensorFlow escribe mensajes nativos (CUDA, oneDNN) al importarse y al iniciar sus
# dispositivos, que en un cuaderno salen como errores. Si está instalado y es el motor,
# se importa ya, en silencio: así un «import keras» posterior del cuaderno no los produce.
if _os.environ["KERAS_BACKEND"] == "tensorflow":
    from importlib.util import find_spec as _find_spec

    if _find_spec("tensorflow") is not None:
        from .motor import importar_tensorflow as _importar_tensorflow

        _importar_tensorflow()

__version__ = "0.1.0"
