"""Comprobación de argumentos, con mensajes en español que dicen qué se esperaba y qué llegó.

Cada función pública de la biblioteca comprueba lo que recibe con estas funciones
antes de pasárselo a NumPy o a TensorFlow: así un error de uso se explica en una
línea (:class:`~generativa.errores.ErrorDeArgumento`) en lugar de acabar en una traza
de TensorFlow o, peor, en un resultado con NaN.
"""

from __future__ import annotations

import math
from numbers import Integral, Real
from typing import Iterable

import numpy as np

from .errores import ErrorDeArgumento

# Tope de pasos, épocas e imágenes que acepta cualquier función: más es casi seguro un error
# de tecleo y, sin tope, una llamada podría no terminar nunca.
MAXIMO_RAZONABLE = 1_000_000


def describir(valor) -> str:
    """Cómo se nombra en un mensaje lo que llegó: su valor corto o su tipo y su forma."""
    forma = getattr(valor, "shape", None)
    if forma is not None and not isinstance(valor, (Integral, Real)):
        tipo = getattr(getattr(valor, "dtype", None), "name", None) or str(getattr(valor, "dtype", ""))
        return f"{type(valor).__name__} de forma {tuple(forma)}" + (f" y tipo {tipo}" if tipo else "")
    texto = repr(valor)
    return texto if len(texto) <= 80 else f"{type(valor).__name__} ({texto[:60]}...)"


def comprobar_entero(valor, nombre: str, minimo: int = 1, maximo: int | None = MAXIMO_RAZONABLE) -> int:
    """Devuelve ``valor`` como ``int`` si es un entero (no un booleano ni un real) en [minimo, maximo]."""
    if isinstance(valor, bool) or not isinstance(valor, Integral):
        raise ErrorDeArgumento(f"'{nombre}' debe ser un número entero; llegó {describir(valor)}.")
    if valor < minimo or (maximo is not None and valor > maximo):
        rango = f"≥ {minimo}" if maximo is None else f"entre {minimo} y {maximo:_}".replace("_", ".")
        raise ErrorDeArgumento(f"'{nombre}' debe ser un entero {rango}; llegó {valor!r}.")
    return int(valor)


def comprobar_real(valor, nombre: str, minimo: float | None = None, maximo: float | None = None,
                   abierto_abajo: bool = False, abierto_arriba: bool = False) -> float:
    """Devuelve ``valor`` como ``float`` si es un número real finito dentro del intervalo pedido.

    ``abierto_abajo``/``abierto_arriba`` excluyen el extremo correspondiente.
    """
    if isinstance(valor, bool) or not isinstance(valor, Real):
        raise ErrorDeArgumento(f"'{nombre}' debe ser un número real; llegó {describir(valor)}.")
    valor = float(valor)
    if not math.isfinite(valor):
        raise ErrorDeArgumento(f"'{nombre}' debe ser un número finito; llegó {valor!r}.")
    fuera_abajo = minimo is not None and (valor <= minimo if abierto_abajo else valor < minimo)
    fuera_arriba = maximo is not None and (valor >= maximo if abierto_arriba else valor > maximo)
    if fuera_abajo or fuera_arriba:
        if minimo is not None and maximo is not None:
            excluidos = [f"{x:g}" for x, abierto in ((minimo, abierto_abajo), (maximo, abierto_arriba)) if abierto]
            rango = f"estar entre {minimo:g} y {maximo:g}" + (f" (sin incluir {' ni '.join(excluidos)})"
                                                               if excluidos else "")
        elif minimo is not None:
            rango = f"ser {'>' if abierto_abajo else '≥'} {minimo:g}"
        else:
            rango = f"ser {'<' if abierto_arriba else '≤'} {maximo:g}"
        raise ErrorDeArgumento(f"'{nombre}' debe {rango}; llegó {valor!r}.")
    return valor


def comprobar_opcion(valor, nombre: str, opciones: Iterable):
    """Devuelve ``valor`` si es una de ``opciones``."""
    opciones = tuple(opciones)
    if not isinstance(valor, (str, int)) or isinstance(valor, bool) or valor not in opciones:
        raise ErrorDeArgumento(f"'{nombre}' debe ser una de {', '.join(map(repr, opciones))}; "
                               f"llegó {describir(valor)}.")
    return valor


def comprobar_tipo(valor, nombre: str, tipos, descripcion: str):
    """Devuelve ``valor`` si es una instancia de ``tipos``; ``descripcion`` dice qué se esperaba."""
    if not isinstance(valor, tipos):
        raise ErrorDeArgumento(f"'{nombre}' debe ser {descripcion}; llegó {describir(valor)}.")
    return valor


def comprobar_array(valores, nombre: str, forma: tuple | None = None, ndim: int | None = None,
                    minimo: float | None = None, maximo: float | None = None, vacio: bool = False,
                    consejo: str = "") -> np.ndarray:
    """Convierte ``valores`` (array, tensor o lista) en un array float32 y comprueba su forma y valores.

    ``forma`` admite ``None`` en las dimensiones libres, p. ej. ``(None, 32, 32, 1)``. Se rechazan
    los valores no finitos (NaN, infinito), los que caen fuera de [``minimo``, ``maximo``] y,
    salvo ``vacio=True``, los arrays sin elementos.
    """
    if valores is None or isinstance(valores, (str, bytes, dict, set)):
        raise ErrorDeArgumento(f"'{nombre}' debe ser un array de números; llegó {describir(valores)}.")
    try:
        array = np.asarray(valores)
    except (TypeError, ValueError) as e:
        raise ErrorDeArgumento(f"'{nombre}' debe ser un array de números; llegó {describir(valores)}.") from e
    if array.dtype == object or not (np.issubdtype(array.dtype, np.number) or array.dtype == bool):
        raise ErrorDeArgumento(f"'{nombre}' debe contener números; llegó un array de tipo {array.dtype}.")
    if ndim is None and forma is not None:
        ndim = len(forma)
    if ndim is not None and array.ndim != ndim:
        esperada = f"la forma {_forma(forma)}" if forma is not None else f"{ndim} dimensiones"
        raise ErrorDeArgumento(f"'{nombre}' debe tener {esperada}; llegó la forma {array.shape}.{_mas(consejo)}")
    if forma is not None and any(f is not None and f != a for f, a in zip(forma, array.shape)):
        raise ErrorDeArgumento(f"'{nombre}' debe tener la forma {_forma(forma)}; llegó {array.shape}.{_mas(consejo)}")
    if array.size == 0:
        if not vacio:
            raise ErrorDeArgumento(f"'{nombre}' está vacío (forma {array.shape}): hace falta al menos un elemento.")
        return array.astype(np.float32)
    array = array.astype(np.float32)
    if not np.all(np.isfinite(array)):
        malos = int(np.sum(~np.isfinite(array)))
        raise ErrorDeArgumento(f"'{nombre}' contiene {malos} valores no finitos (NaN o infinito).")
    bajo, alto = float(array.min()), float(array.max())
    tolerancia = 1e-5
    if (minimo is not None and bajo < minimo - tolerancia) or (maximo is not None and alto > maximo + tolerancia):
        rango = f"[{minimo:g}, {maximo:g}]" if minimo is not None and maximo is not None else (
            f"≥ {minimo:g}" if minimo is not None else f"≤ {maximo:g}")
        raise ErrorDeArgumento(f"'{nombre}' debe tener valores en {rango}; llegaron valores entre {bajo:.4g} y "
                               f"{alto:.4g}.{_mas(consejo)}")
    return array


def comprobar_imagenes(valores, nombre: str = "imagenes", lado: int | None = None, canales: int | None = 3,
                       minimo: float = 0.0, maximo: float = 1.0, consejo: str = "") -> np.ndarray:
    """Un lote de imágenes ``(N, lado, lado, canales)`` con valores en [minimo, maximo], como float32."""
    forma = (None, lado, lado, canales)
    if not consejo and maximo <= 1.0:
        array = np.asarray(valores) if hasattr(valores, "shape") else None
        if array is not None and array.size and np.issubdtype(array.dtype, np.number) and np.nanmax(array) > 1.5:
            consejo = " Parecen valores 0-255: divide entre 255." if minimo == 0 else (
                " Parecen valores 0-255: reescala con x / 127.5 − 1.")
    return comprobar_array(valores, nombre, forma=forma, minimo=minimo, maximo=maximo, consejo=consejo)


def _forma(forma) -> str:
    return "(" + ", ".join("N" if i == 0 and f is None else ("·" if f is None else str(f))
                           for i, f in enumerate(forma)) + ")"


def _mas(consejo: str) -> str:
    consejo = consejo.strip()
    return f" {consejo}" if consejo else ""
