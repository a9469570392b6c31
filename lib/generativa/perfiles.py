"""Perfiles de ejecución: cuánto cálculo hace cada capítulo.

======== ============================ ==========================================
perfil   dónde                        qué ejecuta
======== ============================ ==========================================
rapido   pruebas y CI                 unos pocos lotes y pasos: casi todos los
                                      capítulos en menos de un minuto
cpu      sin GPU (por defecto)        entrenamientos reales pero reducidos;
                                      los pesos propios o, si no hay, los del libro
completo con GPU (Colab)              las cantidades del curso en lo que calcula cada página
======== ============================ ==========================================

Se elige con la variable de entorno ``GENERATIVA_PERFIL``; si no está definida,
``completo`` cuando hay una GPU visible y ``cpu`` en otro caso.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

from .errores import ErrorDeArgumento

VARIABLE_PERFIL = "GENERATIVA_PERFIL"
NOMBRES = ("rapido", "cpu", "completo")


@dataclass(frozen=True)
class Perfil:
    """Un perfil de ejecución con su nombre y una descripción para el lector."""

    nombre: str
    descripcion: str

    def __post_init__(self):
        if not isinstance(self.nombre, str) or self.nombre not in NOMBRES:
            raise ErrorDeArgumento(f"'nombre' debe ser uno de {', '.join(map(repr, NOMBRES))}; llegó "
                                   f"{self.nombre!r}.")
        if not isinstance(self.descripcion, str) or not self.descripcion.strip():
            raise ErrorDeArgumento(f"'descripcion' debe ser un texto no vacío; llegó {self.descripcion!r}.")

    def elegir(self, *, rapido: Any, cpu: Any, completo: Any) -> Any:
        """El valor que corresponde a este perfil (p. ej. el número de muestras de una figura).

        Con la escala de prueba (:data:`VARIABLE_ESCALA`), el perfil «completo» elige las
        cantidades de «rapido»: así una prueba recorre en una CPU el camino de «completo»
        (entrenar en la página, guardar, reanudar, cargar esos pesos) sin las demostraciones
        a tamaño de curso.
        """
        nombre = "rapido" if self.a_escala_de_prueba else self.nombre
        return {"rapido": rapido, "cpu": cpu, "completo": completo}[nombre]

    @property
    def a_escala_de_prueba(self) -> bool:
        """``True`` en el perfil «completo» con la escala de prueba: ni las cantidades ni el entrenamiento
        son los del curso (el recuadro de la página lo avisa)."""
        return self.nombre == "completo" and bool(escala_de_prueba())


PERFILES: dict[str, Perfil] = {
    "rapido": Perfil("rapido", "pruebas y CI: unos pocos lotes y pasos, sin pretender resultados de calidad"),
    "cpu": Perfil("cpu", "sin GPU: ejecuciones reales pero reducidas; los pesos, los propios o, si no hay, los del libro"),
    "completo": Perfil("completo", "con GPU: las cantidades del curso (muestras, pasos, lotes, épocas) en lo "
                                   "que se calcula en esta página"),
}


def gpu_disponible() -> bool:
    """``True`` si TensorFlow ve al menos una GPU (importa TensorFlow, en silencio)."""
    from .motor import importar_tensorflow

    return bool(importar_tensorflow().config.list_physical_devices("GPU"))


def perfil_activo() -> Perfil:
    """El perfil elegido por ``GENERATIVA_PERFIL`` o, si no hay, por el hardware."""
    nombre = os.environ.get(VARIABLE_PERFIL, "").strip().lower()
    if not nombre:
        return PERFILES["completo" if gpu_disponible() else "cpu"]
    if nombre not in PERFILES:
        raise ErrorDeArgumento(
            f"Perfil de ejecución desconocido {nombre!r} en {VARIABLE_PERFIL}; "
            f"los perfiles válidos son: {', '.join(PERFILES)}."
        )
    return PERFILES[nombre]


def como_perfil(perfil) -> Perfil:
    """``perfil`` como :class:`Perfil`: uno de :data:`PERFILES`, su nombre o ``None`` (el activo)."""
    if perfil is None:
        return perfil_activo()
    if isinstance(perfil, str) and perfil.strip().lower() in PERFILES:
        return PERFILES[perfil.strip().lower()]
    if isinstance(perfil, Perfil):
        return perfil
    raise ErrorDeArgumento(f"Se esperaba un perfil ({', '.join(PERFILES)}, o None para el activo); "
                           f"llegó {perfil!r}.")


# Solo para pruebas: reduce la escala de un entrenamiento (épocas, imágenes, lotes por época,
# tamaño de imagen, épocas que se guardan) sin tocar nada más, p. ej. para ejecutar el perfil
# «completo» en una CPU o matar y reanudar entrenamientos de verdad en pocos segundos:
#     GENERATIVA_PRUEBA_ESCALA='{"epocas": 2, "imagenes": 256, "pasos_por_epoca": 2}'
# En «completo», las demostraciones de cada página usan entonces las cantidades de «rapido»
# (Perfil.elegir) y el recuadro de la página lo dice.
VARIABLE_ESCALA = "GENERATIVA_PRUEBA_ESCALA"


def escala_de_prueba() -> dict:
    """Los cambios de la escala de prueba (``{}`` sin ella), leídos de :data:`VARIABLE_ESCALA`."""
    import json

    texto = os.environ.get(VARIABLE_ESCALA, "").strip()
    if not texto:
        return {}
    try:
        cambios = json.loads(texto)
    except json.JSONDecodeError as e:
        raise ErrorDeArgumento(f"{VARIABLE_ESCALA} debe ser un objeto JSON (p. ej. '{{\"epocas\": 2}}'); "
                               f"llegó {texto!r} ({e}).") from e
    if not isinstance(cambios, dict) or not cambios:
        raise ErrorDeArgumento(f"{VARIABLE_ESCALA} debe ser un objeto JSON no vacío con los campos que cambian "
                               f"(p. ej. '{{\"epocas\": 2}}'); llegó {texto!r}.")
    return {k: tuple(v) if isinstance(v, list) else v for k, v in cambios.items()}


def configuracion(configuraciones: dict, perfil: Perfil):
    """La configuración de entrenamiento de ``perfil``, con la escala de prueba aplicada si la hay."""
    import dataclasses

    perfil = como_perfil(perfil)
    if not isinstance(configuraciones, dict) or perfil.nombre not in configuraciones:
        raise ErrorDeArgumento(f"'configuraciones' debe ser un diccionario con una configuración por perfil "
                               f"({', '.join(NOMBRES)}); llegó {configuraciones!r:.80}.")
    config = configuraciones[perfil.nombre]
    if not dataclasses.is_dataclass(config) or isinstance(config, type):
        raise ErrorDeArgumento(f"La configuración del perfil «{perfil.nombre}» debe ser una dataclass (como "
                               f"ConfiguracionDDM); llegó {type(config).__name__}.")
    cambios = escala_de_prueba()
    if not cambios:
        return config
    try:
        return dataclasses.replace(config, **cambios)
    except (TypeError, AttributeError) as e:
        raise ErrorDeArgumento(f"{VARIABLE_ESCALA} debe ser un objeto JSON con campos de "
                               f"{type(config).__name__}; llegó {os.environ[VARIABLE_ESCALA]!r} ({e}).") from e
