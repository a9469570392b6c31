"""Comprobación de argumentos, con mensajes en español que dicen qué se esperaba y qué llegó.

Cada función pública de la biblioteca comprueba lo que recibe con estas funciones
antes de pasárselo a NumPy o a TensorFlow: así un error de uso se explica en una
línea (:class:`~generativa.errores.ErrorDeArgumento`) en lugar de acabar en una traza
de TensorFlow o, peor, en un resultado con NaN.
"""

from __future__ import annotations

import math
import os
import sys
from numbers import Integral, Real
from pathlib import Path
from typing import Iterable

import numpy as np

from .errores import ErrorDeArgumento

# Tope de pasos, épocas e imágenes que acepta cualquier función: más es casi seguro un error
# de tecleo y, sin tope, una llamada podría no terminar nunca.
MAXIMO_RAZONABLE = 1_000_000
MAXIMA_SEMILLA = 2**31 - 1


def describir(valor) -> str:
    """Cómo se nombra en un mensaje lo que llegó: su valor corto o su tipo y su forma."""
    forma = getattr(valor, "shape", None)
    if forma is not None and not isinstance(valor, (Integral, Real)):
        tipo = getattr(getattr(valor, "dtype", None), "name", None) or str(getattr(valor, "dtype", ""))
        try:
            forma = tuple(forma)
        except (TypeError, ValueError):  # la forma desconocida de un tensor simbólico
            forma = "desconocida"
        return f"{type(valor).__name__} de forma {forma}" + (f" y tipo {tipo}" if tipo else "")
    try:
        texto = repr(valor)
    except Exception:  # noqa: BLE001 - un objeto cuyo repr falla no debe tapar el error que se explica
        texto = f"<{type(valor).__name__}>"
    return texto if len(texto) <= 80 else f"{type(valor).__name__} ({texto[:60]}...)"


def comprobar_entero(valor, nombre: str, minimo: int | None = 1, maximo: int | None = MAXIMO_RAZONABLE) -> int:
    """Devuelve ``valor`` como ``int`` si es un entero (no un booleano ni un real) en [minimo, maximo]."""
    _propios(nombre, minimo=minimo, maximo=maximo)
    if isinstance(valor, bool) or not isinstance(valor, Integral):
        raise ErrorDeArgumento(f"'{nombre}' debe ser un número entero; llegó {describir(valor)}.")
    if (minimo is not None and valor < minimo) or (maximo is not None and valor > maximo):
        rango = (f"≥ {minimo}" if maximo is None else f"≤ {maximo:_}".replace("_", ".") if minimo is None
                 else f"entre {minimo} y {maximo:_}".replace("_", "."))
        raise ErrorDeArgumento(f"'{nombre}' debe ser un entero {rango}; llegó {valor!r}.")
    return int(valor)


def comprobar_real(valor, nombre: str, minimo: float | None = None, maximo: float | None = None,
                   abierto_abajo: bool = False, abierto_arriba: bool = False) -> float:
    """Devuelve ``valor`` como ``float`` si es un número real finito dentro del intervalo pedido.

    ``abierto_abajo``/``abierto_arriba`` excluyen el extremo correspondiente.
    """
    _propios(nombre, minimo=minimo, maximo=maximo, abierto_abajo=abierto_abajo, abierto_arriba=abierto_arriba)
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
    _propios(nombre)
    if isinstance(opciones, (str, bytes, dict)) or not isinstance(opciones, Iterable):
        raise ErrorDeArgumento(f"'opciones' debe ser una lista de valores posibles; llegó {describir(opciones)}.")
    opciones = tuple(opciones)
    if not all(isinstance(o, (str, int)) for o in opciones):
        raise ErrorDeArgumento(f"'opciones' debe contener textos o enteros; llegó {describir(opciones)}.")
    if not isinstance(valor, (str, int)) or isinstance(valor, bool) or valor not in opciones:
        raise ErrorDeArgumento(f"'{nombre}' debe ser una de {', '.join(map(repr, opciones))}; "
                               f"llegó {describir(valor)}.")
    return valor


def comprobar_tipo(valor, nombre: str, tipos, descripcion: str):
    """Devuelve ``valor`` si es una instancia de ``tipos``; ``descripcion`` dice qué se esperaba."""
    _propios(nombre, descripcion=descripcion)
    try:
        correcto = isinstance(valor, tipos)
    except TypeError as e:
        raise ErrorDeArgumento(f"'tipos' debe ser una clase o una tupla de clases; llegó {describir(tipos)}.") from e
    if not correcto:
        raise ErrorDeArgumento(f"'{nombre}' debe ser {descripcion}; llegó {describir(valor)}.")
    return valor


def comprobar_array(valores, nombre: str, forma: tuple | None = None, ndim: int | None = None,
                    minimo: float | None = None, maximo: float | None = None, vacio: bool = False,
                    consejo: str = "", reales: bool = False) -> np.ndarray:
    """Convierte ``valores`` (array, tensor o lista) en un array float32 y comprueba su forma y valores.

    ``forma`` admite ``None`` en las dimensiones libres, p. ej. ``(None, 32, 32, 1)``. Se rechazan
    los valores no finitos (NaN, infinito), los que caen fuera de [``minimo``, ``maximo``] y,
    salvo ``vacio=True``, los arrays sin elementos. Con ``reales=True`` solo se aceptan arrays de
    tipo real (float) y se conserva su tipo (float32 o float64) en lugar de pasar a float32.
    """
    forma = _forma_pedida(forma)
    _propios(nombre, minimo=minimo, maximo=maximo, vacio=vacio, reales=reales, consejo=consejo)
    if ndim is not None:
        ndim = comprobar_entero(ndim, "ndim", minimo=0, maximo=32)
    if valores is None or isinstance(valores, (str, bytes, dict, set)) or callable(valores):
        raise ErrorDeArgumento(f"'{nombre}' debe ser un array de números; llegó {describir(valores)}.")
    if es_simbolico(valores):
        raise ErrorDeArgumento(f"'{nombre}' debe tener valores concretos; llegó un tensor simbólico "
                               f"({describir(valores)}), como los de dentro de un grafo de TensorFlow.")
    try:
        array = np.asarray(valores)
    except (TypeError, ValueError, NotImplementedError, AttributeError) as e:
        raise ErrorDeArgumento(f"'{nombre}' debe ser un array de números; llegó {describir(valores)}.") from e
    if array.dtype == object or not (np.issubdtype(array.dtype, np.integer) or np.issubdtype(array.dtype, np.floating)
                                     or array.dtype == bool):
        raise ErrorDeArgumento(f"'{nombre}' debe contener números reales; llegó un array de tipo {array.dtype}.")
    if reales and not np.issubdtype(array.dtype, np.floating):
        raise ErrorDeArgumento(f"'{nombre}' debe contener números reales (float); llegó un array de tipo "
                               f"{array.dtype}.")
    if ndim is None and forma is not None:
        ndim = len(forma)
    if ndim is not None and array.ndim != ndim:
        esperada = f"la forma {_forma(forma)}" if forma is not None else f"{ndim} dimensiones"
        raise ErrorDeArgumento(f"'{nombre}' debe tener {esperada}; llegó la forma {array.shape}.{_mas(consejo)}")
    if forma is not None and any(f is not None and f != a for f, a in zip(forma, array.shape)):
        raise ErrorDeArgumento(f"'{nombre}' debe tener la forma {_forma(forma)}; llegó {array.shape}.{_mas(consejo)}")
    tipo = array.dtype if reales else np.float32
    if array.size == 0:
        if not vacio:
            raise ErrorDeArgumento(f"'{nombre}' está vacío (forma {array.shape}): hace falta al menos un elemento.")
        return array.astype(tipo, copy=False)
    with np.errstate(over="ignore"):  # un float64 enorme pasa a infinito en float32, y se rechaza abajo
        array = array.astype(tipo, copy=False)
    if not np.all(np.isfinite(array)):
        malos = int(np.sum(~np.isfinite(array)))
        rango = _rango(minimo, maximo)
        raise ErrorDeArgumento(f"'{nombre}' contiene {malos} valores no finitos (NaN o infinito)"
                               + (f"; se esperaban valores en {rango}." if rango else "."))
    bajo, alto = float(array.min()), float(array.max())
    tolerancia = 1e-5
    if (minimo is not None and bajo < minimo - tolerancia) or (maximo is not None and alto > maximo + tolerancia):
        rango = _rango(minimo, maximo)
        raise ErrorDeArgumento(f"'{nombre}' debe tener valores en {rango}; llegaron valores entre {bajo:.4g} y "
                               f"{alto:.4g}.{_mas(consejo)}")
    return array


def comprobar_imagenes(valores, nombre: str = "imagenes", lado: int | None = None, canales: int | None = 3,
                       minimo: float = 0.0, maximo: float = 1.0, consejo: str = "") -> np.ndarray:
    """Un lote de imágenes ``(N, lado, lado, canales)`` con valores en [minimo, maximo], como float32."""
    _propios(nombre, minimo=minimo, maximo=maximo, consejo=consejo)
    if lado is not None:
        lado = comprobar_entero(lado, "lado", maximo=100_000)
    if canales is not None:
        canales = comprobar_entero(canales, "canales", maximo=4096)
    forma = (None, lado, lado, canales)
    if not consejo and maximo is not None and maximo <= 1.0:
        array = np.asarray(valores) if hasattr(valores, "shape") and not es_simbolico(valores) else None
        if (array is not None and array.size and (np.issubdtype(array.dtype, np.integer)
                                                  or np.issubdtype(array.dtype, np.floating))
                and np.any(np.isfinite(array)) and np.nanmax(np.where(np.isfinite(array), array, np.nan)) > 1.5):
            consejo = " Parecen valores 0-255: divide entre 255." if minimo == 0 else (
                " Parecen valores 0-255: reescala con x / 127.5 − 1.")
    return comprobar_array(valores, nombre, forma=forma, minimo=minimo, maximo=maximo, consejo=consejo)


def comprobar_bool(valor, nombre: str) -> bool:
    """Devuelve ``valor`` como ``bool`` si es ``True`` o ``False`` (de Python o de NumPy)."""
    _propios(nombre)
    if not isinstance(valor, (bool, np.bool_)):
        raise ErrorDeArgumento(f"'{nombre}' debe ser True o False; llegó {describir(valor)}.")
    return bool(valor)


def comprobar_texto(valor, nombre: str, vacio: bool = True, opcional: bool = False) -> str | None:
    """Devuelve ``valor`` si es un texto (``str``); ``vacio=False`` exige que tenga algo más que espacios.

    Con ``opcional=True`` también se acepta ``None``.
    """
    _propios(nombre, vacio=vacio, opcional=opcional)
    if valor is None and opcional:
        return None
    if not isinstance(valor, str):
        raise ErrorDeArgumento(f"'{nombre}' debe ser un texto (str){' o None' if opcional else ''}; llegó "
                               f"{describir(valor)}.")
    if not vacio and not valor.strip():
        raise ErrorDeArgumento(f"'{nombre}' no puede ser un texto vacío.")
    return valor


def comprobar_textos(valores, nombre: str, cuantos: int | None = None) -> list:
    """Una lista (o tupla) de rótulos, uno por elemento; ``cuantos`` fija cuántos deben ser.

    Cada rótulo se escribirá con ``str``, así que valen textos y números; no vale un texto suelto
    (se tomaría letra a letra).
    """
    _propios(nombre)
    if cuantos is not None:
        cuantos = comprobar_entero(cuantos, "cuantos", minimo=0, maximo=None)
    if isinstance(valores, (str, bytes, dict, set)) or not isinstance(valores, (list, tuple, range, np.ndarray)):
        raise ErrorDeArgumento(f"'{nombre}' debe ser una lista de textos; llegó {describir(valores)}.")
    valores = list(valores)
    if cuantos is not None and len(valores) != cuantos:
        raise ErrorDeArgumento(f"'{nombre}' debe tener {cuantos} elementos; llegaron {len(valores)}.")
    malos = [v for v in valores if not isinstance(v, (str, Integral, Real)) or isinstance(v, float) and
             not math.isfinite(v)]
    if malos:
        raise ErrorDeArgumento(f"'{nombre}' debe contener textos o números; llegó {describir(malos[0])}.")
    return valores


def comprobar_enteros(valores, nombre: str, minimo: int = 1, maximo: int | None = MAXIMO_RAZONABLE,
                      vacio: bool = False) -> tuple[int, ...]:
    """Una lista (o tupla, o rango) de enteros en [minimo, maximo], como tupla de ``int``."""
    _propios(nombre, minimo=minimo, maximo=maximo, vacio=vacio)
    if isinstance(valores, (str, bytes, dict, set)) or not isinstance(valores, (list, tuple, range, np.ndarray)):
        raise ErrorDeArgumento(f"'{nombre}' debe ser una lista de enteros; llegó {describir(valores)}.")
    if isinstance(valores, np.ndarray) and valores.ndim != 1:
        raise ErrorDeArgumento(f"'{nombre}' debe ser una lista de enteros; llegó {describir(valores)}.")
    if not vacio and len(valores) == 0:
        raise ErrorDeArgumento(f"'{nombre}' está vacía: hace falta al menos un entero.")
    return tuple(comprobar_entero(v, f"un elemento de {nombre}", minimo, maximo) for v in valores)


def comprobar_semilla(valor, nombre: str = "seed", opcional: bool = True) -> int | None:
    """Una semilla: un entero entre 0 y 2³¹ − 1 o, con ``opcional``, ``None`` (sin fijar)."""
    _propios(nombre, opcional=opcional)
    if valor is None and opcional:
        return None
    return comprobar_entero(valor, nombre, minimo=0, maximo=MAXIMA_SEMILLA)


def comprobar_ruta(valor, nombre: str = "ruta", carpeta: bool = False) -> Path:
    """``valor`` como ``Path`` si es una ruta (``str`` o ``Path``) no vacía; con ``carpeta``,
    además que no sea un archivo (puede no existir todavía)."""
    _propios(nombre)
    comprobar_bool(carpeta, "carpeta")
    if not isinstance(valor, (str, os.PathLike)) or isinstance(os.fspath(valor), bytes):
        raise ErrorDeArgumento(f"'{nombre}' debe ser una ruta (str o Path); llegó {describir(valor)}.")
    if not os.fspath(valor).strip():
        raise ErrorDeArgumento(f"'{nombre}' es una ruta vacía.")
    if "\x00" in os.fspath(valor):
        raise ErrorDeArgumento(f"'{nombre}' contiene un carácter nulo; llegó {describir(valor)}.")
    if carpeta and os.path.exists(valor) and not os.path.isdir(valor):
        raise ErrorDeArgumento(f"'{nombre}' debe ser una carpeta; {os.fspath(valor)} es un archivo.")
    return Path(valor)


def comprobar_funcion(valor, nombre: str, descripcion: str = "una función"):
    """Devuelve ``valor`` si se puede llamar (una función, una clase...); ``descripcion`` dice cuál."""
    _propios(nombre, descripcion=descripcion)
    if not callable(valor):
        raise ErrorDeArgumento(f"'{nombre}' debe ser {descripcion}; llegó {describir(valor)}.")
    return valor


def comprobar_modelo(valor, nombre: str = "modelo", entrada: tuple | None = None, salida: tuple | None = None,
                     descripcion: str = "un modelo de Keras"):
    """Devuelve ``valor`` si es un modelo de Keras cuyas formas de entrada y salida (sin el lote)
    encajan con ``entrada`` y ``salida`` (``None`` en una dimensión: cualquiera)."""
    _propios(nombre, descripcion=descripcion)
    entrada, salida = _forma_pedida(entrada), _forma_pedida(salida)
    if not (callable(valor) and hasattr(valor, "trainable_variables") and callable(getattr(valor, "predict", None))):
        raise ErrorDeArgumento(f"'{nombre}' debe ser {descripcion}; llegó {describir(valor)}.")
    for pedida, tensores, que in ((entrada, "inputs", "entrada"), (salida, "outputs", "salida")):
        if pedida is None:
            continue
        try:
            tensores = getattr(valor, tensores)
        except (AttributeError, ValueError):  # un modelo por subclases sin construir: no hay formas que mirar
            continue
        if not isinstance(tensores, (list, tuple)) or len(tensores) != 1:
            raise ErrorDeArgumento(f"'{nombre}' debe ser {descripcion}, con una sola {que}; tiene "
                                   f"{len(tensores) if isinstance(tensores, (list, tuple)) else '?'}.")
        forma = tuple(tensores[0].shape)[1:]
        if len(forma) != len(pedida) or any(p is not None and f is not None and p != f
                                            for p, f in zip(pedida, forma)):
            raise ErrorDeArgumento(f"'{nombre}' debe ser {descripcion}, con {que} de forma {_forma((None, *pedida))}; "
                                   f"la suya es {_forma((None, *forma))}.")
    return valor


def comprobar_opciones_de_entrenamiento(verbose, callbacks_extra, continuar, tiempo_maximo) -> None:
    """Lo común a los entrenamientos del libro: ``verbose`` (0, 1 o 2), ``callbacks_extra`` (una
    lista de *callbacks* de Keras), ``continuar`` (True o False) y ``tiempo_maximo`` (segundos > 0 o None)."""
    comprobar_opcion(verbose, "verbose", (0, 1, 2, "auto"))
    if isinstance(callbacks_extra, (str, bytes, dict)) or not isinstance(callbacks_extra, (list, tuple)):
        raise ErrorDeArgumento(f"'callbacks_extra' debe ser una lista de callbacks de Keras; llegó "
                               f"{describir(callbacks_extra)}.")
    for callback in callbacks_extra:
        if not callable(getattr(callback, "set_model", None)):
            raise ErrorDeArgumento(f"'callbacks_extra' debe contener callbacks de Keras (keras.callbacks.Callback); "
                                   f"llegó {describir(callback)}.")
    comprobar_bool(continuar, "continuar")
    if tiempo_maximo is not None:
        comprobar_real(tiempo_maximo, "tiempo_maximo", minimo=0, abierto_abajo=True)


def es_simbolico(valor) -> bool:
    """``True`` si ``valor`` es un tensor sin valores concretos: el de un grafo de TensorFlow
    (dentro de ``tf.function`` o de ``model.fit``, también una variable de Keras leída allí) o un
    ``KerasTensor`` (al construir un modelo funcional)."""
    if type(valor).__name__ == "KerasTensor":
        return True
    tf = sys.modules.get("tensorflow")
    if tf is None or isinstance(valor, (np.ndarray, np.generic)):
        return False
    tensorial = isinstance(valor, (tf.Tensor, tf.Variable)) or (
        hasattr(valor, "dtype") and hasattr(valor, "shape") and callable(getattr(valor, "numpy", None)))
    if not tensorial:
        return False
    return not tf.executing_eagerly() or not callable(getattr(valor, "numpy", None))


def comprobar_tensor(valores, nombre: str, forma: tuple | None = None, minimo: float | None = None,
                     maximo: float | None = None, consejo: str = ""):
    """``valores`` como tensor float32 de Keras, comprobados como en :func:`comprobar_array`.

    Dentro de un grafo (``tf.function``, ``model.fit``) los tensores no tienen valores que mirar:
    entonces solo se comprueba la forma que se conoce (número de dimensiones y las fijas).
    """
    from .motor import importar_keras

    ops = importar_keras().ops
    forma = _forma_pedida(forma)
    if es_simbolico(valores):
        conocida = getattr(valores, "shape", None)
        rango = getattr(conocida, "rank", None) if conocida is not None and not isinstance(conocida, tuple) else (
            len(conocida) if conocida is not None else None)
        if forma is not None and rango is not None:
            conocida = tuple(conocida)
            if rango != len(forma) or any(f is not None and c is not None and f != c
                                          for f, c in zip(forma, conocida)):
                raise ErrorDeArgumento(f"'{nombre}' debe tener la forma {_forma(forma)}; llegó "
                                       f"{tuple(conocida)}.{_mas(consejo)}")
        return ops.cast(valores, "float32")
    array = comprobar_array(valores, nombre, forma=forma, minimo=minimo, maximo=maximo, consejo=consejo)
    if hasattr(valores, "dtype") and hasattr(valores, "shape") and not isinstance(valores, np.ndarray):
        # un tensor: se devuelve él mismo (convertido), no una copia, para no cortar el camino de los
        # gradientes cuando se llama dentro de un GradientTape
        return ops.cast(valores, "float32")
    return ops.convert_to_tensor(array, "float32")


def _forma_pedida(forma):
    if forma is None:
        return None
    if not isinstance(forma, (tuple, list)) or not all(
            f is None or (isinstance(f, Integral) and not isinstance(f, bool) and f >= 0) for f in forma):
        raise ErrorDeArgumento(f"'forma' debe ser una tupla de enteros ≥ 0 (o None en las dimensiones libres); "
                               f"llegó {describir(forma)}.")
    return tuple(forma)


def _propios(nombre, **parametros) -> None:
    """Comprueba los parámetros de las propias funciones de comprobación (nombre, límites, opciones)."""
    if not isinstance(nombre, str):
        raise ErrorDeArgumento(f"'nombre' debe ser el nombre del argumento (str); llegó {describir(nombre)}.")
    for clave, valor in parametros.items():
        if clave in ("minimo", "maximo"):
            if valor is not None and (isinstance(valor, bool) or not isinstance(valor, Real)
                                      or not math.isfinite(valor)):
                raise ErrorDeArgumento(f"'{clave}' debe ser un número finito o None; llegó {describir(valor)}.")
        elif clave in ("descripcion", "consejo"):
            if not isinstance(valor, str):
                raise ErrorDeArgumento(f"'{clave}' debe ser un texto (str); llegó {describir(valor)}.")
        elif not isinstance(valor, (bool, np.bool_)):
            raise ErrorDeArgumento(f"'{clave}' debe ser True o False; llegó {describir(valor)}.")


def _rango(minimo, maximo) -> str:
    if minimo is None and maximo is None:
        return ""
    if minimo is not None and maximo is not None:
        return f"[{minimo:g}, {maximo:g}]"
    return f"≥ {minimo:g}" if minimo is not None else f"≤ {maximo:g}"


def _forma(forma) -> str:
    return "(" + ", ".join("N" if i == 0 and f is None else ("·" if f is None else str(f))
                           for i, f in enumerate(forma)) + ")"


def _mas(consejo: str) -> str:
    consejo = consejo.strip()
    return f" {consejo}" if consejo else ""
