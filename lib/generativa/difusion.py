"""El modelo de difusión del curso: normalizador, U-Net, copia EMA y calendario coseno desplazado.

``DiffusionModel`` sigue el código del curso (y el ejemplo DDIM de keras.io):
``denoise`` convierte el ruido predicho en la imagen predicha, ``train_step``
entrena con el error absoluto medio sobre el ruido y actualiza la copia EMA, y
``reverse_diffusion`` invierte la difusión con pasos deterministas al estilo DDIM.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .calendarios import offset_cosine_diffusion_schedule
from .errores import ErrorDeArgumento, ErrorDeDatos, ErrorDeEntrenamiento
from .motor import importar_keras, importar_tensorflow
from .pagina import miles
from .pesos import PesosEntrenados
from .unet import BLOCK_DEPTH, WIDTHS, build_unet
from .validacion import (comprobar_array, comprobar_bool, comprobar_entero, comprobar_enteros, comprobar_funcion,
                         comprobar_imagenes, comprobar_opcion, comprobar_opciones_de_entrenamiento, comprobar_real,
                         comprobar_ruta, comprobar_semilla, comprobar_tensor, comprobar_tipo, describir)

tf = importar_tensorflow()
keras = importar_keras()
ops = keras.ops

EMA = 0.999
BATCH_SIZE = 64
LEARNING_RATE = 1e-3
WEIGHT_DECAY = 1e-4
DATASET_REPETITIONS = 5
EPOCHS = 50
MAXIMO_PASOS = 10_000  # pasos de difusión al generar: más es casi seguro un error
MAXIMO_IMAGENES = 100_000  # imágenes por llamada


def decaimiento_ema(paso, ema: float = EMA):
    """Decaimiento de la EMA con calentamiento: min(ema, (1 + n) / (10 + n)).

    Con 0,999 fijo, tras 1.000 pasos la copia EMA aún conserva e^-1 ≈ 37 % de sus pesos
    iniciales (aleatorios): en una ejecución corta generaría ruido. Al principio la
    EMA sigue de cerca a la red y, con los pasos, el decaimiento tiende a ``ema``.
    """
    ema = comprobar_real(ema, "ema", minimo=0, maximo=1, abierto_abajo=True, abierto_arriba=True)
    paso = comprobar_tensor(paso, "paso", minimo=0)  # en un grafo (train_step), solo se convierte
    return ops.minimum(ema, (1.0 + paso) / (10.0 + paso))


class DiffusionModel(keras.Model):
    """Modelo de difusión: ``network`` (se entrena), ``ema_network`` (genera) y ``normalizer``."""

    def __init__(self, image_size: int = 64, widths=WIDTHS, block_depth: int = BLOCK_DEPTH, ema: float = EMA,
                 schedule=offset_cosine_diffusion_schedule, precision_mixta: bool = False, **kwargs):
        # Con precisión mixta, la U-Net calcula en float16 (pesos en float32) y el modelo tiene
        # la política mixed_float16: compile() envuelve el optimizador en un LossScaleOptimizer,
        # que train_step usa para escalar la pérdida (los gradientes de float16 no se anulan).
        precision_mixta = comprobar_bool(precision_mixta, "precision_mixta")
        if precision_mixta:
            kwargs.setdefault("dtype", "mixed_float16")
        super().__init__(**kwargs)
        self.precision_mixta = precision_mixta
        image_size = comprobar_entero(image_size, "image_size", minimo=8, maximo=1024)
        comprobar_real(ema, "ema", minimo=0, maximo=1, abierto_abajo=True, abierto_arriba=True)
        comprobar_funcion(schedule, "schedule", "una función de calendario (como offset_cosine_diffusion_schedule)")
        self.image_size, self.ema, self.schedule = int(image_size), float(ema), schedule
        self.normalizer = keras.layers.Normalization(axis=-1, name="normalizer")
        self.normalizer.build((None, image_size, image_size, 3))
        self.network = build_unet(image_size, widths, block_depth, precision_mixta=precision_mixta)
        self.ema_network = keras.models.clone_model(self.network)
        self.ema_network.set_weights(self.network.get_weights())
        # La copia EMA no la mueve el optimizador: fuera de trainable_variables, para que el
        # estado del optimizador que guarda BackupAndRestore cuadre al reanudar.
        self.ema_network.trainable = False
        # Pasos de entrenamiento dados antes de que empezara el optimizador actual: al seguir
        # desde pesos guardados, el optimizador (y su contador) empieza de nuevo, y sin esto el
        # calentamiento de la EMA volvería a empezar. Fuera del rastreo de Keras: no es un peso.
        object.__setattr__(self, "pasos_previos", tf.Variable(0, dtype="int64", trainable=False))
        self.noise_loss_tracker = keras.metrics.Mean(name="n_loss")
        self.image_loss_tracker = keras.metrics.Mean(name="i_loss")
        self.built = True

    @property
    def metrics(self):
        return [self.noise_loss_tracker, self.image_loss_tracker]

    def compile(self, *args, jit_compile="auto", **kwargs):
        if self.precision_mixta and jit_compile is True:
            from .perfiles import gpu_disponible

            if not gpu_disponible():
                raise ErrorDeArgumento(
                    "En CPU, XLA no compila un modelo en precisión mixta (se niega a mezclar float16 y float32): "
                    "usa jit_compile=False, o precision_mixta=False para compilar con XLA.")
        super().compile(*args, jit_compile=jit_compile, **kwargs)

    def adapt(self, images, batch_size: int = 256):
        """Adapta el normalizador (media y varianza por canal) a ``images`` en [0, 1]."""
        images = self.comprobar_imagenes(images)
        batch_size = comprobar_entero(batch_size, "batch_size", maximo=MAXIMO_IMAGENES)
        if len(images) < 2:
            raise ErrorDeArgumento(f"Para estimar media y varianza hacen falta al menos 2 imágenes; llegó {len(images)}.")
        self.normalizer.adapt(tf.data.Dataset.from_tensor_slices(images).batch(batch_size))

    def denormalize(self, images):
        """De imágenes normalizadas a colores en [0, 1]."""
        lado = self.image_size
        images = comprobar_tensor(images, "images", forma=(None, lado, lado, 3))
        images = self.normalizer.mean + images * ops.sqrt(self.normalizer.variance)
        return ops.clip(images, 0.0, 1.0)

    def denoise(self, noisy_images, noise_rates, signal_rates, training):
        """Ruido predicho por la red (o por la EMA si no se entrena) e imagen que
        implica.
        """
        noisy_images, noise_rates, signal_rates = self.comprobar_denoise(
            noisy_images, noise_rates, signal_rates, training
        )
        noise_variances = noise_rates**2  # la red recibe la varianza del ruido
        if training:
            pred_noises = self.network(
                [noisy_images, noise_variances], training=True
            )
        else:  # genera la EMA, en un grafo compilado (en CPU, un 20 % más rápido)
            pred_noises = self._ema_compilada(noisy_images, noise_variances)
        # En precisión mixta la red devuelve float16.
        pred_noises = ops.cast(pred_noises, "float32")
        pred_images = (noisy_images - noise_rates * pred_noises) / signal_rates
        return pred_noises, pred_images

    def _ema_compilada(self, noisy_images, noise_variances):
        """``ema_network`` en modo inferencia, como ``tf.function`` (``denoise`` ya comprobó
        las entradas): en modo inmediato, cada pasada de la U-Net cuesta un 20 % más en la CPU
        del libro. Se traza una vez por modelo (y otra si cambia el lote, con forma general)."""
        if not tf.executing_eagerly():  # ya dentro de un grafo (test_step)
            return self.ema_network([noisy_images, noise_variances], training=False)
        if getattr(self, "_funcion_ema", None) is None:
            red = self.ema_network
            funcion = tf.function(lambda x, v: red([x, v], training=False), reduce_retracing=True)
            object.__setattr__(self, "_funcion_ema", funcion)  # fuera del rastreo de Keras
        return self._funcion_ema(noisy_images, noise_variances)

    def call(self, inputs, training=False):
        noisy_images, noise_rates, signal_rates = inputs
        return self.denoise(noisy_images, noise_rates, signal_rates, training)

    def reverse_diffusion(
        self,
        initial_noise,
        diffusion_steps: int,
        eta: float = 0.0,
        seed: int | None = None,
        return_steps: bool = False,
    ):
        """Invierte la difusión en ``diffusion_steps`` pasos, de t = 1 a t = 0.

        En cada paso predice imagen y ruido en el tiempo t y los vuelve a mezclar
        con las tasas del tiempo siguiente, t − 1/pasos. Con ``eta = 0`` (el curso,
        DDIM) el paso es determinista; con ``eta = 1`` se reparte parte del ruido
        como ruido **nuevo** (muestreo estocástico al estilo DDPM, Song et al.
        2021):

            x_sig = s_sig·x̂₀ + √(n_sig² − σ²)·ε̂ + σ·z,
            σ = η·(n_sig/n)·√(1 − s²/s_sig²).

        Devuelve la última imagen predicha (normalizada) o, con ``return_steps``, la
        lista de las imágenes predichas en cada paso.
        """
        initial_noise, eta = self.comprobar_muestreo(
            initial_noise, diffusion_steps, eta, seed, return_steps
        )
        generador = keras.random.SeedGenerator(seed) if eta > 0 else None
        num_images = ops.shape(initial_noise)[0]
        step_size = 1.0 / diffusion_steps
        current_images = ops.convert_to_tensor(initial_noise, "float32")
        predichas = []
        for step in range(diffusion_steps):
            diffusion_times = ops.ones((num_images, 1, 1, 1)) - step * step_size
            noise_rates, signal_rates = self.schedule(diffusion_times)
            pred_noises, pred_images = self.denoise(
                current_images, noise_rates, signal_rates, training=False
            )
            predichas.append(pred_images)
            # En el último paso el tiempo siguiente es 0 (o −1e-8 por redondeo):
            # se recorta.
            next_noise_rates, next_signal_rates = self.schedule(
                ops.maximum(diffusion_times - step_size, 0.0)
            )
            if eta > 0:
                razon = signal_rates**2 / next_signal_rates**2
                sigma = (eta * next_noise_rates / noise_rates
                         * ops.sqrt(ops.maximum(1.0 - razon, 0.0)))
                resto = ops.sqrt(ops.maximum(next_noise_rates**2 - sigma**2, 0.0))
                ruido_nuevo = keras.random.normal(
                    ops.shape(current_images), seed=generador
                )
                current_images = (next_signal_rates * pred_images
                                  + resto * pred_noises + sigma * ruido_nuevo)
            else:
                current_images = (
                    next_signal_rates * pred_images + next_noise_rates * pred_noises
                )
        return predichas if return_steps else predichas[-1]

    def generate(self, num_images: int, diffusion_steps: int, initial_noise=None, eta: float = 0.0,
                 seed: int | None = None):
        """``num_images`` imágenes en [0, 1] desde ruido gaussiano (o desde ``initial_noise``).

        ``eta`` y ``seed`` eligen el muestreador (ver :meth:`reverse_diffusion`).
        """
        forma = (comprobar_entero(num_images, "num_images", maximo=MAXIMO_IMAGENES), self.image_size,
                 self.image_size, 3)
        comprobar_entero(diffusion_steps, "diffusion_steps", maximo=MAXIMO_PASOS)
        comprobar_real(eta, "eta", minimo=0, maximo=1)
        comprobar_semilla(seed)
        if initial_noise is None:
            initial_noise = keras.random.normal(forma, seed=seed)
        else:
            initial_noise = comprobar_array(initial_noise, "initial_noise", forma=forma)
        generated = self.reverse_diffusion(initial_noise, diffusion_steps, eta=eta, seed=seed)
        return self.denormalize(generated)

    def invert(self, images, diffusion_steps: int, iteraciones_iniciales: int = 3):
        """Inversión DDIM: el ruido inicial desde el que el muestreador determinista
        genera ``images``.

        Recorre los tiempos del muestreador al revés (de 1/pasos a 1): en cada uno
        predice imagen y ruido y los mezcla con las tasas del tiempo siguiente. En
        el primer tiempo la imagen ruidosa depende del propio ruido predicho; se
        resuelve con unas iteraciones de punto fijo. ``images`` van en [0, 1].
        """
        images = self.comprobar_inversion(
            images, diffusion_steps, iteraciones_iniciales
        )
        x0 = self.normalizer(ops.convert_to_tensor(images), training=False)
        num_images = ops.shape(x0)[0]
        step_size = 1.0 / diffusion_steps
        tiempos = ops.ones((num_images, 1, 1, 1)) * step_size
        noise_rates, signal_rates = self.schedule(tiempos)
        pred_noises = ops.zeros_like(x0)
        for _ in range(iteraciones_iniciales):
            current_images = signal_rates * x0 + noise_rates * pred_noises
            pred_noises, _ = self.denoise(
                current_images, noise_rates, signal_rates, training=False
            )
        current_images = signal_rates * x0 + noise_rates * pred_noises
        for step in range(1, diffusion_steps):
            pred_noises, pred_images = self.denoise(
                current_images, noise_rates, signal_rates, training=False
            )
            tiempos = tiempos + step_size
            noise_rates, signal_rates = self.schedule(ops.minimum(tiempos, 1.0))
            current_images = signal_rates * pred_images + noise_rates * pred_noises
        return current_images

    def comprobar_ruido(self, noise):
        """``noise`` como tensor float32 si es ``(N, image_size, image_size, 3)`` y finito."""
        return ops.convert_to_tensor(comprobar_array(noise, "initial_noise",
                                                     forma=(None, self.image_size, self.image_size, 3)))

    def comprobar_muestreo(self, initial_noise, diffusion_steps, eta=0.0, seed=None, return_steps=False):
        """Los argumentos de :meth:`reverse_diffusion`: devuelve ``(initial_noise, eta)``.

        Pasos de 1 a 10.000, ``eta`` en [0, 1], ``seed`` entera o ``None`` y el ruido
        ``(N, image_size, image_size, 3)`` finito.
        """
        comprobar_entero(diffusion_steps, "diffusion_steps", maximo=MAXIMO_PASOS)
        eta = comprobar_real(eta, "eta", minimo=0, maximo=1)
        comprobar_semilla(seed)
        comprobar_bool(return_steps, "return_steps")
        return self.comprobar_ruido(initial_noise), eta

    def comprobar_inversion(self, images, diffusion_steps, iteraciones_iniciales=3):
        """Los argumentos de :meth:`invert`: devuelve ``images`` (en [0, 1]) como float32."""
        comprobar_entero(diffusion_steps, "diffusion_steps", maximo=MAXIMO_PASOS)
        comprobar_entero(iteraciones_iniciales, "iteraciones_iniciales", 0, 100)
        return self.comprobar_imagenes(images)

    def comprobar_denoise(self, noisy_images, noise_rates, signal_rates, training):
        """Los argumentos de :meth:`denoise`, como tensores float32.

        Imágenes ``(N, image_size, image_size, 3)``, tasas ``(N, 1, 1, 1)`` en [0, 1] (la de
        señal, mayor que 0: se divide por ella) y ``training`` ``True`` o ``False``. Dentro de
        un grafo (``train_step`` compilado) solo se comprueban las formas.
        """
        if training is not None:  # Keras puede llamar a call() sin decir si se entrena
            comprobar_bool(training, "training")
        lado = self.image_size
        noisy_images = comprobar_tensor(noisy_images, "noisy_images", forma=(None, lado, lado, 3))
        noise_rates = comprobar_tensor(noise_rates, "noise_rates", forma=(None, 1, 1, 1), minimo=0, maximo=1)
        signal_rates = comprobar_tensor(signal_rates, "signal_rates", forma=(None, 1, 1, 1), minimo=1e-4,
                                        maximo=1, consejo="La imagen se despeja dividiendo por la tasa de "
                                        "señal: no puede valer 0.")
        lotes = {int(n) for n in (noisy_images.shape[0], noise_rates.shape[0], signal_rates.shape[0])
                 if n is not None}
        if len(lotes) > 1:
            raise ErrorDeArgumento(f"'noisy_images', 'noise_rates' y 'signal_rates' deben tener una fila por "
                                   f"imagen; llegaron {noisy_images.shape[0]}, {noise_rates.shape[0]} y "
                                   f"{signal_rates.shape[0]}.")
        return noisy_images, noise_rates, signal_rates

    def comprobar_lote(self, images):
        """El lote de ``train_step`` y ``test_step``: el modelo compilado e imágenes
        ``(N, image_size, image_size, 3)`` en [0, 1] (dentro de ``fit``, solo su forma)."""
        if getattr(self, "optimizer", None) is None or getattr(self, "loss", None) is None:
            raise ErrorDeEntrenamiento("El modelo no está compilado: llama antes a compile(optimizer=..., "
                                       "loss=keras.losses.MeanAbsoluteError()).")
        return self._tensor_de_flores(images)

    def _tensor_de_flores(self, images):
        """``images`` como tensor ``(N, image_size, image_size, 3)`` en [0, 1] (en un grafo, solo la forma)."""
        lado = self.image_size
        return comprobar_tensor(images, "images", forma=(None, lado, lado, 3), minimo=0, maximo=1)

    def add_noise(self, images):
        """Normaliza, elige al azar ruido y tiempos uniformes en [0, 1] y
        mezcla: x_t = s·x_0 + n·ε.
        """
        images = self._tensor_de_flores(images)
        images = self.normalizer(images, training=False)
        noises = keras.random.normal(ops.shape(images))
        diffusion_times = keras.random.uniform(
            (ops.shape(images)[0], 1, 1, 1), minval=0.0, maxval=1.0
        )
        noise_rates, signal_rates = self.schedule(diffusion_times)
        noisy_images = signal_rates * images + noise_rates * noises
        return images, noises, noisy_images, noise_rates, signal_rates

    def train_step(self, images):
        images = self.comprobar_lote(images)
        images, noises, noisy_images, noise_rates, signal_rates = self.add_noise(
            images
        )
        with tf.GradientTape() as tape:
            pred_noises, pred_images = self.denoise(
                noisy_images, noise_rates, signal_rates, training=True
            )
            noise_loss = self.loss(
                noises, pred_noises
            )  # el curso: error absoluto medio
            image_loss = self.loss(images, pred_images)  # solo como métrica
            # En precisión mixta, la pérdida por la escala del
            # LossScaleOptimizer (apply_gradients la deshace);
            # en float32, la pérdida tal cual.
            scaled_loss = self.optimizer.scale_loss(noise_loss)
        gradients = tape.gradient(scaled_loss, self.network.trainable_weights)
        self.optimizer.apply_gradients(
            zip(gradients, self.network.trainable_weights)
        )
        # pasos de todo el entrenamiento, también si se reanudó desde pesos
        paso = self.optimizer.iterations + self.pasos_previos
        decay = decaimiento_ema(paso, self.ema)
        for weight, ema_weight in zip(
            self.network.weights, self.ema_network.weights
        ):
            ema_weight.assign(decay * ema_weight + (1.0 - decay) * weight)
        self.noise_loss_tracker.update_state(noise_loss)
        self.image_loss_tracker.update_state(image_loss)
        return {m.name: m.result() for m in self.metrics}

    def test_step(self, images):
        images = self.comprobar_lote(images)
        images, noises, noisy_images, noise_rates, signal_rates = self.add_noise(images)
        pred_noises, pred_images = self.denoise(noisy_images, noise_rates, signal_rates, training=False)
        self.noise_loss_tracker.update_state(self.loss(noises, pred_noises))
        self.image_loss_tracker.update_state(self.loss(images, pred_images))
        return {m.name: m.result() for m in self.metrics}

    def comprobar_imagenes(self, images):
        """``images`` como float32 si son ``(N, image_size, image_size, 3)`` en [0, 1]."""
        return comprobar_imagenes(images, "images", lado=self.image_size)


# --- Configuración por perfil, datos y pesos compactos ------------------------------------

@dataclass(frozen=True)
class ConfiguracionDDM:
    """Qué entrena ``python -m generativa.entrenar ddm`` con cada perfil."""

    image_size: int
    imagenes: int | None  # None: las 6.551 de entrenamiento del curso
    epocas: int
    pasos_por_epoca: int | None  # None: todo el conjunto repetido DATASET_REPETITIONS veces
    guardar_en: tuple[int, ...]


CONFIGURACIONES = {
    "rapido": ConfiguracionDDM(32, 256, 1, 3, (1,)),
    "cpu": ConfiguracionDDM(32, None, 20, None, (1, 2, 4, 8, 11, 16, 20)),
    "completo": ConfiguracionDDM(64, None, EPOCHS, None, (1, 4, 8, 11, 20, 30, 40, 50)),
}


FRACCION_ENTRENAMIENTO = 0.8  # keras.io: train[:80%] + validation[:80%] + test[:80%]


def particion_del_curso(flores, semilla: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Índices de entrenamiento y validación como en el ejemplo de keras.io.

    El ejemplo entrena con el primer 80 % de cada partición oficial de TFDS (trnid,
    valid, tstid: 6.551 imágenes) y valida con el 20 % restante (1.638). En
    ``setid.mat`` cada partición está ordenada por especie; TFDS la baraja al
    prepararla, así que aquí también se baraja (con ``semilla``) antes de cortar: si
    no, las últimas ~20 especies quedarían fuera del entrenamiento.
    """
    semilla = comprobar_semilla(semilla, "semilla", opcional=False)
    particiones = getattr(flores, "particiones", None)
    if not isinstance(particiones, dict) or not {"trnid", "valid", "tstid"} <= set(particiones):
        raise ErrorDeArgumento("'flores' debe ser lo que devuelve cargar_flores (con las particiones trnid, valid "
                               f"y tstid); llegó {describir(flores)}.")
    rng = np.random.default_rng(semilla)
    entrenamiento, validacion = [], []
    for nombre in ("trnid", "valid", "tstid"):
        indices = rng.permutation(comprobar_enteros(particiones[nombre], f"flores.particiones['{nombre}']",
                                                    minimo=0, maximo=None))
        corte = int(len(indices) * FRACCION_ENTRENAMIENTO)
        entrenamiento.append(indices[:corte])
        validacion.append(indices[corte:])
    return np.concatenate(entrenamiento), np.concatenate(validacion)


def conjunto_de_entrenamiento(images, batch_size: int = BATCH_SIZE, repetitions: int = DATASET_REPETITIONS,
                              seed: int = 42):
    """``tf.data`` del curso: repite el conjunto ``repetitions`` veces, baraja y agrupa en lotes."""
    images = comprobar_imagenes(images, "images")
    batch_size = comprobar_entero(batch_size, "batch_size", maximo=MAXIMO_IMAGENES)
    comprobar_entero(repetitions, "repetitions", maximo=1000)
    comprobar_semilla(seed)
    if len(images) < batch_size:
        raise ErrorDeArgumento(f"Hacen falta al menos {batch_size} imágenes para un lote; llegaron {len(images)}.")
    return (tf.data.Dataset.from_tensor_slices(images).cache().repeat(repetitions)
            .shuffle(10 * batch_size, seed=seed).batch(batch_size, drop_remainder=True)
            .prefetch(tf.data.AUTOTUNE))


def guardar_ema(modelo: DiffusionModel, ruta, float16: bool = True, red: str = "ema_network") -> None:
    """Guarda solo lo que hace falta para generar: la red EMA y el normalizador.

    En float16 ocupa la cuarta parte que ``save_weights`` (que guarda las dos redes en
    float32); la diferencia en las imágenes generadas es del orden de 1e-3. Con
    ``red="network"`` guarda en su lugar la red que se entrena (sin promediar), en el
    mismo formato: :func:`cargar_ema` la carga como si fuera la EMA.
    """
    import h5py

    _comprobar_modelo(modelo)
    ruta = comprobar_ruta(ruta)
    comprobar_bool(float16, "float16")
    comprobar_opcion(red, "red", ("ema_network", "network"))
    tipo = np.float16 if float16 else np.float32
    try:
        with h5py.File(ruta, "w") as f:
            f.attrs["image_size"] = modelo.image_size
            f.attrs["red"] = red
            for grupo, pesos in (("ema_network", getattr(modelo, red).weights),
                                 ("normalizer", modelo.normalizer.weights)):
                g = f.create_group(grupo)
                for i, peso in enumerate(pesos):
                    valor = np.asarray(peso.numpy())
                    g.create_dataset(f"{i:03d}", data=valor.astype(tipo) if valor.dtype.kind == "f" else valor)
    except OSError as e:
        raise ErrorDeDatos(f"No se pudieron escribir los pesos en {ruta}: {e}") from e


def cargar_ema(modelo: DiffusionModel, ruta) -> DiffusionModel:
    """Carga lo guardado con :func:`guardar_ema` en la red EMA *y* en la red que se entrena."""
    _comprobar_modelo(modelo)
    _leer_pesos(modelo, comprobar_ruta(ruta), modelo.ema_network)
    modelo.network.set_weights(modelo.ema_network.get_weights())
    return modelo


def cargar_para_continuar(modelo: DiffusionModel, ruta) -> DiffusionModel:
    """Para seguir un entrenamiento terminado desde sus pesos guardados (sin respaldo).

    Carga la red EMA de ``ruta`` (``ddm_epoca_NNN.h5``) en las dos redes y, si junto a ella
    está la red sin promediar de la misma época (``ddm_red_epoca_NNN.h5``, que guarda
    ``guardar_red=True``), la carga en la red que se entrena: así la EMA sigue promediando
    la trayectoria de verdad en lugar de empezar desde su propio promedio.
    """
    cargar_ema(modelo, ruta)
    ruta = comprobar_ruta(ruta)
    red = ruta.with_name(ruta.name.replace("ddm_epoca_", "ddm_red_epoca_", 1))
    if red != ruta and red.is_file():
        _leer_pesos(modelo, red, modelo.network)
    return modelo


def _leer_pesos(modelo: DiffusionModel, ruta: Path, destino) -> None:
    """Lee un archivo de :func:`guardar_ema` en ``destino`` (una de las dos redes) y el normalizador."""
    import h5py

    try:
        with h5py.File(ruta, "r") as f:
            if "image_size" not in f.attrs or "ema_network" not in f or "normalizer" not in f:
                raise ErrorDeDatos(f"{ruta} no es un archivo de pesos del modelo de difusión (guardar_ema): le "
                                   "faltan «image_size», «ema_network» o «normalizer».")
            if int(f.attrs["image_size"]) != modelo.image_size:
                raise ErrorDeArgumento(f"Los pesos de {ruta} son para imágenes de {int(f.attrs['image_size'])} "
                                       f"píxeles y el modelo es de {modelo.image_size}.")
            for grupo, pesos in (("ema_network", destino.weights), ("normalizer", modelo.normalizer.weights)):
                valores = [f[grupo][k][()] for k in sorted(f[grupo])]
                if len(valores) != len(pesos) or any(np.shape(v) != tuple(p.shape) for v, p in zip(valores, pesos)):
                    raise ErrorDeDatos(f"{ruta} no corresponde a este modelo: sus pesos de «{grupo}» no tienen las "
                                       "formas del modelo (¿otra arquitectura?).")
                if not all(np.all(np.isfinite(v)) for v in valores if v.dtype.kind == "f"):
                    raise ErrorDeDatos(f"{ruta} está dañado: tiene pesos no finitos en «{grupo}».")
                for peso, valor in zip(pesos, valores):
                    peso.assign(valor.astype(peso.dtype))
    except OSError as e:
        raise ErrorDeDatos(f"No se pudieron leer los pesos {ruta}: {e}") from e
    modelo.normalizer.finalize_state()  # recalcula mean y variance a partir de lo cargado


def _comprobar_modelo(modelo) -> None:
    comprobar_tipo(modelo, "modelo", DiffusionModel, "un DiffusionModel")


# --- Entrenar ------------------------------------------------------------------------------

CONSEJO = (
    "Prueba a bajar la tasa de aprendizaje (1e-3 → 3e-4), a comprobar que las imágenes llegan en [0, 1] "
    "y que el normalizador se adaptó antes de entrenar."
)


class SeguirElPasoDeLaEMA(keras.callbacks.Callback):
    """Al empezar ``fit`` (también al reanudar), ``pasos_previos`` = pasos ya dados − contador del optimizador.

    Así el calentamiento de la EMA cuenta los pasos de todo el entrenamiento, aunque el
    optimizador empiece de nuevo al seguir desde unos pesos guardados.
    """

    def __init__(self, pasos_por_epoca: int):
        super().__init__()
        self.pasos_por_epoca = comprobar_entero(pasos_por_epoca, "pasos_por_epoca")
        self._pendiente = True

    def on_train_begin(self, logs=None):
        self._pendiente = True

    def on_epoch_begin(self, epoch, logs=None):
        if self._pendiente:  # la primera época de este fit, después de cargar el respaldo
            contador = int(self.model.optimizer.iterations.numpy())
            self.model.pasos_previos.assign(max(0, epoch * self.pasos_por_epoca - contador))
            self._pendiente = False


def pasos_de_la_ema(procedencia: dict) -> dict[int, int]:
    """El paso que usó el calentamiento de la EMA al final de cada época de un entrenamiento.

    Desde ``SeguirElPasoDeLaEMA`` es el paso total (época × pasos por época). Antes, al seguir
    desde pesos guardados sin el respaldo, el optimizador empezaba de nuevo y el calentamiento
    también: la procedencia lo deja ver en sus ``reanudaciones``.
    """
    comprobar_tipo(procedencia, "procedencia", dict, "un registro de procedencia (un diccionario)")
    try:
        epocas, por_epoca = int(procedencia["epocas"]), int(procedencia["pasos_por_epoca"])
        reanudaciones = {int(r["epoca"]): r for r in procedencia.get("reanudaciones", [])}
    except (KeyError, TypeError, ValueError) as e:
        raise ErrorDeArgumento(f"La procedencia no dice sus épocas, sus pasos por época o sus reanudaciones "
                               f"({e!r}); se esperaba la de un entrenamiento del modelo de difusión.") from e
    pasos, paso = {}, 0
    for epoca in range(1, epocas + 1):
        anterior = reanudaciones.get(epoca - 1)
        if anterior is not None and "ema" in anterior:
            paso = (epoca - 1) * por_epoca  # sigue el paso total
        elif anterior is not None and "sin el estado del optimizador" in anterior.get("desde", ""):
            paso = 0  # el optimizador y el calentamiento volvieron a empezar
        paso += por_epoca
        pasos[epoca] = paso
    return pasos


def entrenar_ddm(perfil=None, epocas: int | None = None, salida=None, semilla: int = 42, guardar_en=None,
                 verbose: int = 1, callbacks_extra=(), continuar: bool = False, tiempo_maximo: float | None = None,
                 image_size: int | None = None, guardar_red: bool = False, jit_compile: bool | None = None,
                 precision_mixta: bool | None = None) -> dict:
    """Entrena el modelo de difusión del curso sobre las flores y devuelve su procedencia.

    Guarda la red EMA y el normalizador (float16, :func:`guardar_ema`) en las épocas
    ``guardar_en`` y en la última; con ``guardar_red``, también la red sin promediar
    (``ddm_red_epoca_NNN.h5``), para separar el efecto de la EMA en la curva de calidad.
    Por defecto escribe en la carpeta de pesos propios
    (:func:`generativa.archivos.carpeta_de_pesos_propios`). Si se interrumpe, la misma
    llamada sigue desde la última época completa (:mod:`generativa.entrenamiento`); con
    ``continuar=True`` sigue un entrenamiento terminado hasta ``epocas`` en total. Con
    ``tiempo_maximo`` (segundos) se detiene al final de la primera época que lo supere.
    ``jit_compile`` compila el paso de entrenamiento con XLA; por defecto, fuera del perfil
    ``rapido`` (en la CPU de 2 núcleos del libro, un 12 % más rápido; en GPU es lo que Keras
    hace por su cuenta). ``precision_mixta`` entrena la U-Net en float16 con la pérdida
    escalada (:class:`DiffusionModel`); por defecto, solo con GPU y fuera de ``rapido``, y al
    reanudar, lo mismo que el entrenamiento que se reanuda.
    """
    from .datos import cargar_flores
    from .entrenamiento import DetenerSiDiverge, PuntoDeControl, carpeta_de_salida, entrenar_con_respaldo
    from .perfiles import como_perfil, configuracion, gpu_disponible

    perfil = como_perfil(perfil)
    config = configuracion(CONFIGURACIONES, perfil)
    epocas = config.epocas if epocas is None else comprobar_entero(epocas, "epocas", maximo=10_000)
    image_size = config.image_size if image_size is None else comprobar_entero(image_size, "image_size", 8, 1024)
    semilla = comprobar_semilla(semilla, "semilla", opcional=False)
    guardar_en = config.guardar_en if guardar_en is None else comprobar_enteros(guardar_en, "guardar_en",
                                                                                vacio=True)
    comprobar_opciones_de_entrenamiento(verbose, callbacks_extra, continuar, tiempo_maximo)
    comprobar_bool(guardar_red, "guardar_red")
    if jit_compile is not None:
        comprobar_bool(jit_compile, "jit_compile")
    if precision_mixta is not None:
        precision_mixta = comprobar_bool(precision_mixta, "precision_mixta")
    salida = carpeta_de_salida(salida, "ddm")
    if precision_mixta is None:
        precision_mixta = _precision_por_defecto(salida, perfil, gpu_disponible())

    keras.utils.set_random_seed(semilla)
    flores = cargar_flores(image_size)
    entrenamiento, validacion = particion_del_curso(flores)
    if config.imagenes is not None:
        entrenamiento, validacion = entrenamiento[: config.imagenes], validacion[: config.imagenes // 4]
    datos = conjunto_de_entrenamiento(flores.imagenes[entrenamiento], seed=semilla)
    datos_validacion = tf.data.Dataset.from_tensor_slices(flores.imagenes[validacion]).batch(BATCH_SIZE)
    if config.pasos_por_epoca is not None:
        datos = datos.take(config.pasos_por_epoca)
    pasos_por_epoca = int(datos.cardinality())

    modelo = DiffusionModel(image_size, precision_mixta=precision_mixta)
    modelo.adapt(flores.imagenes[entrenamiento])
    if jit_compile is None:  # XLA en CPU no compila la mezcla de float16 y float32
        jit_compile = perfil.nombre != "rapido" and not (precision_mixta and not gpu_disponible())
    modelo.compile(optimizer=keras.optimizers.AdamW(learning_rate=LEARNING_RATE, weight_decay=WEIGHT_DECAY),
                   loss=keras.losses.MeanAbsoluteError(), jit_compile=bool(jit_compile))
    puntos = [PuntoDeControl("ddm", guardar_ema, ".h5")]
    if guardar_red:
        puntos.append(PuntoDeControl("ddm_red", lambda m, ruta: guardar_ema(m, ruta, red="network"), ".h5"))
    base = {
        "modelo": f"DiffusionModel del curso (U-Net de {miles(modelo.network.count_params())} parámetros, "
                  "red EMA guardada en float16)",
        "perfil": perfil.nombre,
        "image_size": image_size,
        "pasos_por_epoca": pasos_por_epoca,
        "datos": (f"Oxford 102 Flowers a {image_size}x{image_size}: {len(entrenamiento)} imágenes de entrenamiento "
                  f"(el 80 % de cada partición oficial) repetidas {DATASET_REPETITIONS} veces por época; "
                  f"{len(validacion)} de validación"),
        "semilla": semilla,
        "hiperparametros": {
            "batch_size": BATCH_SIZE, "optimizador": "AdamW", "learning_rate": LEARNING_RATE,
            "weight_decay": WEIGHT_DECAY, "ema": EMA, "calentamiento_ema": "min(ema, (1 + n) / (10 + n))",
            "perdida": "error absoluto medio sobre el ruido", "calendario": "coseno desplazado",
            "widths": list(WIDTHS), "block_depth": BLOCK_DEPTH, "xla": bool(jit_compile),
            "precision": "mixed_float16 (pérdida escalada)" if precision_mixta else "float32",
        },
    }
    config = {"image_size": image_size, "imagenes_entrenamiento": int(len(entrenamiento)),
              "pasos_por_epoca": pasos_por_epoca, "batch_size": BATCH_SIZE, "semilla": semilla,
              # con precisión mixta el optimizador guardado es otro (LossScaleOptimizer): no se mezclan
              "precision_mixta": precision_mixta}
    return entrenar_con_respaldo(
        modelo, datos, salida=salida, epocas=epocas, puntos=puntos, guardar_en=guardar_en,
        config=config, procedencia_base=base, imagenes_por_epoca=pasos_por_epoca * BATCH_SIZE,
        vigilante=DetenerSiDiverge(("n_loss",), limite=1e2, consejo=CONSEJO), validacion=datos_validacion,
        verbose=verbose, callbacks_extra=(SeguirElPasoDeLaEMA(pasos_por_epoca), *callbacks_extra),
        tiempo_maximo=tiempo_maximo, continuar=continuar, cargar_para_continuar=cargar_para_continuar,
        anotar_al_reanudar={"ema": "el calentamiento de la EMA sigue desde el paso total"})


def _precision_por_defecto(salida: Path, perfil, hay_gpu: bool) -> bool:
    """Precisión mixta con GPU fuera de ``rapido``; al reanudar o continuar, la del entrenamiento guardado."""
    from .entrenamiento import CONFIG_POR_DEFECTO, _procedencia_terminada, estado_del_respaldo

    if salida.is_dir():
        guardado = estado_del_respaldo(salida) or _procedencia_terminada(salida)
        if guardado is not None and isinstance(guardado.get("config"), dict):
            return bool(guardado["config"].get("precision_mixta", CONFIG_POR_DEFECTO["precision_mixta"]))
    return bool(hay_gpu and perfil.nombre != "rapido")


def generar_por_lotes(modelo: DiffusionModel, num_images: int, diffusion_steps: int, semilla: int = 0,
                      lote: int = 250, eta: float = 0.0) -> np.ndarray:
    """``num_images`` imágenes en [0, 1] desde ruido con ``semilla`` (el mismo ruido para cualquier modelo).

    Genera de ``lote`` en ``lote`` para no agotar la memoria. Con ``eta > 0`` (muestreador
    estocástico) el ruido nuevo de cada lote también sale de ``semilla``.
    """
    _comprobar_modelo(modelo)
    num_images = comprobar_entero(num_images, "num_images", maximo=MAXIMO_IMAGENES)
    comprobar_entero(diffusion_steps, "diffusion_steps", maximo=MAXIMO_PASOS)
    lote = comprobar_entero(lote, "lote", maximo=10_000)
    # cada lote usa la semilla siguiente: todas deben ser semillas válidas
    semilla = comprobar_entero(semilla, "semilla", minimo=0, maximo=2**31 - 1 - num_images // lote)
    comprobar_real(eta, "eta", minimo=0, maximo=1)
    rng = np.random.default_rng(semilla)
    ruido = rng.standard_normal((num_images, modelo.image_size, modelo.image_size, 3)).astype(np.float32)
    partes = [np.asarray(modelo.generate(len(r), diffusion_steps, initial_noise=r, eta=eta, seed=semilla + i))
              for i, r in enumerate(np.split(ruido, range(lote, num_images, lote)))]
    return np.concatenate(partes)


# --- Pesos entrenados ----------------------------------------------------------------------

pesos_entrenados = PesosEntrenados("ddm", "del modelo de difusión", ".h5", entrenar_ddm, CONFIGURACIONES)
epocas_entrenadas = pesos_entrenados.epocas
procedencia = pesos_entrenados.procedencia
cargar_o_entrenar = pesos_entrenados.cargar_o_entrenar
entrenar_en_la_pagina = pesos_entrenados.entrenar_en_la_pagina


def cargar_modelo_entrenado(epoca: int | None = None, clase=None, **kwargs) -> DiffusionModel:
    """Un ``DiffusionModel`` con la red EMA de ``epoca`` (por defecto, la última), verificada por sha256.

    ``clase`` (una subclase de ``DiffusionModel``) y ``kwargs`` (p. ej. ``schedule``) permiten
    cargar los mismos pesos en un modelo con otras piezas, como en las tareas.
    """
    if clase is None:
        clase = DiffusionModel
    if not (isinstance(clase, type) and issubclass(clase, DiffusionModel)):
        raise ErrorDeArgumento(f"'clase' debe ser DiffusionModel o una subclase; llegó {clase!r}.")
    ruta = pesos_entrenados.ruta(epoca)
    modelo = clase(int(procedencia()["image_size"]), **kwargs)
    return cargar_ema(modelo, ruta)
