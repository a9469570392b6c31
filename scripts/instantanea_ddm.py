"""Instantánea de un entrenamiento de difusión en curso, para guardarla en el repositorio.

Copia de la carpeta de salida de ``python -m generativa.entrenar ddm`` (con su respaldo) los
puntos de control de las épocas de la figura del curso (1, 4, 8, 11 y 50), los de cada
diez épocas y los de la última completada (red EMA y, si se guardó, la red sin promediar),
verificados por sha256, y escribe una ``procedencia.json`` de «terminado hasta la época N»
(conserva las notas y las KID que ya tuviera la del destino).
Con ella, si el respaldo completo se pierde, la misma orden con ``--continuar`` sigue desde
estos pesos (sin el estado del optimizador, y así queda anotado). Uso:

    python scripts/instantanea_ddm.py /ruta/a/la/salida entrenamientos/ddm64
"""
import argparse
import json
import shutil
from pathlib import Path
from generativa import difusion as d
from generativa.archivos import escribir_json, sha256_de
from generativa.entrenamiento import describir_maquina
from generativa.pagina import miles

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("origen", type=Path)
parser.add_argument("destino", type=Path)
args = parser.parse_args()
origen, destino = args.origen, args.destino
estado = json.loads((origen / ".respaldo" / "estado.json").read_text())
n = estado["epoca"]
destino.mkdir(parents=True, exist_ok=True)
pesos = {}
for nombre in sorted(estado["pesos"]):
    if not (origen / nombre).is_file(): continue
    e = int(nombre.rsplit("_", 1)[1].split(".")[0])
    curso = e in (1, 4, 8, 11, 50) or e == n
    if (nombre.startswith("ddm_epoca_") and (curso or e % 10 == 0)) or (nombre.startswith("ddm_red_") and curso):
        assert sha256_de(origen / nombre) == estado["pesos"][nombre], nombre
        shutil.copy2(origen / nombre, destino / nombre)
        pesos[nombre] = estado["pesos"][nombre]
modelo = d.DiffusionModel(64)
base = {
    "modelo": f"DiffusionModel del curso (U-Net de {miles(modelo.network.count_params())} parámetros, red EMA guardada en float16)",
    "perfil": "completo", "image_size": 64, "pasos_por_epoca": estado["config"]["pasos_por_epoca"],
    "datos": (f"Oxford 102 Flowers a 64x64: {estado['config']['imagenes_entrenamiento']} imágenes de "
              "entrenamiento (el 80 % de cada partición oficial) repetidas 5 veces por época; 1638 de validación"),
    "semilla": estado["config"]["semilla"],
    "hiperparametros": {"batch_size": d.BATCH_SIZE, "optimizador": "AdamW", "learning_rate": d.LEARNING_RATE,
                        "weight_decay": d.WEIGHT_DECAY, "ema": d.EMA, "calentamiento_ema": "min(ema, (1 + n) / (10 + n))",
                        "perdida": "error absoluto medio sobre el ruido", "calendario": "coseno desplazado",
                        "widths": list(d.WIDTHS), "block_depth": d.BLOCK_DEPTH, "xla": True},
}
# Lo que ya estaba en el destino no se pierde: los pesos de instantáneas anteriores que siguen
# ahí con su sha256 (de épocas que la regla de arriba ya no elegiría) y las notas escritas a mano.
anterior = destino / "procedencia.json"
anterior = json.loads(anterior.read_text()) if anterior.is_file() else {}
for nombre, suma in anterior.get("pesos", {}).items():
    if nombre not in pesos and (destino / nombre).is_file() and sha256_de(destino / nombre) == suma:
        pesos[nombre] = suma
pesos = dict(sorted(pesos.items()))
procedencia = {**base, "config": estado["config"], "epocas": n, "imagenes_vistas": estado["imagenes_vistas"],
               "maquina": describir_maquina(), "duracion_s": estado["duracion_s"],
               "reanudaciones": estado["reanudaciones"], "historial": estado["historial"],
               "metricas_finales": {k: v[-1] for k, v in estado["historial"].items() if v}, "pesos": pesos,
               "en_curso": ("entrenamiento de 50 épocas en curso: esta carpeta es una instantánea tras la época "
                            f"{n}; sigue con --continuar (desde estos pesos) o desde el respaldo completo si existe")}
# las KID medidas sobre esta carpeta (python -m generativa.entrenar kid) y las notas escritas a mano
for clave in ("kid", "notas"):
    if anterior.get(clave):
        procedencia[clave] = anterior[clave]
escribir_json(destino / "procedencia.json", procedencia)
print(f"Época {n}: {len(pesos)} archivos en {destino} ({round(estado['duracion_s'] / 3600, 1)} h de entrenamiento).")
