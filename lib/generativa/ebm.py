"""Modelo basado en energía (EBM) del curso: red de energía, Langevin, búfer y entrenamiento.

Convención de signos (la del código del curso): la red devuelve una
**puntuación** s_θ(x) = −E_θ(x). Puntuación alta = energía baja = imagen
plausible. La dinámica de Langevin sube por la puntuación (baja por la energía).

Todo el bucle de Langevin y el paso de entrenamiento se compilan con
``tf.function``; el búfer de muestras es un tensor, no una lista de Python.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .errores import ErrorDeArgumento, ErrorDeEntrenamiento
from .motor import importar_keras, importar_tensorflow
from .pesos import PesosEntrenados
from .validacion import (comprobar_bool, comprobar_entero, comprobar_enteros, comprobar_modelo,
                         comprobar_opciones_de_entrenamiento, comprobar_real, comprobar_ruta, comprobar_semilla,
                         comprobar_tensor, comprobar_texto, comprobar_tipo, es_simbolico)
from .validacion import comprobar_imagenes as _comprobar_imagenes

tf = importar_tensorflow()
keras = importar_keras()
layers = keras.layers

# Hiperparámetros del curso.
IMAGE_SIZE = 32
CHANNELS = 1
STEP_SIZE = 10
STEPS = 60
NOISE = 0.005
ALPHA = 0.1
GRADIENT_CLIP = 0.03
BATCH_SIZE = 128
BUFFER_SIZE = 8192
FRESH_SHARE = 0.05
LEARNING_RATE = 1e-4
MAXIMO_PASOS = 10_000  # pasos de Langevin por llamada: más es casi seguro un error
MAXIMO_BUFER = 65_536  # imágenes del búfer (256 MB en float32)
MAXIMA_PUNTUACION = 1e15  # en valor absoluto: su cuadrado aún cabe en float32
BUFER_GUARDADO = 128  # imágenes del búfer en cada instantánea de --guardar-bufer
REALES_DE_REFERENCIA = 512  # dígitos reales que se puntúan en cada instantánea


# ------------------------------------------------------------------ la red

def build_energy_network(image_size: int = IMAGE_SIZE, channels: int = CHANNELS) -> keras.Model:
    """La red del curso: cuatro convoluciones con paso 2 y dos densas, activación swish.

    Devuelve un ``keras.Model`` de ``(N, 32, 32, 1)`` a ``(N, 1)``: la puntuación
    s_θ(x) = −E_θ(x) de cada imagen (76.993 parámetros con las medidas del curso).
    """
    comprobar_entero(image_size, "image_size", maximo=1024)
    comprobar_entero(channels, "channels", maximo=4)
    if image_size != 32 or channels != 1:
        raise ErrorDeArgumento(
            "La red de energía del curso espera imágenes de 32x32 con 1 canal; "
            f"llegaron image_size={image_size!r} y channels={channels!r}."
        )
    ebm_input = layers.Input(shape=(image_size, image_size, channels), name="imagen")
    x = layers.Conv2D(16, kernel_size=5, strides=2, padding="same", activation="swish")(ebm_input)
    x = layers.Conv2D(32, kernel_size=3, strides=2, padding="same", activation="swish")(x)
    x = layers.Conv2D(64, kernel_size=3, strides=2, padding="same", activation="swish")(x)
    x = layers.Conv2D(64, kernel_size=3, strides=2, padding="same", activation="swish")(x)
    x = layers.Flatten()(x)
    x = layers.Dense(64, activation="swish")(x)
    ebm_output = layers.Dense(1, name="puntuacion")(x)
    return keras.Model(ebm_input, ebm_output, name="red_de_energia")


def comprobar_imagenes(imagenes, nombre: str = "imágenes"):
    """Comprueba (fuera de un grafo) que lleguen imágenes ``(N, 32, 32, 1)`` en [-1, 1]; las devuelve en float32."""
    comprobar_texto(nombre, "nombre")
    try:
        forma = tuple(getattr(imagenes, "shape", ()))
    except (TypeError, ValueError):  # un tensor simbólico de forma desconocida
        forma = ()
    if len(forma) == 4 and forma[1:3] == (28, 28):
        raise ErrorDeArgumento(
            f"Las {nombre} son de 28x28 y el EBM espera 32x32: rellena 2 píxeles de fondo (−1) por "
            "cada lado, como hace generativa.datos.cargar_mnist."
        )
    return _comprobar_imagenes(imagenes, nombre, lado=IMAGE_SIZE, canales=CHANNELS, minimo=-1.0, maximo=1.0)


def comprobar_hiperparametros(steps, step_size, noise, gradient_clip,
                              minimo_pasos: int = 1) -> tuple[int, float, float, float]:
    """Pasos de Langevin (de ``minimo_pasos`` a 10.000) y tamaño de paso, ruido y recorte (reales finitos ≥ 0)."""
    return (comprobar_entero(steps, "steps", minimo=minimo_pasos, maximo=MAXIMO_PASOS),
            comprobar_real(step_size, "step_size", minimo=0, maximo=1e4),
            comprobar_real(noise, "noise", minimo=0, maximo=10),
            comprobar_real(gradient_clip, "gradient_clip", minimo=0, maximo=1e4))


# ------------------------------------------------------------- Langevin


def langevin_step(
    model, inp_imgs, step_size, noise, gradient_clip=GRADIENT_CLIP
):
    """Un paso de Langevin del curso: ruido, recorte, gradiente de la puntuación
    (recortado) hacia arriba, recorte. Dentro del bucle compilado de
    :func:`generate_samples` los argumentos ya llegan comprobados.
    """
    if not es_simbolico(inp_imgs):
        comprobados = comprobar_langevin(
            model, inp_imgs, 1, step_size, noise, False, gradient_clip
        )
        model, inp_imgs, _, step_size, noise, gradient_clip = comprobados
    inp_imgs = inp_imgs + tf.random.normal(
        tf.shape(inp_imgs), mean=0.0, stddev=noise
    )
    inp_imgs = tf.clip_by_value(inp_imgs, -1.0, 1.0)
    with tf.GradientTape() as tape:
        tape.watch(inp_imgs)
        out_score = model(inp_imgs, training=False)
    grads = tape.gradient(out_score, inp_imgs)
    grads = tf.clip_by_value(grads, -gradient_clip, gradient_clip)
    inp_imgs = inp_imgs + step_size * grads
    return tf.clip_by_value(inp_imgs, -1.0, 1.0)


def _langevin(model, inp_imgs, steps, step_size, noise, gradient_clip):
    def cuerpo(i, x):
        return i + 1, langevin_step(model, x, step_size, noise, gradient_clip)

    _, inp_imgs = tf.while_loop(lambda i, x: i < steps, cuerpo, (tf.constant(0), inp_imgs))
    return inp_imgs


def _langevin_con_pasos(model, inp_imgs, steps, step_size, noise, gradient_clip):
    def cuerpo(i, x, pasos):
        x = langevin_step(model, x, step_size, noise, gradient_clip)
        return i + 1, x, pasos.write(i, x)

    pasos = tf.TensorArray(tf.float32, size=steps)
    _, _, pasos = tf.while_loop(lambda i, x, p: i < steps, cuerpo, (tf.constant(0), inp_imgs, pasos))
    return pasos.stack()


_langevin_compilado = tf.function(_langevin, reduce_retracing=True)
_langevin_con_pasos_compilado = tf.function(_langevin_con_pasos, reduce_retracing=True)


def comprobar_langevin(model, inp_imgs, steps, step_size, noise, return_img_per_step=False,
                       gradient_clip=GRADIENT_CLIP):
    """Los argumentos de :func:`generate_samples`: ``(model, imágenes como tensor, steps, step_size, noise,
    gradient_clip)``."""
    _comprobar_red(model)
    steps, step_size, noise, gradient_clip = comprobar_hiperparametros(steps, step_size, noise, gradient_clip)
    comprobar_bool(return_img_per_step, "return_img_per_step")
    return (model, tf.convert_to_tensor(comprobar_imagenes(inp_imgs, "imágenes de partida")), steps, step_size,
            noise, gradient_clip)


def generate_samples(model, inp_imgs, steps, step_size, noise, return_img_per_step=False,
                     gradient_clip=GRADIENT_CLIP):
    """Dinámica de Langevin sobre la puntuación del modelo, compilada.

    En cada uno de los ``steps`` pasos: x ← clip(x + ruido·N(0, I)); x ← clip(x +
    step_size · clip(∇ₓ s_θ(x), ±gradient_clip)), con recortes a [-1, 1]. Devuelve
    las imágenes finales o, con ``return_img_per_step``, un tensor
    ``(steps, N, 32, 32, 1)`` con las imágenes tras cada paso.
    """
    model, x, steps, step_size, noise, gradient_clip = comprobar_langevin(
        model, inp_imgs, steps, step_size, noise, return_img_per_step, gradient_clip)
    argumentos = (model, x, tf.constant(int(steps)), tf.constant(float(step_size)),
                  tf.constant(float(noise)), tf.constant(float(gradient_clip)))
    if return_img_per_step:
        return _langevin_con_pasos_compilado(*argumentos)
    return _langevin_compilado(*argumentos)


# --------------------------------------------------------------- el búfer

class Buffer(keras.layers.Layer):
    """Búfer de repetición: las muestras de Langevin de lotes anteriores.

    Guarda hasta ``buffer_size`` imágenes en un tensor. Cada lote de muestras
    falsas parte de imágenes del búfer elegidas al azar, salvo una fracción
    ``fresh_share`` (≈5 %) que parte de ruido uniforme nuevo; tras Langevin, las
    muestras resultantes entran en el búfer sustituyendo a las más antiguas.
    """

    def __init__(self, model, batch_size: int = BATCH_SIZE, buffer_size: int = BUFFER_SIZE,
                 fresh_share: float = FRESH_SHARE, seed: int = 0, **kwargs):
        super().__init__(**kwargs)
        _comprobar_red(model)
        comprobar_entero(batch_size, "batch_size", maximo=MAXIMO_BUFER)
        comprobar_entero(buffer_size, "buffer_size", maximo=MAXIMO_BUFER)
        if buffer_size < batch_size:
            raise ErrorDeArgumento(f"El búfer ({buffer_size}) no puede ser menor que el lote ({batch_size}).")
        comprobar_real(fresh_share, "fresh_share", minimo=0, maximo=1)
        comprobar_semilla(seed, opcional=False)
        self.model = model
        self.batch_size, self.buffer_size, self.fresh_share = int(batch_size), int(buffer_size), float(fresh_share)
        forma = (self.buffer_size, IMAGE_SIZE, IMAGE_SIZE, CHANNELS)
        # Empieza con un lote de ruido uniforme en [-1, 1], como el del curso.
        inicial = np.zeros(forma, np.float32)
        inicial[: self.batch_size] = np.random.default_rng(seed).uniform(-1, 1, (self.batch_size, *forma[1:]))
        self.examples = self.add_weight(shape=forma, initializer=keras.initializers.Constant(inicial),
                                        trainable=False, name="examples", dtype="float32")
        self.count = self.add_weight(shape=(), initializer=keras.initializers.Constant(self.batch_size),
                                     trainable=False, name="count", dtype="int32")
        self.position = self.add_weight(shape=(), initializer=keras.initializers.Constant(self.batch_size % self.buffer_size),
                                        trainable=False, name="position", dtype="int32")

    def sample_new_exmps(
        self, steps, step_size, noise, gradient_clip=GRADIENT_CLIP
    ):
        """Un lote de muestras falsas: del búfer (o ruido nuevo) + Langevin; las
        guarda.
        """
        steps, step_size, noise, gradient_clip = comprobar_hiperparametros(
            steps, step_size, noise, gradient_clip, minimo_pasos=0
        )
        n = self.batch_size
        indices = tf.random.uniform((n,), 0, self.count, dtype=tf.int32)
        old_imgs = tf.gather(self.examples, indices)
        rand_imgs = tf.random.uniform((n, IMAGE_SIZE, IMAGE_SIZE, CHANNELS)) * 2 - 1
        fresh = tf.random.uniform((n, 1, 1, 1)) < self.fresh_share
        inp_imgs = tf.where(fresh, rand_imgs, old_imgs)
        inp_imgs = _langevin(
            self.model, inp_imgs, steps, step_size, noise, gradient_clip
        )
        posiciones = (self.position + tf.range(n)) % self.buffer_size
        self.examples.assign(
            tf.tensor_scatter_nd_update(
                self.examples, posiciones[:, None], inp_imgs
            )
        )
        self.position.assign((self.position + n) % self.buffer_size)
        self.count.assign(tf.minimum(self.count + n, self.buffer_size))
        return inp_imgs


# --------------------------------------------------------------- el modelo

class EBM(keras.Model):
    """El modelo completo: red de energía, búfer y entrenamiento por divergencia contrastiva.

    ``loss = cdiv + reg`` con ``cdiv = media(s(falsas)) − media(s(reales))`` y
    ``reg = alpha · media(s(reales)² + s(falsas)²)``. Las reales reciben un ruido
    de desviación ``noise`` antes de puntuarse.
    """

    def __init__(self, model=None, alpha=ALPHA, steps=STEPS, step_size=STEP_SIZE, noise=NOISE,
                 gradient_clip=GRADIENT_CLIP, batch_size=BATCH_SIZE, buffer_size=BUFFER_SIZE,
                 fresh_share=FRESH_SHARE, seed=0, **kwargs):
        super().__init__(**kwargs)
        alpha = comprobar_real(alpha, "alpha", minimo=0, maximo=1e3)
        hiperparametros = comprobar_hiperparametros(steps, step_size, noise, gradient_clip)
        self.model = model if model is not None else build_energy_network()
        self.buffer = Buffer(self.model, batch_size, buffer_size, fresh_share, seed)
        self.alpha = alpha
        self.steps, self.step_size, self.noise, self.gradient_clip = hiperparametros
        self.loss_metric = keras.metrics.Mean(name="loss")
        self.reg_loss_metric = keras.metrics.Mean(name="reg")
        self.cdiv_loss_metric = keras.metrics.Mean(name="cdiv")
        self.real_out_metric = keras.metrics.Mean(name="real")
        self.fake_out_metric = keras.metrics.Mean(name="fake")
        self.built = True  # la red y el búfer ya tienen sus pesos

    @property
    def metrics(self):
        return [self.loss_metric, self.reg_loss_metric, self.cdiv_loss_metric,
                self.real_out_metric, self.fake_out_metric]

    def call(self, inputs, training=False):
        return self.model(inputs, training=training)

    def contrastive_divergence(self, real_out, fake_out):
        """Pérdida del curso: (cdiv, reg, loss) a partir de las puntuaciones."""
        real_out, fake_out = self.comprobar_puntuaciones(real_out, fake_out)
        cdiv_loss = tf.reduce_mean(fake_out) - tf.reduce_mean(real_out)
        reg_loss = self.alpha * tf.reduce_mean(real_out**2 + fake_out**2)
        return cdiv_loss, reg_loss, cdiv_loss + reg_loss

    def comprobar_puntuaciones(self, real_out, fake_out):
        """Las puntuaciones de :meth:`contrastive_divergence` como tensores ``(N, 1)`` finitos
        (dentro de un grafo, solo su forma)."""
        consejo = "Puntuaciones tan grandes indican que la red divergió (vuelve a unos pesos sanos)."
        return (comprobar_tensor(real_out, "real_out", forma=(None, 1), minimo=-MAXIMA_PUNTUACION,
                                 maximo=MAXIMA_PUNTUACION, consejo=consejo),
                comprobar_tensor(fake_out, "fake_out", forma=(None, 1), minimo=-MAXIMA_PUNTUACION,
                                 maximo=MAXIMA_PUNTUACION, consejo=consejo))

    def comprobar_lote(self, real_imgs):
        """El lote de ``train_step`` y ``test_step``: el modelo compilado y dígitos
        ``(N, 32, 32, 1)`` en [-1, 1] (dentro de ``fit``, solo su forma)."""
        if getattr(self, "optimizer", None) is None:
            raise ErrorDeEntrenamiento("El EBM no está compilado: llama antes a compile(optimizer=...).")
        return comprobar_tensor(real_imgs, "real_imgs", forma=(None, IMAGE_SIZE, IMAGE_SIZE, CHANNELS),
                                minimo=-1.0, maximo=1.0)

    def train_step(self, real_imgs):
        real_imgs = self.comprobar_lote(real_imgs)
        real_imgs = real_imgs + tf.random.normal(
            tf.shape(real_imgs), mean=0.0, stddev=self.noise
        )
        real_imgs = tf.clip_by_value(real_imgs, -1.0, 1.0)
        fake_imgs = self.buffer.sample_new_exmps(
            self.steps, self.step_size, self.noise, self.gradient_clip
        )
        n = tf.shape(real_imgs)[0]
        inp_imgs = tf.concat([real_imgs, fake_imgs], axis=0)
        with tf.GradientTape() as training_tape:
            out = self.model(inp_imgs, training=True)
            real_out, fake_out = out[:n], out[n:]
            cdiv_loss, reg_loss, loss = self.contrastive_divergence(
                real_out, fake_out
            )
        grads = training_tape.gradient(loss, self.model.trainable_variables)
        self.optimizer.apply_gradients(zip(grads, self.model.trainable_variables))
        return self._actualizar(loss, reg_loss, cdiv_loss, real_out, fake_out)

    def test_step(self, real_imgs):
        real_imgs = self.comprobar_lote(real_imgs)
        n = tf.shape(real_imgs)[0]
        fake_imgs = tf.random.uniform(tf.shape(real_imgs)) * 2 - 1
        out = self.model(tf.concat([real_imgs, fake_imgs], axis=0), training=False)
        real_out, fake_out = out[:n], out[n:]
        cdiv_loss, reg_loss, loss = self.contrastive_divergence(real_out, fake_out)
        return self._actualizar(loss, reg_loss, cdiv_loss, real_out, fake_out)

    def _actualizar(self, loss, reg_loss, cdiv_loss, real_out, fake_out):
        self.loss_metric.update_state(loss)
        self.reg_loss_metric.update_state(reg_loss)
        self.cdiv_loss_metric.update_state(cdiv_loss)
        self.real_out_metric.update_state(tf.reduce_mean(real_out))
        self.fake_out_metric.update_state(tf.reduce_mean(fake_out))
        return {m.name: m.result() for m in self.metrics}


def conjunto_de_entrenamiento(imagenes, batch_size: int = BATCH_SIZE, seed: int | None = None):
    """``tf.data`` barajado en lotes completos (el EBM compara lotes del mismo tamaño)."""
    imagenes = comprobar_imagenes(imagenes, "imágenes de entrenamiento")
    batch_size = comprobar_entero(batch_size, "batch_size", maximo=100_000)
    comprobar_semilla(seed)
    if len(imagenes) < batch_size:
        raise ErrorDeArgumento(f"Hacen falta al menos {batch_size} imágenes para un lote; llegaron {len(imagenes)}.")
    datos = tf.data.Dataset.from_tensor_slices(imagenes)
    datos = datos.shuffle(len(imagenes), seed=seed, reshuffle_each_iteration=True)
    return datos.batch(batch_size, drop_remainder=True).prefetch(tf.data.AUTOTUNE)


# ------------------------------------------------- perfiles y pesos entrenados


@dataclass(frozen=True)
class ConfiguracionEBM:
    """Cuánto se entrena el EBM en cada perfil (los hiperparámetros son siempre los del curso)."""

    conjunto: str
    """``"prueba"`` (los 10.000 dígitos incluidos) o ``"completo"`` (los 70.000 descargados)."""
    imagenes: int | None
    epocas: int
    pasos_por_epoca: int | None
    guardar_en: tuple[int, ...]


CONFIGURACIONES = {
    "rapido": ConfiguracionEBM("prueba", 512, 1, 3, (1,)),
    "cpu": ConfiguracionEBM("prueba", None, 100, None, (1, 2, 5, 10, 20, 30, 45, 60, 80, 100)),
    "completo": ConfiguracionEBM("completo", None, 60, None, (1, 2, 5, 10, 20, 30, 45, 60)),
}


CONSEJO = (
    "Prueba a bajar la tasa de aprendizaje, a usar Adam con beta_1 = 0, a subir el peso de la "
    "regularización (alpha) o a reducir el tamaño de paso de Langevin."
)


def guardar_bufer(modelo, ruta, reales, semilla: int = 0) -> None:
    """Una instantánea del búfer de ``modelo`` en ``ruta`` (``.npz`` comprimido).

    Guarda ``BUFER_GUARDADO`` imágenes del búfer elegidas al azar (con ``semilla``) en
    ``uint8``, la puntuación de **todas** sus imágenes y la de los dígitos ``reales`` con la
    misma red, para comparar en cada época lo que el búfer contiene con los datos.
    """
    comprobar_tipo(modelo, "modelo", EBM, "un EBM")
    ruta = comprobar_ruta(ruta, "ruta")
    if not ruta.parent.is_dir() or ruta.is_dir():
        raise ErrorDeArgumento(f"'ruta' debe ser un archivo nuevo en una carpeta que exista; llegó {ruta}.")
    reales = comprobar_imagenes(reales, "reales")
    comprobar_semilla(semilla, opcional=False)
    n = int(modelo.buffer.count.numpy())
    ejemplos = modelo.buffer.examples.numpy()[:n]
    puntuaciones = modelo.model.predict(ejemplos, batch_size=512, verbose=0)[:, 0]
    puntuaciones_reales = modelo.model.predict(reales, batch_size=512, verbose=0)[:, 0]
    elegidas = np.sort(np.random.default_rng(semilla).choice(n, min(n, BUFER_GUARDADO), replace=False))
    imagenes = np.round((np.clip(ejemplos[elegidas], -1, 1) + 1) * 127.5).astype(np.uint8)
    with open(ruta, "wb") as archivo:
        np.savez_compressed(archivo, imagenes=imagenes, indices=elegidas.astype(np.int32),
                            puntuaciones=puntuaciones.astype(np.float32),
                            puntuaciones_reales=puntuaciones_reales.astype(np.float32),
                            posicion=np.int32(modelo.buffer.position.numpy()), ocupadas=np.int32(n))


def cargar_bufer(ruta) -> dict:
    """Lee una instantánea de :func:`guardar_bufer`: imágenes en [-1, 1] y puntuaciones."""
    ruta = comprobar_ruta(ruta, "ruta")
    if not ruta.is_file():
        raise ErrorDeArgumento(f"No existe la instantánea del búfer {ruta}.")
    claves = {"imagenes", "indices", "puntuaciones", "puntuaciones_reales", "posicion", "ocupadas"}
    try:
        with np.load(ruta) as datos:
            leido = {clave: datos[clave] for clave in claves & set(datos.files)}
    except (OSError, ValueError, EOFError) as e:
        raise ErrorDeArgumento(f"{ruta} no es una instantánea del búfer legible (un .npz de guardar_bufer): "
                               f"{type(e).__name__}.") from e
    faltan = claves - set(leido)
    if faltan:
        raise ErrorDeArgumento(f"{ruta} no es una instantánea del búfer: le faltan {sorted(faltan)}.")
    leido["imagenes"] = leido["imagenes"].astype(np.float32) / 127.5 - 1
    return leido


def bufer_durante_el_entrenamiento() -> dict:
    """Las instantáneas del búfer que trae el libro (``data/pesos/ebm_bufer/``), verificadas.

    Devuelve ``{"procedencia": ..., "epocas": {época: instantánea}}``, con cada instantánea
    como la da :func:`cargar_bufer`. Vienen de un entrenamiento aparte con la configuración
    del perfil ``cpu``, hecho con ``python -m generativa.entrenar ebm --guardar-bufer``.
    """
    from .archivos import PESOS, leer_json, obtener

    nombres = sorted(n for n in PESOS if n.startswith("ebm_bufer_epoca_"))
    if not nombres:
        raise ErrorDeArgumento("Esta copia del libro no trae instantáneas del búfer (data/pesos/ebm_bufer/).")
    procedencia = leer_json(obtener("ebm_bufer_procedencia", descargar_si_falta=False))
    epocas = {int(n.rsplit("_", 1)[1]): cargar_bufer(obtener(n, descargar_si_falta=False)) for n in nombres}
    return {"procedencia": procedencia, "epocas": epocas}


def entrenar_ebm(perfil=None, epocas: int | None = None, salida=None, semilla: int = 42, guardar_en=None,
                 verbose: int = 1, callbacks_extra=(), continuar: bool = False,
                 tiempo_maximo: float | None = None, guardar_bufer_en_cada_punto: bool = False) -> dict:
    """Entrena el EBM del curso con el perfil dado y devuelve (y guarda) su procedencia.

    Por defecto escribe en la carpeta de pesos propios
    (:func:`generativa.archivos.carpeta_de_pesos_propios`), nunca en ``data/``. Si se
    interrumpe, la misma llamada sigue desde la última época completa, con el optimizador
    y el búfer (:mod:`generativa.entrenamiento`); con ``continuar=True`` sigue un
    entrenamiento terminado (sin respaldo) desde sus últimos pesos hasta ``epocas`` en total.
    Con ``guardar_bufer_en_cada_punto``, en esas mismas épocas guarda también una instantánea
    del búfer (``ebm_bufer_epoca_NNN.npz``, :func:`guardar_bufer`).
    """
    from .datos import cargar_mnist
    from .entrenamiento import DetenerSiDiverge, PuntoDeControl, carpeta_de_salida, entrenar_con_respaldo
    from .perfiles import como_perfil, configuracion

    perfil = como_perfil(perfil)
    config = configuracion(CONFIGURACIONES, perfil)
    epocas = config.epocas if epocas is None else comprobar_entero(epocas, "epocas", maximo=10_000)
    semilla = comprobar_semilla(semilla, "semilla", opcional=False)
    guardar_en = config.guardar_en if guardar_en is None else comprobar_enteros(guardar_en, "guardar_en",
                                                                                vacio=True)
    comprobar_opciones_de_entrenamiento(verbose, callbacks_extra, continuar, tiempo_maximo)
    comprobar_bool(guardar_bufer_en_cada_punto, "guardar_bufer_en_cada_punto")
    salida = carpeta_de_salida(salida, "ebm")

    keras.utils.set_random_seed(semilla)
    imagenes, _ = cargar_mnist(config.conjunto)
    if config.imagenes is not None:
        imagenes = imagenes[: config.imagenes]
    datos = conjunto_de_entrenamiento(imagenes, seed=semilla)
    if config.pasos_por_epoca is not None:
        datos = datos.take(config.pasos_por_epoca)
    pasos_por_epoca = int(datos.cardinality())

    modelo = EBM(seed=semilla)
    modelo.compile(optimizer=keras.optimizers.Adam(learning_rate=LEARNING_RATE))
    base = {
        "modelo": "EBM del curso (red de energía de 76.993 parámetros)",
        "perfil": perfil.nombre,
        "pasos_por_epoca": pasos_por_epoca,
        "datos": (f"MNIST, {len(imagenes)} dígitos ({'conjunto de prueba oficial incluido' if config.conjunto == 'prueba' else 'los 70.000 de mnist.npz'})"
                  + (f", {config.pasos_por_epoca} lotes por época" if config.pasos_por_epoca else "")),
        "semilla": semilla,
        "hiperparametros": {
            "batch_size": BATCH_SIZE, "steps": modelo.steps, "step_size": modelo.step_size, "noise": modelo.noise,
            "alpha": modelo.alpha, "gradient_clip": modelo.gradient_clip, "buffer_size": BUFFER_SIZE,
            "fresh_share": FRESH_SHARE, "optimizador": "Adam", "learning_rate": LEARNING_RATE,
        },
    }
    puntos = [PuntoDeControl("ebm", lambda m, ruta: m.model.save_weights(ruta))]
    if guardar_bufer_en_cada_punto:
        reales = imagenes[:REALES_DE_REFERENCIA]
        puntos.append(PuntoDeControl("ebm_bufer", lambda m, ruta: guardar_bufer(m, ruta, reales), ".npz"))
        base["instantaneas_del_bufer"] = (f"{BUFER_GUARDADO} imágenes del búfer al azar y la puntuación de todas, "
                                         f"con la de los primeros {len(reales)} dígitos de entrenamiento")
    return entrenar_con_respaldo(
        modelo, datos, salida=salida, epocas=epocas, puntos=puntos, guardar_en=guardar_en,
        config={"conjunto": config.conjunto, "imagenes": int(len(imagenes)), "pasos_por_epoca": pasos_por_epoca,
                "batch_size": BATCH_SIZE, "semilla": semilla},
        procedencia_base=base, imagenes_por_epoca=pasos_por_epoca * BATCH_SIZE,
        vigilante=DetenerSiDiverge(("loss", "real", "fake"), limite=1e3, consejo=CONSEJO),
        verbose=verbose, callbacks_extra=callbacks_extra, tiempo_maximo=tiempo_maximo, continuar=continuar,
        cargar_para_continuar=lambda m, ruta: m.model.load_weights(ruta))


def _comprobar_red(model) -> None:
    comprobar_modelo(model, "model", entrada=(IMAGE_SIZE, IMAGE_SIZE, CHANNELS), salida=(1,),
                     descripcion="una red de Keras como build_energy_network(), de (N, 32, 32, 1) a (N, 1)")


pesos_entrenados = PesosEntrenados("ebm", "del EBM", ".weights.h5", entrenar_ebm, CONFIGURACIONES)
epocas_entrenadas = pesos_entrenados.epocas
procedencia = pesos_entrenados.procedencia
cargar_o_entrenar = pesos_entrenados.cargar_o_entrenar
entrenar_en_la_pagina = pesos_entrenados.entrenar_en_la_pagina


def cargar_red_entrenada(epoca: int | None = None) -> keras.Model:
    """La red de energía con los pesos de ``epoca`` (por defecto, la última).

    Los pesos se verifican por sha256 antes de cargarse: los incluidos contra el
    registro de ``generativa.archivos``; los propios, contra su ``procedencia.json``.
    """
    red = build_energy_network()
    red.load_weights(pesos_entrenados.ruta(epoca))
    return red
