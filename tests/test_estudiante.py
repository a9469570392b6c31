"""La edición del estudiante: misma configuración que el libro salvo hide_solutions, y sin soluciones."""

import os
from pathlib import Path

import pytest
import yaml

RAIZ = Path(__file__).resolve().parents[1]
ESTUDIANTE = RAIZ / "_build" / "estudiante" / "_build" / "html"
LIBRO = RAIZ / "_build" / "html"
EXIGIDO = os.environ.get("CI") == "true" or os.environ.get("GENERATIVA_EXIGIR_LIBRO") == "1"


def test_la_configuracion_solo_cambia_el_titulo_y_las_soluciones():
    libro = yaml.safe_load((RAIZ / "_config.yml").read_text(encoding="utf-8"))
    estudiante = yaml.safe_load((RAIZ / "_config_estudiante.yml").read_text(encoding="utf-8"))
    assert estudiante["sphinx"]["config"].pop("hide_solutions") is True
    assert "hide_solutions" not in libro["sphinx"]["config"]
    assert estudiante.pop("title").startswith(libro.pop("title")) and estudiante == libro


def _soluciones():
    """Líneas de código que solo están dentro de las soluciones de las tareas."""
    import re

    lineas = []
    for md in sorted((RAIZ / "chapters" / "tareas").glob("tarea-*.md")):
        texto = md.read_text("utf-8")
        patron = r"# --- solución ---\n(.*?)# --- fin de la solución ---"
        fuera = re.sub(patron, "", texto, flags=re.S)  # el enunciado puede citar una línea a propósito
        for bloque in re.findall(patron, texto, re.S):
            lineas += [l.strip() for l in bloque.splitlines() if len(l.strip()) > 25 and l.strip() not in fuera]
    return lineas


def test_la_edicion_del_estudiante_no_tiene_soluciones():
    if not ESTUDIANTE.is_dir():
        if EXIGIDO:
            pytest.fail("Falta la edición del estudiante: jupyter-book build . --config _config_estudiante.yml "
                        "--path-output _build/estudiante")
        pytest.skip("edición del estudiante sin construir")
    import html

    soluciones = _soluciones()
    assert len(soluciones) >= 10
    paginas = sorted((ESTUDIANTE / "chapters" / "tareas").glob("tarea-*.html"))
    assert paginas
    for pagina in paginas:
        texto = html.unescape(pagina.read_text(encoding="utf-8"))
        import re
        texto = re.sub(r"<[^>]+>", "", texto)  # el código resaltado va troceado en <span>
        presentes = [l for l in soluciones if l in texto]
        assert not presentes, f"{pagina.name} contiene código de soluciones: {presentes[:3]}"
        assert "comprobar_" in texto and "Ejercicio" in texto
    # En el libro, en cambio, las soluciones sí están (en su desplegable).
    libro = re.sub(r"<[^>]+>", "", html.unescape((LIBRO / "chapters" / "tareas" / paginas[0].name)
                                                 .read_text(encoding="utf-8")))
    assert any(l in libro for l in soluciones)
