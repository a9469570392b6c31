"""Los pesos del modelo de difusión que incluye el libro, tomados de la instantánea del entrenamiento.

Copia a ``data/pesos/ddm/`` la red EMA de las épocas de la figura del curso (1, 4, 8, 11 y 50)
que ya existan en la instantánea y la de su última época, verificadas por sha256; retira los
pesos anteriores de esa carpeta; escribe su ``procedencia.json`` (la de la instantánea, con
«pesos» limitado a lo copiado, la curva de KID medida sobre la instantánea y las épocas que
prevé la configuración) y actualiza ``lib/generativa/registro.json``. Uso:

    python scripts/pesos_del_libro_ddm.py entrenamientos/ddm64
"""
import argparse
import json
import shutil
import subprocess
import sys
from pathlib import Path

RAIZ = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(RAIZ / "lib"))

from generativa.archivos import escribir_json, sha256_de  # noqa: E402

EPOCAS_DEL_CURSO = (1, 4, 8, 11, 50)
DESTINO = RAIZ / "data" / "pesos" / "ddm"

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("instantanea", type=Path)
args = parser.parse_args()
procedencia = json.loads((args.instantanea / "procedencia.json").read_text(encoding="utf-8"))
ultima = procedencia["epocas"]
elegidas = sorted({e for e in EPOCAS_DEL_CURSO if e <= ultima} | {ultima})
pesos = {}
for epoca in elegidas:
    nombre = f"ddm_epoca_{epoca:03d}.h5"
    suma = procedencia["pesos"][nombre]
    if sha256_de(args.instantanea / nombre) != suma:
        sys.exit(f"{args.instantanea / nombre} no coincide con el sha256 de su procedencia.")
    pesos[nombre] = suma
for viejo in DESTINO.glob("ddm_epoca_*.h5"):
    if viejo.name not in pesos:
        viejo.unlink()
for nombre in pesos:
    shutil.copy2(args.instantanea / nombre, DESTINO / nombre)
procedencia["pesos"] = pesos
procedencia["epocas_previstas"] = 50
procedencia.pop("en_curso", None)
procedencia["incluidas"] = (f"red EMA de las épocas {', '.join(map(str, elegidas))} (las de la figura del curso "
                            f"que ya se entrenaron y la última); todas las guardadas, con la red sin promediar, en "
                            f"{args.instantanea.as_posix()}")
escribir_json(DESTINO / "procedencia.json", procedencia)
subprocess.run([sys.executable, str(RAIZ / "scripts" / "registrar_pesos.py")], check=True)
print(f"Pesos del libro: épocas {elegidas} de {args.instantanea} en {DESTINO}.")
