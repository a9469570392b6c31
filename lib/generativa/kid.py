"""La KID (*kernel inception distance*, Bińkowski et al., 2018): núcleo, estimador, extractores y curva por épocas.

La KID compara dos conjuntos de imágenes a través de sus características: es la
discrepancia de medias máxima (MMD²) insesgada con el núcleo polinómico cúbico
k(x, y) = (xᵀy / d + 1)³. Vale 0 (en esperanza) si ambos conjuntos vienen de la misma
distribución y crece cuanto más se separan.

- :func:`kid`: el estimador, sobre características ``(n, d)``.
- :func:`extractor_kid`: de dónde salen las características. El ejemplo de keras.io usa
  InceptionV3 preentrenada en ImageNet (imágenes a 75x75), cuyos pesos se descargan;
  sin conexión (así se construye este libro) se usa el **extractor de flores**: una red
  convolucional pequeña entrenada aquí para clasificar las 102 especies. El incluido en
  ``data/`` (y el que entrena ``python -m generativa.entrenar extractor``) se entrenó solo
  con las flores de entrenamiento del curso, así que nunca vio la referencia de la KID
  (las de validación); otro extractor se elige con ``carpeta``. Las cifras de KID de dos
  extractores no son comparables, y cada figura dice cuál usó
  (:func:`procedencia_extractor_flores` dice con qué datos se entrenó y su exactitud).
- :func:`kid_de_modelo` y :func:`evaluar_puntos_de_control`: la KID de las muestras de
  un modelo de difusión frente a las flores de validación, por épocas.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np

from .errores import ErrorDeArgumento, ErrorDeDatos, ErrorDeDescarga
from .validacion import (comprobar_array, comprobar_entero, comprobar_enteros, comprobar_imagenes, comprobar_modelo,
                         comprobar_opcion, comprobar_ruta, comprobar_semilla, comprobar_textos)

ARCHIVO_EXTRACTOR = "extractor_flores.weights.h5"
IMAGENES_KID = 500
PASOS_KID = 20
LADO_FLORES = 64
LADO_INCEPTION = 75
NOMBRES = {
    "inception": "InceptionV3 (ImageNet), imágenes a 75x75",
    "flores": "extractor de flores (CNN pequeña entrenada en el repositorio para reconocer las 102 especies), "
              "imágenes a 64x64",
}


# --------------------------------------------------------------------------- el estimador

def nucleo_polinomico(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """k(a, b) = (a·bᵀ / d + 1)³ para todas las parejas de filas."""
    a = comprobar_array(a, "a", ndim=2)
    b = comprobar_array(b, "b", forma=(None, a.shape[1]))
    return (a.astype(np.float64) @ b.T.astype(np.float64) / a.shape[1] + 1.0) ** 3


def kid(caracteristicas_reales, caracteristicas_generadas) -> float:
    """MMD² insesgada con núcleo cúbico entre dos conjuntos de características ``(n ≥ 2, d)``."""
    x = _caracteristicas(caracteristicas_reales, "caracteristicas_reales")
    y = _caracteristicas(caracteristicas_generadas, "caracteristicas_generadas")
    if x.shape[1] != y.shape[1]:
        raise ErrorDeArgumento(f"Las características deben tener la misma dimensión; llegaron {x.shape[1]} y "
                               f"{y.shape[1]}.")
    n, m = len(x), len(y)
    kxx, kyy, kxy = nucleo_polinomico(x, x), nucleo_polinomico(y, y), nucleo_polinomico(x, y)
    # Insesgada: sin la diagonal (cada muestra consigo misma) en los términos intra-conjunto.
    media_xx = (kxx.sum() - np.trace(kxx)) / (n * (n - 1))
    media_yy = (kyy.sum() - np.trace(kyy)) / (m * (m - 1))
    return float(media_xx + media_yy - 2.0 * kxy.mean())


def _caracteristicas(valores, nombre: str) -> np.ndarray:
    x = comprobar_array(valores, nombre, ndim=2)
    if x.shape[0] < 2 or x.shape[1] < 1:
        raise ErrorDeArgumento(f"'{nombre}' debe tener la forma (n ≥ 2, d ≥ 1); llegó {x.shape}.")
    return x


# --------------------------------------------------------------------------- los extractores

def _keras():
    from .motor import importar_keras

    return importar_keras()


def build_extractor_flores(clases: int = 102):
    """Clasificador pequeño de flores; su capa ``caracteristicas`` da 256 números por imagen."""
    keras = _keras()
    layers = keras.layers
    comprobar_entero(clases, "clases", minimo=2, maximo=10_000)
    entrada = keras.Input((None, None, 3), name="imagenes")
    x = layers.Resizing(LADO_FLORES, LADO_FLORES, name="a_64")(entrada)
    x = layers.Rescaling(2.0, offset=-1.0)(x)
    for i, ancho in enumerate((32, 64, 128, 256)):
        x = layers.Conv2D(ancho, 3, padding="same", use_bias=False, name=f"conv_{i}")(x)
        x = layers.BatchNormalization(name=f"bn_{i}")(x)
        x = layers.Activation("relu")(x)
        if i < 3:
            x = layers.MaxPooling2D()(x)
    caracteristicas = layers.GlobalAveragePooling2D(name="caracteristicas")(x)
    x = layers.Dropout(0.3)(caracteristicas)
    salida = layers.Dense(clases, activation="softmax", name="especie")(x)
    return keras.Model(entrada, salida, name="extractor_flores")


def entrenar_extractor_flores(epocas: int = 40, semilla: int = 42, verbose: int = 0):
    """Entrena el extractor de flores y devuelve ``(modelo, procedencia)``.

    Entrena solo con las 6.551 flores de entrenamiento del curso
    (:func:`generativa.difusion.particion_del_curso`) y mide su exactitud con las 1.638 de
    validación, que son la referencia de la KID: las características de referencia salen
    de imágenes que el extractor nunca vio. Aumento de datos: volteos y acercamientos.
    """
    from .datos import cargar_flores
    from .difusion import particion_del_curso

    keras = _keras()
    layers = keras.layers
    comprobar_entero(epocas, "epocas", maximo=1000)
    comprobar_semilla(semilla, "semilla", opcional=False)
    comprobar_opcion(verbose, "verbose", (0, 1, 2, "auto"))
    keras.utils.set_random_seed(semilla)
    flores = cargar_flores(LADO_FLORES)
    entrenamiento, validacion = particion_del_curso(flores)
    x, y = flores.imagenes[entrenamiento], flores.etiquetas[entrenamiento] - 1
    aumento = keras.Sequential([layers.RandomFlip("horizontal", seed=semilla),
                                layers.RandomZoom((-0.2, 0.0), seed=semilla)])
    modelo = build_extractor_flores()
    entrada = keras.Input((LADO_FLORES, LADO_FLORES, 3))
    entrenable = keras.Model(entrada, modelo(aumento(entrada)))
    entrenable.compile(optimizer=keras.optimizers.Adam(1e-3), loss="sparse_categorical_crossentropy",
                       metrics=["accuracy"])
    inicio = time.time()
    historia = entrenable.fit(x, y, batch_size=64, epochs=epocas, verbose=verbose)
    modelo.compile(loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    _, exactitud = modelo.evaluate(flores.imagenes[validacion], flores.etiquetas[validacion] - 1, verbose=0)
    procedencia = {
        "modelo": f"extractor de flores ({modelo.count_params():,} parámetros)".replace(",", "."),
        "datos": (f"Oxford 102 Flowers a 64x64: entrena con las {len(entrenamiento)} flores de entrenamiento del "
                  f"curso y mide con las {len(validacion)} de validación (la referencia de la KID), que no ve"),
        "epocas": epocas, "semilla": semilla, "duracion_s": round(time.time() - inicio, 1),
        "exactitud_entrenamiento": round(float(historia.history["accuracy"][-1]), 4),
        "exactitud_validacion": round(float(exactitud), 4),
        "azar": round(1 / 102, 4),
    }
    return modelo, procedencia


def _extractor_inception():
    """InceptionV3 de ImageNet sin la cabeza, con media global: 2.048 números por imagen.

    Keras descarga sus pesos la primera vez; si no puede, lanza ``Exception`` a secas, que
    aquí (y solo aquí) se traduce en un :class:`~generativa.errores.ErrorDeDescarga`.
    """
    keras = _keras()
    layers = keras.layers
    try:
        base = keras.applications.InceptionV3(include_top=False, weights="imagenet",
                                              input_shape=(LADO_INCEPTION, LADO_INCEPTION, 3), pooling="avg")
    except Exception as e:  # noqa: BLE001 - keras.utils.get_file no tiene una excepción propia
        raise ErrorDeDescarga(f"No se pudieron cargar los pesos de InceptionV3 (¿sin conexión?): {e}") from e
    entrada = keras.Input((None, None, 3))
    x = layers.Resizing(LADO_INCEPTION, LADO_INCEPTION)(entrada)
    x = layers.Rescaling(255.0)(x)
    x = keras.applications.inception_v3.preprocess_input(x)
    return keras.Model(entrada, base(x), name="extractor_inception")


def _pesos_extractor_flores(carpeta=None) -> tuple[Path, dict, str]:
    """``(ruta de los pesos, procedencia, sha256)`` del extractor incluido o del de ``carpeta``.

    ``carpeta`` es la salida de ``python -m generativa.entrenar extractor``: sus pesos se
    usan solo si coinciden con el sha256 que anotó su ``procedencia.json``.
    """
    from .archivos import leer_json, obtener, sha256_de

    if carpeta is None:
        ruta = obtener("extractor_flores", descargar_si_falta=False)
        return ruta, leer_json(obtener("kid_procedencia", descargar_si_falta=False), "registro de procedencia"), \
            sha256_de(ruta)
    carpeta = comprobar_ruta(carpeta, "carpeta", carpeta=True)
    procedencia = leer_json(carpeta / "procedencia.json", "registro de procedencia")
    esperado = procedencia.get("pesos", {}).get(ARCHIVO_EXTRACTOR) if isinstance(procedencia.get("pesos"), dict) else None
    ruta = carpeta / ARCHIVO_EXTRACTOR
    if not isinstance(esperado, str) or not ruta.is_file():
        raise ErrorDeDatos(f"{carpeta} no parece la salida de «python -m generativa.entrenar extractor»: se esperaba "
                           f"{ARCHIVO_EXTRACTOR} y su sha256 en procedencia.json (en «pesos»); "
                           f"{'falta el archivo' if not ruta.is_file() else 'la procedencia no anota su sha256'}.")
    suma = sha256_de(ruta)
    if suma != esperado:
        raise ErrorDeDatos(f"{ruta} no es el que anotó su procedencia (sha256 {suma[:12]}…, se esperaba "
                           f"{esperado[:12]}…): ¿se copió a medias o se sustituyó? Vuelve a copiarlo o a entrenarlo.")
    return ruta, procedencia, suma


def _extractor_flores(carpeta=None):
    keras = _keras()
    modelo = build_extractor_flores()
    modelo.load_weights(_pesos_extractor_flores(carpeta)[0])
    return keras.Model(modelo.input, modelo.get_layer("caracteristicas").output, name="extractor_flores")


def extractor_kid(cual: str = "auto", carpeta=None):
    """``(nombre, modelo)``: el extractor de características para la KID.

    ``cual`` es ``"inception"``, ``"flores"`` o ``"auto"``: Inception si sus pesos se
    pueden cargar (con internet o ya descargados; así en Colab) y, si no, el de flores.
    El nombre devuelto dice cuál se usó (:data:`NOMBRES` lo describe para las figuras).
    Con ``carpeta`` (la de un extractor de flores entrenado con ``python -m
    generativa.entrenar extractor``) se usa ese extractor de flores en vez del incluido.
    """
    comprobar_opcion(cual, "cual", ("auto", "inception", "flores"))
    if carpeta is not None:
        if cual == "inception":
            raise ErrorDeArgumento("'carpeta' elige los pesos de un extractor de flores: no se combina con "
                               "cual=\"inception\" (usa cual=\"flores\" o \"auto\").")
        return "flores", _extractor_flores(carpeta)
    if cual in ("auto", "inception"):
        try:
            return "inception", _extractor_inception()
        except ErrorDeDescarga:
            if cual == "inception":
                raise
    return "flores", _extractor_flores()


def caracteristicas(extractor, imagenes, batch_size: int = 128) -> np.ndarray:
    """Características ``(n, d)`` de imágenes ``(n, lado, lado, 3)`` en [0, 1]."""
    comprobar_modelo(extractor, "extractor", entrada=(None, None, 3),
                     descripcion="un modelo de Keras de imágenes (N, alto, ancho, 3), como los de extractor_kid")
    imagenes = comprobar_imagenes(imagenes, "imagenes")
    comprobar_entero(batch_size, "batch_size", maximo=100_000)
    return np.asarray(extractor.predict(imagenes, batch_size=batch_size, verbose=0), np.float64)


def procedencia_extractor_flores(carpeta=None) -> dict:
    """Cómo se entrenó el extractor de flores incluido (o el de ``carpeta``): datos, épocas y exactitud."""
    return _pesos_extractor_flores(carpeta)[1]


# --------------------------------------------------------------------------- la KID de un modelo

def kid_de_modelo(modelo, extractor, num_images: int = IMAGENES_KID, diffusion_steps: int = PASOS_KID,
                  semilla: int = 0, reales=None, caracteristicas_reales=None) -> float:
    """KID entre ``num_images`` muestras del modelo y las imágenes ``reales`` (o sus características).

    Las muestras salen siempre del mismo ruido para una ``semilla`` dada
    (:func:`generativa.difusion.generar_por_lotes`), así que dos modelos se comparan en las
    mismas condiciones.
    """
    from .difusion import DiffusionModel, MAXIMO_PASOS, generar_por_lotes
    from .validacion import comprobar_tipo

    comprobar_tipo(modelo, "modelo", DiffusionModel, "un DiffusionModel")
    comprobar_modelo(extractor, "extractor", entrada=(None, None, 3),
                     descripcion="un modelo de Keras de imágenes (N, alto, ancho, 3), como los de extractor_kid")
    comprobar_entero(num_images, "num_images", minimo=2, maximo=100_000)
    comprobar_entero(diffusion_steps, "diffusion_steps", maximo=MAXIMO_PASOS)
    comprobar_semilla(semilla, "semilla", opcional=False)
    if (reales is None) == (caracteristicas_reales is None):
        raise ErrorDeArgumento("Se esperaba exactamente uno de 'reales' (imágenes) o 'caracteristicas_reales'.")
    if caracteristicas_reales is not None:
        caracteristicas_reales = _caracteristicas(caracteristicas_reales, "caracteristicas_reales")
    else:
        reales = comprobar_imagenes(reales, "reales", lado=modelo.image_size)
    if caracteristicas_reales is None:
        caracteristicas_reales = caracteristicas(extractor, reales)
    generadas = generar_por_lotes(modelo, num_images, diffusion_steps, semilla)
    return kid(caracteristicas_reales, caracteristicas(extractor, generadas))


PASOS_KERAS_IO = 5
KID_PUBLICADA_FLORES = 0.259  # Béres (clear-diffusion-keras): flores, pérdida MAE, Inception a 75x75, 5 pasos


def kid_como_keras_io(modelo, reales, num_images: int = IMAGENES_KID, semilla: int = 0):
    """La KID como la mide el ejemplo de keras.io: InceptionV3 a 75x75 y muestras de 5 pasos.

    Devuelve ``(kid, None)`` o, si los pesos de Inception no se pueden cargar (sin conexión),
    ``(None, motivo)``. Es la cifra que se puede poner junto a las publicadas
    (:data:`KID_PUBLICADA_FLORES`); la del extractor de flores no lo es.
    """
    from .difusion import DiffusionModel
    from .validacion import comprobar_tipo

    comprobar_tipo(modelo, "modelo", DiffusionModel, "un DiffusionModel")
    reales = comprobar_imagenes(reales, "reales", lado=modelo.image_size)
    comprobar_entero(num_images, "num_images", minimo=2, maximo=100_000)
    comprobar_semilla(semilla, "semilla", opcional=False)
    try:
        _, inception = extractor_kid("inception")
    except ErrorDeDescarga as e:
        return None, str(e)
    return kid_de_modelo(modelo, inception, num_images, PASOS_KERAS_IO, semilla, reales=reales), None


def evaluar_puntos_de_control(salida: Path | str, epocas=None, num_images: int = IMAGENES_KID,
                              diffusion_steps: int = PASOS_KID, cual: str = "auto", semillas=(0,),
                              redes=("ema_network",), extractor=None) -> dict:
    """Añade a ``salida/procedencia.json`` la KID de cada época guardada (o de ``epocas``).

    La referencia son las imágenes de validación del curso a la resolución del modelo.
    Con varias ``semillas`` (de ruido) se mide cada punto varias veces, para estimar su
    dispersión. ``redes`` elige qué se evalúa: la red EMA (``ddm_epoca_NNN.h5``) y, si se
    guardó, la red sin promediar (``"network"``, ``ddm_red_epoca_NNN.h5``). ``extractor``
    es la carpeta de otro extractor de flores (:func:`extractor_kid`); el registro anota
    sus datos de entrenamiento, su exactitud y el sha256 de sus pesos. Lo ya evaluado con
    la misma configuración (extractor incluido) no se repite; se guarda tras cada medida,
    así que la evaluación se puede interrumpir y continuar.
    """
    from .archivos import escribir_json, leer_json
    from .datos import cargar_flores
    from .difusion import MAXIMO_PASOS, DiffusionModel, cargar_ema, particion_del_curso

    salida = comprobar_ruta(salida, "salida", carpeta=True)
    if epocas is not None:
        epocas = comprobar_enteros(epocas, "epocas", maximo=100_000)
    comprobar_entero(num_images, "num_images", minimo=2, maximo=100_000)
    comprobar_entero(diffusion_steps, "diffusion_steps", maximo=MAXIMO_PASOS)
    comprobar_opcion(cual, "cual", ("auto", "inception", "flores"))
    semillas = list(comprobar_enteros(semillas, "semillas", minimo=0, maximo=2**31 - 1 - num_images))
    if isinstance(redes, str):
        redes = (redes,)
    redes = tuple(comprobar_opcion(red, "red", ("ema_network", "network"))
                  for red in comprobar_textos(redes, "redes"))
    if not redes:
        raise ErrorDeArgumento("'redes' está vacía: di qué red evaluar (\"ema_network\", \"network\" o las dos).")
    ruta = salida / "procedencia.json"
    procedencia = leer_json(ruta, "registro de procedencia")
    lado = procedencia.get("image_size")
    if isinstance(lado, bool) or not isinstance(lado, int) or not 8 <= lado <= 1024:
        raise ErrorDeDatos(f"El registro de procedencia {ruta} no dice el tamaño de imagen del modelo "
                           f"(«image_size»: {lado!r}); ¿es la carpeta de un entrenamiento del modelo de difusión?")
    prefijos = {"ema_network": "ddm_epoca_", "network": "ddm_red_epoca_"}
    guardadas = {red: sorted(int(p.stem.rsplit("_", 1)[1]) for p in salida.glob(f"{prefijos[red]}*.h5"))
                 for red in redes}
    epocas = guardadas[redes[0]] if epocas is None else sorted(epocas)
    for red in redes:
        faltan = [e for e in epocas if e not in guardadas[red]]
        if faltan:
            raise ErrorDeDatos(f"No hay pesos guardados de las épocas {faltan} en {salida} ({prefijos[red]}...); "
                               f"los hay de {guardadas[red]}.")
    if extractor is not None:
        extractor = comprobar_ruta(extractor, "extractor", carpeta=True)
    nombre, red_extractor = extractor_kid(cual, extractor)
    flores = cargar_flores(procedencia["image_size"])
    _, validacion = particion_del_curso(flores)
    reales = caracteristicas(red_extractor, flores.imagenes[validacion])
    config = {"extractor": NOMBRES[nombre], "imagenes_generadas": num_images, "pasos_de_difusion": diffusion_steps,
              "referencia": f"{len(validacion)} imágenes de validación"}
    if nombre == "flores":
        _, datos_extractor, suma = _pesos_extractor_flores(extractor)
        config.update({"datos_del_extractor": datos_extractor.get("datos"),
                       "exactitud_del_extractor": datos_extractor.get("exactitud_validacion",
                                                                      datos_extractor.get("exactitud_prueba")),
                       "sha256_del_extractor": suma})
    anterior = procedencia.get("kid", {})
    medidas = anterior.get("medidas", {}) if {k: anterior.get(k) for k in config} == config else {}
    modelo = DiffusionModel(procedencia["image_size"])
    for red in redes:
        for epoca in epocas:
            clave = f"{red}/{epoca}"
            hechas = medidas.get(clave, {})
            pendientes = [s for s in semillas if str(s) not in hechas]
            if not pendientes:
                continue
            cargar_ema(modelo, salida / f"{prefijos[red]}{epoca:03d}.h5")
            for semilla in pendientes:
                hechas[str(semilla)] = round(kid_de_modelo(modelo, red_extractor, num_images, diffusion_steps,
                                                           semilla, caracteristicas_reales=reales), 5)
                medidas[clave] = dict(sorted(hechas.items(), key=lambda kv: int(kv[0])))
                procedencia["kid"] = {**config, "medidas": medidas, "por_epoca": _medias(medidas, "ema_network")}
                escribir_json(ruta, procedencia)
    return procedencia.get("kid", {})


def _medias(medidas: dict, red: str) -> dict:
    """La media sobre semillas de cada época de ``red``: ``{"1": 0.31, ...}``."""
    por_epoca = {}
    for clave, valores in medidas.items():
        nombre, epoca = clave.split("/")
        if nombre == red:
            por_epoca[epoca] = round(float(np.mean(list(valores.values()))), 5)
    return dict(sorted(por_epoca.items(), key=lambda kv: int(kv[0])))
