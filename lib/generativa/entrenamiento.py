"""Entrenar sin perder nada: el núcleo común del EBM y del modelo de difusión, y sus *callbacks*.

:func:`entrenar_con_respaldo` envuelve ``model.fit`` con lo que un entrenamiento largo
necesita para sobrevivir a una interrupción (Colab que se desconecta, una computadora
que se apaga, un ``Ctrl+C``):

- Al final de cada época guarda los **puntos de control** pedidos (los pesos con los
  que se genera) y el **respaldo**: el estado completo (pesos, optimizador, búfer) en
  ``.respaldo/``, con un ``estado.json`` que anota la época, el historial de métricas,
  la duración, las imágenes vistas y el sha256 de cada archivo. Todo se escribe de
  forma atómica (temporal, ``fsync``, renombrado), y el respaldo anterior no se borra
  hasta que el nuevo está completo: un corte en cualquier momento deja un estado
  coherente.
- Al volver a lanzar la misma orden, se verifica el respaldo (sha256) y se sigue desde
  la última época completa. Un respaldo de otra configuración (otro tamaño de imagen,
  otro perfil) o dañado se rechaza con un error que dice qué hacer.
- La procedencia (``procedencia.json``) se escribe a partir de ese estado, nunca de un
  registro aparte, así que siempre coincide con los pesos guardados.
- ``DetenerSiDiverge`` para con una explicación si una métrica (de entrenamiento o de
  validación) deja de ser finita o se dispara.
"""

from __future__ import annotations

import math
import os
import platform
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable

from .archivos import (borrar_temporales, carpeta_de_pesos_propios, es_carpeta_incluida, escribir_atomico,
                       escribir_json, leer_json, verificar_archivo)
from .errores import EntrenamientoDivergente, ErrorDeArgumento, ErrorDeDatos, ErrorDeEntrenamiento
from .motor import importar_keras
from .validacion import (comprobar_entero, comprobar_enteros, comprobar_funcion, comprobar_opciones_de_entrenamiento,
                         comprobar_real, comprobar_ruta, comprobar_textos, comprobar_tipo, describir)

keras = importar_keras()

CARPETA_RESPALDO = ".respaldo"
ESTADO = "estado.json"
PROCEDENCIA = "procedencia.json"


# --------------------------------------------------------------------------- vigilantes

class DetenerSiDiverge(keras.callbacks.Callback):
    """Detiene el entrenamiento con una explicación si una métrica vigilada deja de ser finita
    o supera ``limite`` en valor absoluto: tras cada lote (las de entrenamiento) y al final de
    cada época (también sus versiones de validación, ``val_<nombre>``)."""

    def __init__(self, vigiladas: Iterable[str] = ("loss",), limite: float = 1e3, consejo: str = ""):
        super().__init__()
        if isinstance(vigiladas, str):
            vigiladas = (vigiladas,)
        self.vigiladas = tuple(comprobar_textos(vigiladas, "vigiladas"))
        if not self.vigiladas or not all(isinstance(v, str) and v for v in self.vigiladas):
            raise ErrorDeArgumento(f"'vigiladas' debe ser una lista de nombres de métricas; llegó {vigiladas!r}.")
        self.limite = comprobar_real(limite, "limite", minimo=0, abierto_abajo=True)
        self.consejo = str(consejo)
        self.epoca = 0

    def on_epoch_begin(self, epoch, logs=None):
        self.epoca = epoch + 1

    def on_train_batch_end(self, batch, logs=None):
        self._revisar(logs, self.vigiladas, f"lote {batch + 1}")

    def on_epoch_end(self, epoch, logs=None):
        self._revisar(logs, (*self.vigiladas, *(f"val_{v}" for v in self.vigiladas)), "final de la época")

    def _revisar(self, logs, nombres, donde: str) -> None:
        for nombre in nombres:
            if logs is None or nombre not in logs:
                continue
            valor = float(logs[nombre])
            if math.isfinite(valor) and abs(valor) <= self.limite:
                continue
            self.model.stop_training = True
            problema = ("ha dejado de ser un número finito (NaN o infinito)" if not math.isfinite(valor)
                        else f"vale {valor:.4g}, más de {self.limite:g} en valor absoluto")
            raise EntrenamientoDivergente(
                f"Entrenamiento detenido en la época {self.epoca}, {donde}: la métrica «{nombre}» {problema}. "
                f"El modelo está divergiendo y seguir solo produciría resultados sin sentido; el respaldo "
                f"conserva la última época sana. {self.consejo}".strip()
            )


class DetenerPorTiempo(keras.callbacks.Callback):
    """Termina el entrenamiento al final de la primera época que deje atrás ``segundos``.

    Útil en Colab (sesiones con límite) y para entrenamientos de duración fija. La
    última época completada siempre queda guardada (ver :func:`entrenar_con_respaldo`)."""

    def __init__(self, segundos: float):
        super().__init__()
        self.segundos = comprobar_real(segundos, "segundos", minimo=0, abierto_abajo=True)
        self.ultima_epoca = None

    def on_train_begin(self, logs=None):
        self.inicio = time.monotonic()

    def on_epoch_end(self, epoch, logs=None):
        self.ultima_epoca = epoch + 1
        if time.monotonic() - self.inicio >= self.segundos:
            self.model.stop_training = True


# --------------------------------------------------------------------------- puntos de control y respaldo

@dataclass(frozen=True)
class PuntoDeControl:
    """Unos pesos que se guardan en ciertas épocas: ``{prefijo}_epoca_{e:03d}{sufijo}``."""

    prefijo: str
    guardar: Callable  # guardar(modelo, ruta)
    sufijo: str = ".weights.h5"

    def nombre(self, epoca: int) -> str:
        return f"{self.prefijo}_epoca_{comprobar_entero(epoca, 'epoca'):03d}{self.sufijo}"


def _puntos(puntos) -> tuple[PuntoDeControl, ...]:
    if isinstance(puntos, (str, bytes, dict)) or not isinstance(puntos, (list, tuple)):
        raise ErrorDeArgumento(f"'puntos' debe ser una lista de PuntoDeControl; llegó {describir(puntos)}.")
    for punto in puntos:
        comprobar_tipo(punto, "un elemento de puntos", PuntoDeControl, "un PuntoDeControl")
    return tuple(puntos)


def estado_del_respaldo(salida: Path | str) -> dict | None:
    """El estado verificado del respaldo de ``salida`` o ``None`` si no hay respaldo."""
    carpeta = comprobar_ruta(salida, "salida", carpeta=True) / CARPETA_RESPALDO
    ruta = carpeta / ESTADO
    if not ruta.exists():
        return None
    arreglo = (f"Si no puedes recuperarlo, borra la carpeta {carpeta} para empezar de cero (se pierde el "
               "progreso sin terminar) o usa otra carpeta de salida.")
    try:
        estado = leer_json(ruta, "estado del respaldo")
        archivo = carpeta / estado["archivo"]
        verificar_archivo(archivo, estado["sha256"], arreglo=arreglo)
    except (KeyError, TypeError) as e:
        raise ErrorDeDatos(f"El estado del respaldo {ruta} está incompleto ({e}). {arreglo}") from e
    except ErrorDeDatos as e:
        raise ErrorDeDatos(f"El respaldo del entrenamiento en {carpeta} no se puede usar: {e} {arreglo}") from e
    return estado


class Respaldo(keras.callbacks.Callback):
    """Al final de cada época: puntos de control, estado completo y ``estado.json``, en ese orden."""

    def __init__(self, salida: Path, puntos: Iterable[PuntoDeControl], guardar_en: Iterable[int], estado: dict):
        super().__init__()
        self.salida = comprobar_ruta(salida, "salida", carpeta=True)
        self.carpeta = self.salida / CARPETA_RESPALDO
        self.puntos = _puntos(puntos)
        self.guardar_en = set(comprobar_enteros(guardar_en, "guardar_en", vacio=True))
        self.estado = comprobar_tipo(estado, "estado", dict, "un diccionario")

    def on_train_begin(self, logs=None):
        if self.estado.get("archivo"):
            if self.model.optimizer is not None and not self.model.optimizer.built:
                self.model.optimizer.build(self.model.trainable_variables)
            self.model.load_weights(self.carpeta / self.estado["archivo"])

    def on_epoch_begin(self, epoch, logs=None):
        self.inicio = time.monotonic()

    def on_epoch_end(self, epoch, logs=None):
        epoca = epoch + 1
        pesos = dict(self.estado.get("pesos", {}))
        if epoca in self.guardar_en:
            pesos.update(self.guardar_puntos(epoca))
        archivo = f"estado_epoca_{epoca:03d}.weights.h5"
        suma = escribir_atomico(self.carpeta / archivo, lambda ruta: self.model.save_weights(ruta))
        historial = {k: list(v) for k, v in self.estado.get("historial", {}).items()}
        for clave, valor in (logs or {}).items():
            historial.setdefault(clave, []).append(round(float(valor), 6))
        nuevo = {**self.estado, "epoca": epoca, "archivo": archivo, "sha256": suma, "historial": historial,
                 "pesos": pesos,
                 "duracion_s": round(self.estado.get("duracion_s", 0.0) + time.monotonic() - self.inicio, 1),
                 "imagenes_vistas": self.estado.get("imagenes_vistas", 0) + self.estado["imagenes_por_epoca"]}
        escribir_json(self.carpeta / ESTADO, nuevo)
        anterior = self.estado.get("archivo")
        self.estado = nuevo
        if anterior and anterior != archivo:  # solo ahora, con el nuevo completo y anotado
            (self.carpeta / anterior).unlink(missing_ok=True)

    def guardar_puntos(self, epoca: int) -> dict[str, str]:
        """Escribe los puntos de control de ``epoca`` y devuelve ``{archivo: sha256}``."""
        return {p.nombre(epoca): escribir_atomico(self.salida / p.nombre(epoca),
                                                  lambda ruta, p=p: p.guardar(self.model, ruta))
                for p in self.puntos}

    def completar_ultima_epoca(self) -> None:
        """Si la última época completada no tiene sus puntos de control, los guarda y los anota."""
        epoca = self.estado.get("epoca", 0)
        if epoca and any(p.nombre(epoca) not in self.estado["pesos"] or not (self.salida / p.nombre(epoca)).is_file()
                         for p in self.puntos):
            self.estado = {**self.estado, "pesos": {**self.estado["pesos"], **self.guardar_puntos(epoca)}}
            escribir_json(self.carpeta / ESTADO, self.estado)


# --------------------------------------------------------------------------- el núcleo

def describir_maquina() -> dict:
    """Sistema, procesador, núcleos, GPU y versiones: dónde se entrenó."""
    from .motor import importar_tensorflow

    tf = importar_tensorflow()
    return {
        "sistema": platform.platform(),
        "procesador": platform.processor() or platform.machine(),
        "nucleos": os.cpu_count(),
        "gpu": [d.name for d in tf.config.list_physical_devices("GPU")],
        "python": platform.python_version(),
        "tensorflow": tf.__version__,
        "keras": keras.__version__,
    }


def carpeta_de_salida(salida, modelo: str) -> Path:
    """``salida`` o, si es ``None``, la carpeta de pesos propios del usuario; nunca ``data/``."""
    if salida is None:
        salida = carpeta_de_pesos_propios(modelo)
    if not isinstance(salida, (str, os.PathLike)) or not str(salida).strip():
        raise ErrorDeArgumento(f"'salida' debe ser una carpeta (str o Path); llegó {salida!r}.")
    salida = Path(salida).expanduser().resolve()
    if es_carpeta_incluida(salida):
        raise ErrorDeEntrenamiento(
            f"No se entrena en {salida}: es la carpeta de datos y pesos incluidos con el libro, que la "
            f"biblioteca nunca modifica. Omite --salida (se usa {carpeta_de_pesos_propios(modelo)}) o elige otra.")
    if salida.exists() and not salida.is_dir():
        raise ErrorDeArgumento(f"'salida' debe ser una carpeta; {salida} es un archivo.")
    return salida


def entrenar_con_respaldo(modelo, datos, *, salida: Path, epocas: int, puntos: Iterable[PuntoDeControl],
                          guardar_en: Iterable[int], config: dict, procedencia_base: dict, imagenes_por_epoca: int,
                          vigilante: DetenerSiDiverge, validacion=None, verbose: int = 1, callbacks_extra=(),
                          tiempo_maximo: float | None = None, continuar: bool = False,
                          cargar_para_continuar: Callable | None = None,
                          anotar_al_reanudar: dict | None = None) -> dict:
    """Entrena ``modelo`` (ya compilado) hasta ``epocas`` épocas en total, sin perder nada, y
    devuelve su procedencia (también escrita en ``salida/procedencia.json``).

    - Si hay un respaldo en ``salida``, sigue desde él (con el optimizador, el búfer y el
      historial); su ``config`` debe coincidir con la pedida.
    - Si no lo hay pero hay un entrenamiento terminado, solo sigue con ``continuar=True``,
      cargando sus últimos pesos guardados con ``cargar_para_continuar(modelo, ruta)`` (el
      optimizador empieza de nuevo: queda anotado).
    - ``anotar_al_reanudar``: claves que se añaden a la anotación de cada reanudación.
    - ``guardar_en``: épocas con puntos de control; la última completada se guarda siempre.
    """
    comprobar_entero(epocas, "epocas", maximo=100_000)
    if not all(callable(getattr(modelo, a, None)) for a in ("fit", "save_weights", "load_weights")) or \
            getattr(modelo, "optimizer", None) is None:
        raise ErrorDeArgumento(f"'modelo' debe ser un modelo de Keras compilado; llegó {describir(modelo)}.")
    salida = comprobar_ruta(salida, "salida", carpeta=True)
    puntos = _puntos(puntos)
    guardar_en = comprobar_enteros(guardar_en, "guardar_en", vacio=True)
    config = comprobar_tipo(config, "config", dict, "un diccionario")
    procedencia_base = comprobar_tipo(procedencia_base, "procedencia_base", dict, "un diccionario")
    imagenes_por_epoca = comprobar_entero(imagenes_por_epoca, "imagenes_por_epoca", minimo=0, maximo=None)
    comprobar_tipo(vigilante, "vigilante", DetenerSiDiverge, "un DetenerSiDiverge")
    comprobar_opciones_de_entrenamiento(verbose, list(callbacks_extra) if isinstance(callbacks_extra, tuple)
                                        else callbacks_extra, continuar, tiempo_maximo)
    if cargar_para_continuar is not None:
        comprobar_funcion(cargar_para_continuar, "cargar_para_continuar")
    if anotar_al_reanudar is not None:
        comprobar_tipo(anotar_al_reanudar, "anotar_al_reanudar", dict, "un diccionario")
    salida.mkdir(parents=True, exist_ok=True)
    borrar_temporales(salida)
    borrar_temporales(salida / CARPETA_RESPALDO)
    estado = estado_del_respaldo(salida)
    anterior = _procedencia_terminada(salida)
    base = {"config": config, "epoca": 0, "historial": {}, "pesos": {}, "duracion_s": 0.0, "imagenes_vistas": 0,
            "imagenes_por_epoca": int(imagenes_por_epoca), "reanudaciones": []}
    if estado is not None:
        _comprobar_config(salida, estado["config"], config)
        if estado["epoca"] > epocas:
            raise ErrorDeEntrenamiento(f"El entrenamiento de {salida} ya tiene {estado['epoca']} épocas; se pidieron "
                                       f"{epocas}. Pide al menos {estado['epoca']} o usa otra carpeta de salida.")
        _comprobar_pesos_anotados(salida, estado)
        if 0 < estado["epoca"] < epocas:
            estado["reanudaciones"] = [*estado.get("reanudaciones", []),
                                       {"epoca": estado["epoca"], "desde": "respaldo completo (pesos, optimizador "
                                                                          "y estado del entrenamiento)",
                                        **(anotar_al_reanudar or {})}]
    elif anterior is not None:
        if not continuar:
            raise ErrorDeEntrenamiento(
                f"Ya hay un entrenamiento terminado en {salida} ({anterior['epocas']} épocas) y no queda su "
                f"respaldo. Para seguirlo hasta {epocas} épocas desde sus últimos pesos usa --continuar "
                "(continuar=True); para empezar de cero, elige otra carpeta de salida.")
        if epocas <= anterior["epocas"]:
            raise ErrorDeEntrenamiento(f"Para continuar, 'epocas' (el total) debe ser mayor que las "
                                       f"{anterior['epocas']} ya entrenadas; llegó {epocas}.")
        _comprobar_config(salida, anterior.get("config", config), config)
        ultima = anterior["epocas"]
        nombre = next((p.nombre(ultima) for p in puntos if p.nombre(ultima) in anterior["pesos"]), None)
        if nombre is None or cargar_para_continuar is None:
            raise ErrorDeEntrenamiento(f"El entrenamiento de {salida} no guardó los pesos de su última época "
                                       f"({ultima}); no se puede continuar.")
        # todos los puntos de control de esa época, verificados: el cargador puede usar cualquiera
        de_la_ultima = [p.nombre(ultima) for p in puntos if p.nombre(ultima) in anterior["pesos"]]
        for archivo in de_la_ultima:
            verificar_archivo(salida / archivo, anterior["pesos"][archivo],
                              arreglo="Se anotó al guardarlo: el archivo ha cambiado desde entonces.")
        ruta = salida / nombre
        cargar_para_continuar(modelo, ruta)
        estado = {**base, "epoca": ultima, "historial": anterior["historial"], "pesos": anterior["pesos"],
                  "duracion_s": anterior.get("duracion_s", 0.0), "imagenes_vistas": anterior.get("imagenes_vistas", 0),
                  "reanudaciones": [*anterior.get("reanudaciones", []),
                                    {"epoca": ultima, "desde": f"pesos guardados {' y '.join(de_la_ultima)} (sin el "
                                                               "estado del optimizador, que empieza de nuevo)",
                                     **(anotar_al_reanudar or {})}]}
    else:
        estado = base
    estado = {**base, **estado, "imagenes_por_epoca": int(imagenes_por_epoca)}
    desde = estado["epoca"]
    keras.utils.set_random_seed(int(procedencia_base.get("semilla", 0)) + desde)

    respaldo = Respaldo(salida, puntos, [e for e in guardar_en if desde < e <= epocas] + [epocas], estado)
    vigilantes = [vigilante] + ([DetenerPorTiempo(tiempo_maximo)] if tiempo_maximo else [])
    if desde < epocas:
        # El vigilante va antes que el respaldo: una época que diverge no se guarda.
        modelo.fit(datos, epochs=epocas, initial_epoch=desde, verbose=verbose, validation_data=validacion,
                   shuffle=False, callbacks=[*vigilantes, respaldo, *callbacks_extra])
    elif estado.get("archivo"):
        respaldo.set_model(modelo)
        respaldo.on_train_begin()
    respaldo.completar_ultima_epoca()
    estado = respaldo.estado
    procedencia = {
        **procedencia_base,
        "config": config,
        "epocas": estado["epoca"],
        "imagenes_vistas": estado["imagenes_vistas"],
        "maquina": describir_maquina(),
        "duracion_s": estado["duracion_s"],
        "reanudaciones": estado["reanudaciones"],
        "historial": estado["historial"],
        "metricas_finales": {k: v[-1] for k, v in estado["historial"].items() if v},
        "pesos": estado["pesos"],
    }
    if anterior and "kid" in anterior:
        procedencia["kid"] = anterior["kid"]
    escribir_json(salida / PROCEDENCIA, procedencia)
    return procedencia


def _procedencia_terminada(salida: Path) -> dict | None:
    ruta = salida / PROCEDENCIA
    if not ruta.exists():
        return None
    procedencia = leer_json(ruta, "registro de procedencia")
    for clave in ("epocas", "pesos", "historial"):
        if clave not in procedencia:
            raise ErrorDeDatos(f"El registro de procedencia {ruta} está incompleto (falta «{clave}»).")
    return procedencia


CONFIG_POR_DEFECTO = {"precision_mixta": False}


def _comprobar_config(salida: Path, anterior: dict, pedida: dict) -> None:
    # también las claves que solo tiene una de las dos; las que se añadieron después valen lo de
    # antes de añadirlas (CONFIG_POR_DEFECTO) en los registros antiguos
    def valor(config, clave):
        return config.get(clave, CONFIG_POR_DEFECTO.get(clave))

    distintas = {k: (valor(anterior, k), valor(pedida, k)) for k in {**anterior, **pedida}
                 if valor(anterior, k) != valor(pedida, k)}
    if distintas:
        detalle = "; ".join(f"{k}: era {a!r} y se pidió {b!r}" for k, (a, b) in distintas.items())
        raise ErrorDeEntrenamiento(
            f"El entrenamiento guardado en {salida} es de otra configuración ({detalle}). Para seguirlo, repite "
            "la orden con la configuración original; para uno nuevo, elige otra carpeta de salida.")


def _comprobar_pesos_anotados(salida: Path, estado: dict) -> None:
    for nombre, suma in estado.get("pesos", {}).items():
        verificar_archivo(salida / nombre, suma, arreglo=(
            f"Se anotó al guardarlo en la época {estado['epoca']} o antes: el archivo ha cambiado o se ha borrado "
            "desde entonces. Restáuralo o empieza de cero en otra carpeta."))
