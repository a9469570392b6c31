"""Las referencias salen con las palabras en español (estilo de _ext/bibliografia_es.py)."""

import re
import sys

import yaml
from pybtex.backends.plaintext import Backend
from pybtex.database import parse_file

from conftest import RAIZ

sys.path.insert(0, str(RAIZ / "_ext"))
import bibliografia_es  # noqa: E402


def _referencias() -> list[str]:
    bib = parse_file(RAIZ / "references.bib")
    return [e.text.render(Backend()) for e in bibliografia_es.EstiloEspanol().format_entries(bib.entries.values())]


def _autores() -> list[str]:
    """El texto de cada referencia antes de su título: la lista de autores."""
    bib = parse_file(RAIZ / "references.bib")
    estilo = bibliografia_es.EstiloEspanol()
    salida = []
    for entrada in estilo.format_entries(bib.entries.values()):
        texto = entrada.text.render(Backend())
        palabra = " ".join(bib.entries[entrada.key].fields["title"].replace("{", "").replace("}", "").split()[:2])
        salida.append(texto[: texto.lower().find(". " + palabra.lower()) + 1])
    return salida


def test_el_libro_usa_el_estilo_en_espanol():
    for nombre in ("_config.yml", "_config_estudiante.yml"):
        config = yaml.safe_load((RAIZ / nombre).read_text(encoding="utf-8"))["sphinx"]
        assert config["config"]["bibtex_default_style"] == "es"
        assert config["local_extensions"]["bibliografia_es"] == "_ext"


def test_las_referencias_no_tienen_palabras_en_ingles_fuera_de_los_titulos():
    referencias = _referencias()
    assert len(referencias) >= 20
    texto = "\n".join(referencias)
    assert "Jonathan Ho, Ajay Jain y Pieter Abbeel." in texto
    assert "En Advances in Neural Information Processing Systems 33 (NeurIPS), págs. 6840–6851." in texto
    assert "(eds.)" in texto and "2.ª edición" in texto
    for ingles in (r"\bIn [A-Z]", r"\bpages\b", r"\beditors?\b", r"\bedition\b"):
        assert not re.search(ingles, texto), ingles
    autores = _autores()  # los títulos sí pueden llevar «and»
    bib = parse_file(RAIZ / "references.bib")
    varios = sum(len(e.persons.get("author", [])) > 1 for e in bib.entries.values())
    assert sum(" y " in a for a in autores) == varios >= 10
    assert not [a for a in autores if " and " in a]
