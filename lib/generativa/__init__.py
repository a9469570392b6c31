"""generativa: la biblioteca del libro «Modelos generativos profundos: energía y difusión».

Cada módulo enseña una idea y los capítulos importan lo que explican:

- ``perfiles``: los perfiles de ejecución (``rapido``, ``cpu``, ``completo``).
- ``datos``: MNIST y Oxford 102 Flowers, verificados y listos para entrenar.
- ``fuentes``, ``integridad``, ``descargas``, ``rutas``: de dónde sale cada
  archivo de datos y cómo se comprueba que está intacto.
- ``ebm``: la red de energía, Langevin, el búfer y la divergencia contrastiva.
- ``calendarios``: los calendarios de difusión y el proceso directo.
- ``unet``: la incrustación sinusoidal, los bloques y la U-Net; ``diagramas``, su dibujo.
- ``difusion``: ``DiffusionModel`` (entrenamiento, muestreo, inversión) y sus pesos.
- ``interpolacion``: caminos entre dos ruidos iniciales (arco y recta).
- ``metricas``, ``caracteristicas``, ``evaluacion``: la KID y cómo se mide por épocas.
- ``clasificador``: un clasificador de dígitos para juzgar las muestras del EBM.
- ``entrenar``, ``entrenamiento``, ``pesos``: entrenar desde la línea de órdenes,
  reanudar, guardar por épocas y cargar los pesos entrenados.
- ``tareas``: las comprobaciones automáticas de las tareas.
- ``graficos``, ``texto``, ``validacion``, ``motor``: figuras, cifras en español,
  mensajes de error y el arranque silencioso de TensorFlow.
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
