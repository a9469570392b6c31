"""Fija la URL del repositorio (y su rama) en todo el libro.

La URL vive en _config.yml (``repository.url`` y ``repository.branch``); este
script la copia en la celda de instalación de cada capítulo y regenera los
.ipynb. Uso, en una bifurcación:

    python scripts/fijar_repositorio.py https://github.com/usuario/repositorio [--rama main]
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import cuadernos  # noqa: E402

CONFIG = cuadernos.RAIZ / "_config.yml"
PATRON_URL = re.compile(r"^https://github\.com/[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$")


def fijar(url: str, rama: str) -> None:
    url = url.rstrip("/").removesuffix(".git")
    if not PATRON_URL.match(url):
        raise SystemExit(f"Se esperaba una URL como https://github.com/usuario/repositorio; llegó {url!r}.")
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


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("url")
    parser.add_argument("--rama", default="main")
    args = parser.parse_args()
    fijar(args.url, args.rama)
