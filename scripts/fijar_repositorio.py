"""Fija la URL del repositorio (y su rama) en todo el libro.

La URL vive en _config.yml (``repository.url`` y ``repository.branch``); este
script la copia en la celda de instalación de cada capítulo y regenera los
.ipynb. Uso, en una bifurcación:

    python scripts/fijar_repositorio.py https://github.com/usuario/repositorio [--rama main]

Lo usa el flujo de publicación (``.github/workflows/libro.yml``) con ``--en-rama colab``:
en lugar de tocar ``main``, crea (o rehace) la rama ``colab`` a partir de la actual, fija
en ella la URL del repositorio donde corre el flujo y la rama ``colab``, y hace un commit.
Los botones de Colab del libro publicado abren los ``.ipynb`` de esa rama, y su celda de
instalación instala la biblioteca desde esa misma rama: en una bifurcación, todo apunta a
la bifurcación sin ningún paso a mano, y ``main`` conserva la URL de ejemplo. Con
``--empujar`` la sube a ``origin`` (forzada: la rama se regenera en cada publicación).
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import cuadernos  # noqa: E402

CONFIG = cuadernos.RAIZ / "_config.yml"
PATRON_URL = re.compile(r"^https://github\.com/[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$")


def normalizar(url: str) -> str:
    url = url.rstrip("/").removesuffix(".git")
    if not PATRON_URL.match(url):
        raise SystemExit(f"Se esperaba una URL como https://github.com/usuario/repositorio; llegó {url!r}.")
    return url


def fijar(url: str, rama: str) -> None:
    url = normalizar(url)
    texto = CONFIG.read_text(encoding="utf-8")
    texto = re.sub(r"(?m)^(repository:\n(?:  .*\n)*?  url: ).*$", rf"\g<1>{url}", texto)
    texto = re.sub(r"(?m)^(repository:\n(?:  .*\n)*?  branch: ).*$", rf"\g<1>{rama}", texto)
    CONFIG.write_text(texto, encoding="utf-8")
    for md in cuadernos.fuentes_md():
        fuente = md.read_text(encoding="utf-8")
        fuente = re.sub(r'(?m)^URL_REPOSITORIO = ".*"$', f'URL_REPOSITORIO = "{url}"', fuente)
        fuente = re.sub(r'(?m)^RAMA = ".*"$', f'RAMA = "{rama}"', fuente)
        md.write_text(fuente, encoding="utf-8")
        cuadernos.escribir(md)
    print(f"Repositorio fijado en {url} (rama {rama}) en _config.yml y en "
          f"{len(cuadernos.fuentes_md())} capítulos.")


def _git(*args: str) -> str:
    return subprocess.run(["git", "-C", str(cuadernos.RAIZ), *args], check=True, capture_output=True,
                          text=True).stdout.strip()


def publicar_en_rama(url: str, rama: str, empujar: bool = False) -> str:
    """Rehace ``rama`` desde HEAD con la URL fijada y devuelve su commit (y la sube si ``empujar``)."""
    url = normalizar(url)
    if not re.fullmatch(r"[A-Za-z0-9._/-]+", rama) or rama in ("main", "master"):
        raise SystemExit(f"La rama de los cuadernos debe ser un nombre propio, como 'colab'; llegó {rama!r}.")
    if _git("status", "--porcelain", "--untracked-files=no"):
        raise SystemExit("Hay cambios sin guardar en el repositorio: haz commit antes de publicar.")
    _git("switch", "--force-create", rama)
    fijar(url, rama)
    _git("add", "_config.yml", "chapters")
    if _git("status", "--porcelain", "--untracked-files=no"):
        _git("-c", "user.name=generativa", "-c", "user.email=generativa@localhost", "commit", "--quiet", "-m",
             f"Cuadernos para Colab: repositorio {url}, rama {rama}")
    commit = _git("rev-parse", "HEAD")
    if empujar:
        _git("push", "--force", "origin", f"{rama}:{rama}")
    print(f"Rama {rama} en {commit[:12]}" + (" (subida a origin)." if empujar else "."))
    return commit


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("url")
    parser.add_argument("--rama", default="main", help="la rama que instala la celda de instalación")
    parser.add_argument("--en-rama", metavar="RAMA", help="no toca la rama actual: crea RAMA con la URL fijada "
                        "(y la celda de instalación apuntando a RAMA) y hace commit")
    parser.add_argument("--empujar", action="store_true", help="con --en-rama, la sube a origin (forzada)")
    args = parser.parse_args()
    if args.en_rama:
        publicar_en_rama(args.url, args.en_rama, args.empujar)
    else:
        fijar(args.url, args.rama)
