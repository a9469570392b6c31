import hashlib
import io
import shutil
import tarfile

import numpy as np
import pytest

from conftest import DATOS
from generativa import fuentes
from generativa.datos import cargar_flores, cargar_imagen, cargar_mnist
from generativa.descargas import ErrorDeDescarga, descargar
from generativa.fuentes import FUENTES, Fuente, obtener
from generativa.integridad import ErrorDeDatos
from servidor_local import ServidorDePrueba

CONTENIDO = bytes(range(256)) * 4000
SUMA = hashlib.sha256(CONTENIDO).hexdigest()


@pytest.fixture
def servidor():
    with ServidorDePrueba() as s:
        s.archivos["/datos.bin"] = CONTENIDO
        yield s


def test_descarga_correcta(servidor, tmp_path, capsys):
    destino = descargar(f"{servidor.url}/datos.bin", tmp_path / "d" / "datos.bin", SUMA, len(CONTENIDO))
    assert destino.read_bytes() == CONTENIDO
    assert not (tmp_path / "d" / "datos.bin.part").exists()


def test_suma_incorrecta_no_deja_archivo(servidor, tmp_path):
    with pytest.raises(ErrorDeDatos, match="no produjo el archivo esperado tras 2 intentos.*sha256"):
        descargar(f"{servidor.url}/datos.bin", tmp_path / "datos.bin", "0" * 64)
    assert list(tmp_path.iterdir()) == []
    assert servidor.peticiones == ["/datos.bin"] * 2


def test_descarga_truncada_se_detecta(servidor, tmp_path):
    servidor.modos["/datos.bin"] = "truncar"
    with pytest.raises(ErrorDeDatos, match="truncado"):
        descargar(f"{servidor.url}/datos.bin", tmp_path / "datos.bin", SUMA, len(CONTENIDO))
    assert list(tmp_path.iterdir()) == []


def test_error_del_servidor(servidor, tmp_path):
    servidor.modos["/datos.bin"] = 503
    with pytest.raises(ErrorDeDescarga, match="El servidor respondió 503"):
        descargar(f"{servidor.url}/datos.bin", tmp_path / "datos.bin", SUMA)
    assert list(tmp_path.iterdir()) == []


def test_sin_conexion(tmp_path):
    with ServidorDePrueba() as s:
        url = f"{s.url}/datos.bin"
    with pytest.raises(ErrorDeDescarga, match="No se pudo descargar .*conexión"):
        descargar(url, tmp_path / "datos.bin", SUMA)


@pytest.mark.parametrize("url, intentos, mensaje", [
    ("ftp://x/y", 1, "http:// o https://"),
    ("http://127.0.0.1/x", 0, "'intentos' debe ser un entero"),
])
def test_descargar_valida(tmp_path, url, intentos, mensaje):
    with pytest.raises(ValueError, match=mensaje):
        descargar(url, tmp_path / "x", SUMA, intentos=intentos)


def test_una_descarga_corrupta_en_cache_se_borra_y_se_repite(servidor, monkeypatch, tmp_path):
    monkeypatch.setitem(FUENTES, "prueba", Fuente("prueba/datos.bin", SUMA, len(CONTENIDO),
                                                 f"{servidor.url}/datos.bin"))
    monkeypatch.setenv("GENERATIVA_DATOS", str(tmp_path / "sin-datos"))
    en_cache = tmp_path / "cache" / "prueba" / "datos.bin"
    en_cache.parent.mkdir(parents=True)
    en_cache.write_bytes(CONTENIDO[:-1] + b"x")  # mismo tamaño, contenido dañado
    assert obtener("prueba").read_bytes() == CONTENIDO
    assert servidor.peticiones == ["/datos.bin"]
    # La segunda vez se usa la caché verificada, sin volver a descargar.
    assert obtener("prueba") == en_cache and servidor.peticiones == ["/datos.bin"]


def test_mnist_completo_se_descarga_del_npz(servidor, monkeypatch, tmp_path):
    x = np.random.default_rng(0).integers(0, 256, (700, 28, 28), dtype=np.uint8)
    y = np.arange(700) % 10
    buffer = io.BytesIO()
    np.savez(buffer, x_train=x[:600], y_train=y[:600], x_test=x[600:], y_test=y[600:])
    servidor.archivos["/mnist.npz"] = contenido = buffer.getvalue()
    monkeypatch.setitem(FUENTES, "mnist_npz", Fuente("mnist/mnist.npz", hashlib.sha256(contenido).hexdigest(),
                                                     len(contenido), f"{servidor.url}/mnist.npz"))
    imagenes, etiquetas = cargar_mnist("completo")
    # entrenamiento y después prueba, en el orden del archivo
    assert imagenes.shape == (700, 32, 32, 1) and etiquetas.tolist() == y.tolist()
    assert np.allclose(imagenes[699, 2:30, 2:30, 0], x[699] / 127.5 - 1, atol=1e-6)


def test_flores_grandes_desde_el_archivo_oficial(servidor, monkeypatch, tmp_path):
    """Sin la copia de 64 px, o con un tamaño mayor, se descarga el archivo oficial."""
    numeros = sorted(fuentes.ORIGINALES)
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        for n in numeros:
            tar.add(DATOS / "flowers102" / "jpg" / f"image_{n:05d}.jpg", arcname=f"jpg/image_{n:05d}.jpg")
    servidor.archivos["/102flowers.tgz"] = contenido = buffer.getvalue()
    monkeypatch.setitem(FUENTES, "flores_originales", Fuente(
        "flowers102/102flowers.tgz", hashlib.sha256(contenido).hexdigest(), len(contenido),
        f"{servidor.url}/102flowers.tgz"))
    solo_mat = tmp_path / "datos" / "flowers102"
    solo_mat.mkdir(parents=True)
    for nombre in ("imagelabels.mat", "setid.mat"):
        shutil.copy(DATOS / "flowers102" / nombre, solo_mat)
    monkeypatch.setenv("GENERATIVA_DATOS", str(tmp_path / "datos"))

    flores = cargar_flores(image_size=128)
    assert flores.imagenes.shape == (12, 128, 128, 3)
    assert flores.numeros.tolist() == numeros
    assert np.allclose(flores.imagenes[1], cargar_imagen(DATOS / "flowers102" / "jpg" / "image_02420.jpg", 128))
    # Las particiones solo contienen las imágenes presentes (todas son de trnid o valid).
    assert sorted(np.concatenate(list(flores.particiones.values())).tolist()) == list(range(12))
    assert len(flores.particiones["tstid"]) == 0
    assert servidor.peticiones == ["/102flowers.tgz"]
