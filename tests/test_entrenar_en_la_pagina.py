"""``entrenar_en_la_pagina``: cuándo entrena la celda del principio de difusion/05 y cuándo no.

Con la escala de prueba (``GENERATIVA_PRUEBA_ESCALA``) y la carpeta de pesos propios en una
«unidad de Drive» (``GENERATIVA_PESOS``). La cadena completa con los cuadernos (entrenar, perder la
sesión, reanudar y que los capítulos siguientes usen esos pesos) está en ``test_cadena_completo.py``.
"""

from __future__ import annotations

import json

import pytest

from generativa import difusion
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


def test_un_entrenamiento_del_curso_terminado_no_se_repite(drive):
    # Lo que pasa al volver a ejecutar la celda tras terminar (la cadena entera, con la
    # desconexión y la reanudación, la recorre tests/test_cadena_completo.py con los cuadernos).
    (drive / "ddm").mkdir(parents=True)
    (drive / "ddm" / "procedencia.json").write_text(json.dumps({"perfil": "completo", "epocas": 3, "pesos": {}}))
    assert "ya tenían sus 3 épocas" in difusion.entrenar_en_la_pagina("completo", verbose=0)
    assert "no se entrenó nada más" in difusion.entrenar_en_la_pagina("completo", verbose=0)


def test_unos_pesos_propios_de_otro_perfil_no_se_pisan(drive, monkeypatch):
    (drive / "ddm").mkdir(parents=True)
    (drive / "ddm" / "procedencia.json").write_text(json.dumps({"perfil": "cpu", "epocas": 20, "pesos": {}}))
    with pytest.raises(ErrorDeEntrenamiento, match="perfil «cpu», no del curso.*ENTRENAR_AQUI = False"):
        difusion.entrenar_en_la_pagina("completo", verbose=0)
