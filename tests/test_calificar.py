"""El calificador de la profesora: una carpeta de entregas sintéticas (correctas, a medias, rotas,
colgadas, dañinas) se convierte en una tabla CSV y HTML sin que nada lo detenga."""

import csv

import nbformat
import pytest

from generativa import calificar

IMPORTS = ("import tensorflow as tf\nfrom tensorflow import keras\nfrom keras import layers\n"
           "from generativa.tareas.ebm import comprobar_contrastive_divergence, comprobar_red_de_energia")
RED = '''def build_energy_network():
    entrada = layers.Input(shape=(32, 32, 1))
    x = entrada
    for f, k in ((16, 5), (32, 3), (64, 3), (64, 3)):
        x = layers.Conv2D(f, k, strides=2, padding="same", activation="swish")(x)
    x = layers.Dense(64, activation="swish")(layers.Flatten()(x))
    return keras.Model(entrada, layers.Dense(1)(x))'''
PERDIDA = '''def contrastive_divergence(real_out, fake_out, alpha):
    return tf.reduce_mean(fake_out) - tf.reduce_mean(real_out) + alpha * tf.reduce_mean(real_out**2 + fake_out**2)'''
COMPROBAR = ["comprobar_red_de_energia(build_energy_network)", "comprobar_contrastive_divergence(contrastive_divergence)"]


def _cuaderno(ruta, *celdas):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(c) for c in celdas]
    nbformat.write(nb, ruta)


@pytest.fixture
def entregas(tmp_path):
    carpeta = tmp_path / "entregas"
    carpeta.mkdir()
    _cuaderno(carpeta / "ana.ipynb", IMPORTS, RED, COMPROBAR[0], PERDIDA, COMPROBAR[1])
    _cuaderno(carpeta / "beto.ipynb", IMPORTS, RED, COMPROBAR[0], PERDIDA.replace("fake_out) - tf.reduce_mean(real_out)",
                                                                                  "real_out) - tf.reduce_mean(fake_out)"),
              COMPROBAR[1])
    _cuaderno(carpeta / "carla.ipynb", IMPORTS, "def build_energy_network(:\n    pass", COMPROBAR[0], PERDIDA,
              COMPROBAR[1])
    _cuaderno(carpeta / "dani.ipynb", IMPORTS, "while True:\n    pass", RED, COMPROBAR[0])
    _cuaderno(carpeta / "eva.ipynb", IMPORTS, "import os\nfor f in os.listdir('.'):\n    os.remove(f)", PERDIDA,
              COMPROBAR[1])
    _cuaderno(carpeta / "fede.ipynb", IMPORTS, RED.replace("build_energy_network", "red_de_energia"), COMPROBAR[0])
    (carpeta / "gabi.ipynb").write_text("esto no es un cuaderno", encoding="utf-8")
    return carpeta


def test_califica_una_carpeta_de_entregas_de_todo_tipo(entregas, capsys):
    resultados = {r.alumno: r for r in calificar.calificar(entregas, "ebm", tiempo_por_celda=20, tiempo_total=240)}
    assert set(resultados) == {"ana", "beto", "carla", "dani", "eva", "fede", "gabi"}
    red, perdida = "comprobar_red_de_energia", "comprobar_contrastive_divergence"
    assert len(resultados["ana"].comprobaciones) == 5  # las cinco de la tarea, aunque solo entregó dos
    assert resultados["ana"].comprobaciones[red][0] == "✔" and resultados["ana"].comprobaciones[perdida][0] == "✔"
    assert resultados["ana"].comprobaciones["comprobar_buffer"][0] == "sin ejecutar"
    assert resultados["beto"].comprobaciones[red][0] == "✔"
    assert resultados["beto"].comprobaciones[perdida] == ("✘", resultados["beto"].comprobaciones[perdida][1])
    assert "signo al revés" in resultados["beto"].comprobaciones[perdida][1]
    assert any("sintaxis" in i for i in resultados["carla"].incidencias)
    assert resultados["carla"].comprobaciones[red][0] == "✘" and resultados["carla"].comprobaciones[perdida][0] == "✔"
    assert any("no terminó" in i for i in resultados["dani"].incidencias)
    assert resultados["dani"].comprobaciones[red][0] == "✔"  # tras cortar el bucle, sigue con el resto
    assert resultados["eva"].comprobaciones[perdida][0] == "✔"
    assert "NameError" in resultados["fede"].comprobaciones[red][1]
    assert any("no se puede leer" in i for i in resultados["gabi"].incidencias)
    assert sorted(p.name for p in entregas.glob("*.ipynb")) == [f"{n}.ipynb" for n in
                                                                 ("ana", "beto", "carla", "dani", "eva", "fede", "gabi")]
    with open(entregas / "calificacion" / "calificacion.csv", encoding="utf-8") as f:
        filas = {fila["entrega"]: fila for fila in csv.DictReader(f)}
    assert filas["ana"]["aprobadas"] == "2" and filas["beto"][perdida] == "✘"
    assert "signo al revés" in filas["beto"][f"pista {perdida}"]
    pagina = (entregas / "calificacion" / "calificacion.html").read_text(encoding="utf-8")
    assert "<table>" in pagina and "beto" in pagina and "signo al revés" in pagina


def test_errores_de_uso(tmp_path):
    with pytest.raises(ValueError, match="carpeta"):
        calificar.calificar(tmp_path / "no_existe")
    with pytest.raises(ValueError, match="No hay cuadernos"):
        calificar.calificar(tmp_path)
    assert calificar.main([str(tmp_path)]) == 2
