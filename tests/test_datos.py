import os
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

from conftest import DATOS, RAIZ
from generativa import datos
from generativa.archivos import FUENTES, obtener, ORIGINALES, sha256_de
from generativa.datos import (
    cargar_flores,
    cargar_imagen,
    cargar_mnist,
    leer_idx,
    preparar_imagen,
    preparar_mnist,
    ruta_original,
)
from generativa.errores import ErrorDeDatos


# ----------------------------------------------------------------------- MNIST

def test_mnist_en_32x32_y_en_menos_uno_uno():
    imagenes, etiquetas = cargar_mnist()
    assert imagenes.shape == (10_000, 32, 32, 1) and imagenes.dtype == np.float32
    assert imagenes.min() == -1.0 and imagenes.max() == 1.0
    assert np.bincount(etiquetas).tolist() == [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]
    # el marco de 2 píxeles es fondo puro
    marco = np.ones((32, 32), bool)
    marco[2:30, 2:30] = False
    assert np.all(imagenes[:, marco] == -1.0)


def test_preparar_mnist_reescala_y_rellena():
    crudas = np.zeros((2, 28, 28), np.uint8)
    crudas[0, 0, 0], crudas[1, 27, 27] = 255, 51
    x = preparar_mnist(crudas)
    assert x.shape == (2, 32, 32, 1)
    assert x[0, 2, 2, 0] == 1.0 and x[1, 29, 29, 0] == pytest.approx(51 / 127.5 - 1)
    assert x[0, 0, 0, 0] == -1.0


@pytest.mark.parametrize("crudas, mensaje", [
    (np.zeros((3, 32, 32)), r"forma \(N, 28, 28\).*\(3, 32, 32\)"),
    (np.full((1, 28, 28), 300), r"valores en \[0, 255\].*300"),
    (np.full((1, 28, 28), -1), r"valores en \[0, 255\]"),
    (np.full((1, 28, 28), np.nan), "no finitos"),
    (np.full((1, 28, 28), 0.5), "ya reescaladas"),
    (None, "array de números"),
    (np.zeros((0, 28, 28)), "vacío"),
])
def test_preparar_mnist_rechaza_entradas_erroneas(crudas, mensaje):
    with pytest.raises(ValueError, match=mensaje):
        preparar_mnist(crudas)


def test_conjunto_desconocido():
    with pytest.raises(ValueError, match="'conjunto' debe ser una de 'prueba', 'completo'; llegó 'entrenamiento'"):
        cargar_mnist("entrenamiento")


def test_leer_idx_comprueba_la_cabecera(tmp_path):
    import gzip
    malo = tmp_path / "malo.gz"
    with gzip.open(malo, "wb") as f:
        f.write((1234).to_bytes(4, "big") + bytes(100))
    with pytest.raises(ErrorDeDatos, match="número mágico es 1234"):
        leer_idx(malo)
    corto = tmp_path / "corto.gz"
    with gzip.open(corto, "wb") as f:
        f.write((2049).to_bytes(4, "big") + (10).to_bytes(4, "big") + bytes(5))
    with pytest.raises(ErrorDeDatos, match="incompleto"):
        leer_idx(corto)


# ------------------------------------------------------------- archivos dañados

def test_un_archivo_incluido_corrupto_da_el_error_de_suma(copia_de_datos):
    archivo = copia_de_datos / "mnist" / "t10k-images-idx3-ubyte.gz"
    contenido = bytearray(archivo.read_bytes())
    contenido[5000] ^= 0xFF
    archivo.write_bytes(bytes(contenido))
    esperada = FUENTES["mnist_prueba_imagenes"].sha256
    with pytest.raises(ErrorDeDatos) as error:
        cargar_mnist()
    mensaje = str(error.value)
    assert str(archivo) in mensaje and "dañado" in mensaje
    assert esperada in mensaje and sha256_de(archivo) in mensaje
    assert "git checkout -- data/mnist/t10k-images-idx3-ubyte.gz" in mensaje


def test_un_archivo_incluido_truncado_se_detecta(copia_de_datos):
    archivo = copia_de_datos / "flowers102" / "102flowers-64px.tgz"
    archivo.write_bytes(archivo.read_bytes()[:1_000_000])
    with pytest.raises(ErrorDeDatos, match=r"está truncado: tiene 1.000.000 bytes y debería tener 24.225.966"):
        cargar_flores()


def test_sin_datos_ni_origen_el_error_dice_donde_ponerlos(tmp_path, monkeypatch):
    monkeypatch.setenv("GENERATIVA_DATOS", str(tmp_path / "vacio"))
    with pytest.raises(ErrorDeDatos, match="Falta el archivo incluido flowers102/102flowers-64px.tgz.*GENERATIVA_DATOS"):
        obtener("flores_64px")


def test_nombre_de_archivo_desconocido():
    with pytest.raises(ValueError, match="Archivo desconocido 'cifar'"):
        obtener("cifar")


def test_los_datos_y_pesos_incluidos_estan_registrados_y_caben():
    registrados = {f.ruta for f in FUENTES.values()}
    presentes = {p.relative_to(DATOS).as_posix() for p in DATOS.rglob("*") if p.is_file()
                 and p.name != "README.md" and ".respaldo" not in p.parts and not p.name.endswith(".csv")}
    assert presentes <= registrados, f"sin registrar (python scripts/registrar_pesos.py): {presentes - registrados}"
    for ruta in presentes:
        fuente = next(f for f in FUENTES.values() if f.ruta == ruta)
        assert sha256_de(DATOS / ruta) == fuente.sha256, ruta
    datos = sum(p.stat().st_size for p in DATOS.rglob("*") if p.is_file() and "pesos" not in p.parts)
    pesos = sum(p.stat().st_size for p in (DATOS / "pesos").rglob("*") if p.is_file())
    assert datos < 30 * 2**20, f"los datos incluidos ocupan {datos / 2**20:.1f} MB"
    assert pesos < 30 * 2**20, f"los pesos incluidos ocupan {pesos / 2**20:.1f} MB"


def test_los_datos_se_encuentran_desde_cualquier_carpeta(tmp_path):
    entorno = {k: v for k, v in os.environ.items() if k != "GENERATIVA_DATOS"}
    codigo = "from generativa.datos import cargar_mnist; print(cargar_mnist()[0].shape)"
    salida = subprocess.run([sys.executable, "-c", codigo], cwd=tmp_path, env=entorno,
                            capture_output=True, text=True, check=True)
    assert "(10000, 32, 32, 1)" in salida.stdout


# ------------------------------------------------------------------------ flores

def test_flores_a_64_con_etiquetas_y_particiones():
    flores = cargar_flores()
    assert flores.imagenes.shape == (8189, 64, 64, 3) and flores.imagenes.dtype == np.float32
    assert 0 <= flores.imagenes.min() and flores.imagenes.max() <= 1
    assert flores.numeros.tolist() == list(range(1, 8190))
    assert flores.etiquetas.min() == 1 and flores.etiquetas.max() == 102
    assert {k: len(v) for k, v in flores.particiones.items()} == {"trnid": 1020, "valid": 1020, "tstid": 6149}
    # En entrenamiento hay exactamente 10 imágenes de cada especie.
    assert np.bincount(flores.etiquetas[flores.particiones["trnid"]])[1:].tolist() == [10] * 102


def test_flores_reducidas_a_32():
    grandes, pequenas = cargar_flores(64).imagenes, cargar_flores(32).imagenes
    assert pequenas.shape == (8189, 32, 32, 3)
    # Reducir a la mitad conserva el color medio de cada imagen.
    assert np.abs(grandes[:50].mean(axis=(1, 2)) - pequenas[:50].mean(axis=(1, 2))).max() < 0.02


@pytest.mark.parametrize("tamano", [0, 7, 2048, 64.0, "64", True])
def test_tamano_invalido(tamano):
    with pytest.raises(ValueError, match="'image_size' debe ser un entero entre 8 y 1024"):
        cargar_flores(tamano)


@pytest.mark.parametrize("numero", sorted(ORIGINALES))
def test_recorte_central_de_fotos_originales(numero):
    ruta = ruta_original(numero)
    with Image.open(ruta) as img:
        original = np.asarray(img.convert("RGB"))
    alto, ancho, _ = original.shape
    lado = min(alto, ancho)
    arriba, izquierda = (alto - lado) // 2, (ancho - lado) // 2
    centro = original[arriba:arriba + lado, izquierda:izquierda + lado]
    resultado = cargar_imagen(ruta, image_size=lado)  # sin reducción: solo el recorte
    assert resultado.shape == (lado, lado, 3)
    assert np.array_equal((resultado * 255).round().astype(np.uint8), centro)
    pequena = cargar_imagen(ruta, image_size=64)
    assert pequena.shape == (64, 64, 3) and 0 <= pequena.min() and pequena.max() <= 1
    # La reducción conserva el color medio del recorte.
    assert np.abs(pequena.mean(axis=(0, 1)) - centro.mean(axis=(0, 1)) / 255).max() < 0.01


def test_la_reduccion_usa_antialiasing():
    # Un tablero de ajedrez de 1 píxel reducido 8 veces debe quedar gris uniforme;
    # sin antialiasing quedaría blanco o negro según dónde caiga cada muestra.
    tablero = ((np.indices((256, 256)).sum(axis=0) % 2) * 255).astype(np.uint8)
    reducida = preparar_imagen(np.repeat(tablero[..., None], 3, axis=2), 32)
    assert np.abs(reducida - 0.5).max() < 0.05


@pytest.mark.parametrize("entrada, mensaje", [
    (np.zeros((10, 10), np.uint8), r"\(alto, ancho, 3\) de tipo uint8"),
    (np.zeros((10, 10, 3), np.float32), "uint8"),
    ("flor.jpg", "imagen de PIL o un array"),
])
def test_preparar_imagen_valida(entrada, mensaje):
    with pytest.raises(ValueError, match=mensaje):
        preparar_imagen(entrada, 64)


def test_original_no_incluida():
    with pytest.raises(ValueError, match="La fotografía original 1 no está incluida"):
        ruta_original(1)
    with pytest.raises(ValueError, match="no existe"):
        cargar_imagen(RAIZ / "no-existe.jpg")
