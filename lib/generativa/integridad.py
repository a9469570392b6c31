"""Comprobación de archivos por tamaño y sha256: nada se usa sin verificar."""

from __future__ import annotations

import hashlib
from pathlib import Path

from .texto import miles


class ErrorDeDatos(ValueError):
    """Un archivo de datos falta, está truncado o no es el que debería ser."""


_verificados: dict[tuple[str, int, int], str] = {}


def sha256_de(ruta: Path | str, bloque: int = 1 << 20) -> str:
    """La suma sha256 (hexadecimal) del contenido de ``ruta``."""
    h = hashlib.sha256()
    with open(ruta, "rb") as f:
        while trozo := f.read(bloque):
            h.update(trozo)
    return h.hexdigest()


def verificar_archivo(ruta: Path | str, sha256: str, tamano: int | None = None,
                      arreglo: str = "") -> Path:
    """Devuelve ``ruta`` si su tamaño y su sha256 son los esperados.

    Si no lo son, lanza :class:`ErrorDeDatos` con el nombre del archivo, la
    suma esperada y la obtenida, y ``arreglo`` (qué hacer para corregirlo).
    El resultado se recuerda mientras el archivo no cambie de tamaño ni de fecha.
    """
    ruta = Path(ruta)
    if not isinstance(sha256, str) or len(sha256) != 64:
        raise ValueError(f"Se esperaba una suma sha256 de 64 caracteres hexadecimales; llegó {sha256!r}.")
    if not ruta.is_file():
        raise ErrorDeDatos(f"No existe el archivo de datos {ruta}. {arreglo}".strip())
    estado = ruta.stat()
    clave = (str(ruta.resolve()), estado.st_size, estado.st_mtime_ns)
    if _verificados.get(clave) == sha256:
        return ruta
    if tamano is not None and estado.st_size != tamano:
        motivo = "está truncado" if estado.st_size < tamano else "es más grande de lo esperado"
        raise ErrorDeDatos(
            f"El archivo {ruta} {motivo}: tiene {miles(estado.st_size)} bytes y debería tener "
            f"{miles(tamano)}. No se usará. {arreglo}".strip()
        )
    obtenida = sha256_de(ruta)
    if obtenida != sha256:
        raise ErrorDeDatos(
            f"El archivo {ruta} está dañado o no es el esperado: su sha256 es {obtenida} "
            f"y debería ser {sha256}. No se usará. {arreglo}".strip()
        )
    _verificados[clave] = sha256
    return ruta
