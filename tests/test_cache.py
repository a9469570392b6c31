"""La caché de ejecución del libro depende de la biblioteca, los datos y el perfil."""

import shutil
import sys
from types import SimpleNamespace

from conftest import RAIZ

sys.path.insert(0, str(RAIZ / "_ext"))
import cache_por_version  # noqa: E402
import scripts_unicos  # noqa: E402


def _arbol(tmp_path):
    (tmp_path / "lib" / "generativa").mkdir(parents=True)
    (tmp_path / "data").mkdir()
    (tmp_path / "lib" / "generativa" / "datos.py").write_text("X = 1\n")
    (tmp_path / "data" / "a.bin").write_bytes(b"\x00\x01")
    return tmp_path


def test_la_huella_cambia_con_la_biblioteca_los_datos_y_el_perfil(tmp_path):
    raiz = _arbol(tmp_path)
    base = cache_por_version.huella(raiz, "cpu")
    assert cache_por_version.huella(raiz, "cpu") == base  # determinista
    assert cache_por_version.huella(raiz, "rapido") != base
    (raiz / "lib" / "generativa" / "datos.py").write_text("X = 2\n")
    cambio_lib = cache_por_version.huella(raiz, "cpu")
    assert cambio_lib != base
    (raiz / "data" / "a.bin").write_bytes(b"\x00\x02")
    assert cache_por_version.huella(raiz, "cpu") not in {base, cambio_lib}
    # Lo que no es código ni datos (cachés de Python) no cuenta.
    (raiz / "lib" / "generativa" / "__pycache__").mkdir()
    antes = cache_por_version.huella(raiz, "cpu")
    (raiz / "lib" / "generativa" / "__pycache__" / "datos.pyc").write_bytes(b"basura")
    assert cache_por_version.huella(raiz, "cpu") == antes


def test_la_caché_apunta_a_la_huella_y_borra_las_viejas(tmp_path, monkeypatch):
    monkeypatch.setenv("GENERATIVA_PERFIL", "rapido")
    vieja = tmp_path / "_build" / ".jupyter_cache" / "0123456789ab"
    vieja.mkdir(parents=True)
    app = SimpleNamespace(outdir=str(tmp_path / "_build" / "html"))
    config = SimpleNamespace(nb_execution_cache_path="")
    cache_por_version._fijar_cache(app, config)
    assert config.nb_execution_cache_path.endswith(cache_por_version.huella())
    assert not vieja.exists()
    # Cambiar de perfil cambia de caché: los capítulos se vuelven a ejecutar.
    monkeypatch.setenv("GENERATIVA_PERFIL", "cpu")
    otra = SimpleNamespace(nb_execution_cache_path="")
    cache_por_version._fijar_cache(app, otra)
    assert otra.nb_execution_cache_path != config.nb_execution_cache_path


def test_la_huella_del_repositorio_cubre_la_biblioteca_real(tmp_path):
    copia = tmp_path / "repo"
    shutil.copytree(RAIZ / "lib", copia / "lib", ignore=shutil.ignore_patterns("__pycache__"))
    (copia / "data").mkdir()
    base = cache_por_version.huella(copia, "cpu")
    with open(copia / "lib" / "generativa" / "ebm.py", "a", encoding="utf-8") as f:
        f.write("\n# un cambio en la biblioteca\n")
    assert cache_por_version.huella(copia, "cpu") != base


def test_scripts_repetidos_se_quitan():
    from sphinx.builders.html._assets import _JavaScript

    contexto = {"script_files": [_JavaScript("a.js"), _JavaScript(None, body="const X = 1"),
                                 _JavaScript("", priority=501, body="const X = 1"), _JavaScript("a.js")]}
    scripts_unicos._quitar_duplicados(None, "p", None, contexto, None)
    assert [(s.filename, s.attributes) for s in contexto["script_files"]] == [("a.js", {}), (None, {"body": "const X = 1"})]
