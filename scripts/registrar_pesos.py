"""Registra en ``lib/generativa/registro.json`` los pesos entrenados presentes en ``data/pesos/``.

Cada archivo de pesos (``.weights.h5`` de Keras o ``.h5`` compacto de la red EMA), cada
instantánea del búfer del EBM (``.npz``) y cada ``procedencia.json`` queda en la parte
``"pesos"`` del registro con su ruta, su sha256 y su tamaño, para que la biblioteca los
verifique antes de usarlos; la parte ``"datos"`` no se toca. Uso, tras copiar pesos nuevos a ``data/pesos/``: ``python scripts/registrar_pesos.py``.
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

RAIZ = Path(__file__).resolve().parents[1]
PESOS = RAIZ / "data" / "pesos"
REGISTRO = RAIZ / "lib" / "generativa" / "registro.json"


def nombre_de(ruta: Path) -> str:
    """``ebm/ebm_epoca_010.weights.h5`` → ``ebm_epoca_010``; ``ddm/ddm_epoca_004.h5`` → ``ddm_epoca_004``;
    ``ebm/procedencia.json`` → ``ebm_procedencia``."""
    if ruta.name == "procedencia.json":
        return f"{ruta.parent.name}_procedencia"
    return ruta.name.removesuffix(".weights.h5").removesuffix(".h5").removesuffix(".npz")


def pesos_presentes() -> dict[str, dict]:
    entradas = {}
    for ruta in sorted(PESOS.rglob("*")):
        if ruta.is_file() and (ruta.name.endswith((".h5", ".npz")) or ruta.name == "procedencia.json") \
                and not any(parte.startswith(".") for parte in ruta.relative_to(PESOS).parts):
            entradas[nombre_de(ruta)] = {"ruta": ruta.relative_to(RAIZ / "data").as_posix(),
                                         "sha256": hashlib.sha256(ruta.read_bytes()).hexdigest(),
                                         "tamano": ruta.stat().st_size}
    return entradas


def main() -> int:
    registro = json.loads(REGISTRO.read_text(encoding="utf-8"))
    registro["pesos"] = pesos_presentes()
    temporal = REGISTRO.with_suffix(".json.tmp")
    temporal.write_text(json.dumps(registro, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    temporal.replace(REGISTRO)
    print(f"Registrados {len(registro['pesos'])} archivos de {PESOS}.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
