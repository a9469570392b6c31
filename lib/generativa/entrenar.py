"""Entrenamiento desde la línea de órdenes: ``python -m generativa.entrenar ebm``.

Guarda los pesos en las épocas elegidas, escribe un JSON de procedencia con el
historial de métricas y, si se interrumpe, continúa donde lo dejó al volver a
lanzar la misma orden (``keras.callbacks.BackupAndRestore``).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path

from .integridad import sha256_de
from .perfiles import PERFILES, Perfil, perfil_activo
from .rutas import directorio_cache
from .validacion import comprobar_entero

CONSEJO_EBM = (
    "Prueba a bajar la tasa de aprendizaje, a usar Adam con beta_1 = 0, a subir el peso de la "
    "regularización (alpha) o a reducir el tamaño de paso de Langevin."
)


def carpeta_por_defecto(modelo: str) -> Path:
    """``data/pesos/<modelo>`` en una copia del repositorio; si no, la caché del usuario."""
    repositorio = Path(__file__).resolve().parents[2] / "data"
    if repositorio.is_dir():
        return repositorio / "pesos" / modelo
    return directorio_cache() / "pesos" / modelo


def describir_maquina() -> dict:
    from .motor import importar_tensorflow

    tf = importar_tensorflow()
    return {
        "sistema": platform.platform(),
        "procesador": platform.processor() or platform.machine(),
        "nucleos": os.cpu_count(),
        "gpu": [d.name for d in tf.config.list_physical_devices("GPU")],
        "python": platform.python_version(),
        "tensorflow": tf.__version__,
        "keras": __import__("keras").__version__,
    }


def entrenar_ebm(perfil: Perfil | None = None, epocas: int | None = None, salida: Path | str | None = None,
                 semilla: int = 42, guardar_en=None, verbose: int = 1, callbacks_extra=(),
                 continuar: bool = False) -> dict:
    """Entrena el EBM del curso con el perfil dado y devuelve (y guarda) su procedencia.

    Si una ejecución anterior con la misma ``salida`` se interrumpió, continúa desde
    la última época completada (pesos, optimizador, búfer e historial). Con
    ``continuar=True`` parte de los pesos de un entrenamiento ya terminado en ``salida``
    y sigue hasta ``epocas`` épocas en total (el optimizador y el búfer empiezan de nuevo).
    """
    from . import ebm
    from .datos import cargar_mnist
    from .entrenamiento import DetenerSiDiverge, GuardarPesosEnEpocas

    keras = ebm.keras
    perfil = perfil or perfil_activo()
    config = ebm.CONFIGURACIONES[perfil.nombre]
    epocas = config.epocas if epocas is None else epocas
    comprobar_entero(epocas, "epocas")
    salida = Path(salida) if salida is not None else carpeta_por_defecto("ebm")
    anterior = _entrenamiento_anterior(salida, epocas) if continuar else None
    desde = anterior["epocas"] if anterior else 0
    guardar_en = tuple(e for e in (guardar_en or config.guardar_en) if desde < e <= epocas) or (epocas,)
    if epocas not in guardar_en:
        guardar_en = (*guardar_en, epocas)

    keras.utils.set_random_seed(semilla + desde)
    imagenes, _ = cargar_mnist(config.conjunto)
    if config.imagenes is not None:
        imagenes = imagenes[: config.imagenes]
    datos = ebm.conjunto_de_entrenamiento(imagenes, seed=semilla)
    if config.pasos_por_epoca is not None:
        datos = datos.take(config.pasos_por_epoca)

    modelo = ebm.EBM()
    modelo.compile(optimizer=keras.optimizers.Adam(learning_rate=ebm.LEARNING_RATE))
    if anterior:
        modelo.model.load_weights(salida / f"ebm_epoca_{desde:03d}.weights.h5")
    guardar = GuardarPesosEnEpocas(salida, guardar_en, red=lambda m: m.model, prefijo="ebm")
    respaldo, registro, historial_csv = _respaldo_y_registro(keras, salida)
    vigilante = DetenerSiDiverge(("loss", "real", "fake"), limite=1e3, consejo=CONSEJO_EBM)

    inicio = time.time()
    modelo.fit(datos, epochs=epocas, initial_epoch=desde, verbose=verbose, shuffle=False,  # ya barajado
               callbacks=[respaldo, registro, guardar, vigilante, *callbacks_extra])
    duracion = time.time() - inicio
    historial = _leer_historial(historial_csv)
    if anterior:
        historial = {k: anterior["historial"][k] + v for k, v in historial.items()}

    procedencia = {
        "modelo": "EBM del curso (red de energía de 76.993 parámetros)",
        "perfil": perfil.nombre,
        "epocas": epocas,
        "datos": (f"MNIST, {len(imagenes)} dígitos ({'conjunto de prueba oficial incluido' if config.conjunto == 'prueba' else 'los 70.000 de mnist.npz'})"
                  + (f", {config.pasos_por_epoca} lotes por época" if config.pasos_por_epoca else "")),
        "semilla": semilla,
        "hiperparametros": {
            "batch_size": ebm.BATCH_SIZE, "steps": ebm.STEPS, "step_size": ebm.STEP_SIZE, "noise": ebm.NOISE,
            "alpha": ebm.ALPHA, "gradient_clip": ebm.GRADIENT_CLIP, "buffer_size": ebm.BUFFER_SIZE,
            "fresh_share": ebm.FRESH_SHARE, "optimizador": "Adam", "learning_rate": ebm.LEARNING_RATE,
        },
        "maquina": describir_maquina(),
        "duracion_s": round(duracion + (anterior["duracion_s"] if anterior else 0), 1),
        "reanudado_desde_epoca": int(modelo._initial_epoch or 0),
        "continuado_desde_epoca": desde,
        "nota_duracion": "tiempo de la última ejecución; si se reanudó tras una interrupción, solo esa parte",
        "historial": historial,
        "metricas_finales": {k: vals[-1] for k, vals in historial.items()},
        "pesos": {**(anterior["pesos"] if anterior else {}),
                  **{f"ebm_epoca_{e:03d}.weights.h5": sha256_de(guardar.ruta(e)) for e in guardar_en
                     if guardar.ruta(e).is_file()}},
    }
    salida.mkdir(parents=True, exist_ok=True)
    with open(salida / "procedencia.json", "w", encoding="utf-8") as f:
        json.dump(procedencia, f, ensure_ascii=False, indent=2)
    return procedencia


CONSEJO_DDM = (
    "Prueba a bajar la tasa de aprendizaje (1e-3 → 3e-4), a comprobar que las imágenes llegan en [0, 1] "
    "y que el normalizador se adaptó antes de entrenar."
)


def entrenar_ddm(perfil: Perfil | None = None, epocas: int | None = None, salida: Path | str | None = None,
                 semilla: int = 42, guardar_en=None, verbose: int = 1, callbacks_extra=(),
                 continuar: bool = False, tiempo_maximo: float | None = None,
                 image_size: int | None = None) -> dict:
    """Entrena el modelo de difusión del curso sobre las flores y devuelve su procedencia.

    Guarda la red EMA y el normalizador (float16, :func:`generativa.difusion.guardar_ema`)
    en las épocas elegidas y en la última. Como el EBM, continúa tras una interrupción
    (``BackupAndRestore``) o, con ``continuar=True``, desde un entrenamiento terminado.
    Con ``tiempo_maximo`` (segundos) se detiene al final de la primera época que lo supere.
    """
    from . import difusion
    from .datos import cargar_flores
    from .entrenamiento import DetenerPorTiempo, DetenerSiDiverge, GuardarPesosEnEpocas

    keras = difusion.keras
    perfil = perfil or perfil_activo()
    config = difusion.CONFIGURACIONES[perfil.nombre]
    epocas = config.epocas if epocas is None else epocas
    image_size = config.image_size if image_size is None else image_size
    comprobar_entero(epocas, "epocas")
    salida = Path(salida) if salida is not None else carpeta_por_defecto("ddm")
    anterior = _entrenamiento_anterior(salida, epocas) if continuar else None
    desde = anterior["epocas"] if anterior else 0
    if anterior and anterior["image_size"] != image_size:
        raise ValueError(f"El entrenamiento de {salida} es de {anterior['image_size']} píxeles; llegó "
                         f"image_size={image_size}.")
    guardar_en = tuple(e for e in (guardar_en or config.guardar_en) if desde < e <= epocas)
    if epocas not in guardar_en:
        guardar_en = (*guardar_en, epocas)

    keras.utils.set_random_seed(semilla + desde)
    flores = cargar_flores(image_size)
    entrenamiento, validacion = difusion.particion_del_curso(flores)
    if config.imagenes is not None:
        entrenamiento, validacion = entrenamiento[: config.imagenes], validacion[: config.imagenes // 4]
    datos = difusion.conjunto_de_entrenamiento(flores.imagenes[entrenamiento], seed=semilla)
    datos_validacion = (difusion.tf.data.Dataset.from_tensor_slices(flores.imagenes[validacion])
                        .batch(difusion.BATCH_SIZE))
    if config.pasos_por_epoca is not None:
        datos = datos.take(config.pasos_por_epoca)
    pasos_por_epoca = int(datos.cardinality())

    modelo = difusion.DiffusionModel(image_size)
    modelo.adapt(flores.imagenes[entrenamiento])
    modelo.compile(optimizer=keras.optimizers.AdamW(learning_rate=difusion.LEARNING_RATE,
                                                    weight_decay=difusion.WEIGHT_DECAY),
                   loss=keras.losses.MeanAbsoluteError())
    if anterior:
        difusion.cargar_ema(modelo, salida / f"ddm_epoca_{desde:03d}.h5")
    guardar = GuardarPesosEnEpocas(salida, guardar_en, guardar=difusion.guardar_ema, prefijo="ddm", sufijo=".h5")
    respaldo, registro, historial_csv = _respaldo_y_registro(keras, salida)
    vigilante = DetenerSiDiverge(("n_loss",), limite=1e2, consejo=CONSEJO_DDM)
    extra = [DetenerPorTiempo(tiempo_maximo)] if tiempo_maximo else []

    inicio = time.time()
    modelo.fit(datos, epochs=epocas, initial_epoch=desde, verbose=verbose, validation_data=datos_validacion,
               shuffle=False,  # ya barajado
               callbacks=[respaldo, registro, guardar, vigilante, *extra, *callbacks_extra])
    duracion = time.time() - inicio
    historial = _leer_historial(historial_csv)
    ultima = desde + len(historial["n_loss"])
    difusion.guardar_ema(modelo, guardar.ruta(ultima))  # la última época completada, siempre
    if anterior:
        historial = {k: anterior["historial"][k] + v for k, v in historial.items()}

    procedencia = {
        "modelo": f"DiffusionModel del curso (U-Net de {modelo.network.count_params():,} parámetros".replace(",", ".")
                  + ", red EMA guardada en float16)",
        "perfil": perfil.nombre,
        "image_size": image_size,
        "epocas": ultima,
        "pasos_por_epoca": pasos_por_epoca,
        "imagenes_vistas": ultima * pasos_por_epoca * difusion.BATCH_SIZE,
        "datos": (f"Oxford 102 Flowers a {image_size}x{image_size}: {len(entrenamiento)} imágenes de entrenamiento "
                  f"(el 80 % de cada partición oficial) repetidas {difusion.DATASET_REPETITIONS} veces por época; "
                  f"{len(validacion)} de validación"),
        "semilla": semilla,
        "hiperparametros": {
            "batch_size": difusion.BATCH_SIZE, "optimizador": "AdamW", "learning_rate": difusion.LEARNING_RATE,
            "weight_decay": difusion.WEIGHT_DECAY, "ema": difusion.EMA,
            "calentamiento_ema": "min(ema, (1 + n) / (10 + n))", "perdida": "error absoluto medio sobre el ruido",
            "calendario": "coseno desplazado", "widths": list(difusion.WIDTHS), "block_depth": 2,
        },
        "maquina": describir_maquina(),
        "duracion_s": round(duracion + (anterior["duracion_s"] if anterior else 0), 1),
        "continuado_desde_epoca": desde,
        "historial": historial,
        "metricas_finales": {k: vals[-1] for k, vals in historial.items()},
        "pesos": {**(anterior["pesos"] if anterior else {}),
                  **{p.name: sha256_de(p) for p in sorted(salida.glob("ddm_epoca_*.h5"))}},
    }
    if anterior and "kid" in anterior:
        procedencia["kid"] = anterior["kid"]
    with open(salida / "procedencia.json", "w", encoding="utf-8") as f:
        json.dump(procedencia, f, ensure_ascii=False, indent=2)
    return procedencia


def _entrenamiento_anterior(salida: Path, epocas: int) -> dict:
    """La procedencia del entrenamiento terminado en ``salida`` del que se quiere continuar."""
    ruta = salida / "procedencia.json"
    if not ruta.is_file():
        raise ValueError(f"No hay un entrenamiento terminado del que continuar en {salida} (falta procedencia.json).")
    with open(ruta, encoding="utf-8") as f:
        anterior = json.load(f)
    if epocas <= anterior["epocas"]:
        raise ValueError(f"Para continuar, 'epocas' (el total) debe ser mayor que las {anterior['epocas']} ya "
                         f"entrenadas; llegó {epocas}.")
    return anterior


def _respaldo_y_registro(keras, salida: Path):
    """BackupAndRestore más un CSV de métricas por época que sobrevive a las interrupciones."""
    carpeta = salida / ".respaldo"
    historial_csv = salida / "historial_en_curso.csv"
    if not (carpeta / "training_metadata.json").is_file():
        historial_csv.unlink(missing_ok=True)  # empieza de cero: nada que continuar
    salida.mkdir(parents=True, exist_ok=True)
    respaldo = keras.callbacks.BackupAndRestore(str(carpeta), delete_checkpoint=True)
    registro = keras.callbacks.CSVLogger(str(historial_csv), append=True)
    return respaldo, registro, historial_csv


def _leer_historial(historial_csv: Path) -> dict:
    import csv

    with open(historial_csv, encoding="utf-8") as f:
        filas = list(csv.DictReader(f))
    historial_csv.unlink()
    # CSVLogger añade columnas val_* vacías («NA») cuando no hay validación: se descartan.
    claves = [c for c in filas[0] if c != "epoch" and any(f[c] != "NA" for f in filas)]
    return {clave: [round(float(fila[clave]), 6) for fila in filas] for clave in claves}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m generativa.entrenar",
                                     description="Entrena los modelos del libro.")
    sub = parser.add_subparsers(dest="modelo", required=True)
    p_ebm = sub.add_parser("ebm", help="el modelo basado en energía sobre MNIST")
    p_ddm = sub.add_parser("ddm", help="el modelo de difusión sobre las flores")
    p_ddm.add_argument("--tiempo-maximo", type=float, help="segundos tras los que parar (al final de una época)")
    p_ddm.add_argument("--image-size", type=int, help="lado de las imágenes (por defecto, el del perfil)")
    p_ddm.add_argument("--kid", type=int, default=0, metavar="N",
                       help="al terminar, KID de cada época guardada con N imágenes generadas (0: no)")
    for p in (p_ebm, p_ddm):
        p.add_argument("--perfil", choices=list(PERFILES), help="perfil de ejecución (por defecto, el activo)")
        p.add_argument("--epocas", type=int, help="número de épocas (por defecto, el del perfil)")
        p.add_argument("--salida", type=Path, help="carpeta de los pesos (por defecto, data/pesos/<modelo>)")
        p.add_argument("--semilla", type=int, default=42)
        p.add_argument("--guardar-en", type=lambda s: [int(x) for x in s.split(",")],
                       help="épocas en las que guardar pesos, separadas por comas")
        p.add_argument("--continuar", action="store_true",
                       help="seguir un entrenamiento terminado en --salida hasta --epocas épocas en total")
    args = parser.parse_args(argv)
    perfil = PERFILES[args.perfil] if args.perfil else perfil_activo()
    print(f"Entrenando {args.modelo} con el perfil «{perfil.nombre}»...", flush=True)
    if args.modelo == "ebm":
        procedencia = entrenar_ebm(perfil, args.epocas, args.salida, args.semilla, args.guardar_en,
                                   continuar=args.continuar)
    else:
        procedencia = entrenar_ddm(perfil, args.epocas, args.salida, args.semilla, args.guardar_en,
                                   continuar=args.continuar, tiempo_maximo=args.tiempo_maximo,
                                   image_size=args.image_size)
        if args.kid:
            from .evaluacion import evaluar_puntos_de_control

            salida = args.salida or carpeta_por_defecto("ddm")
            curva = evaluar_puntos_de_control(salida, num_images=args.kid)
            print(f"KID por época ({curva['extractor']}): {curva['por_epoca']}")
    print(f"Hecho en {procedencia['duracion_s']:.0f} s. Métricas finales: {procedencia['metricas_finales']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
