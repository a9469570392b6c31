"""El español del curso (académico de México): ni términos de España ni calcos en lo que se lee.

Se revisan la prosa del libro (capítulos y apéndices), el README y los textos de la
biblioteca (mensajes de error, pistas de las tareas, docstrings). El glosario explica las
equivalencias en su última sección, que por eso no se revisa.
"""

from __future__ import annotations

import re

import pytest

from conftest import RAIZ

PROHIBIDOS = {
    r"\bordenador(es)?\b": "computadora",
    r"\btransparencias?\b": "diapositivas",
    r"\bdesviaci[oó]n(es)? t[ií]picas?\b": "desviación estándar",
    r"\berror(es)? t[ií]picos?\b": "error estándar",
    r"\bport[aá]til(es)?\b": "laptop",
    r"\bmuestre(a|ar|an|amos|ando) de\b": "obtener muestras de (o «muestrear p», sin «de»)",
    r"\bsorte(a|ar|an|ando|ado|ados|ada|adas|aron|amos|o|os)\b": "elegir al azar",
    r"\bdes-?normaliza": "deshacer la normalización",
    r"\bse desvaen\b": "se desvanecen",
    r"\bvosotros\b|\bhab[eé]is\b|\bten[eé]is\b|\bpod[eé]is\b": "ustedes",
    r"\bficheros?\b": "archivo",
    r"\bcoger\b": "tomar",
    r"átomos el universo": "átomos tiene el universo",
    r"\bla vara del\b": "la medida de",
}


def _textos():
    rutas = [*sorted((RAIZ / "chapters").rglob("*.md")), *sorted((RAIZ / "apendices").rglob("*.md")),
             RAIZ / "README.md", RAIZ / "benchmarks" / "README.md", *sorted((RAIZ / "lib" / "generativa").rglob("*.py")),
             *sorted((RAIZ / "benchmarks").glob("*.py")), *sorted((RAIZ / "scripts").glob("*.py")), RAIZ / ".ci" / "run"]
    for ruta in rutas:
        if ".ipynb_checkpoints" in ruta.parts or not ruta.is_file():
            continue
        texto = ruta.read_text(encoding="utf-8")
        if ruta.name == "glosario.md":
            texto = texto.split("## Español de México y de España")[0]
        yield ruta, texto


def test_sin_terminos_de_espana_ni_calcos():
    hallados = []
    for ruta, texto in _textos():
        lineas = texto.splitlines()
        for patron, en_su_lugar in PROHIBIDOS.items():
            # una frase puede partirse entre dos líneas del .md: los espacios del patrón valen
            # por cualquier espacio en blanco, también un salto de línea
            for m in re.finditer(patron.replace(" ", r"\s+"), texto, re.IGNORECASE):
                numero = texto.count("\n", 0, m.start()) + 1
                hallados.append(f"{ruta.relative_to(RAIZ)}:{numero}: «{lineas[numero - 1].strip()[:90]}» → "
                                f"{en_su_lugar}")
    assert not hallados, "\n".join(hallados)


@pytest.mark.parametrize("frase, patron", [
    ("En tu ordenador", r"\bordenador(es)?\b"),
    ("las transparencias del curso", r"\btransparencias?\b"),
    ("la desviación típica", r"\bdesviaci[oó]n(es)? t[ií]picas?\b"),
    ("para muestrear de p", r"\bmuestre(a|ar|an|amos|ando) de\b"),
    ("sortea un tiempo", r"\bsorte(a|ar|an|ando|ado|ados|ada|adas|aron|amos|o|os)\b"),
])
def test_la_lista_reconoce_lo_que_debe(frase, patron):
    assert re.search(patron, frase, re.IGNORECASE)
    # también partida entre dos líneas, como en un párrafo del .md
    partida = frase.replace(" ", "\n", 1) if " " in frase else frase
    assert re.search(patron.replace(" ", r"\s+"), partida, re.IGNORECASE)


def test_el_glosario_explica_las_equivalencias():
    glosario = (RAIZ / "apendices" / "glosario.md").read_text(encoding="utf-8")
    equivalencias = glosario.split("## Español de México y de España")[1]
    for termino in ("computadora", "diapositivas", "desviación estándar", "laptop", "libreta"):
        assert termino in equivalencias
