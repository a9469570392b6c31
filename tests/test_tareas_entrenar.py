"""El entrenamiento del EBM del estudiante (tarea del EBM, sección 6) y Google Drive."""

import sys
import types
import warnings

import numpy as np
import pytest

from generativa import archivos
from generativa.datos import cargar_mnist
from generativa.ebm import build_energy_network
from generativa.errores import ErrorDeArgumento
from generativa.tareas import entrenar as te
from test_tareas_ebm import ebm_, langevin

tf = pytest.importorskip("tensorflow")
keras = pytest.importorskip("keras")


def _definir(codigo: str, nombre: str, archivo: str):
    espacio = {}
    exec(compile(codigo, archivo, "exec"), espacio)
    return espacio[nombre]


def test_la_huella_sigue_al_codigo_y_no_al_archivo_ni_a_la_celda():
    fuente = "def f(x):\n    return 2 * x + 1\n"
    una = _definir(fuente, "f", "<celda 3>")
    otra = _definir("\n\n" + fuente, "f", "<celda 9>")  # la misma celda, vuelta a ejecutar más abajo
    cambiada = _definir(fuente.replace("2 *", "3 *"), "f", "<celda 3>")
    assert te.huella(una) == te.huella(otra)
    assert te.huella(una) != te.huella(cambiada)

    clase = "class B:\n    def __init__(self, m):\n        self.m = m\n    def paso(self):\n        return {}\n"
    b1, b2 = _definir(clase, "B", "<a>"), _definir(clase.replace("return {}", "return []"), "B", "<a>")
    assert te.huella(b1) != te.huella(b2)
    assert te.huella(una, b1) != te.huella(una, b2)
    # en_grafo no cambia la huella: volver a ejecutar la celda que compila retoma la misma carpeta
    assert te.huella(te.en_grafo(una)) == te.huella(una)
    with pytest.raises(ErrorDeArgumento, match="funciones o clases"):
        te.huella(3)


def test_en_grafo_da_lo_mismo_que_tu_codigo_sin_compilar():
    keras.utils.set_random_seed(0)
    red = build_energy_network()
    x = tf.random.stateless_uniform((4, 32, 32, 1), seed=(3, 4)) * 2 - 1
    propia = langevin()
    compilada = te.en_grafo(propia)
    assert te.en_grafo(compilada) is compilada
    for pasos in (3, 7):  # el mismo grafo para cualquier número de pasos (steps llega como tensor)
        esperado = propia(red, x, steps=pasos, step_size=10.0, noise=0.0)
        obtenido = compilada(red, x, steps=pasos, step_size=10.0, noise=0.0)
        np.testing.assert_allclose(np.asarray(obtenido), np.asarray(esperado), atol=1e-5)
    # con ruido, la estadística del ruido es la misma
    sin_puntuacion = keras.Sequential([keras.Input((32, 32, 1)), keras.layers.Flatten(),
                                       keras.layers.Dense(1, kernel_initializer="zeros")])
    cero = tf.zeros((64, 32, 32, 1))
    movido = np.asarray(compilada(sin_puntuacion, cero, steps=4, step_size=10.0, noise=0.01))
    assert movido.std() == pytest.approx(0.02, rel=0.05)  # 4 pasos de desviación 0,01: 0,01·√4


def test_en_grafo_usa_tu_codigo_tal_cual_si_no_se_deja_compilar():
    def con_numpy(model, inp_imgs, steps, step_size, noise, return_img_per_step=False):
        for _ in range(steps):
            inp_imgs = tf.constant(np.clip(inp_imgs.numpy() + 0.1, -1, 1))  # .numpy() no existe en un grafo
        return inp_imgs

    compilada = te.en_grafo(con_numpy)
    x = tf.zeros((2, 32, 32, 1))
    with pytest.warns(UserWarning, match="no se pudo compilar"):
        primera = compilada(None, x, steps=2, step_size=1.0, noise=0.0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # el aviso sale una vez
        segunda = compilada(None, x, steps=3, step_size=1.0, noise=0.0)
    np.testing.assert_allclose(np.asarray(primera), 0.2, atol=1e-6)
    np.testing.assert_allclose(np.asarray(segunda), 0.3, atol=1e-6)


def _ebm_del_estudiante(pasos_de_langevin=3):
    keras.utils.set_random_seed(0)
    red = build_energy_network()
    modelo = ebm_()(red, steps=pasos_de_langevin)
    modelo.compile(optimizer=keras.optimizers.Adam(learning_rate=1e-4), run_eagerly=True)
    return modelo, red


def test_tu_ebm_se_entrena_guarda_cada_epoca_y_retoma(tmp_path):
    imagenes = cargar_mnist()[0][:512]
    ruido = tf.random.stateless_uniform((3, 32, 32, 1), seed=(1, 2)) * 2 - 1
    salida = tmp_path / "tarea"

    def entrenar(epocas):
        modelo, red = _ebm_del_estudiante()
        muestras = te.MuestrasPorEpoca(langevin(), red, ruido, salida, steps=2)
        return te.entrenar_ebm_del_estudiante(modelo, red, imagenes, epocas=epocas, salida=salida,
                                              pasos_por_epoca=2, callbacks_extra=[muestras]), red

    primera, red1 = entrenar(1)
    assert primera["esta_llamada"]["desde"] == 0 and primera["esta_llamada"]["epocas"] == 1
    assert (salida / "red_epoca_001.weights.h5").is_file()
    assert list(te.muestras_guardadas(salida)) == [1]

    # otra sesión (un modelo nuevo) con más épocas: sigue desde la 1 con los pesos guardados
    segunda, red2 = entrenar(2)
    assert segunda["esta_llamada"] == {**segunda["esta_llamada"], "desde": 1, "epocas": 1}
    assert segunda["epocas"] == 2 and segunda["imagenes_vistas"] == 2 * 2 * 128
    assert [r["epoca"] for r in segunda["reanudaciones"]] == [1]
    assert len(segunda["historial"]["loss"]) == 2
    por_epoca = te.muestras_guardadas(salida)
    assert list(por_epoca) == [1, 2] and all(m.shape == (3, 32, 32, 1) for m in por_epoca.values())
    assert all(np.isfinite(m).all() for m in por_epoca.values())

    # ya terminado: no entrena, carga el estado final
    tercera, red3 = entrenar(2)
    assert tercera["esta_llamada"]["epocas"] == 0
    for a, b in zip(red2.get_weights(), red3.get_weights()):
        np.testing.assert_array_equal(a, b)
    assert not np.allclose(red1.get_weights()[0], red3.get_weights()[0])


def test_la_carpeta_de_la_tarea_es_propia_de_perfil_y_codigo(tmp_path, monkeypatch):
    monkeypatch.setenv(archivos.VARIABLE_PESOS, str(tmp_path))
    carpeta = te.carpeta_de_la_tarea("tarea_ebm", "rapido", "0123456789ab")
    assert carpeta == tmp_path.resolve() / "tarea_ebm_rapido" / "0123456789ab"
    assert te.carpeta_de_la_tarea("tarea_ebm", "cpu", "0123456789ab") != carpeta
    with pytest.raises(ErrorDeArgumento, match="huella"):
        te.carpeta_de_la_tarea("tarea_ebm", "rapido", "../x")


def test_entradas_que_no_son_un_ebm_se_explican(tmp_path):
    modelo, red = _ebm_del_estudiante()
    imagenes = cargar_mnist()[0][:256]
    with pytest.raises(ErrorDeArgumento, match="compilado"):
        te.entrenar_ebm_del_estudiante(red.get_weights, red, imagenes, epocas=1, salida=tmp_path)
    with pytest.raises(ErrorDeArgumento, match="al menos un lote"):
        te.entrenar_ebm_del_estudiante(modelo, red, imagenes[:10], epocas=1, salida=tmp_path)
    with pytest.raises(ErrorDeArgumento, match="imagenes"):
        te.entrenar_ebm_del_estudiante(modelo, red, imagenes * 3, epocas=1, salida=tmp_path)


def test_usar_drive_fuera_de_colab_no_hace_nada(monkeypatch):
    monkeypatch.delenv(archivos.VARIABLE_PESOS, raising=False)
    monkeypatch.setitem(sys.modules, "google.colab", None)  # «import google.colab» falla
    assert archivos.usar_drive() is None
    assert archivos.VARIABLE_PESOS not in __import__("os").environ


def test_usar_drive_en_colab_monta_y_guarda_alli_los_pesos(tmp_path, monkeypatch, capsys):
    montados = []

    def mount(ruta):
        montados.append(ruta)
        (tmp_path / "drive" / "MyDrive").mkdir(parents=True, exist_ok=True)

    google = types.ModuleType("google")
    colab = types.ModuleType("google.colab")
    colab.drive = types.SimpleNamespace(mount=mount)
    google.colab = colab
    monkeypatch.setitem(sys.modules, "google", google)
    monkeypatch.setitem(sys.modules, "google.colab", colab)
    monkeypatch.delenv(archivos.VARIABLE_PESOS, raising=False)
    carpeta = archivos.usar_drive("mi_curso", montaje=tmp_path / "drive")
    assert montados == [str(tmp_path / "drive")]
    assert carpeta == tmp_path / "drive" / "MyDrive" / "mi_curso" / "pesos" and carpeta.is_dir()
    assert archivos.carpeta_de_pesos_propios("ebm") == carpeta.resolve() / "ebm"
    assert "Drive" in capsys.readouterr().out
    with pytest.raises(ErrorDeArgumento, match="subcarpeta"):
        archivos.usar_drive("../fuera", montaje=tmp_path / "drive")
