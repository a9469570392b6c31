"""Los dos conjuntos de datos del libro: MNIST y Oxford 102 Flowers.

``cargar_mnist`` prepara los dígitos como los usa el EBM del curso (32x32,
valores en [-1, 1]); ``cargar_flores`` prepara las flores como las usa el
modelo de difusión (cuadradas, valores en [0, 1]). Todo archivo se verifica por
sha256 antes de leerse (véase :mod:`generativa.archivos`).
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

from .archivos import ORIGINALES, esta_disponible, obtener
from .errores import ErrorDeArgumento, ErrorDeDatos
from .validacion import comprobar_array, comprobar_entero, comprobar_opcion, comprobar_ruta

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
    comprobar_opcion(conjunto, "conjunto", ("prueba", "completo"))
    return _mnist(conjunto)


@lru_cache(maxsize=1)
def _mnist(conjunto: str) -> tuple[np.ndarray, np.ndarray]:
    if conjunto == "prueba":
        crudas = leer_idx(obtener("mnist_prueba_imagenes", descargar_si_falta=False))
        etiquetas = leer_idx(obtener("mnist_prueba_etiquetas", descargar_si_falta=False))
    else:
        with np.load(obtener("mnist_npz")) as f:
            crudas = np.concatenate([f["x_train"], f["x_test"]])
            etiquetas = np.concatenate([f["y_train"], f["y_test"]])
    return _solo_lectura(preparar_mnist(crudas)), _solo_lectura(etiquetas.astype(np.int64))


def _solo_lectura(array: np.ndarray) -> np.ndarray:
    array.flags.writeable = False
    return array


def preparar_mnist(crudas: np.ndarray) -> np.ndarray:
    """De dígitos 28x28 con valores 0-255 a ``(N, 32, 32, 1)`` float32 en [-1, 1]."""
    tipo = getattr(crudas, "dtype", None)
    x = comprobar_array(crudas, "crudas", forma=(None, 28, 28), minimo=0, maximo=255)
    if tipo is not None and np.issubdtype(tipo, np.floating) and x.max() <= 1.0:
        raise ErrorDeArgumento("'crudas' parecen ya reescaladas (valores reales entre 0 y 1); preparar_mnist "
                               "espera los valores de píxel 0-255 originales.")
    x = x / 127.5 - 1.0
    x = np.pad(x, ((0, 0), (2, 2), (2, 2)), constant_values=-1.0)
    return x[..., np.newaxis]


def leer_idx(ruta: Path | str) -> np.ndarray:
    """Lee un archivo idx de MNIST (comprimido con gzip) y comprueba su cabecera."""
    ruta = comprobar_ruta(ruta)
    try:
        with gzip.open(ruta, "rb") as f:
            contenido = f.read()
    except (OSError, EOFError) as e:
        raise ErrorDeDatos(f"No se pudo leer el archivo idx {ruta}: {e}") from e
    if len(contenido) < 8:
        raise ErrorDeDatos(f"{ruta} está incompleto: tiene {len(contenido)} bytes, menos que una cabecera idx.")
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
    if image_size <= 64:  # la copia incluida; si falta, el error la nombra (no se descargan 330 MB a escondidas)
        archivo = obtener("flores_64px", descargar_si_falta=False)
    else:
        archivo = obtener("flores_originales")
    return _flores_de_archivo(archivo, image_size)


@lru_cache(maxsize=1)
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
    particiones = {k: _solo_lectura(v) for k, v in particiones.items()}
    return Flores(_solo_lectura(np.stack(imagenes)[orden]), _solo_lectura(etiquetas_oficiales[numeros - 1]),
                  _solo_lectura(numeros), particiones)


def preparar_imagen(imagen: Image.Image | np.ndarray, image_size: int) -> np.ndarray:
    """Recorta el cuadrado central y lo redimensiona a ``image_size`` con antialiasing.

    Acepta una imagen de PIL o un array ``(alto, ancho, 3)`` de uint8. Devuelve
    ``(image_size, image_size, 3)`` float32 en [0, 1].
    """
    _comprobar_tamano(image_size)
    if isinstance(imagen, np.ndarray):
        if imagen.ndim != 3 or imagen.shape[2] != 3 or imagen.dtype != np.uint8 or 0 in imagen.shape:
            raise ErrorDeArgumento(
                f"Se esperaba un array (alto, ancho, 3) de tipo uint8; llegó {imagen.shape} de tipo {imagen.dtype}."
            )
        imagen = Image.fromarray(imagen)
    elif not isinstance(imagen, Image.Image):
        raise ErrorDeArgumento(f"Se esperaba una imagen de PIL o un array de NumPy; llegó {type(imagen).__name__}.")
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
    comprobar_entero(numero, "numero", maximo=99_999)
    if numero not in ORIGINALES:
        raise ErrorDeArgumento(
            f"La fotografía original {numero!r} no está incluida; las incluidas son: "
            f"{', '.join(map(str, ORIGINALES))}."
        )
    return obtener(f"flor_original_{numero:05d}", descargar_si_falta=False)


def cargar_imagen(ruta: Path | str, image_size: int = 64) -> np.ndarray:
    """Lee un JPEG del disco y lo prepara con :func:`preparar_imagen`."""
    ruta = comprobar_ruta(ruta)
    if not ruta.is_file():
        raise ErrorDeArgumento(f"Se esperaba la ruta de un archivo de imagen; {ruta} no existe o no es un archivo.")
    _comprobar_tamano(image_size)
    try:
        with Image.open(ruta) as img:
            return preparar_imagen(img, image_size)
    except (OSError, SyntaxError) as e:  # PIL: UnidentifiedImageError es un OSError
        raise ErrorDeDatos(f"{ruta} no es una imagen que se pueda leer: {e}") from e


def _comprobar_tamano(image_size) -> None:
    if isinstance(image_size, bool) or not isinstance(image_size, (int, np.integer)) or not 8 <= image_size <= 1024:
        raise ErrorDeArgumento(f"'image_size' debe ser un entero entre 8 y 1024 píxeles; llegó {image_size!r}.")
