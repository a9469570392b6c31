"""Las descargas: correctas, verificadas y sin dejar nada a medias pase lo que pase.

Todas contra un servidor local en 127.0.0.1 (``servidor_local.py``), nunca contra internet.
"""

import dataclasses
import errno
import hashlib
import io
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
import urllib.request
from pathlib import Path

import numpy as np
import pytest

from conftest import DATOS, RAIZ
from generativa import archivos
from generativa.archivos import (FUENTES, ORIGINALES, Fuente, descargar, directorio_cache, obtener, sha256_de,
                                 verificar_archivo)
from generativa.datos import cargar_flores, cargar_imagen, cargar_mnist
from generativa.errores import ErrorDeDatos, ErrorDeDescarga
from servidor_local import ServidorDePrueba

CONTENIDO = bytes(range(256)) * 400  # 100 KiB
SUMA = hashlib.sha256(CONTENIDO).hexdigest()
RAPIDO = {"espera": 0.01, "progreso": False}
"""Opciones de todas las pruebas: reintentos casi sin espera y sin barra de progreso."""


@pytest.fixture
def servidor():
    with ServidorDePrueba() as s:
        s.archivos["/datos.bin"] = CONTENIDO
        yield s


def _contenido(carpeta: Path) -> list[str]:
    """Todo lo que hay en ``carpeta`` (también los archivos ocultos, como los temporales)."""
    return sorted(p.name for p in carpeta.iterdir()) if carpeta.exists() else []


def _es_error_completo(error: ErrorDeDescarga, url: str, destino: Path) -> None:
    """El mensaje nombra la URL, el destino y qué hacer; no es una excepción de Python cruda."""
    mensaje = str(error)
    assert isinstance(error, ErrorDeDescarga) and isinstance(error, ErrorDeDatos)
    assert mensaje.startswith(f"No se pudo descargar {url} en {destino}"), mensaje
    assert any(arreglo in mensaje for arreglo in ("Comprueba", "Elige", "Borra", "Libera", "Vuelve")), mensaje


# --------------------------------------------------------------------------- lo básico

def test_descarga_correcta(servidor, tmp_path):
    destino = descargar(f"{servidor.url}/datos.bin", tmp_path / "d" / "datos.bin", SUMA, len(CONTENIDO), **RAPIDO)
    assert destino == tmp_path / "d" / "datos.bin"
    assert destino.read_bytes() == CONTENIDO
    assert _contenido(tmp_path / "d") == ["datos.bin"]
    # Ya descargado y correcto: no se vuelve a pedir.
    descargar(f"{servidor.url}/datos.bin", destino, SUMA, len(CONTENIDO), **RAPIDO)
    assert servidor.peticiones == ["/datos.bin"]


def test_sigue_las_redirecciones(servidor, tmp_path):
    servidor.modos["/antigua.bin"] = "redirigir:/datos.bin"
    destino = descargar(f"{servidor.url}/antigua.bin", tmp_path / "datos.bin", SUMA, len(CONTENIDO), **RAPIDO)
    assert destino.read_bytes() == CONTENIDO
    assert servidor.peticiones == ["/antigua.bin", "/datos.bin"]


def test_suma_incorrecta_no_deja_archivo(servidor, tmp_path):
    url = f"{servidor.url}/datos.bin"
    with pytest.raises(ErrorDeDescarga, match="tras 2 intentos: lo descargado no es el archivo esperado.*sha256") as e:
        descargar(url, tmp_path / "datos.bin", "0" * 64, intentos=2, **RAPIDO)
    _es_error_completo(e.value, url, tmp_path / "datos.bin")
    assert _contenido(tmp_path) == []
    assert servidor.peticiones == ["/datos.bin"] * 2


def test_descarga_truncada_se_detecta(servidor, tmp_path):
    servidor.modos["/datos.bin"] = "truncar"
    url = f"{servidor.url}/datos.bin"
    # Sin tamaño registrado, lo detecta el Content-Length; con él, también.
    for tamano in (None, len(CONTENIDO)):
        with pytest.raises(ErrorDeDescarga, match="llegó incompleta") as e:
            descargar(url, tmp_path / "datos.bin", SUMA, tamano, intentos=2, **RAPIDO)
        _es_error_completo(e.value, url, tmp_path / "datos.bin")
        assert _contenido(tmp_path) == []


def test_error_del_servidor(servidor, tmp_path):
    servidor.modos["/datos.bin"] = 503
    url = f"{servidor.url}/datos.bin"
    with pytest.raises(ErrorDeDescarga, match="tras 3 intentos: el servidor respondió 503") as e:
        descargar(url, tmp_path / "datos.bin", SUMA, **RAPIDO)
    _es_error_completo(e.value, url, tmp_path / "datos.bin")
    assert _contenido(tmp_path) == [] and len(servidor.peticiones) == 3


def test_sin_conexion(tmp_path):
    with ServidorDePrueba() as s:
        url = f"{s.url}/datos.bin"  # el puerto queda cerrado al salir
    with pytest.raises(ErrorDeDescarga, match="rechazó la conexión.*Comprueba la conexión a internet") as e:
        descargar(url, tmp_path / "datos.bin", SUMA, intentos=2, **RAPIDO)
    _es_error_completo(e.value, url, tmp_path / "datos.bin")
    assert _contenido(tmp_path) == []


@pytest.mark.parametrize("argumentos, mensaje", [
    ({"url": "ftp://x/y"}, "http:// o https://"),
    ({"intentos": 0}, "'intentos' debe ser un entero entre 1 y 20"),
    ({"sha256": "abc"}, "sha256 de 64 caracteres"),
    ({"tamano": -1}, "'tamano' debe ser un entero"),
    ({"tiempo_limite": 0}, "'tiempo_limite' debe ser > 0"),
    ({"tiempo_por_lectura": float("inf")}, "'tiempo_por_lectura' debe ser un número finito"),
    ({"espera": -1}, "'espera' debe estar entre 0 y 60"),
    ({"progreso": "no"}, "'progreso'"),
])
def test_descargar_valida(tmp_path, argumentos, mensaje):
    llamada = {"url": "http://127.0.0.1:9/x", "destino": tmp_path / "x", "sha256": SUMA, **argumentos}
    with pytest.raises(ValueError, match=mensaje):
        descargar(**llamada)
    assert _contenido(tmp_path) == []


# --------------------------------------------------------------------------- varios procesos a la vez

_PROCESO = """
import sys, time
from pathlib import Path
from generativa.archivos import descargar
url, destino, suma, tamano, listo, salida = sys.argv[1:]
Path(listo).touch()
while not Path(salida).exists():  # todos arrancan a la vez
    time.sleep(0.005)
descargar(url, destino, suma, int(tamano), espera=0.01, progreso=False)
"""


def test_cuatro_procesos_descargan_a_la_vez(servidor, tmp_path):
    contenido = os.urandom(512 * 1024)
    servidor.archivos["/grande.bin"] = contenido
    servidor.modos["/grande.bin"] = "lento"  # 64 trozos de 8 KiB con 20 ms entre ellos: más de 1 s
    suma = hashlib.sha256(contenido).hexdigest()
    cache, marcas = tmp_path / "cache-compartida", tmp_path / "marcas"
    marcas.mkdir()
    destino = cache / "grande.bin"
    entorno = {**os.environ, "PYTHONPATH": os.pathsep.join([str(RAIZ / "lib"), os.environ.get("PYTHONPATH", "")])}
    procesos = [subprocess.Popen([sys.executable, "-c", _PROCESO, f"{servidor.url}/grande.bin", str(destino), suma,
                                  str(len(contenido)), str(marcas / f"listo-{i}"), str(marcas / "salida")],
                                 env=entorno, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                for i in range(4)]
    try:
        limite = time.monotonic() + 60
        while len(list(marcas.glob("listo-*"))) < 4 and time.monotonic() < limite:
            time.sleep(0.01)
        (marcas / "salida").touch()
        resultados = [p.communicate(timeout=60) for p in procesos]
    finally:
        for p in procesos:
            if p.poll() is None:
                p.kill()
    for p, (_, error) in zip(procesos, resultados):
        assert p.returncode == 0, error
    assert destino.read_bytes() == contenido
    assert _contenido(cache) == ["grande.bin"]  # ni temporales ni restos
    assert servidor.simultaneas_max >= 2, "las descargas no llegaron a solaparse"
    assert 2 <= len(servidor.peticiones) <= 4


# --------------------------------------------------------------------------- cortes y respuestas raras

def test_corte_a_mitad_de_un_trozo_se_reintenta_y_no_deja_nada(servidor, tmp_path):
    servidor.modos["/datos.bin"] = "trozos_cortados"
    url, destino = f"{servidor.url}/datos.bin", tmp_path / "cache" / "datos.bin"
    with pytest.raises(ErrorDeDescarga, match="tras 3 intentos: la conexión se cortó a mitad") as e:
        descargar(url, destino, SUMA, len(CONTENIDO), **RAPIDO)
    _es_error_completo(e.value, url, destino)
    assert "IncompleteRead" not in str(e.value)
    assert servidor.peticiones == ["/datos.bin"] * 3
    assert _contenido(destino.parent) == []  # ni .part ni temporales


def test_linea_de_estado_basura(servidor, tmp_path):
    servidor.modos["/datos.bin"] = "basura"
    url = f"{servidor.url}/datos.bin"
    with pytest.raises(ErrorDeDescarga, match="respondió algo que no es HTTP") as e:
        descargar(url, tmp_path / "datos.bin", SUMA, intentos=2, **RAPIDO)
    _es_error_completo(e.value, url, tmp_path / "datos.bin")
    assert _contenido(tmp_path) == []


def test_conexion_cerrada_sin_respuesta(servidor, tmp_path):
    servidor.modos["/datos.bin"] = "cerrar"
    url = f"{servidor.url}/datos.bin"
    with pytest.raises(ErrorDeDescarga, match="cerró la conexión sin responder") as e:
        descargar(url, tmp_path / "datos.bin", SUMA, intentos=2, **RAPIDO)
    _es_error_completo(e.value, url, tmp_path / "datos.bin")
    assert _contenido(tmp_path) == []


def test_errores_5xx_se_reintentan_con_espera(servidor, tmp_path):
    servidor.modos["/datos.bin"] = [503, 500]
    inicio = time.monotonic()
    destino = descargar(f"{servidor.url}/datos.bin", tmp_path / "datos.bin", SUMA, len(CONTENIDO), espera=0.1,
                        progreso=False)
    assert destino.read_bytes() == CONTENIDO
    assert servidor.peticiones == ["/datos.bin"] * 3
    assert time.monotonic() - inicio >= 0.1 + 0.2  # esperas de 0,1 s y 0,2 s (más algo de azar)


def test_un_404_no_se_reintenta(servidor, tmp_path):
    url = f"{servidor.url}/no-existe.bin"
    with pytest.raises(ErrorDeDescarga, match="respondió 404 \\(el archivo no existe en esa dirección\\)") as e:
        descargar(url, tmp_path / "datos.bin", SUMA, **RAPIDO)
    _es_error_completo(e.value, url, tmp_path / "datos.bin")
    assert "tras" not in str(e.value) and "Comprueba que la dirección sea la correcta" in str(e.value)
    assert servidor.peticiones == ["/no-existe.bin"]
    assert _contenido(tmp_path) == []


def test_un_reintento_posterior_funciona(servidor, tmp_path):
    """Tras una descarga fallida (servidor caído), una llamada posterior la completa."""
    url, destino = f"{servidor.url}/datos.bin", tmp_path / "datos.bin"
    servidor.modos["/datos.bin"] = "cerrar"
    with pytest.raises(ErrorDeDescarga):
        descargar(url, destino, SUMA, len(CONTENIDO), intentos=2, **RAPIDO)
    assert _contenido(tmp_path) == []
    del servidor.modos["/datos.bin"]  # el servidor vuelve
    assert descargar(url, destino, SUMA, len(CONTENIDO), **RAPIDO).read_bytes() == CONTENIDO
    assert _contenido(tmp_path) == ["datos.bin"]


# --------------------------------------------------------------------------- topes: tamaño y tiempo

@pytest.mark.parametrize("modo", ["enorme", "enorme_anunciado"])
def test_un_archivo_demasiado_grande_se_corta_pronto(servidor, tmp_path, modo):
    """30 MiB por un archivo de 1 MiB: se corta en cuanto se sabe, sin reintentar."""
    servidor.modos["/enorme.bin"] = modo
    url, destino = f"{servidor.url}/enorme.bin", tmp_path / "enorme.bin"
    with pytest.raises(ErrorDeDescarga, match="no es el archivo esperado") as e:
        descargar(url, destino, SUMA, 1 << 20, **RAPIDO)
    _es_error_completo(e.value, url, destino)
    assert "1.048.576 bytes" in str(e.value)
    assert servidor.peticiones == ["/enorme.bin"]
    # Lo que el servidor llegó a enviar incluye lo que quedó en los búferes del sistema.
    assert servidor.enviados.get("/enorme.bin", 0) < 10 << 20
    assert _contenido(tmp_path) == []


def test_un_servidor_que_gotea_se_abandona_al_vencer_el_plazo(servidor, tmp_path):
    """Un byte cada 0,5 s nunca agota la espera por lectura (1 s); el plazo total (1,5 s) sí."""
    servidor.modos["/datos.bin"] = "gotear"
    url, destino = f"{servidor.url}/datos.bin", tmp_path / "datos.bin"
    inicio = time.monotonic()
    with pytest.raises(ErrorDeDescarga, match="se superó el plazo total de 1.5 s") as e:
        descargar(url, destino, SUMA, len(CONTENIDO), tiempo_limite=1.5, tiempo_por_lectura=1.0, **RAPIDO)
    duracion = time.monotonic() - inicio
    _es_error_completo(e.value, url, destino)
    assert 1.4 <= duracion < 4, duracion
    assert servidor.peticiones == ["/datos.bin"]  # vencido el plazo, no se reintenta
    assert _contenido(tmp_path) == []


def test_el_plazo_tambien_cubre_las_cabeceras(tmp_path):
    """Un servidor que acepta la conexión y no responde nunca también se abandona al vencer el plazo."""
    import socket

    with socket.socket() as escucha:
        escucha.bind(("127.0.0.1", 0))
        escucha.listen()
        url = f"http://127.0.0.1:{escucha.getsockname()[1]}/datos.bin"
        inicio = time.monotonic()
        with pytest.raises(ErrorDeDescarga, match="plazo total de 1 s") as e:
            descargar(url, tmp_path / "datos.bin", SUMA, tiempo_limite=1.0, tiempo_por_lectura=5.0, **RAPIDO)
        assert time.monotonic() - inicio < 3
    _es_error_completo(e.value, url, tmp_path / "datos.bin")
    assert _contenido(tmp_path) == []


# --------------------------------------------------------------------------- la carpeta de destino

def test_destino_que_es_una_carpeta(servidor, tmp_path):
    (tmp_path / "datos.bin").mkdir()
    url = f"{servidor.url}/datos.bin"
    with pytest.raises(ErrorDeDescarga, match="es una carpeta, no un archivo") as e:
        descargar(url, tmp_path / "datos.bin", SUMA, **RAPIDO)
    _es_error_completo(e.value, url, tmp_path / "datos.bin")
    assert _contenido(tmp_path) == ["datos.bin"] and _contenido(tmp_path / "datos.bin") == []
    assert servidor.peticiones == []  # se comprueba antes de pedir nada


def test_carpeta_de_destino_que_es_un_archivo(servidor, tmp_path):
    (tmp_path / "archivo").write_bytes(b"no soy una carpeta")
    url, destino = f"{servidor.url}/datos.bin", tmp_path / "archivo" / "sub" / "datos.bin"
    with pytest.raises(ErrorDeDescarga, match="es un archivo, no una carpeta.*GENERATIVA_CACHE") as e:
        descargar(url, destino, SUMA, **RAPIDO)
    _es_error_completo(e.value, url, destino)
    assert servidor.peticiones == []


def test_carpeta_de_solo_lectura(servidor, tmp_path, monkeypatch):
    carpeta = tmp_path / "solo-lectura"
    carpeta.mkdir()
    carpeta.chmod(0o555)
    if os.geteuid() == 0:
        # Como root, chmod no impide escribir: se simula la negativa del sistema al crear el temporal.
        def sin_permiso(*args, **kwargs):
            raise PermissionError(errno.EACCES, "Permission denied", str(carpeta))
        monkeypatch.setattr(tempfile, "mkstemp", sin_permiso)
    url, destino = f"{servidor.url}/datos.bin", carpeta / "datos.bin"
    try:
        with pytest.raises(ErrorDeDescarga, match="no hay permiso de escritura.*Elige una carpeta con permiso") as e:
            descargar(url, destino, SUMA, **RAPIDO)
    finally:
        carpeta.chmod(0o755)
    _es_error_completo(e.value, url, destino)
    assert "Permission denied" not in str(e.value) and "PermissionError" not in str(e.value)
    assert _contenido(carpeta) == []


def test_disco_lleno_al_escribir(servidor, tmp_path, monkeypatch):
    import builtins

    abrir = builtins.open

    class Lleno:
        def __init__(self, f):
            self._f = f

        def write(self, datos):
            raise OSError(errno.ENOSPC, "No space left on device")

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self._f.close()

    def open_lleno(ruta, modo="r", *args, **kwargs):
        f = abrir(ruta, modo, *args, **kwargs)
        return Lleno(f) if modo == "wb" and Path(ruta).name.startswith(archivos.PREFIJO_TEMPORAL) else f

    monkeypatch.setattr(builtins, "open", open_lleno)
    url = f"{servidor.url}/datos.bin"
    with pytest.raises(ErrorDeDescarga, match="el disco está lleno.*Libera espacio") as e:
        descargar(url, tmp_path / "datos.bin", SUMA, **RAPIDO)
    monkeypatch.undo()
    _es_error_completo(e.value, url, tmp_path / "datos.bin")
    assert servidor.peticiones == ["/datos.bin"]  # un problema del disco no se arregla reintentando
    assert _contenido(tmp_path) == []


def test_los_temporales_abandonados_se_borran_y_los_recientes_no(servidor, tmp_path):
    viejo = tmp_path / f"{archivos.PREFIJO_TEMPORAL}abc123-datos.bin"
    reciente = tmp_path / f"{archivos.PREFIJO_TEMPORAL}def456-datos.bin"  # quizá de otro proceso, ahora
    ajeno = tmp_path / f"{archivos.PREFIJO_TEMPORAL}ghi789-otro.bin"
    for temporal in (viejo, reciente, ajeno):
        temporal.write_bytes(b"a medias")
    hace_dos_dias = time.time() - 2 * 24 * 3600
    os.utime(viejo, (hace_dos_dias, hace_dos_dias))
    os.utime(ajeno, (hace_dos_dias, hace_dos_dias))
    descargar(f"{servidor.url}/datos.bin", tmp_path / "datos.bin", SUMA, **RAPIDO)
    assert _contenido(tmp_path) == sorted(["datos.bin", reciente.name, ajeno.name])


# --------------------------------------------------------------------------- obtener y la verificación

def test_una_descarga_corrupta_en_cache_se_borra_y_se_repite(servidor, monkeypatch, tmp_path):
    monkeypatch.setitem(FUENTES, "prueba", Fuente("prueba/datos.bin", SUMA, len(CONTENIDO),
                                                 f"{servidor.url}/datos.bin", incluido=False))
    monkeypatch.setenv("GENERATIVA_DATOS", str(tmp_path / "sin-datos"))
    en_cache = directorio_cache() / "prueba" / "datos.bin"
    en_cache.parent.mkdir(parents=True)
    en_cache.write_bytes(CONTENIDO[:-1] + b"x")  # mismo tamaño, contenido dañado
    assert obtener("prueba").read_bytes() == CONTENIDO
    assert servidor.peticiones == ["/datos.bin"]
    # La segunda vez se usa la caché verificada, sin volver a descargar.
    assert obtener("prueba") == en_cache and servidor.peticiones == ["/datos.bin"]
    assert _contenido(en_cache.parent) == ["datos.bin"]


def test_falta_un_archivo_incluido_se_nombra_sin_descargar(servidor, monkeypatch, tmp_path):
    vacia = tmp_path / "vacia"
    vacia.mkdir()
    monkeypatch.setenv("GENERATIVA_DATOS", str(vacia))
    # Aunque tuviera URL, un archivo incluido no se sustituye a escondidas por una descarga.
    monkeypatch.setitem(FUENTES, "flores_64px", dataclasses.replace(FUENTES["flores_64px"],
                                                                     url=f"{servidor.url}/flores.tgz"))

    def sin_red(*args, **kwargs):
        raise AssertionError("no debía pedirse nada por la red")
    monkeypatch.setattr(urllib.request.OpenerDirector, "open", sin_red)
    monkeypatch.setattr(archivos, "descargar", sin_red)
    with pytest.raises(ErrorDeDatos, match="Falta el archivo incluido flowers102/102flowers-64px.tgz") as e:
        obtener("flores_64px")
    assert not isinstance(e.value, ErrorDeDescarga)
    assert str(vacia / "flowers102" / "102flowers-64px.tgz") in str(e.value)
    assert servidor.peticiones == []
    with pytest.raises(ErrorDeDatos, match="flowers102/102flowers-64px.tgz"):
        cargar_flores(image_size=32)
    assert servidor.peticiones == []


def test_la_memoria_de_verificados_no_acepta_un_archivo_cambiado(tmp_path):
    """Cambiar el contenido y restaurar la fecha de modificación con os.utime no engaña a la memoria."""
    ruta = tmp_path / "datos.bin"
    ruta.write_bytes(CONTENIDO)
    assert verificar_archivo(ruta, SUMA, len(CONTENIDO)) == ruta
    antes = ruta.stat()
    assert any(clave[0] == str(ruta.resolve()) for clave in archivos._verificados)
    time.sleep(0.05)  # que el reloj de los archivos (ctime) avance aunque su resolución sea gruesa
    with open(ruta, "r+b") as f:  # mismo tamaño, mismo nodo, un byte distinto
        f.seek(1000)
        f.write(b"\xff")
    os.utime(ruta, ns=(antes.st_atime_ns, antes.st_mtime_ns))
    despues = ruta.stat()
    assert (despues.st_size, despues.st_mtime_ns, despues.st_ino) == (antes.st_size, antes.st_mtime_ns, antes.st_ino)
    with pytest.raises(ErrorDeDatos, match="dañado o no es el esperado"):
        verificar_archivo(ruta, SUMA, len(CONTENIDO))
    assert sha256_de(ruta) != SUMA


# --------------------------------------------------------------------------- los datos que se descargan

def test_mnist_completo_se_descarga_del_npz(servidor, monkeypatch, tmp_path):
    x = np.random.default_rng(0).integers(0, 256, (700, 28, 28), dtype=np.uint8)
    y = np.arange(700) % 10
    buffer = io.BytesIO()
    np.savez(buffer, x_train=x[:600], y_train=y[:600], x_test=x[600:], y_test=y[600:])
    servidor.archivos["/mnist.npz"] = contenido = buffer.getvalue()
    assert FUENTES["mnist_npz"].incluido is False
    monkeypatch.setitem(FUENTES, "mnist_npz", dataclasses.replace(
        FUENTES["mnist_npz"], sha256=hashlib.sha256(contenido).hexdigest(), tamano=len(contenido),
        url=f"{servidor.url}/mnist.npz"))
    imagenes, etiquetas = cargar_mnist("completo")
    # entrenamiento y después prueba, en el orden del archivo
    assert imagenes.shape == (700, 32, 32, 1) and etiquetas.tolist() == y.tolist()
    assert np.allclose(imagenes[699, 2:30, 2:30, 0], x[699] / 127.5 - 1, atol=1e-6)
    assert servidor.peticiones == ["/mnist.npz"]
    assert (directorio_cache() / "mnist" / "mnist.npz").read_bytes() == contenido


def test_flores_grandes_desde_el_archivo_oficial(servidor, monkeypatch, tmp_path):
    """Para un tamaño mayor que 64 px se descarga el archivo oficial (aquí, uno con las 12 fotos incluidas)."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        for n in ORIGINALES:
            tar.add(DATOS / "flowers102" / "jpg" / f"image_{n:05d}.jpg", arcname=f"jpg/image_{n:05d}.jpg")
    servidor.archivos["/102flowers.tgz"] = contenido = buffer.getvalue()
    assert FUENTES["flores_originales"].incluido is False
    monkeypatch.setitem(FUENTES, "flores_originales", dataclasses.replace(
        FUENTES["flores_originales"], sha256=hashlib.sha256(contenido).hexdigest(), tamano=len(contenido),
        url=f"{servidor.url}/102flowers.tgz"))
    solo_mat = tmp_path / "datos" / "flowers102"
    solo_mat.mkdir(parents=True)
    for nombre in ("imagelabels.mat", "setid.mat"):
        shutil.copy(DATOS / "flowers102" / nombre, solo_mat)
    monkeypatch.setenv("GENERATIVA_DATOS", str(tmp_path / "datos"))

    flores = cargar_flores(image_size=128)
    assert flores.imagenes.shape == (12, 128, 128, 3)
    assert flores.numeros.tolist() == ORIGINALES
    assert np.allclose(flores.imagenes[1], cargar_imagen(DATOS / "flowers102" / "jpg" / "image_02420.jpg", 128))
    # Las particiones solo contienen las imágenes presentes (todas son de trnid o valid).
    assert sorted(np.concatenate(list(flores.particiones.values())).tolist()) == list(range(12))
    assert len(flores.particiones["tstid"]) == 0
    assert servidor.peticiones == ["/102flowers.tgz"]
    assert _contenido(directorio_cache() / "flowers102") == ["102flowers.tgz"]
