"""El motor de cálculo: TensorFlow (y Keras sobre él) sin el ruido de arranque.

TensorFlow escribe al importarse mensajes de C++ (oneDNN, CUDA...) directamente
en el descriptor 2, sin pasar por Python ni respetar ``TF_CPP_MIN_LOG_LEVEL``. En
un cuaderno esos mensajes acaban en la página como si fueran errores. Aquí la
importación se hace con ese descriptor apuntando a ``/dev/null``; los errores de
Python (por ejemplo, que TensorFlow no esté instalado) se lanzan igual.
"""

from __future__ import annotations

import contextlib
import os
import sys


@contextlib.contextmanager
def silenciar_salida_nativa():
    """Redirige a ``/dev/null`` lo que el código nativo escriba en el descriptor 2."""
    try:
        sys.stderr.flush()
        original = os.dup(2)
    except (OSError, ValueError):  # sin descriptor 2 real: nada que silenciar
        yield
        return
    nulo = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(nulo, 2)
        yield
    finally:
        os.dup2(original, 2)
        os.close(original)
        os.close(nulo)


def importar_tensorflow():
    """Importa y devuelve ``tensorflow`` sin sus mensajes de arranque."""
    if "tensorflow" in sys.modules:
        return sys.modules["tensorflow"]
    with silenciar_salida_nativa():
        import tensorflow
        # Buscar dispositivos inicializa CUDA, que también avisa por el descriptor 2.
        tensorflow.config.list_physical_devices("GPU")
    return tensorflow


def importar_keras():
    """Importa y devuelve ``keras`` (con el motor elegido, TensorFlow por defecto)."""
    if os.environ.get("KERAS_BACKEND", "tensorflow") == "tensorflow":
        importar_tensorflow()
    import keras
    return keras
