"""Descarga de archivos con barra de progreso y verificación sha256."""

from __future__ import annotations

import urllib.error
import urllib.request
from pathlib import Path

from tqdm.auto import tqdm

from .integridad import ErrorDeDatos, verificar_archivo
from .validacion import comprobar_entero


class ErrorDeDescarga(RuntimeError):
    """No se pudo descargar un archivo (sin red, servidor caído, respuesta de error)."""


def descargar(url: str, destino: Path | str, sha256: str, tamano: int | None = None,
              intentos: int = 2, tiempo_limite: float = 60.0, progreso: bool = True) -> Path:
    """Descarga ``url`` en ``destino`` y lo verifica antes de darlo por bueno.

    Se escribe primero en ``destino.part`` y solo se renombra si el tamaño y el
    sha256 coinciden; un archivo incompleto o distinto se borra y se vuelve a
    pedir, hasta ``intentos`` veces. Devuelve la ruta del archivo verificado.
    """
    if not isinstance(url, str) or not url.startswith(("http://", "https://")):
        raise ValueError(f"Se esperaba una URL http:// o https://; llegó {url!r}.")
    comprobar_entero(intentos, "intentos")
    destino = Path(destino)
    destino.parent.mkdir(parents=True, exist_ok=True)
    parcial = destino.with_name(destino.name + ".part")
    ultimo_error: Exception | None = None
    for _ in range(intentos):
        try:
            _bajar(url, parcial, tiempo_limite, progreso)
            verificar_archivo(parcial, sha256, tamano)
        except ErrorDeDatos as e:
            ultimo_error = e
            parcial.unlink(missing_ok=True)
            continue
        parcial.replace(destino)
        return destino
    raise ErrorDeDatos(
        f"La descarga de {url} no produjo el archivo esperado tras {intentos} intentos "
        f"({ultimo_error}). Se ha borrado. Comprueba la conexión o descarga el archivo a "
        f"mano y colócalo en {destino}."
    )


def _bajar(url: str, parcial: Path, tiempo_limite: float, progreso: bool) -> None:
    peticion = urllib.request.Request(url, headers={"User-Agent": "generativa (libro de modelos generativos)"})
    try:
        with urllib.request.urlopen(peticion, timeout=tiempo_limite) as respuesta, open(parcial, "wb") as f:
            total = respuesta.headers.get("Content-Length")
            with tqdm(total=int(total) if total else None, unit="B", unit_scale=True,
                      unit_divisor=1024, desc=f"Descargando {parcial.name[:-5]}",
                      disable=not progreso, leave=False) as barra:
                while trozo := respuesta.read(1 << 20):
                    f.write(trozo)
                    barra.update(len(trozo))
    except urllib.error.HTTPError as e:
        parcial.unlink(missing_ok=True)
        raise ErrorDeDescarga(
            f"El servidor respondió {e.code} ({e.reason}) al pedir {url}. Vuelve a intentarlo "
            "más tarde o descarga el archivo a mano."
        ) from e
    except (urllib.error.URLError, OSError) as e:
        parcial.unlink(missing_ok=True)
        raise ErrorDeDescarga(
            f"No se pudo descargar {url}: {getattr(e, 'reason', e)}. ¿Hay conexión a internet?"
        ) from e
