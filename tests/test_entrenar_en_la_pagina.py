"""El perfil «completo» entrena en la página (difusion/05) y los demás capítulos usan esos pesos.

En CPU, con la escala de prueba (``GENERATIVA_PRUEBA_ESCALA``: épocas, imágenes, lotes por época,
tamaño de imagen y épocas que se guardan; nada más cambia) y la carpeta de pesos propios en una
«unidad de Drive» (``GENERATIVA_PESOS``). El entrenamiento se mata con SIGKILL a medias, como una
sesión de Colab que se desconecta, y la misma llamada sigue desde la última época completa.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys

import pytest

from conftest import RAIZ
from generativa import difusion, entrenamiento
from generativa.entrenamiento import estado_del_respaldo
from generativa.errores import ErrorDeEntrenamiento

ESCALA = {"epocas": 3, "imagenes": 128, "pasos_por_epoca": 2, "image_size": 16, "guardar_en": [1, 2, 3]}


@pytest.fixture
def drive(tmp_path, monkeypatch):
    carpeta = tmp_path / "drive" / "generativa" / "pesos"
    monkeypatch.setenv("GENERATIVA_PESOS", str(carpeta))
    monkeypatch.setenv("GENERATIVA_PRUEBA_ESCALA", json.dumps(ESCALA))
    return carpeta


def test_fuera_de_completo_o_con_el_interruptor_no_entrena(drive):
    texto = difusion.entrenar_en_la_pagina("cpu")
    assert "no entrena" in texto and "«cpu»" in texto
    assert "saltado" in difusion.entrenar_en_la_pagina("completo", entrenar=False)
    assert not drive.exists()
    assert difusion.pesos_entrenados.origen() == "libro"


def test_completo_entrena_aqui_reanuda_tras_desconectarse_y_los_capitulos_lo_usan(drive, monkeypatch):
    monkeypatch.setattr(entrenamiento, "describir_maquina", lambda: {"nucleos": 2, "gpu": []})
    # 1) La «sesión» muere (SIGKILL) a mitad de la segunda época, con un archivo a medio escribir.
    entorno = {**os.environ, "GENERATIVA_PRUEBA_MATAR_EN_ESCRITURA": "4", "PYTHONPATH": str(RAIZ / "lib")}
    proceso = subprocess.run(
        [sys.executable, "-c", "from generativa import difusion; difusion.entrenar_en_la_pagina('completo', verbose=0)"],
        env=entorno, capture_output=True, text=True, timeout=600)
    assert proceso.returncode == -signal.SIGKILL, proceso.stderr[-2000:]
    antes = estado_del_respaldo(drive / "ddm")["epoca"]
    assert 1 <= antes < ESCALA["epocas"]
    assert difusion.pesos_entrenados.origen() == "libro"  # a medias, los capítulos aún no lo usan

    # 2) La misma celda, otra vez: sigue desde la última época completa y termina.
    texto = difusion.entrenar_en_la_pagina("completo", verbose=0)
    assert texto.startswith("Entrenado aquí") and f"seguido desde la época {antes}" in texto
    procedencia = difusion.procedencia()
    assert procedencia["perfil"] == "completo" and procedencia["epocas"] == ESCALA["epocas"]
    assert procedencia["reanudaciones"][0]["epoca"] == antes
    assert sorted(procedencia["pesos"]) == [f"ddm_epoca_00{e}.h5" for e in ESCALA["guardar_en"]]

    # 3) Lo que hacen los capítulos 6 y 7 y la actividad: cargar_o_entrenar y el recuadro.
    assert difusion.cargar_o_entrenar("completo") == ESCALA["guardar_en"]
    assert difusion.pesos_entrenados.origen() == "propios"
    assert difusion.cargar_modelo_entrenado().image_size == ESCALA["image_size"]
    linea = difusion.pesos_entrenados.describir()
    assert linea.startswith(f"tus pesos (carpeta {drive / 'ddm'})") and "perfil completo, 16x16, 3 épocas" in linea

    # 4) Volver a ejecutar la celda no repite nada.
    assert "no se entrenó nada más" in difusion.entrenar_en_la_pagina("completo", verbose=0)


def test_unos_pesos_propios_de_otro_perfil_no_se_pisan(drive, monkeypatch):
    (drive / "ddm").mkdir(parents=True)
    (drive / "ddm" / "procedencia.json").write_text(json.dumps({"perfil": "cpu", "epocas": 20, "pesos": {}}))
    with pytest.raises(ErrorDeEntrenamiento, match="perfil «cpu», no del curso.*ENTRENAR_AQUI = False"):
        difusion.entrenar_en_la_pagina("completo", verbose=0)
