"""Cuánto tarda en construirse el libro, por perfil y por capítulo.

Para cada perfil (por defecto ``rapido`` y ``cpu``) construye el libro dos veces en
una carpeta propia (``_build/medidas/<perfil>``): la primera desde cero, ejecutando
todos los capítulos, y la segunda sin cambios, con la caché de ejecución. Imprime
los dos tiempos, su cociente, los objetivos y el tiempo de cada capítulo (de la
tabla de ejecución de myst-nb, página «Cómo se ejecutó este libro»). Uso:

    python benchmarks/construccion.py [--perfiles rapido cpu]
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

RAIZ = Path(__file__).resolve().parents[1]
OBJETIVOS = {"rapido": (10 * 60, None), "cpu": (60 * 60, 2 * 60)}  # (primera, con caché) en segundos


def construir(perfil: str, salida: Path) -> float:
    entorno = {**os.environ, "GENERATIVA_PERFIL": perfil}
    inicio = time.perf_counter()
    jupyter_book = Path(sys.executable).with_name("jupyter-book")
    subprocess.run([str(jupyter_book), "build", str(RAIZ), "--path-output", str(salida),
                    "-W", "-n", "--keep-going"], env=entorno, check=True, capture_output=True)
    return time.perf_counter() - inicio


def tiempos_por_capitulo(salida: Path) -> list[tuple[str, str]]:
    pagina = salida / "_build" / "html" / "apendices" / "ejecucion.html"
    filas = re.findall(r"<tr[^>]*>(.*?)</tr>", pagina.read_text(encoding="utf-8"), re.S)
    resultado = []
    for fila in filas[1:]:
        celdas = [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", fila, re.S)]
        if len(celdas) >= 4:
            resultado.append((celdas[0], celdas[3]))  # documento, tiempo de ejecución
    return resultado


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--perfiles", nargs="+", default=["rapido", "cpu"])
    args = parser.parse_args()
    for perfil in args.perfiles:
        salida = RAIZ / "_build" / "medidas" / perfil
        shutil.rmtree(salida, ignore_errors=True)
        primera = construir(perfil, salida)
        segunda = construir(perfil, salida)
        limite_primera, limite_cache = OBJETIVOS.get(perfil, (None, None))
        print(f"\nPerfil «{perfil}»")
        print(f"  primera construcción: {primera:7.1f} s"
              + (f"   (objetivo < {limite_primera / 60:.0f} min)" if limite_primera else ""))
        print(f"  con caché:            {segunda:7.1f} s"
              + (f"   (objetivo < {limite_cache / 60:.0f} min)" if limite_cache else "")
              + f"   cociente primera / caché: {primera / segunda:.1f}x")
        for documento, segundos in tiempos_por_capitulo(salida):
            print(f"    {documento:45s} {segundos:>8} s")


if __name__ == "__main__":
    main()
