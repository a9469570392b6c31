"""Registra en generativa/fuentes.py los pesos entrenados presentes en data/pesos/.

Cada archivo de pesos (``.weights.h5`` de Keras o ``.h5`` compacto de la red EMA) y cada ``procedencia.json`` queda en el
registro con su ruta, su sha256 y su tamaño, para que la biblioteca los verifique
antes de usarlos. Uso, tras entrenar: ``python scripts/registrar_pesos.py``.
"""

from __future__ import annotations

import hashlib
import re
import sys
from pathlib import Path

RAIZ = Path(__file__).resolve().parents[1]
PESOS = RAIZ / "data" / "pesos"
FUENTES = RAIZ / "lib" / "generativa" / "fuentes.py"
BLOQUE = re.compile(r"(# --- pesos: inicio ---\n).*?(# --- pesos: fin ---)", re.S)


def nombre_de(ruta: Path) -> str:
    """``ebm/ebm_epoca_010.weights.h5`` → ``ebm_epoca_010``; ``ddm/ddm_epoca_004.h5`` → ``ddm_epoca_004``;
    ``ebm/procedencia.json`` → ``ebm_procedencia``."""
    if ruta.name == "procedencia.json":
        return f"{ruta.parent.name}_procedencia"
    return ruta.name.removesuffix(".weights.h5").removesuffix(".h5")


def bloque() -> str:
    lineas = ["PESOS: dict[str, tuple[str, str, int]] = {"]
    for ruta in sorted(PESOS.rglob("*")):
        if ruta.is_file() and (ruta.name.endswith(".h5") or ruta.name == "procedencia.json") \
                and ".respaldo" not in ruta.parts:
            suma = hashlib.sha256(ruta.read_bytes()).hexdigest()
            relativa = ruta.relative_to(RAIZ / "data").as_posix()
            lineas.append(f'    "{nombre_de(ruta)}": ("{relativa}",\n'
                          f'        "{suma}", {ruta.stat().st_size}),')
    lineas.append("}")
    return "\n".join(lineas) + "\n"


def main() -> int:
    texto = FUENTES.read_text(encoding="utf-8")
    nuevo = BLOQUE.sub(lambda m: m.group(1) + bloque() + m.group(2), texto)
    FUENTES.write_text(nuevo, encoding="utf-8")
    archivos = len(re.findall(r'^    "', bloque(), re.M))
    print(f"Registrados {archivos} archivos de {PESOS}.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
