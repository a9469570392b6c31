"""Calidad de un modelo de difusión: KID de sus muestras frente a flores reales.

``kid_de_modelo`` genera imágenes desde un ruido con semilla y mide la KID contra
imágenes reales; ``evaluar_puntos_de_control`` lo hace para cada época guardada de un
entrenamiento y lo anota en su ``procedencia.json`` (curva de calidad por épocas).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from .caracteristicas import NOMBRES, caracteristicas, extractor_kid
from .metricas import kid
from .validacion import comprobar_entero

IMAGENES_KID = 500
PASOS_KID = 20


def generar_por_lotes(modelo, num_images: int, diffusion_steps: int, semilla: int = 0, lote: int = 250,
                      eta: float = 0.0):
    """``num_images`` imágenes en [0, 1] desde ruido con ``semilla`` (el mismo ruido para cualquier modelo).

    Con ``eta > 0`` (muestreador estocástico) el ruido nuevo de cada lote también sale de ``semilla``.
    """
    comprobar_entero(num_images, "num_images")
    rng = np.random.default_rng(semilla)
    ruido = rng.standard_normal((num_images, modelo.image_size, modelo.image_size, 3)).astype(np.float32)
    partes = [np.asarray(modelo.generate(len(r), diffusion_steps, initial_noise=r, eta=eta, seed=semilla + i))
              for i, r in enumerate(np.split(ruido, range(lote, num_images, lote)))]
    return np.concatenate(partes)


def kid_de_modelo(modelo, reales, extractor, num_images: int = IMAGENES_KID, diffusion_steps: int = PASOS_KID,
                  semilla: int = 0, caracteristicas_reales=None) -> float:
    """KID entre ``num_images`` muestras del modelo y las imágenes ``reales`` (o sus características)."""
    if caracteristicas_reales is None:
        caracteristicas_reales = caracteristicas(extractor, reales)
    generadas = generar_por_lotes(modelo, num_images, diffusion_steps, semilla)
    return kid(caracteristicas_reales, caracteristicas(extractor, generadas))


def evaluar_puntos_de_control(salida: Path | str, epocas=None, num_images: int = IMAGENES_KID,
                              diffusion_steps: int = PASOS_KID, cual: str = "auto", semilla: int = 0) -> dict:
    """Añade a ``salida/procedencia.json`` la KID de cada época guardada (o de ``epocas``).

    La referencia son las imágenes de validación del curso a la resolución del modelo.
    Las épocas ya evaluadas con la misma configuración no se repiten.
    """
    from .datos import cargar_flores
    from .difusion import DiffusionModel, cargar_ema, particion_del_curso

    salida = Path(salida)
    ruta = salida / "procedencia.json"
    with open(ruta, encoding="utf-8") as f:
        procedencia = json.load(f)
    guardadas = sorted(int(p.stem.rsplit("_", 1)[1]) for p in salida.glob("ddm_epoca_*.h5"))
    epocas = guardadas if epocas is None else sorted(epocas)
    faltan = [e for e in epocas if e not in guardadas]
    if faltan:
        raise ValueError(f"No hay pesos guardados de las épocas {faltan} en {salida}; los hay de {guardadas}.")
    nombre, extractor = extractor_kid(cual)
    flores = cargar_flores(procedencia["image_size"])
    _, validacion = particion_del_curso(flores)
    reales = caracteristicas(extractor, flores.imagenes[validacion])
    config = {"extractor": NOMBRES[nombre], "imagenes_generadas": num_images, "pasos_de_difusion": diffusion_steps,
              "referencia": f"{len(validacion)} imágenes de validación", "semilla_del_ruido": semilla}
    anterior = procedencia.get("kid", {})
    por_epoca = dict(anterior.get("por_epoca", {})) if {k: anterior.get(k) for k in config} == config else {}
    modelo = DiffusionModel(procedencia["image_size"])
    for epoca in epocas:
        if str(epoca) in por_epoca:
            continue
        cargar_ema(modelo, salida / f"ddm_epoca_{epoca:03d}.h5")
        por_epoca[str(epoca)] = round(kid_de_modelo(modelo, None, extractor, num_images, diffusion_steps, semilla,
                                                    caracteristicas_reales=reales), 5)
        procedencia["kid"] = {**config, "por_epoca": dict(sorted(por_epoca.items(), key=lambda kv: int(kv[0])))}
        with open(ruta, "w", encoding="utf-8") as f:  # tras cada época: se puede interrumpir
            json.dump(procedencia, f, ensure_ascii=False, indent=2)
    return procedencia.get("kid", {})
