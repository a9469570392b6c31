"""Los capítulos: .md como fuente, .ipynb sincronizado, URL del repositorio única."""

import pathlib
import re
import shutil
import subprocess
import sys

import nbformat
import pytest
import yaml

import cuadernos
from conftest import RAIZ

CONFIG = yaml.safe_load((RAIZ / "_config.yml").read_text(encoding="utf-8"))
CAPITULOS = cuadernos.fuentes_md()


def _en_toc(nodo) -> list[str]:
    if isinstance(nodo, dict):
        return [v for k, v in nodo.items() if k in ("root", "file")] + [
            f for v in nodo.values() for f in _en_toc(v)]
    if isinstance(nodo, list):
        return [f for v in nodo for f in _en_toc(v)]
    return []


def test_hay_capitulos_y_todos_estan_en_el_indice():
    toc = yaml.safe_load((RAIZ / "_toc.yml").read_text(encoding="utf-8"))
    en_toc = {str(RAIZ / f) + ".md" for f in _en_toc(toc)}
    assert all(pathlib.Path(f).is_file() for f in en_toc), en_toc
    assert CAPITULOS
    assert {str(p) for p in CAPITULOS} == {f for f in en_toc if "/chapters/" in f}


def test_cada_md_tiene_su_ipynb_sincronizado():
    assert cuadernos.desincronizados() == []


def test_un_ipynb_desincronizado_se_detecta(tmp_path, monkeypatch):
    md = tmp_path / "chapters" / "c.md"
    md.parent.mkdir()
    shutil.copy(CAPITULOS[0], md)
    monkeypatch.setattr(cuadernos, "RAIZ", tmp_path)
    monkeypatch.setattr(cuadernos, "CAPITULOS", tmp_path / "chapters")
    assert cuadernos.desincronizados() == ["chapters/c.ipynb (falta)"]
    cuadernos.escribir(md)
    assert cuadernos.desincronizados() == []
    md.write_text(md.read_text(encoding="utf-8").replace("Presentación", "Otra cosa", 1), encoding="utf-8")
    assert cuadernos.desincronizados() == ["chapters/c.ipynb (distinto de su .md)"]


@pytest.mark.parametrize("md", CAPITULOS, ids=lambda p: p.stem)
def test_la_primera_celda_instala_desde_el_repositorio_configurado(md):
    nb = nbformat.read(md.with_suffix(".ipynb"), as_version=4)
    primera = next(c for c in nb.cells if c.cell_type == "code")
    assert "remove-cell" in primera.metadata.get("tags", [])
    url = re.search(r'^URL_REPOSITORIO = "(.*)"$', primera.source, re.M).group(1)
    rama = re.search(r'^RAMA = "(.*)"$', primera.source, re.M).group(1)
    assert url == CONFIG["repository"]["url"] and rama == CONFIG["repository"]["branch"] == "main"
    assert "import generativa" in primera.source and "pip" in primera.source
    assert "tensorflow" not in primera.source.lower()  # nunca reinstala el TensorFlow de Colab


@pytest.mark.parametrize("md", CAPITULOS, ids=lambda p: p.stem)
def test_cada_capitulo_declara_su_perfil_y_comprueba_resultados(md):
    nb = nbformat.read(md.with_suffix(".ipynb"), as_version=4)
    codigo = [c for c in nb.cells if c.cell_type == "code"]
    assert any("nota_perfil(" in c.source for c in codigo), "falta la nota del perfil de ejecución"
    ocultas = [c for c in codigo[1:] if "remove-cell" in c.metadata.get("tags", [])]
    assert sum("assert " in c.source for c in ocultas) >= 2, "faltan celdas ocultas de comprobación"


def test_markdown_para_colab():
    texto = ":::{admonition} Respuesta\n:class: dropdown\nEs **así**.\n:::\nVer {footcite}`ho2020,nichol2021`."
    assert cuadernos.markdown_para_colab(texto) == (
        "<details><summary><b>Respuesta</b></summary>\n\nEs **así**.\n\n</details>\nVer [ho2020, nichol2021].")


def test_fijar_repositorio_cambia_todos_los_sitios(tmp_path):
    for nombre in ("scripts", "chapters"):
        shutil.copytree(RAIZ / nombre, tmp_path / nombre, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(RAIZ / "_config.yml", tmp_path)
    subprocess.run([sys.executable, str(tmp_path / "scripts" / "fijar_repositorio.py"),
                    "https://github.com/ana/libro-generativo.git", "--rama", "curso-2027"], check=True,
                   capture_output=True)
    config = yaml.safe_load((tmp_path / "_config.yml").read_text(encoding="utf-8"))
    assert config["repository"] == {"url": "https://github.com/ana/libro-generativo",
                                    "branch": "curso-2027", "path_to_book": ""}
    for md in (tmp_path / "chapters").rglob("*.md"):
        for ruta in (md, md.with_suffix(".ipynb")):
            texto = ruta.read_text(encoding="utf-8")
            assert "github.com/ana/libro-generativo" in texto and "TU-USUARIO" not in texto
            assert "curso-2027" in texto
    # una URL que no es de GitHub se rechaza sin tocar nada
    salida = subprocess.run([sys.executable, str(tmp_path / "scripts" / "fijar_repositorio.py"), "ftp://x"],
                            capture_output=True, text=True)
    assert salida.returncode != 0 and "Se esperaba una URL" in salida.stderr
