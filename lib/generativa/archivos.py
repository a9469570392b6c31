"""Archivos con nombre y verificados: el registro, dónde se buscan, cómo se comprueban y se descargan.

Una sola idea: todo archivo de datos o de pesos que usa el libro tiene un nombre en el
registro (``registro.json``, junto a este módulo) con su ruta, su tamaño y su sha256, y
nada se usa sin verificarlo. El registro vive en la biblioteca y no junto a los datos:
una copia dañada de ``data/`` no puede «certificarse» a sí misma. La parte de los pesos
la escribe ``python scripts/registrar_pesos.py``.

- Dónde: :func:`directorios_de_datos` (los datos incluidos), :func:`directorio_cache`
  (las descargas) y :func:`carpeta_de_pesos_propios` (lo que entrena el usuario).
- Cómo se comprueba: :func:`verificar_archivo` (tamaño y sha256).
- Cómo se escribe sin perder nada: :func:`escribir_atomico` (archivo temporal, ``fsync``
  y renombrado: o está el archivo completo, o el anterior).
- Cómo se descarga: :func:`descargar` (temporal propio de cada proceso, tope de tamaño,
  plazo total, reintentos con espera creciente).
"""

from __future__ import annotations

import hashlib
import http.client
import json
import os
import socket
import tempfile
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from .errores import ErrorDeArgumento, ErrorDeDatos, ErrorDeDescarga, ErrorGenerativa
from .validacion import comprobar_bool, comprobar_entero, comprobar_funcion, comprobar_real, comprobar_ruta, \
    comprobar_texto, comprobar_tipo

VARIABLE_DATOS = "GENERATIVA_DATOS"
VARIABLE_CACHE = "GENERATIVA_CACHE"
VARIABLE_PESOS = "GENERATIVA_PESOS"

_PAQUETE = Path(__file__).resolve().parent
REGISTRO = _PAQUETE / "registro.json"


# --------------------------------------------------------------------------- el registro

@dataclass(frozen=True)
class Fuente:
    """Un archivo registrado: su ruta dentro de ``data/``, su sha256, su tamaño y su origen."""

    ruta: str
    sha256: str
    tamano: int
    url: str | None = None
    incluido: bool = True
    """``True`` si viaja con el libro (en ``data/``); ``False`` si solo se descarga."""


def _leer_registro() -> tuple[dict[str, Fuente], dict[str, Fuente]]:
    with open(REGISTRO, encoding="utf-8") as f:
        crudo = json.load(f)
    datos = {n: Fuente(**e) for n, e in crudo["datos"].items()}
    pesos = {n: Fuente(**e, incluido=True) for n, e in crudo["pesos"].items()}
    return datos, pesos


DATOS, PESOS = _leer_registro()
FUENTES: dict[str, Fuente] = {**DATOS, **PESOS}
ORIGINALES = sorted(int(n.rsplit("_", 1)[1]) for n in DATOS if n.startswith("flor_original_"))
"""Números de las doce fotografías originales incluidas (tres proporciones distintas)."""


def fuente(nombre: str) -> Fuente:
    """La entrada ``nombre`` del registro."""
    if not isinstance(nombre, str) or nombre not in FUENTES:
        raise ErrorDeArgumento(f"Archivo desconocido {nombre!r}; los registrados son: {', '.join(FUENTES)}.")
    return FUENTES[nombre]


# --------------------------------------------------------------------------- dónde

def directorios_de_datos() -> list[Path]:
    """Carpetas con datos incluidos, en orden de preferencia.

    Si ``GENERATIVA_DATOS`` está definida, es la única: así se puede apuntar a otra copia
    sin que se mezcle con la del repositorio. Si no, la carpeta ``data/`` del repositorio
    (instalación editable) y la copia que viaja con el paquete instalado (``generativa/_datos``).
    """
    indicada = os.environ.get(VARIABLE_DATOS)
    if indicada:
        return [Path(indicada).expanduser().resolve()]
    candidatas = [_PAQUETE.parents[1] / "data", _PAQUETE / "_datos"]
    return [c for c in candidatas if c.is_dir()]


def directorio_cache() -> Path:
    """Carpeta de descargas: ``GENERATIVA_CACHE`` o la caché del usuario (``~/.cache/generativa``)."""
    indicada = os.environ.get(VARIABLE_CACHE)
    if indicada:
        base = Path(indicada).expanduser()
    else:
        base = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "generativa"
    return base.resolve()


def carpeta_de_pesos_propios(modelo: str) -> Path:
    """Dónde guarda ``python -m generativa.entrenar <modelo>`` y dónde buscan los capítulos primero.

    ``$GENERATIVA_PESOS/<modelo>`` si la variable está definida (p. ej. una carpeta de
    Google Drive en Colab); si no, ``<caché>/pesos/<modelo>``. Nunca la carpeta ``data/``
    del libro, que es de solo lectura para la biblioteca.
    """
    if not isinstance(modelo, str) or not modelo.isidentifier():
        raise ErrorDeArgumento(f"'modelo' debe ser un nombre como 'ebm' o 'ddm'; llegó {modelo!r}.")
    indicada = os.environ.get(VARIABLE_PESOS)
    base = Path(indicada).expanduser().resolve() if indicada else directorio_cache() / "pesos"
    return base / modelo


def usar_drive(subcarpeta: str = "generativa", montaje: str = "/content/drive") -> Path | None:
    """En Colab, monta tu Google Drive y guarda allí los pesos propios; fuera de Colab, nada.

    Define ``GENERATIVA_PESOS`` como ``<Mi unidad>/<subcarpeta>/pesos``: desde entonces los
    entrenamientos (los de los capítulos y los de las tareas) escriben y retoman allí, y una
    desconexión de Colab no borra el progreso. La primera vez, Colab pide permiso para
    acceder a Drive. Devuelve la carpeta, o ``None`` si no estás en Colab.
    """
    comprobar_texto(subcarpeta, "subcarpeta", vacio=False)
    comprobar_ruta(montaje, "montaje", carpeta=True)
    if any(parte in ("", ".", "..") for parte in Path(subcarpeta).parts) or Path(subcarpeta).is_absolute():
        raise ErrorDeArgumento(f"'subcarpeta' debe ser un nombre dentro de tu unidad, como 'generativa'; "
                               f"llegó {subcarpeta!r}.")
    try:
        from google.colab import drive  # solo existe en Colab
    except ImportError:
        return None
    drive.mount(str(montaje))
    carpeta = Path(montaje) / "MyDrive" / subcarpeta / "pesos"
    try:
        carpeta.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise ErrorDeDatos(f"No se puede crear {carpeta} en tu Drive: {e.strerror or e}.") from e
    os.environ[VARIABLE_PESOS] = str(carpeta)
    print(f"Los pesos propios se guardan en tu Drive: {carpeta}")
    return carpeta


def es_carpeta_incluida(carpeta: Path | str) -> bool:
    """``True`` si ``carpeta`` está dentro de una carpeta de datos incluidos (que no se escribe)."""
    carpeta = _ruta(carpeta, "carpeta").expanduser().resolve()
    return any(carpeta == d or d in carpeta.parents for d in directorios_de_datos())


def esta_disponible(nombre: str) -> bool:
    """``True`` si el archivo ``nombre`` existe en alguna carpeta local (sin verificarlo)."""
    ruta = fuente(nombre).ruta
    return any((d / ruta).is_file() for d in [*directorios_de_datos(), directorio_cache()])


# --------------------------------------------------------------------------- verificar

_verificados: dict[tuple, str] = {}


def sha256_de(ruta: Path | str, bloque: int = 1 << 20) -> str:
    """La suma sha256 (hexadecimal, en minúsculas) del contenido de ``ruta``."""
    comprobar_entero(bloque, "bloque", minimo=1, maximo=1 << 30)
    ruta = _ruta(ruta, "ruta")
    h = hashlib.sha256()
    try:
        with open(ruta, "rb") as f:
            while trozo := f.read(bloque):
                h.update(trozo)
    except IsADirectoryError as e:
        raise ErrorDeDatos(f"{ruta} es una carpeta, no un archivo.") from e
    except FileNotFoundError as e:
        raise ErrorDeDatos(f"No existe el archivo {ruta}.") from e
    except OSError as e:
        raise ErrorDeDatos(f"No se pudo leer {ruta}: {e.strerror or e}.") from e
    return h.hexdigest()


def _suma(sha256) -> str:
    if not isinstance(sha256, str) or len(sha256) != 64 or any(c not in "0123456789abcdefABCDEF" for c in sha256):
        raise ErrorDeArgumento(f"Se esperaba una suma sha256 de 64 caracteres hexadecimales; llegó {sha256!r}.")
    return sha256.lower()


def verificar_archivo(ruta: Path | str, sha256: str, tamano: int | None = None, arreglo: str = "") -> Path:
    """Devuelve ``ruta`` si su tamaño y su sha256 son los esperados.

    Si no lo son, lanza :class:`~generativa.errores.ErrorDeDatos` con el nombre del archivo,
    la suma esperada y la obtenida, y ``arreglo`` (qué hacer para corregirlo). El resultado se
    recuerda mientras el archivo no cambie (tamaño, fechas de modificación y de cambio, nodo).
    """
    ruta = _ruta(ruta, "ruta")
    sha256 = _suma(sha256)
    if tamano is not None:
        comprobar_entero(tamano, "tamano", minimo=0, maximo=None)
    comprobar_texto(arreglo, "arreglo")
    if ruta.is_dir():
        raise ErrorDeDatos(f"{ruta} es una carpeta, no un archivo. {arreglo}".strip())
    if not ruta.is_file():
        raise ErrorDeDatos(f"No existe el archivo {ruta}. {arreglo}".strip())
    estado = ruta.stat()
    # st_ctime cambia con cualquier escritura y no se puede restaurar a mano (a diferencia de mtime).
    clave = (str(ruta.resolve()), estado.st_size, estado.st_mtime_ns, estado.st_ctime_ns, estado.st_ino)
    if _verificados.get(clave) == sha256:
        return ruta
    if tamano is not None and estado.st_size != tamano:
        motivo = "está truncado" if estado.st_size < tamano else "es más grande de lo esperado"
        raise ErrorDeDatos(f"El archivo {ruta} {motivo}: tiene {estado.st_size:_} bytes y debería tener "
                           f"{tamano:_}. No se usará. {arreglo}".replace("_", ".").strip())
    obtenida = sha256_de(ruta)
    if obtenida != sha256:
        raise ErrorDeDatos(f"El archivo {ruta} está dañado o no es el esperado: su sha256 es {obtenida} "
                           f"y debería ser {sha256}. No se usará. {arreglo}".strip())
    _verificados[clave] = sha256
    return ruta


def obtener(nombre: str, descargar_si_falta: bool = True) -> Path:
    """Ruta verificada del archivo registrado ``nombre``.

    Busca primero en las carpetas de datos incluidos y después en la caché. Un archivo
    incluido que falta o no supera la verificación es un error que lo nombra (no se
    sustituye a escondidas por una descarga); uno de la caché dañado se borra y se
    descarga de nuevo. Los archivos que solo se descargan (``incluido=False``) se bajan
    de su origen oficial la primera vez si ``descargar_si_falta``.
    """
    entrada = fuente(nombre)
    comprobar_bool(descargar_si_falta, "descargar_si_falta")
    carpetas = directorios_de_datos()
    for carpeta in carpetas:
        ruta = carpeta / entrada.ruta
        if ruta.exists():
            return verificar_archivo(ruta, entrada.sha256, entrada.tamano, arreglo=_arreglo(entrada, carpeta))
    en_cache = directorio_cache() / entrada.ruta
    if en_cache.is_file():
        try:
            return verificar_archivo(en_cache, entrada.sha256, entrada.tamano)
        except ErrorDeDatos:
            en_cache.unlink(missing_ok=True)  # una descarga dañada nunca se usa: se vuelve a pedir
    if entrada.incluido or entrada.url is None or not descargar_si_falta:
        lugares = ", ".join(str(d / entrada.ruta) for d in carpetas) or "(ninguna carpeta de datos)"
        if entrada.incluido:
            mensaje = (f"Falta el archivo incluido {entrada.ruta} (buscado en: {lugares}). Restáuralo con "
                       f"«git checkout -- data/{entrada.ruta}», reinstala la biblioteca o define "
                       f"{VARIABLE_DATOS} con una carpeta de datos completa.")
        else:
            mensaje = (f"No se encuentra el archivo {entrada.ruta} (buscado en: {lugares} y en la caché "
                       f"{directorio_cache()}). Se descarga de {entrada.url} con descargar_si_falta=True.")
        raise ErrorDeDatos(mensaje)
    return descargar(entrada.url, en_cache, entrada.sha256, entrada.tamano)


def _arreglo(entrada: Fuente, carpeta: Path) -> str:
    return (f"Restaura el original (por ejemplo con «git checkout -- data/{entrada.ruta}» o copiándolo de "
            f"nuevo en {carpeta}).")


def _ruta(ruta, nombre: str) -> Path:
    return comprobar_ruta(ruta, nombre)


# --------------------------------------------------------------------------- escribir sin perder nada

PREFIJO_TEMPORAL = ".tmp-"


def borrar_temporales(carpeta: Path | str) -> int:
    """Borra los temporales que dejó en ``carpeta`` una escritura interrumpida; devuelve cuántos."""
    carpeta = _ruta(carpeta, "carpeta")
    borrados = 0
    if carpeta.is_dir():
        for temporal in carpeta.glob(f"{PREFIJO_TEMPORAL}*"):
            temporal.unlink(missing_ok=True)
            borrados += 1
    return borrados


def _permisos_por_omision() -> int:
    mascara = os.umask(0)
    os.umask(mascara)
    return 0o666 & ~mascara


_PERMISOS = _permisos_por_omision()


@contextmanager
def escritura_atomica(destino: Path | str):
    """Da una ruta temporal junto a ``destino``; al salir sin error, la renombra sobre ``destino``.

    El temporal es único por proceso y se sincroniza con el disco antes de renombrarse: si el
    proceso muere a mitad, ``destino`` sigue siendo el archivo anterior (o no existe), nunca
    uno a medias. Si algo falla, el temporal se borra.
    """
    destino = _ruta(destino, "destino")
    try:
        destino.parent.mkdir(parents=True, exist_ok=True)
        # El temporal acaba igual que el destino (Keras exige «.weights.h5» al guardar pesos).
        descriptor, temporal = tempfile.mkstemp(dir=destino.parent, prefix=PREFIJO_TEMPORAL,
                                                suffix=f"-{destino.name}")
    except OSError as e:
        raise ErrorDeDatos(f"No se puede escribir en {destino.parent}: {e.strerror or e}. Elige otra carpeta "
                           "con permiso de escritura.") from e
    os.close(descriptor)
    temporal = Path(temporal)
    try:
        yield temporal
        with open(temporal, "rb+") as f:
            os.fsync(f.fileno())
            os.fchmod(f.fileno(), _PERMISOS)  # los de un archivo nuevo (mkstemp los deja en 0600)
        _punto_de_fallo(temporal)
        os.replace(temporal, destino)
        _sincronizar_carpeta(destino.parent)
    finally:
        temporal.unlink(missing_ok=True)


def escribir_atomico(destino: Path | str, escribir: Callable[[Path], object]) -> str:
    """Escribe ``destino`` con ``escribir(ruta_temporal)`` de forma atómica y devuelve su sha256."""
    destino = _ruta(destino, "destino")
    comprobar_funcion(escribir, "escribir", "una función que escriba el archivo en la ruta que recibe")
    with escritura_atomica(destino) as temporal:
        try:
            escribir(temporal)
        except (TypeError, ValueError) as e:
            if isinstance(e, ErrorGenerativa):
                raise
            raise ErrorDeArgumento(f"'escribir' debe ser una función que escriba el archivo en la ruta que recibe; "
                                   f"al llamarla con {temporal.name} falló: {type(e).__name__}: {e}") from e
        suma = sha256_de(temporal)
    return suma


def escribir_json(destino: Path | str, contenido: dict) -> str:
    """Escribe ``contenido`` como JSON (UTF-8, sangrado) de forma atómica; devuelve su sha256.

    Se convierte a texto antes de tocar el disco: si algo no se puede escribir en JSON (un
    objeto cualquiera), no se escribe nada.
    """
    destino = _ruta(destino, "destino")
    comprobar_tipo(contenido, "contenido", dict, "un diccionario")
    try:
        texto = json.dumps(contenido, ensure_ascii=False, indent=2)
    except (TypeError, ValueError) as e:
        raise ErrorDeArgumento(f"'contenido' debe tener solo textos, números, listas y diccionarios "
                               f"(lo que cabe en un JSON): {e}.") from e

    def escribir(ruta: Path):
        with open(ruta, "w", encoding="utf-8") as f:
            f.write(texto)
    return escribir_atomico(destino, escribir)


def leer_json(ruta: Path | str, que: str = "archivo JSON") -> dict:
    """Lee un JSON; si falta o está dañado, un :class:`ErrorDeDatos` que lo dice."""
    ruta = _ruta(ruta, "ruta")
    comprobar_texto(que, "que")
    try:
        with open(ruta, encoding="utf-8") as f:
            contenido = json.load(f)
    except FileNotFoundError as e:
        raise ErrorDeDatos(f"No existe el {que} {ruta}.") from e
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise ErrorDeDatos(f"El {que} {ruta} está dañado (no es un JSON válido: {e}).") from e
    except OSError as e:
        raise ErrorDeDatos(f"No se pudo leer el {que} {ruta}: {e.strerror or e}.") from e
    if not isinstance(contenido, dict):
        raise ErrorDeDatos(f"El {que} {ruta} está dañado: se esperaba un objeto JSON.")
    return contenido


# Solo para las pruebas de inyección de fallos: con GENERATIVA_PRUEBA_MATAR_EN_ESCRITURA=N, el
# proceso se mata a sí mismo (SIGKILL) en la N-ésima escritura atómica, con el temporal a medias
# y antes de renombrarlo: el peor momento posible para morir.
_VARIABLE_FALLO = "GENERATIVA_PRUEBA_MATAR_EN_ESCRITURA"
_escrituras = 0


def _punto_de_fallo(temporal: Path) -> None:
    global _escrituras
    objetivo = os.environ.get(_VARIABLE_FALLO)
    if not objetivo:
        return
    _escrituras += 1
    if _escrituras == int(objetivo):
        import signal

        with open(temporal, "rb+") as f:
            f.truncate(max(1, temporal.stat().st_size // 2))
        os.kill(os.getpid(), signal.SIGKILL)


def _sincronizar_carpeta(carpeta: Path) -> None:
    try:
        descriptor = os.open(carpeta, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(descriptor)
    except OSError:
        pass
    finally:
        os.close(descriptor)


# --------------------------------------------------------------------------- descargar

import errno  # noqa: E402  (solo las usa la descarga)
import random  # noqa: E402
import ssl  # noqa: E402
import threading  # noqa: E402
import urllib.parse  # noqa: E402

_AGENTE = "generativa (libro de modelos generativos)"
_REINTENTABLES = frozenset({408, 425, 429, 500, 502, 503, 504})
"""Respuestas HTTP pasajeras, que se reintentan; cualquier otro error HTTP (404, 403...) es definitivo."""
_TROZO = 1 << 16
_VELOCIDAD_MINIMA = 100_000
"""Bytes por segundo que se suponen, como mínimo, al fijar el plazo total por omisión."""
_ABANDONADO = 24 * 3600
"""Segundos sin cambios tras los que el temporal de una descarga se da por abandonado y se borra."""
_NOMBRES_HTTP = {
    400: "petición no válida", 401: "hace falta identificarse", 403: "acceso prohibido",
    404: "el archivo no existe en esa dirección", 408: "se agotó el tiempo de la petición",
    410: "el archivo ya no existe", 429: "demasiadas peticiones seguidas", 500: "error interno del servidor",
    502: "puerta de enlace incorrecta", 503: "servicio no disponible por el momento",
    504: "la puerta de enlace tardó demasiado en responder",
}


def descargar(url: str, destino: Path | str, sha256: str, tamano: int | None = None, intentos: int = 3,
              tiempo_limite: float | None = None, tiempo_por_lectura: float = 30.0, espera: float = 1.0,
              progreso: bool = True) -> Path:
    """Descarga ``url`` en ``destino`` y lo verifica antes de darlo por bueno; devuelve ``destino``.

    - Si ``destino`` ya existe y supera la verificación, no se descarga nada.
    - Cada proceso escribe en su propio temporal junto a ``destino`` y solo lo renombra si el
      tamaño y el sha256 coinciden: varios procesos pueden descargar el mismo archivo a la vez.
    - Con ``tamano``, la descarga se corta en cuanto el servidor anuncia o envía más bytes de
      los esperados (no se llena el disco con un archivo equivocado).
    - ``tiempo_limite`` es el plazo total de la llamada, reintentos incluidos: un servidor que
      gotea bytes no lo alarga. Por omisión, 900 s más lo que tardaría ``tamano`` a 100 kB/s.
      ``tiempo_por_lectura`` es la espera máxima a que llegue cada trozo.
    - Las respuestas 5xx (y 408, 425, 429), los cortes de conexión y lo descargado que no supera
      la verificación se reintentan hasta ``intentos`` veces en total, esperando ``espera``,
      2·``espera``, 4·``espera``... (con algo de azar, para que varios procesos no coincidan).
      Un 404 u otro error 4xx no se reintenta.
    - Cualquier fallo deja la carpeta como estaba (sin archivos a medias) y acaba en un
      :class:`~generativa.errores.ErrorDeDescarga` que nombra la URL, el destino y qué hacer.
    """
    if not isinstance(url, str) or not url.startswith(("http://", "https://")):
        raise ErrorDeArgumento(f"Se esperaba una URL http:// o https://; llegó {url!r}.")
    destino = Path(os.path.abspath(os.path.expanduser(_ruta(destino, "destino"))))
    sha256 = _suma(sha256)
    if tamano is not None:
        tamano = comprobar_entero(tamano, "tamano", minimo=0, maximo=None)
    intentos = comprobar_entero(intentos, "intentos", maximo=20)
    if tiempo_limite is None:
        tiempo_limite = 900.0 + (tamano or 0) / _VELOCIDAD_MINIMA
    tiempo_limite = comprobar_real(tiempo_limite, "tiempo_limite", minimo=0, abierto_abajo=True)
    tiempo_por_lectura = comprobar_real(tiempo_por_lectura, "tiempo_por_lectura", minimo=0, abierto_abajo=True)
    espera = comprobar_real(espera, "espera", minimo=0, maximo=60)
    comprobar_tipo(progreso, "progreso", bool, "True o False")
    plazo = time.monotonic() + tiempo_limite

    _preparar_carpeta(url, destino)
    _borrar_abandonados(destino)
    ultimo: _Reintentable | None = None
    hechos = 0
    for intento in range(1, intentos + 1):
        if intento > 1:
            pausa = espera * 2 ** (intento - 2) * random.uniform(1.0, 1.5)
            if time.monotonic() + pausa >= plazo:
                break
            time.sleep(pausa)
        if destino.is_file():  # ya estaba, o lo terminó otro proceso mientras tanto
            try:
                return verificar_archivo(destino, sha256, tamano)
            except ErrorDeDatos:
                pass  # dañado: se sustituye por la descarga
        hechos = intento
        try:
            with escritura_atomica(destino) as temporal:
                _bajar(url, temporal, sha256, tamano, plazo, tiempo_limite, tiempo_por_lectura, progreso)
            return destino
        except _Reintentable as e:
            ultimo = e
        except _Fallo as e:
            raise _error(url, destino, e.motivo, _arreglo_de_descarga(e.tipo, url, destino), hechos) from (
                e.__cause__ or e)
        except ErrorDeDescarga:
            raise
        except (ErrorDeDatos, OSError) as e:  # al crear, escribir o renombrar el temporal
            causa = e.__cause__ if isinstance(e, ErrorDeDatos) and isinstance(e.__cause__, OSError) else e
            raise _error_de_carpeta(url, destino, causa, hechos) from e
    if ultimo is None:  # el plazo venció antes del primer intento (no debería pasar)
        ultimo = _plazo(tiempo_limite)
    motivo = ultimo.motivo
    if hechos < intentos:
        motivo += f"; no quedó tiempo para otro intento (tiempo_limite = {_segundos(tiempo_limite)} s)"
    raise _error(url, destino, motivo, _arreglo_de_descarga(ultimo.tipo, url, destino), hechos) from (
        ultimo.__cause__ or ultimo)


class _Fallo(Exception):
    """Un fallo de un intento de descarga que no tiene sentido repetir; ``tipo`` elige el arreglo."""

    def __init__(self, motivo: str, tipo: str = "red"):
        super().__init__(motivo)
        self.motivo, self.tipo = motivo, tipo


class _Reintentable(_Fallo):
    """Un fallo pasajero de la descarga: se vuelve a intentar."""


def _bajar(url: str, temporal: Path, sha256: str, tamano: int | None, plazo: float, tiempo_limite: float,
           tiempo_por_lectura: float, progreso: bool) -> None:
    """Un intento: baja ``url`` en ``temporal`` comprobando al vuelo el tope, el plazo y la suma.

    Los fallos de red acaban en :class:`_Reintentable` o :class:`_Fallo`; un ``OSError`` que
    salga de aquí es del disco (crear o escribir el temporal).
    """
    with _Vigilante(plazo) as vigilante:
        peticion = urllib.request.Request(url, headers={"User-Agent": _AGENTE, "Accept-Encoding": "identity"})
        try:
            respuesta = _abridor(vigilante).open(peticion, timeout=min(tiempo_por_lectura, tiempo_limite))
        except urllib.error.HTTPError as e:
            e.close()
            raise _fallo_http(e) from e
        except (OSError, http.client.HTTPException, ValueError) as e:
            raise _fallo_de_red(e, vigilante, tiempo_limite, tiempo_por_lectura) from e
        with respuesta:
            anunciado = respuesta.headers.get("Content-Length", "").strip()
            anunciado = int(anunciado) if anunciado.isdigit() else None
            if tamano is not None and anunciado is not None and anunciado != tamano:
                raise _Fallo(f"el servidor anuncia un archivo de {_bytes(anunciado)} y el registrado tiene "
                             f"{_bytes(tamano)}, así que no es el archivo esperado", "url")
            suma = hashlib.sha256()
            recibidos = 0
            with open(temporal, "wb") as f, _barra(progreso, anunciado or tamano, url) as barra:
                while True:
                    try:
                        trozo = respuesta.read1(_TROZO)
                    except (OSError, http.client.HTTPException, ValueError) as e:
                        raise _fallo_de_red(e, vigilante, tiempo_limite, tiempo_por_lectura) from e
                    if vigilante.vencido:
                        raise _plazo(tiempo_limite)
                    if not trozo:
                        break
                    recibidos += len(trozo)
                    if tamano is not None and recibidos > tamano:
                        raise _Fallo(f"el servidor envía más de los {_bytes(tamano)} que tiene el archivo "
                                     "registrado (se cortó la descarga al pasar de ese tamaño), así que no es "
                                     "el archivo esperado", "url")
                    f.write(trozo)
                    suma.update(trozo)
                    barra.update(len(trozo))
    esperados = anunciado if anunciado is not None else tamano
    if esperados is not None and recibidos < esperados:
        raise _Reintentable(f"la descarga llegó incompleta: la conexión se cortó tras recibir {_miles(recibidos)} "
                            f"de {_bytes(esperados)}")
    obtenida = suma.hexdigest()
    if obtenida != sha256:
        raise _Reintentable(f"lo descargado no es el archivo esperado: su sha256 es {obtenida} y debería ser "
                            f"{sha256}", "url")


class _Vigilante:
    """Corta las conexiones de una descarga cuando vence su plazo total.

    El tiempo de espera de un *socket* solo acota cada lectura: un servidor que envía un byte
    cada poco nunca lo agota. Un temporizador aparte cierra la conexión al llegar el plazo, y
    la lectura que estaba esperando termina en el acto.
    """

    def __init__(self, plazo: float):
        self._plazo = plazo
        self._vencido = False
        self._conexiones: list[socket.socket] = []
        self._cerrojo = threading.Lock()
        self._temporizador = threading.Timer(max(0.0, plazo - time.monotonic()), self._vencer)
        self._temporizador.daemon = True

    def __enter__(self) -> _Vigilante:
        self._temporizador.start()
        return self

    def __exit__(self, *exc) -> None:
        self._temporizador.cancel()

    @property
    def vencido(self) -> bool:
        """``True`` si el plazo ya pasó (lo haya notado o no el temporizador)."""
        return self._vencido or time.monotonic() >= self._plazo

    def registrar(self, conexion: socket.socket) -> None:
        with self._cerrojo:
            self._conexiones.append(conexion)
            if self.vencido:
                _cortar(conexion)

    def _vencer(self) -> None:
        with self._cerrojo:
            self._vencido = True
            for conexion in self._conexiones:
                _cortar(conexion)


def _cortar(conexion: socket.socket) -> None:
    try:
        # socket.socket.shutdown y no conexion.shutdown: en una conexión TLS, el método propio
        # desmonta el estado TLS mientras la otra hebra lo está usando.
        socket.socket.shutdown(conexion, socket.SHUT_RDWR)
    except OSError:
        pass  # ya cerrada


def _abridor(vigilante: _Vigilante) -> urllib.request.OpenerDirector:
    """Un ``urlopen`` cuyas conexiones (también las de las redirecciones) conoce ``vigilante``."""
    def vigilada(clase):
        class Conexion(clase):
            def connect(self):
                super().connect()
                vigilante.registrar(self.sock)
        return Conexion

    class ManejadorHTTP(urllib.request.HTTPHandler):
        def do_open(self, clase, peticion, **opciones):
            return super().do_open(vigilada(clase), peticion, **opciones)

    class ManejadorHTTPS(urllib.request.HTTPSHandler):
        def do_open(self, clase, peticion, **opciones):
            return super().do_open(vigilada(clase), peticion, **opciones)

    return urllib.request.build_opener(ManejadorHTTP, ManejadorHTTPS)


def _fallo_http(e: urllib.error.HTTPError) -> _Fallo:
    motivo = f"el servidor respondió {e.code} ({_NOMBRES_HTTP.get(e.code) or e.reason})"
    return _Reintentable(motivo) if e.code in _REINTENTABLES else _Fallo(motivo, "url")


def _fallo_de_red(e: BaseException, vigilante: _Vigilante, tiempo_limite: float,
                  tiempo_por_lectura: float) -> _Fallo:
    """Traduce una excepción de la red (``urllib``, ``http.client``, ``socket``, ``ssl``) a un fallo en español."""
    if vigilante.vencido:
        return _plazo(tiempo_limite)
    if isinstance(e, urllib.error.URLError):
        if isinstance(e.reason, BaseException):
            return _fallo_de_red(e.reason, vigilante, tiempo_limite, tiempo_por_lectura)
        return _Fallo(f"la dirección no se puede abrir ({e.reason})", "url")
    if isinstance(e, ssl.SSLCertVerificationError):
        return _Fallo("no se pudo verificar el certificado del servidor (conexión segura)", "tls")
    if isinstance(e, http.client.RemoteDisconnected):  # antes que ConnectionError: es ambas cosas
        return _Reintentable("el servidor cerró la conexión sin responder")
    if isinstance(e, http.client.IncompleteRead):
        return _Reintentable("la conexión se cortó a mitad de la descarga")
    if isinstance(e, http.client.BadStatusLine):
        linea = str(e).strip().strip("'").strip()[:40]  # str(e) es el repr de la línea recibida
        return _Reintentable(f"el servidor respondió algo que no es HTTP («{linea}»)")
    if isinstance(e, (http.client.InvalidURL, ValueError)):
        return _Fallo(f"la dirección no es válida ({e})", "url")
    if isinstance(e, http.client.HTTPException):
        return _Reintentable(f"el servidor envió una respuesta HTTP no válida ({type(e).__name__})")
    if isinstance(e, socket.gaierror):
        return _Reintentable("no se encontró el servidor (¿hay conexión a internet?)")
    if isinstance(e, TimeoutError):
        return _Reintentable(f"el servidor no envió nada durante {_segundos(tiempo_por_lectura)} s")
    if isinstance(e, ConnectionRefusedError):
        return _Reintentable("el servidor rechazó la conexión (puede estar caído, o no hay conexión a internet)")
    if isinstance(e, ConnectionError):
        return _Reintentable("se cortó la conexión con el servidor")
    if isinstance(e, ssl.SSLError):
        return _Reintentable("falló la conexión segura (TLS) con el servidor")
    return _Reintentable(f"falló la conexión con el servidor ({_explicar_os(e)})")


def _plazo(tiempo_limite: float) -> _Fallo:
    return _Fallo(f"se superó el plazo total de {_segundos(tiempo_limite)} s (tiempo_limite)", "plazo")


def _preparar_carpeta(url: str, destino: Path) -> None:
    """Comprueba, antes de pedir nada al servidor, que ``destino`` se podrá escribir."""
    if destino.is_dir():
        raise _error(url, destino, f"{destino} es una carpeta, no un archivo",
                     "Borra esa carpeta o cámbiala de nombre, o elige otro destino (la caché del libro se "
                     f"elige con la variable {VARIABLE_CACHE}).")
    try:
        destino.parent.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise _error_de_carpeta(url, destino, e) from e
    if not os.access(destino.parent, os.W_OK | os.X_OK):
        raise _error_de_carpeta(url, destino, PermissionError(errno.EACCES, os.strerror(errno.EACCES)))


def _borrar_abandonados(destino: Path) -> None:
    """Borra los temporales de descargas de ``destino`` que murieron a mitad hace mucho.

    Los recientes se dejan: pueden ser de otro proceso que está descargando ahora mismo.
    """
    ahora = time.time()
    try:
        candidatos = list(destino.parent.iterdir())
    except OSError:
        return
    for candidato in candidatos:
        if candidato.name.startswith(PREFIJO_TEMPORAL) and candidato.name.endswith(f"-{destino.name}"):
            try:
                if ahora - candidato.stat().st_mtime > _ABANDONADO:
                    candidato.unlink()
            except OSError:
                pass


_EXPLICACIONES = {
    errno.EACCES: "no hay permiso de escritura", errno.EPERM: "el sistema no permite la operación",
    errno.ENOSPC: "el disco está lleno", errno.EROFS: "el sistema de archivos es de solo lectura",
    errno.EISDIR: "el destino es una carpeta, no un archivo",
    errno.ENOTDIR: "una parte de la ruta es un archivo, no una carpeta",
    errno.EEXIST: "una parte de la ruta es un archivo, no una carpeta",
    errno.ENAMETOOLONG: "el nombre es demasiado largo", errno.EIO: "error de lectura o escritura en el disco",
}
if hasattr(errno, "EDQUOT"):
    _EXPLICACIONES[errno.EDQUOT] = "se agotó la cuota de disco"


def _explicar_os(e: OSError) -> str:
    if e.errno in _EXPLICACIONES:
        return _EXPLICACIONES[e.errno]
    codigo = errno.errorcode.get(e.errno, e.errno)
    return f"error {codigo} del sistema operativo" + (f": {e.strerror}" if e.strerror else f": {e}")


def _error_de_carpeta(url: str, destino: Path, e: OSError, intentos: int = 0) -> ErrorDeDescarga:
    if e.errno == errno.EISDIR:
        return _error(url, destino, f"{destino} es una carpeta, no un archivo",
                      "Borra esa carpeta o cámbiala de nombre, o elige otro destino.", intentos)
    motivo = f"no se puede escribir en la carpeta {destino.parent} ({_explicar_os(e)})"
    if e.errno in (errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)):
        arreglo = "Libera espacio en el disco o elige otra carpeta"
    else:
        arreglo = "Elige una carpeta con permiso de escritura (o corrige los permisos de esta)"
    return _error(url, destino, motivo, f"{arreglo}; la caché del libro se elige con la variable {VARIABLE_CACHE}.",
                  intentos)


def _arreglo_de_descarga(tipo: str, url: str, destino: Path) -> str:
    a_mano = f"descarga {url} a mano (por ejemplo, con el navegador) y guárdalo como {destino}"
    if tipo == "url":
        return (f"Comprueba que la dirección sea la correcta (el archivo pudo cambiar de lugar o de versión en el "
                f"servidor); si consigues el archivo correcto por otra vía, guárdalo como {destino}.")
    if tipo == "plazo":
        return f"Vuelve a intentarlo con una conexión más rápida o con un tiempo_limite mayor, o {a_mano}."
    if tipo == "tls":
        return (f"Comprueba que la fecha y la hora de la computadora sean correctas y que la red no intercepte las "
                f"conexiones seguras; si no se resuelve, {a_mano}.")
    return f"Comprueba la conexión a internet y vuelve a intentarlo; si sigue fallando, {a_mano}."


def _error(url: str, destino: Path, motivo: str, arreglo: str, intentos: int = 0) -> ErrorDeDescarga:
    """El error final: la URL, el destino, qué pasó, que no quedó nada a medias y qué hacer."""
    tras = f" tras {intentos} intentos" if intentos > 1 else ""
    limpio = f" No quedó ningún archivo a medias en {destino.parent}." if intentos else ""
    return ErrorDeDescarga(f"No se pudo descargar {url} en {destino}{tras}: {motivo}.{limpio} {arreglo}")


def _miles(n: int) -> str:
    return f"{n:,}".replace(",", ".")  # con punto de miles, como en el resto del libro


def _bytes(n: int) -> str:
    return f"{_miles(n)} bytes"


def _segundos(s: float) -> str:
    return f"{s:.0f}" if s >= 10 else f"{s:g}"


class _SinBarra:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def update(self, n: int) -> None:
        pass


def _barra(progreso: bool, total: int | None, url: str):
    if not progreso:
        return _SinBarra()
    from tqdm.auto import tqdm

    nombre = urllib.parse.urlsplit(url).path.rsplit("/", 1)[-1] or url
    return tqdm(total=total, unit="B", unit_scale=True, unit_divisor=1024, desc=f"Descargando {nombre}",
                leave=False)
