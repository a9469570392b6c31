"""Registro de los archivos de datos: ruta, tamaño, sha256 y origen oficial.

Las sumas viven aquí, en el código, y no junto a los datos: así una copia
dañada de la carpeta de datos no puede «certificarse» a sí misma.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .descargas import descargar
from .integridad import ErrorDeDatos, verificar_archivo
from .rutas import VARIABLE_DATOS, directorio_cache, directorios_de_datos

_FLORES = "https://www.robots.ox.ac.uk/~vgg/data/flowers/102/"


@dataclass(frozen=True)
class Fuente:
    """Un archivo de datos: dónde está dentro de ``data/``, qué debe medir y de dónde bajarlo."""

    ruta: str
    sha256: str
    tamano: int
    url: str | None = None


FUENTES: dict[str, Fuente] = {
    # MNIST, conjunto de prueba oficial (formato idx), incluido en el repositorio.
    "mnist_prueba_imagenes": Fuente(
        "mnist/t10k-images-idx3-ubyte.gz",
        "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6", 1_648_877),
    "mnist_prueba_etiquetas": Fuente(
        "mnist/t10k-labels-idx1-ubyte.gz",
        "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6", 4_542),
    # MNIST completo (70.000 dígitos) tal como lo publica Keras; solo se descarga.
    "mnist_npz": Fuente(
        "mnist/mnist.npz",
        "731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1", 11_490_434,
        "https://storage.googleapis.com/tensorflow/tf-keras-datasets/mnist.npz"),
    # Oxford 102 Flowers: las 8.189 imágenes a 64x64 con la estructura del archivo oficial.
    "flores_64px": Fuente(
        "flowers102/102flowers-64px.tgz",
        "a280f0d40c07ba2035724ce56a5545bc2ea211e7e1fcc41689d8b09f79d02234", 24_225_966),
    # El archivo oficial con las fotografías originales (unos 330 MB); solo se descarga.
    "flores_originales": Fuente(
        "flowers102/102flowers.tgz",
        "2d01ecc807db462958cfe3d92f57a8c252b4abd240eb955770201e45f783b246", 344_862_509,
        _FLORES + "102flowers.tgz"),
    "flores_etiquetas": Fuente(
        "flowers102/imagelabels.mat",
        "4903e94206bac23bf772aadf06451916df56b58fc483a62db32a97b82656651d", 502,
        _FLORES + "imagelabels.mat"),
    "flores_particion": Fuente(
        "flowers102/setid.mat",
        "46b8678f91fd95d3c8f4feab80d271a6c834a1dd896fe29fd3e6ad9ce5c8dccd", 14_989,
        _FLORES + "setid.mat"),
}

# Doce fotografías originales del archivo oficial (tres proporciones distintas),
# incluidas para comprobar el recorte y la reducción sobre fotos de tamaño real.
ORIGINALES: dict[int, tuple[str, int]] = {
    1456: ("73181b6e151e42d4043ff9783b7b62ee377f6f457719a0c5fa11beced4a260b4", 20730),
    2420: ("268aa213cafd1e743a9a2a585970223ac29ca2c8861dacf5ac7dfdedce844e3f", 46874),
    2963: ("6ef2c5e0bfdab1e3fb88913139afdd09031bf3daa85c840536069a4c85aea173", 61339),
    3399: ("30bf37d4009b52d8057b6c8022478cfdb90291a76fccc57f4eb16b814fbe46a1", 59585),
    4019: ("2bd17cac6f1455fdc5c118459c19cfdefaba9aff2c5d02e77a44c1fac8234646", 45833),
    4058: ("dc5cb70b1b25fd28998497ffa543df203329891f0b2cbc1a3bb583af95b5f4e1", 60923),
    4142: ("a876427de4b4bc670d837f36641325f9bb80ba17aada0d4af193ba408043dbd3", 77127),
    4224: ("295f1781d5110be5e7f1295f97766789a7cd01252593fb863f718fab63ad3787", 15777),
    5819: ("befad8075976033995900b103aa3416e105e7d2f177f7ea919406172e76f1255", 41547),
    6626: ("36daad7472d1e4b048dea6f5c332b8fe8b5281561bb5987bfd6ae9fbd7ae849e", 100863),
    7300: ("f5ce173797e20b1a02af196347983d1ee703c51321edee1a0f0c8055160eebd8", 63892),
    8166: ("71488eb05b2ea0187cc1ac4351d7ff3b2f14e7ffa0bcbf07e1ec2c1db5c1f4dd", 49824),
}
for _numero, (_suma, _bytes) in ORIGINALES.items():
    FUENTES[f"flor_original_{_numero:05d}"] = Fuente(f"flowers102/jpg/image_{_numero:05d}.jpg", _suma, _bytes)

# Pesos entrenados incluidos en data/pesos/. Este bloque lo escribe
# «python scripts/registrar_pesos.py» a partir de los archivos presentes: no editar a mano.
# --- pesos: inicio ---
PESOS: dict[str, tuple[str, str, int]] = {
    "clasificador_de_digitos": ("pesos/clasificador/clasificador_de_digitos.weights.h5",
        "bbe469449eabcc786551190e6926ddde8a0cbe18eee8539c9076c66e5ade1fab", 260280),
    "clasificador_procedencia": ("pesos/clasificador/procedencia.json",
        "2d69f3dd99d14e5d8ed847bb00a84b08eea4e295c05c069d7898089ae1070094", 243),
    "ddm_epoca_001": ("pesos/ddm/ddm_epoca_001.h5",
        "eae87752f59c976f9b202def98639ba960fe7d798043bedd3f0ba4492998935f", 3952562),
    "ddm_epoca_003": ("pesos/ddm/ddm_epoca_003.h5",
        "def28c8d9fa473705295b34a8c7b9460dcc62aff1275fc2e4775fab776dfee78", 3952562),
    "ddm_epoca_005": ("pesos/ddm/ddm_epoca_005.h5",
        "1030d4220b5d4fbd40cc112744d86d9c13547d5b036231756340414e66bdc459", 3952562),
    "ddm_epoca_010": ("pesos/ddm/ddm_epoca_010.h5",
        "ab96be5828e6a52c481246832999ba547667c67eb1fa0d07aebbecb2c4cd8d2a", 3952562),
    "ddm_epoca_015": ("pesos/ddm/ddm_epoca_015.h5",
        "adf563aff437a473e86d1b9e1d08ed60a403aa8dabc6f502b6451bdeb0e5afcd", 3952562),
    "ddm_epoca_021": ("pesos/ddm/ddm_epoca_021.h5",
        "b21a4bbddfca0f2fbfdcc0f35bd215e6027de6915e31b643ce581593e38beb6b", 3952562),
    "ddm_procedencia": ("pesos/ddm/procedencia.json",
        "7dd5ee23996d8ed2ddde4bc05ba60070d7cf9f5bf3ae6fbfe6b6a89e2a8741fa", 4104),
    "ebm_epoca_001": ("pesos/ebm/ebm_epoca_001.weights.h5",
        "47b6ea6730a2f161851b797a539f82df0b62f82b5c71233db28a354487318770", 336288),
    "ebm_epoca_002": ("pesos/ebm/ebm_epoca_002.weights.h5",
        "f0a68f94f3c6da489c013453b994fedaa179b201174dc3e042370ee15a6a750e", 336288),
    "ebm_epoca_005": ("pesos/ebm/ebm_epoca_005.weights.h5",
        "ad9a7fb755966bfba3edaa00449e55fe6eb4718d64dd243583e59e5898187a60", 336288),
    "ebm_epoca_010": ("pesos/ebm/ebm_epoca_010.weights.h5",
        "ee2495b93edb1c01119ee9f12d951bd9c104fff84daf22610aa28f3b7f32a822", 336288),
    "ebm_epoca_020": ("pesos/ebm/ebm_epoca_020.weights.h5",
        "957f8142bf4b110efa1494373c352613c64f526718dbc42d2cb636564061384a", 336288),
    "ebm_epoca_030": ("pesos/ebm/ebm_epoca_030.weights.h5",
        "2104eb089fe9c6e44453b718bc3f2c139c53d933535c5fe3b15038269ce0e041", 336288),
    "ebm_epoca_045": ("pesos/ebm/ebm_epoca_045.weights.h5",
        "a2819dd8bced2dc7f6aca161791bb9eaaa696b6c8f1a2467238313df300bbab1", 336288),
    "ebm_epoca_060": ("pesos/ebm/ebm_epoca_060.weights.h5",
        "646f567f67e4a2bfae98d14e4a16dbcbd403d1534b20d8e2021bf017673f84c9", 336288),
    "ebm_epoca_080": ("pesos/ebm/ebm_epoca_080.weights.h5",
        "6a0da32cf97618ac6adf4fa0dd013a6a779b4478059f2f2cb63fe105171b0639", 336288),
    "ebm_epoca_100": ("pesos/ebm/ebm_epoca_100.weights.h5",
        "d611ed79f3e7d710171101aceec9d91b397768df0c224d5c274d8dcfcc9b0623", 336288),
    "ebm_procedencia": ("pesos/ebm/procedencia.json",
        "749b7fd793ef0ed6b4b2f1ff802b7d614c0770ba588221b367269271a03fe036", 10219),
    "extractor_flores": ("pesos/kid/extractor_flores.weights.h5",
        "3ffcbeeb9a8e0669cfab420b27920970b2fa06f6ac35e84865c458dab56e7be2", 1723192),
    "kid_procedencia": ("pesos/kid/procedencia.json",
        "a8bafc92777ee8752d7ad4e73a72da1d18ceb2fc65cbd3df09d7053ab9f86124", 296),
}
# --- pesos: fin ---
for _nombre, (_ruta, _suma, _bytes) in PESOS.items():
    FUENTES[_nombre] = Fuente(_ruta, _suma, _bytes)


def esta_disponible(nombre: str) -> bool:
    """``True`` si el archivo ``nombre`` existe en alguna carpeta local (sin verificarlo)."""
    fuente = _fuente(nombre)
    return any((d / fuente.ruta).is_file() for d in [*directorios_de_datos(), directorio_cache()])


def obtener(nombre: str, descargar_si_falta: bool = True) -> Path:
    """Ruta verificada del archivo ``nombre`` de :data:`FUENTES`.

    Busca primero en las carpetas de datos incluidos y después en la caché. Un
    archivo incluido que no supera la verificación es un error (no se usa ni se
    sustituye a escondidas); uno de la caché se borra y se descarga de nuevo.
    Si no está en ningún sitio y tiene origen oficial, se descarga.
    """
    fuente = _fuente(nombre)
    for carpeta in directorios_de_datos():
        ruta = carpeta / fuente.ruta
        if ruta.is_file():
            return verificar_archivo(ruta, fuente.sha256, fuente.tamano, arreglo=_arreglo(fuente, carpeta))
    en_cache = directorio_cache() / fuente.ruta
    if en_cache.is_file():
        try:
            return verificar_archivo(en_cache, fuente.sha256, fuente.tamano)
        except ErrorDeDatos:
            en_cache.unlink()  # una descarga dañada nunca se usa: se vuelve a pedir
    if fuente.url is None or not descargar_si_falta:
        lugares = ", ".join(str(d / fuente.ruta) for d in directorios_de_datos()) or "(ninguna carpeta de datos)"
        raise ErrorDeDatos(
            f"No se encuentra el archivo de datos {fuente.ruta}. Colócalo en la carpeta data/ "
            f"del repositorio (buscado en: {lugares}) o define la variable {VARIABLE_DATOS} "
            "con la carpeta que lo contiene."
            + (f" También puede descargarse de {fuente.url}." if fuente.url else "")
        )
    return descargar(fuente.url, en_cache, fuente.sha256, fuente.tamano)


def _fuente(nombre: str) -> Fuente:
    if nombre not in FUENTES:
        raise ValueError(f"Archivo de datos desconocido {nombre!r}; los conocidos son: {', '.join(FUENTES)}.")
    return FUENTES[nombre]


def _arreglo(fuente: Fuente, carpeta: Path) -> str:
    consejo = (f"Restaura el original (por ejemplo con «git checkout -- data/{fuente.ruta}» "
               f"o copiándolo de nuevo en {carpeta})")
    if fuente.url:
        consejo += f" o bórralo para que se descargue de {fuente.url}"
    return consejo + "."
