"""La anatomía de cada capítulo de teoría (GUIDE.md): objetivos, preguntas con respuesta
desplegable, resumen y referencias, en ese orden; las tareas y actividades, aparte."""

import re

import pytest

import cuadernos

TEORIA = [p for p in cuadernos.fuentes_md() if not cuadernos.es_tarea(p) and "tareas" not in p.parts]
SECCIONES = ["## Comprueba tu comprensión", "## Resumen", "## Referencias"]
RESPUESTA = re.compile(r"^:::\{admonition\} Respuesta\n:class: dropdown\n(.+?)^:::$", re.M | re.S)
PREGUNTA = re.compile(r"^\*\*\d+\.\*\* ", re.M)


def _id(p):
    return str(p.relative_to(p.parents[1] if p.parent.name != "chapters" else p.parent))


def test_hay_capitulos_de_teoria_de_las_dos_partes():
    nombres = {p.parent.name for p in TEORIA}
    assert {"ebm", "difusion", "chapters"} <= nombres, nombres


@pytest.mark.parametrize("md", TEORIA, ids=_id)
def test_objetivos_preguntas_resumen_y_referencias(md):
    texto = md.read_text(encoding="utf-8")
    assert ":::{admonition} Objetivos de este capítulo" in texto
    posiciones = [texto.find(s + "\n") for s in SECCIONES]
    assert -1 not in posiciones, f"faltan secciones: {[s for s, i in zip(SECCIONES, posiciones) if i < 0]}"
    assert posiciones == sorted(posiciones), "orden: comprensión, resumen, referencias"
    preguntas = texto[posiciones[0]:posiciones[1]]
    n_preguntas, respuestas = len(PREGUNTA.findall(preguntas)), RESPUESTA.findall(preguntas)
    assert n_preguntas >= 2 and len(respuestas) == n_preguntas, (n_preguntas, len(respuestas))
    assert all(len(r.split()) >= 12 for r in respuestas), "cada respuesta explica, no solo afirma"
    resumen = texto[posiciones[1]:posiciones[2]]
    assert len(re.findall(r"^- ", resumen, re.M)) >= 3
