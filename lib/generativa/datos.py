"""Los dos conjuntos de datos del libro: MNIST y Oxford 102 Flowers.

``cargar_mnist`` prepara los dígitos como los usa el EBM del curso (32x32,
valores en [-1, 1]); ``cargar_flores`` prepara las flores como las usa el
modelo de difusión (cuadradas, valores en [0, 1]). Todo archivo se verifica por
sha256 antes de leerse (véase :mod:`generativa.fuentes`).
"""

from __future__ import annotations

import gzip
import io
import re
import tarfile
from functools import lru_cache
from pathlib import Path
from typing import NamedTuple

import numpy as np
from PIL import Image

from .fuentes import ORIGINALES, esta_disponible, obtener
from .integridad import ErrorDeDatos

TAMANO_MNIST = 32
_MAGIA_IMAGENES, _MAGIA_ETIQUETAS = 2051, 2049
_NOMBRE_FLOR = re.compile(r"^jpg/image_(\d{5})\.jpg$")
_PARTICIONES = ("trnid", "valid", "tstid")


# --------------------------------------------------------------------------- MNIST

def cargar_mnist(conjunto: str = "prueba") -> tuple[np.ndarray, np.ndarray]:
    """Dígitos de MNIST listos para el EBM: ``(imagenes, etiquetas)``.

    ``imagenes`` tiene forma ``(N, 32, 32, 1)``, tipo float32 y valores en
    [-1, 1]: los 28x28 originales se reescalan con ``x / 127.5 - 1`` y se
    rodean de 2 píxeles de fondo (-1) por cada lado, como en el curso.
    ``etiquetas`` son los dígitos 0-9 (int64).

    - ``conjunto="prueba"``: los 10.000 dígitos del conjunto de prueba oficial,
      incluidos en ``data/mnist/`` (o, si faltan, descargados).
    - ``conjunto="completo"``: los 70.000 dígitos (60.000 de entrenamiento y
      después los 10.000 de prueba) del ``mnist.npz`` que publica Keras; necesita
      internet la primera vez y queda en la caché.
    """
    if conjunto == "prueba":
        crudas, etiquetas = _mnist_prueba()
    elif conjunto == "completo":
        with np.load(obtener("mnist_npz")) as f:
            crudas = np.concatenate([f["x_train"], f["x_test"]])
            etiquetas = np.concatenate([f["y_train"], f["y_test"]])
    else:
        raise ValueError(f"'conjunto' debe ser \"prueba\" o \"completo\"; llegó {conjunto!r}.")
    return preparar_mnist(crudas), etiquetas.astype(np.int64)


def preparar_mnist(crudas: np.ndarray) -> np.ndarray:
    """De dígitos 28x28 con valores 0-255 a ``(N, 32, 32, 1)`` float32 en [-1, 1]."""
    crudas = np.asarray(crudas)
    if crudas.ndim != 3 or crudas.shape[1:] != (28, 28):
        raise ValueError(f"Se esperaban dígitos de forma (N, 28, 28); llegó la forma {crudas.shape}.")
    if crudas.size and (crudas.min() < 0 or crudas.max() > 255):
        raise ValueError(
            f"Se esperaban valores de píxel entre 0 y 255; llegaron valores entre {crudas.min()} y {crudas.max()}."
        )
    x = crudas.astype(np.float32) / 127.5 - 1.0
    x = np.pad(x, ((0, 0), (2, 2), (2, 2)), constant_values=-1.0)
    return x[..., np.newaxis]


@lru_cache(maxsize=1)
def _mnist_prueba() -> tuple[np.ndarray, np.ndarray]:
    if esta_disponible("mnist_prueba_imagenes") or not esta_disponible("mnist_npz"):
        try:
            imagenes = leer_idx(obtener("mnist_prueba_imagenes", descargar_si_falta=False))
            etiquetas = leer_idx(obtener("mnist_prueba_etiquetas", descargar_si_falta=False))
            return imagenes, etiquetas
        except ErrorDeDatos:
            if esta_disponible("mnist_prueba_imagenes"):
                raise  # el archivo está pero dañado: no se disimula con una descarga
    with np.load(obtener("mnist_npz")) as f:
        return f["x_test"], f["y_test"]


def leer_idx(ruta: Path | str) -> np.ndarray:
    """Lee un archivo idx de MNIST (comprimido con gzip) y comprueba su cabecera."""
    with gzip.open(ruta, "rb") as f:
        contenido = f.read()
    magia = int.from_bytes(contenido[:4], "big")
    if magia == _MAGIA_IMAGENES:
        n, filas, columnas = (int.from_bytes(contenido[4 + 4 * i: 8 + 4 * i], "big") for i in range(3))
        forma, inicio = (n, filas, columnas), 16
    elif magia == _MAGIA_ETIQUETAS:
        forma, inicio = (int.from_bytes(contenido[4:8], "big"),), 8
    else:
        raise ErrorDeDatos(f"{ruta} no es un archivo idx de MNIST: su número mágico es {magia}.")
    datos = np.frombuffer(contenido, dtype=np.uint8, offset=inicio)
    if datos.size != int(np.prod(forma)):
        raise ErrorDeDatos(f"{ruta} está incompleto: anuncia la forma {forma} y trae {datos.size} valores.")
    return datos.reshape(forma)


# ------------------------------------------------------------------------- Flores

class Flores(NamedTuple):
    """Resultado de :func:`cargar_flores`."""

    imagenes: np.ndarray
    """``(N, s, s, 3)`` float32 en [0, 1]."""
    etiquetas: np.ndarray
    """Clase de cada imagen, 1-102 como en ``imagelabels.mat``."""
    numeros: np.ndarray
    """Número oficial de cada imagen (``image_00001.jpg`` → 1)."""
    particiones: dict
    """Índices de fila de cada partición oficial: ``trnid``, ``valid`` y ``tstid``."""


def cargar_flores(image_size: int = 64) -> Flores:
    """Oxford 102 Flowers como cuadrados de ``image_size`` píxeles en [0, 1].

    Lee el archivo con la estructura oficial (``jpg/image_NNNNN.jpg`` dentro de
    un ``.tgz``) más ``imagelabels.mat`` y ``setid.mat``. Hasta 64 píxeles usa la
    copia incluida de 64x64; para tamaños mayores, o si la copia no está, el
    archivo oficial, que se descarga y verifica la primera vez. Cada imagen se
    recorta al cuadrado central y se redimensiona con antialiasing (Lanczos).
    """
    _comprobar_tamano(image_size)
    if image_size <= 64 and esta_disponible("flores_64px"):
        archivo = obtener("flores_64px", descargar_si_falta=False)
    else:
        archivo = obtener("flores_originales")
    return _flores_de_archivo(archivo, image_size)


def leer_archivo_flores(archivo: Path | str, image_size: int = 64) -> Flores:
    """Como :func:`cargar_flores`, pero de un ``.tgz`` concreto con la estructura oficial."""
    _comprobar_tamano(image_size)
    return _flores_de_archivo(Path(archivo), image_size)


@lru_cache(maxsize=4)
def _flores_de_archivo(archivo: Path, image_size: int) -> Flores:
    from scipy.io import loadmat

    etiquetas_oficiales = loadmat(obtener("flores_etiquetas"))["labels"].ravel().astype(np.int64)
    particion = loadmat(obtener("flores_particion"))
    numeros, imagenes = [], []
    try:
        with tarfile.open(archivo, "r:gz") as tar:
            for miembro in tar:
                coincide = _NOMBRE_FLOR.match(miembro.name)
                if not (miembro.isfile() and coincide):
                    continue
                datos = tar.extractfile(miembro).read()
                with Image.open(io.BytesIO(datos)) as img:
                    imagenes.append(preparar_imagen(img, image_size))
                numeros.append(int(coincide.group(1)))
    except (tarfile.TarError, EOFError, OSError) as e:
        raise ErrorDeDatos(f"No se pudo leer el archivo de flores {archivo}: {e}") from e
    if not numeros:
        raise ErrorDeDatos(f"{archivo} no contiene ninguna imagen jpg/image_NNNNN.jpg.")
    orden = np.argsort(numeros)
    numeros = np.asarray(numeros, dtype=np.int64)[orden]
    if numeros[-1] > etiquetas_oficiales.size:
        raise ErrorDeDatos(f"{archivo} contiene la imagen {numeros[-1]}, que no tiene etiqueta oficial.")
    fila = {n: i for i, n in enumerate(numeros)}
    particiones = {
        nombre: np.array([fila[n] for n in particion[nombre].ravel() if n in fila], dtype=np.int64)
        for nombre in _PARTICIONES
    }
    return Flores(np.stack(imagenes)[orden], etiquetas_oficiales[numeros - 1], numeros, particiones)


def preparar_imagen(imagen: Image.Image | np.ndarray, image_size: int) -> np.ndarray:
    """Recorta el cuadrado central y lo redimensiona a ``image_size`` con antialiasing.

    Acepta una imagen de PIL o un array ``(alto, ancho, 3)`` de uint8. Devuelve
    ``(image_size, image_size, 3)`` float32 en [0, 1].
    """
    _comprobar_tamano(image_size)
    if isinstance(imagen, np.ndarray):
        if imagen.ndim != 3 or imagen.shape[2] != 3 or imagen.dtype != np.uint8:
            raise ValueError(
                f"Se esperaba un array (alto, ancho, 3) de tipo uint8; llegó {imagen.shape} de tipo {imagen.dtype}."
            )
        imagen = Image.fromarray(imagen)
    elif not isinstance(imagen, Image.Image):
        raise ValueError(f"Se esperaba una imagen de PIL o un array de NumPy; llegó {type(imagen).__name__}.")
    imagen = imagen.convert("RGB")
    ancho, alto = imagen.size
    lado = min(ancho, alto)
    izquierda, arriba = (ancho - lado) // 2, (alto - lado) // 2
    if lado != ancho or lado != alto:
        imagen = imagen.crop((izquierda, arriba, izquierda + lado, arriba + lado))
    if lado != image_size:
        imagen = imagen.resize((image_size, image_size), Image.Resampling.LANCZOS)
    return np.asarray(imagen, dtype=np.float32) / 255.0


def ruta_original(numero: int) -> Path:
    """Ruta verificada de una de las fotografías originales incluidas (p. ej. 2420)."""
    if numero not in ORIGINALES:
        raise ValueError(
            f"La fotografía original {numero!r} no está incluida; las incluidas son: "
            f"{', '.join(map(str, ORIGINALES))}."
        )
    return obtener(f"flor_original_{numero:05d}", descargar_si_falta=False)


def cargar_imagen(ruta: Path | str, image_size: int = 64) -> np.ndarray:
    """Lee un JPEG del disco y lo prepara con :func:`preparar_imagen`."""
    ruta = Path(ruta)
    if not ruta.is_file():
        raise ValueError(f"Se esperaba la ruta de un archivo de imagen; {ruta} no existe.")
    with Image.open(ruta) as img:
        return preparar_imagen(img, image_size)


def _comprobar_tamano(image_size) -> None:
    if isinstance(image_size, bool) or not isinstance(image_size, (int, np.integer)) or not 8 <= image_size <= 1024:
        raise ValueError(f"'image_size' debe ser un entero entre 8 y 1024 píxeles; llegó {image_size!r}.")
