"""generativa: la biblioteca del libro «Modelos generativos profundos: energía y difusión».

Cada módulo enseña o sostiene una idea, y los capítulos importan lo que explican:

- ``perfiles``: los perfiles de ejecución (``rapido``, ``cpu``, ``completo``).
- ``datos``: MNIST y Oxford 102 Flowers, verificados y listos para entrenar.
- ``archivos``: el registro de archivos (datos y pesos), dónde se buscan, cómo se
  verifican por sha256, cómo se escriben sin perder nada y cómo se descargan.
- ``ebm``: la red de energía, Langevin, el búfer, la pérdida y su entrenamiento.
- ``calendarios``: los calendarios de difusión y el proceso directo.
- ``unet``: la incrustación sinusoidal, los bloques y la U-Net; ``diagramas``, su dibujo.
- ``difusion``: ``DiffusionModel`` (entrenamiento, muestreo, inversión) y su entrenamiento.
- ``interpolacion``: caminos entre dos ruidos iniciales (arco y recta).
- ``kid``: la KID (núcleo, estimador, extractores) y su curva por épocas.
- ``clasificador``: un clasificador de dígitos para juzgar las muestras del EBM.
- ``entrenamiento``: el núcleo que entrena sin perder nada (respaldo, reanudación,
  procedencia) y sus *callbacks*; ``entrenar``, la orden ``python -m generativa.entrenar``.
- ``pesos``: qué pesos usa cada capítulo (los propios antes que los del libro).
- ``tareas``: las comprobaciones automáticas de las tareas.
- ``graficos`` y ``pagina``: figuras, y lo que el lector ve junto a ellas (el recuadro
  del perfil, el código de la biblioteca, las cifras en español).
- ``validacion`` y ``errores``: la comprobación de argumentos y los errores de la
  biblioteca; ``motor``: el arranque silencioso de TensorFlow.

``import generativa`` no importa TensorFlow: lo hace cada módulo que lo necesita, en
silencio (:mod:`generativa.motor`).
"""

import os as _os

# Keras 3 con TensorFlow como motor, y sin los avisos de arranque de TensorFlow
# (no cambia nada si quien usa la biblioteca ya eligió otra cosa).
_os.environ.setdefault("KERAS_BACKEND", "tensorflow")
_os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

__version__ = "0.2.0"
