"""Entrenar el código del estudiante con el mismo cuidado que los modelos del libro.

Lo usa la tarea del EBM: tu ``EBM`` (tu red, tu Langevin, tu búfer, tu pérdida y tu
``train_step``) se entrena con el respaldo de :mod:`generativa.entrenamiento`: puntos de
control atómicos y verificados, una interrupción se retoma desde la última época
completa y un entrenamiento que diverge se detiene con una explicación.

- :func:`huella`: una firma del código (no de los nombres de archivo ni de las líneas):
  cada versión de tu código entrena en su propia carpeta, así que volver a ejecutar la
  misma celda retoma y cambiar el código empieza de cero sin borrar lo anterior.
- :func:`en_grafo`: tu ``generate_samples`` compilado con ``tf.function``.
- :class:`MuestrasPorEpoca`: al final de cada época, unas muestras desde el mismo ruido,
  guardadas junto a los pesos (sobreviven a una desconexión).
"""

from __future__ import annotations

import hashlib
import inspect
import time
import types
import warnings
from pathlib import Path

import numpy as np

from ..errores import ErrorDeArgumento, ErrorDeDatos
from ..validacion import (comprobar_array, comprobar_entero, comprobar_funcion, comprobar_modelo, comprobar_opciones_de_entrenamiento,
                          comprobar_real, comprobar_ruta, comprobar_semilla, comprobar_tensor, comprobar_texto,
                          describir)

PREFIJO_MUESTRAS = "muestras_epoca_"


# --------------------------------------------------------------------------- la huella del código

def _partes_de_codigo(codigo: types.CodeType):
    """Lo que define el comportamiento de un código (sin archivo ni números de línea)."""
    yield codigo.co_code
    yield repr(codigo.co_names).encode()
    yield repr(codigo.co_varnames).encode()
    for constante in codigo.co_consts:
        if isinstance(constante, types.CodeType):
            yield from _partes_de_codigo(constante)
        else:
            yield repr(constante).encode()


def _codigos(objeto):
    if isinstance(objeto, (staticmethod, classmethod)):
        objeto = objeto.__func__
    if isinstance(objeto, property):
        for parte in (objeto.fget, objeto.fset, objeto.fdel):
            if parte is not None:
                yield from _codigos(parte)
    elif inspect.isfunction(objeto):
        yield objeto.__code__
    elif inspect.isclass(objeto):
        for nombre, valor in sorted(vars(objeto).items()):
            if not nombre.startswith("__") or nombre in ("__init__", "__call__"):
                yield from _codigos(valor)


def huella(*objetos) -> str:
    """Doce cifras hexadecimales que cambian si cambia el código de ``objetos`` (funciones o clases).

    Volver a ejecutar una celda sin cambios da la misma huella; cambiar una línea, otra.
    """
    if not objetos:
        raise ErrorDeArgumento("'huella' necesita al menos una función o clase.")
    suma = hashlib.sha256()
    for objeto in objetos:
        objeto = inspect.unwrap(objeto) if inspect.isfunction(objeto) else objeto  # sin en_grafo()
        if not (inspect.isfunction(objeto) or inspect.isclass(objeto)):
            raise ErrorDeArgumento(f"'huella' recibe funciones o clases; llegó {describir(objeto)}.")
        suma.update(objeto.__qualname__.encode())
        for codigo in _codigos(objeto):
            for parte in _partes_de_codigo(codigo):
                suma.update(parte)
    return suma.hexdigest()[:12]


# --------------------------------------------------------------------------- Langevin en un grafo

def en_grafo(generate_samples):
    """Tu ``generate_samples`` compilado con ``tf.function``: el mismo código, sin pagar en
    cada operación el costo de Python (en la CPU del libro, unas seis veces más rápido).

    ``steps`` le llega como tensor, así que un ``for _ in range(steps)`` se convierte en un
    bucle del grafo (``tf.while_loop``) en lugar de desenrollarse, y 60 o 1.000 pasos usan el
    mismo grafo. Si tu código no se deja compilar, se usa tal cual, con un aviso. Con
    ``return_img_per_step=True`` siempre se usa tal cual.
    """
    from ..motor import importar_tensorflow

    tf = importar_tensorflow()
    comprobar_funcion(generate_samples, "generate_samples")
    if getattr(generate_samples, "_en_grafo", False):
        return generate_samples
    compilada = tf.function(generate_samples, reduce_retracing=True)
    estado = {"compilable": True}

    def envoltura(model, inp_imgs, steps, step_size, noise, return_img_per_step=False):
        if return_img_per_step or not estado["compilable"]:
            return generate_samples(model, inp_imgs, steps, step_size, noise, return_img_per_step)
        try:
            return compilada(model, tf.convert_to_tensor(inp_imgs), tf.constant(int(steps)),
                             float(step_size), float(noise))
        except Exception as e:  # noqa: BLE001 - el código del estudiante puede no compilarse
            estado["compilable"] = False
            warnings.warn(f"Tu generate_samples no se pudo compilar con tf.function ({type(e).__name__}: "
                          f"{str(e)[:200]}); se usa sin compilar, que es más lento.", stacklevel=2)
            return generate_samples(model, inp_imgs, steps, step_size, noise, return_img_per_step)

    envoltura._en_grafo = True
    envoltura.__wrapped__ = generate_samples
    envoltura.__doc__ = generate_samples.__doc__
    return envoltura


# --------------------------------------------------------------------------- muestras por época

def _keras():
    from ..motor import importar_keras

    return importar_keras()


class MuestrasPorEpoca(_keras().callbacks.Callback):
    """Al final de cada época, ``generar(red, ruido, steps, step_size, noise)`` desde el mismo
    ``ruido``, guardado en ``salida/muestras_epoca_NNN.npy`` (escritura atómica)."""

    def __init__(self, generar, red, ruido, salida, steps: int = 1000, step_size: float = 10.0,
                 noise: float = 0.005):
        super().__init__()
        self.generar = comprobar_funcion(generar, "generar", "tu generate_samples")
        self.red = comprobar_modelo(red, "red", descripcion="la red de energía que se entrena")
        self.ruido = comprobar_tensor(ruido, "ruido", forma=(None, None, None, None), minimo=-1, maximo=1)
        self.salida = comprobar_ruta(salida, "salida", carpeta=True)
        self.steps = comprobar_entero(steps, "steps", maximo=10_000)
        self.step_size = comprobar_real(step_size, "step_size", minimo=0, abierto_abajo=True, maximo=1e6)
        self.noise = comprobar_real(noise, "noise", minimo=0, maximo=10)
        self.segundos: dict[int, float] = {}

    def on_epoch_end(self, epoch, logs=None):
        from ..archivos import escribir_atomico

        inicio = time.monotonic()
        muestras = np.asarray(self.generar(self.red, self.ruido, steps=self.steps, step_size=self.step_size,
                                           noise=self.noise), np.float32)
        escribir_atomico(self.salida / f"{PREFIJO_MUESTRAS}{epoch + 1:03d}.npy", lambda ruta: np.save(ruta, muestras))
        self.segundos[epoch + 1] = time.monotonic() - inicio


def muestras_guardadas(salida) -> dict[int, np.ndarray]:
    """``{época: muestras}`` de las que guardó :class:`MuestrasPorEpoca` en ``salida``, en orden."""
    salida = comprobar_ruta(salida, "salida", carpeta=True)
    muestras = {}
    for ruta in sorted(salida.glob(f"{PREFIJO_MUESTRAS}*.npy")) if salida.is_dir() else []:
        numero = ruta.stem.removeprefix(PREFIJO_MUESTRAS)
        if not numero.isdigit():
            continue
        try:
            muestras[int(numero)] = np.load(ruta, allow_pickle=False)
        except (OSError, ValueError) as e:
            raise ErrorDeDatos(f"Las muestras {ruta} no se pueden leer ({e}); bórralas y se generarán de nuevo "
                               "al entrenar esa época otra vez.") from e
    return dict(sorted(muestras.items()))


# --------------------------------------------------------------------------- el entrenamiento

def carpeta_de_la_tarea(tarea: str, perfil, codigo: str) -> Path:
    """``<pesos propios>/<tarea>_<perfil>/<huella del código>``: una carpeta por versión de tu código.

    Con ``GENERATIVA_PESOS`` apuntando a Google Drive (:func:`generativa.archivos.usar_drive`),
    sobrevive a una desconexión de Colab.
    """
    from ..archivos import carpeta_de_pesos_propios
    from ..perfiles import como_perfil

    comprobar_texto(tarea, "tarea", vacio=False)
    perfil = como_perfil(perfil)
    comprobar_texto(codigo, "codigo", vacio=False)
    if not all(c in "0123456789abcdef" for c in codigo):
        raise ErrorDeArgumento(f"'codigo' debe ser una huella hexadecimal como la de huella(); llegó {codigo!r}.")
    return carpeta_de_pesos_propios(f"{tarea}_{perfil.nombre}") / codigo


def entrenar_ebm_del_estudiante(modelo, red, imagenes, *, epocas: int, salida, semilla: int = 0,
                                pasos_por_epoca: int | None = None, callbacks_extra=(), verbose: int = 0) -> dict:
    """Entrena tu ``EBM`` (ya compilado) sobre ``imagenes`` y devuelve su procedencia.

    Guarda la red (``red_epoca_NNN.weights.h5``) en cada época y el estado completo (pesos y
    optimizador) en ``salida/.respaldo``; la misma llamada, si se interrumpe, retoma desde la
    última época completa (tu búfer, que es una lista de Python, empieza de nuevo desde ruido:
    queda anotado). Se detiene con una explicación si la pérdida o las puntuaciones divergen.
    La procedencia devuelta añade ``esta_llamada``: desde qué época siguió, cuántas entrenó y
    en cuántos segundos.
    """
    from ..ebm import BATCH_SIZE, CONSEJO, conjunto_de_entrenamiento
    from ..entrenamiento import DetenerSiDiverge, PuntoDeControl, entrenar_con_respaldo, estado_del_respaldo

    if not all(callable(getattr(modelo, a, None)) for a in ("fit", "save_weights", "train_step")) or \
            getattr(modelo, "optimizer", None) is None:
        raise ErrorDeArgumento(f"'modelo' debe ser tu EBM ya compilado (mi_ebm.compile(optimizer=...)); llegó "
                               f"{describir(modelo)}.")
    comprobar_modelo(red, "red", entrada=(32, 32, 1), salida=(1,), descripcion="tu red de energía")
    imagenes = comprobar_array(imagenes, "imagenes", forma=(None, 32, 32, 1), minimo=-1, maximo=1)
    epocas = comprobar_entero(epocas, "epocas", maximo=10_000)
    salida = comprobar_ruta(salida, "salida", carpeta=True)
    semilla = comprobar_semilla(semilla, "semilla", opcional=False)
    if pasos_por_epoca is not None:
        pasos_por_epoca = comprobar_entero(pasos_por_epoca, "pasos_por_epoca", maximo=100_000)
    comprobar_opciones_de_entrenamiento(verbose, callbacks_extra, False, None)
    if len(imagenes) < BATCH_SIZE:
        raise ErrorDeArgumento(f"'imagenes' necesita al menos un lote ({BATCH_SIZE}); llegaron {len(imagenes)}.")

    if not modelo.built:
        # El EBM del curso no tiene call(): Keras no lo da por construido aunque su red (un
        # modelo funcional) ya tenga sus pesos, y sin eso no guarda su estado.
        modelo.built = True
    datos = conjunto_de_entrenamiento(imagenes, seed=semilla)
    if pasos_por_epoca is not None:
        datos = datos.take(pasos_por_epoca)
    pasos = int(datos.cardinality())
    antes = estado_del_respaldo(salida) if salida.is_dir() else None
    desde = antes["epoca"] if antes else 0
    inicio = time.monotonic()
    procedencia = entrenar_con_respaldo(
        modelo, datos, salida=salida, epocas=epocas,
        puntos=[PuntoDeControl("red", lambda m, ruta: red.save_weights(ruta))], guardar_en=range(1, epocas + 1),
        config={"imagenes": int(len(imagenes)), "pasos_por_epoca": pasos, "batch_size": BATCH_SIZE,
                "semilla": semilla},
        procedencia_base={"modelo": "el EBM de la tarea, con el código del estudiante", "semilla": semilla,
                          "pasos_por_epoca": pasos,
                          "datos": f"MNIST, {len(imagenes)} dígitos, {pasos} lotes de {BATCH_SIZE} por época",
                          "nota": "al retomar, el búfer (una lista de Python) empieza de nuevo desde ruido"},
        imagenes_por_epoca=pasos * BATCH_SIZE,
        vigilante=DetenerSiDiverge(("loss", "real", "fake"), limite=1e3, consejo=CONSEJO),
        verbose=verbose, callbacks_extra=callbacks_extra,
        continuar=False, cargar_para_continuar=lambda m, ruta: red.load_weights(ruta))
    return {**procedencia, "esta_llamada": {"desde": desde, "epocas": procedencia["epocas"] - desde,
                                            "segundos": round(time.monotonic() - inicio, 1)}}
