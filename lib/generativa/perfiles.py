"""Perfiles de ejecución: cuánto cálculo hace cada capítulo.

======== ============================ ==========================================
perfil   dónde                        qué ejecuta
======== ============================ ==========================================
rapido   pruebas y CI                 unos pocos lotes y pasos: cada capítulo en
                                      bastante menos de un minuto
cpu      sin GPU (por defecto)        entrenamientos reales pero reducidos;
                                      prefiere los pesos entrenados incluidos
completo con GPU (Colab)              la configuración exacta del curso
======== ============================ ==========================================

Se elige con la variable de entorno ``GENERATIVA_PERFIL``; si no está definida,
``completo`` cuando hay una GPU visible y ``cpu`` en otro caso.
"""

from __future__ import annotations

import html
import os
from dataclasses import dataclass
from typing import Any

from .texto import miles

VARIABLE_PERFIL = "GENERATIVA_PERFIL"


@dataclass(frozen=True)
class Perfil:
    """Un perfil de ejecución con su nombre y una descripción para el lector."""

    nombre: str
    descripcion: str

    def elegir(self, *, rapido: Any, cpu: Any, completo: Any) -> Any:
        """El valor que corresponde a este perfil (p. ej. el número de épocas)."""
        return {"rapido": rapido, "cpu": cpu, "completo": completo}[self.nombre]


PERFILES: dict[str, Perfil] = {
    "rapido": Perfil("rapido", "pruebas y CI: unos pocos lotes y pasos, sin pretender resultados de calidad"),
    "cpu": Perfil("cpu", "sin GPU: ejecuciones reales pero reducidas, con los pesos entrenados incluidos"),
    "completo": Perfil("completo", "con GPU: la configuración exacta del curso"),
}


def gpu_disponible() -> bool:
    """``True`` si el motor de Keras (TensorFlow o JAX) ve al menos una GPU."""
    from .motor import importar_tensorflow

    try:
        tf = importar_tensorflow()
    except ImportError:
        try:
            import jax
        except ImportError:
            return False
        return any(d.platform == "gpu" for d in jax.devices())
    return bool(tf.config.list_physical_devices("GPU"))


def perfil_activo() -> Perfil:
    """El perfil elegido por ``GENERATIVA_PERFIL`` o, si no hay, por el hardware."""
    nombre = os.environ.get(VARIABLE_PERFIL, "").strip().lower()
    if not nombre:
        return PERFILES["completo" if gpu_disponible() else "cpu"]
    if nombre not in PERFILES:
        raise ValueError(
            f"Perfil de ejecución desconocido {nombre!r} en {VARIABLE_PERFIL}; "
            f"los perfiles válidos son: {', '.join(PERFILES)}."
        )
    return PERFILES[nombre]


class NotaPerfil:
    """Aviso visible de qué perfil produjo los resultados de una página y con qué cifras.

    Se muestra como un recuadro en el libro y en Colab, y como texto en una terminal.
    """

    def __init__(self, perfil: Perfil, cifras: dict[str, Any]):
        self.perfil, self.cifras = perfil, cifras

    def _lineas(self) -> list[str]:
        return [f"{clave}: {_formatear(valor)}" for clave, valor in self.cifras.items()]

    def __repr__(self) -> str:
        cabecera = f"Perfil de ejecución «{self.perfil.nombre}» ({self.perfil.descripcion})."
        return "\n".join([cabecera, *("  - " + linea for linea in self._lineas())])

    def _repr_html_(self) -> str:
        elementos = "".join(f"<li>{html.escape(linea)}</li>" for linea in self._lineas())
        aviso = ""
        if self.perfil.nombre != "completo":
            aviso = ("<p>Es una ejecución reducida: las cifras del curso completo son las del perfil "
                     "<code>completo</code>, que se obtiene al abrir el capítulo en Colab con GPU.</p>")
        if self.perfil.nombre == "rapido":
            aviso += ("<p><strong>Perfil de pruebas:</strong> los cálculos son tan cortos que las figuras "
                      "pueden no mostrar lo que describe el texto, que corresponde a los perfiles "
                      "<code>cpu</code> y <code>completo</code>.</p>")
        return (
            '<div class="admonition note nota-perfil" style="border-left:4px solid #4a7;padding:0.4em 1em">'
            f'<p class="admonition-title">Resultados de esta página: perfil '
            f"<code>{html.escape(self.perfil.nombre)}</code></p>"
            f"<p>{html.escape(self.perfil.descripcion[0].upper() + self.perfil.descripcion[1:])}.</p>"
            f"<ul>{elementos}</ul>{aviso}</div>"
        )


def nota_perfil(cifras: dict[str, Any] | None = None, perfil: Perfil | None = None,
                **mas_cifras: Any) -> NotaPerfil:
    """Crea la :class:`NotaPerfil` de una página con las cifras que importan.

    Las cifras llegan como diccionario (``{"épocas": 3, "imágenes": 1000}``) o
    como argumentos con nombre (``epocas=3``; los ``_`` se leen como espacios).
    Se muestra como un recuadro con el perfil activo (o ``perfil``) y esas cifras.
    """
    if perfil is None:
        perfil = perfil_activo()
    if not isinstance(perfil, Perfil):
        raise ValueError(f"Se esperaba un Perfil (o None para el activo); llegó {type(perfil).__name__}.")
    if cifras is not None and not isinstance(cifras, dict):
        raise ValueError(f"Se esperaba un diccionario de cifras; llegó {type(cifras).__name__}.")
    todas = dict(cifras or {})
    todas.update({clave.replace("_", " "): valor for clave, valor in mas_cifras.items()})
    if not todas:
        raise ValueError("La nota de perfil necesita al menos una cifra (p. ej. epocas=50).")
    return NotaPerfil(perfil, todas)


def _formatear(valor: Any) -> str:
    if isinstance(valor, bool):
        return "sí" if valor else "no"
    if isinstance(valor, int):
        return miles(valor)
    return str(valor)
