"""El modelo de difusión del curso: normalizador, U-Net, copia EMA y calendario coseno desplazado.

``DiffusionModel`` sigue el código del curso (y el ejemplo DDIM de keras.io):
``denoise`` convierte el ruido predicho en la imagen predicha, ``train_step``
entrena con el error absoluto medio sobre el ruido y actualiza la copia EMA, y
``reverse_diffusion`` invierte la difusión con pasos deterministas al estilo DDIM.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .calendarios import offset_cosine_diffusion_schedule
from .motor import importar_keras, importar_tensorflow
from .pesos import PesosEntrenados
from .unet import BLOCK_DEPTH, WIDTHS, build_unet
from .validacion import comprobar_entero

tf = importar_tensorflow()
keras = importar_keras()
ops = keras.ops

EMA = 0.999
BATCH_SIZE = 64
LEARNING_RATE = 1e-3
WEIGHT_DECAY = 1e-4
DATASET_REPETITIONS = 5
EPOCHS = 50


def decaimiento_ema(paso, ema: float = EMA):
    """Decaimiento de la EMA con calentamiento: min(ema, (1 + n) / (10 + n)).

    Con 0,999 fijo, tras 1.000 pasos la copia EMA aún conserva e^-1 ≈ 37 % de sus pesos
    iniciales (aleatorios): en una ejecución corta generaría ruido. Al principio la
    EMA sigue de cerca a la red y, con los pasos, el decaimiento tiende a ``ema``.
    """
    paso = ops.cast(paso, "float32")
    return ops.minimum(ema, (1.0 + paso) / (10.0 + paso))


class DiffusionModel(keras.Model):
    """Modelo de difusión: ``network`` (se entrena), ``ema_network`` (genera) y ``normalizer``."""

    def __init__(self, image_size: int = 64, widths=WIDTHS, block_depth: int = BLOCK_DEPTH, ema: float = EMA,
                 schedule=offset_cosine_diffusion_schedule, **kwargs):
        super().__init__(**kwargs)
        if not 0 < ema < 1:
            raise ValueError(f"'ema' debe estar entre 0 y 1; llegó {ema!r}.")
        self.image_size, self.ema, self.schedule = int(image_size), float(ema), schedule
        self.normalizer = keras.layers.Normalization(axis=-1, name="normalizer")
        self.normalizer.build((None, image_size, image_size, 3))
        self.network = build_unet(image_size, widths, block_depth)
        self.ema_network = keras.models.clone_model(self.network)
        self.ema_network.set_weights(self.network.get_weights())
        # La copia EMA no la mueve el optimizador: fuera de trainable_variables, para que el
        # estado del optimizador que guarda BackupAndRestore cuadre al reanudar.
        self.ema_network.trainable = False
        self.noise_loss_tracker = keras.metrics.Mean(name="n_loss")
        self.image_loss_tracker = keras.metrics.Mean(name="i_loss")
        self.built = True

    @property
    def metrics(self):
        return [self.noise_loss_tracker, self.image_loss_tracker]

    def adapt(self, images, batch_size: int = 256):
        """Adapta el normalizador (media y varianza por canal) a ``images`` en [0, 1]."""
        self._comprobar_imagenes(images)
        self.normalizer.adapt(tf.data.Dataset.from_tensor_slices(np.asarray(images, np.float32)).batch(batch_size))

    def denormalize(self, images):
        """De imágenes normalizadas a colores en [0, 1]."""
        images = self.normalizer.mean + images * ops.sqrt(self.normalizer.variance)
        return ops.clip(images, 0.0, 1.0)

    def denoise(self, noisy_images, noise_rates, signal_rates, training):
        """Ruido predicho por la red (o por la EMA si no se entrena) e imagen que
        implica.
        """
        network = self.network if training else self.ema_network
        noisy_images, noise_rates, signal_rates = (
            ops.convert_to_tensor(v, "float32")
            for v in (noisy_images, noise_rates, signal_rates)
        )
        pred_noises = network([noisy_images, noise_rates**2], training=training)
        pred_images = (noisy_images - noise_rates * pred_noises) / signal_rates
        return pred_noises, pred_images

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
        comprobar_entero(diffusion_steps, "diffusion_steps")
        if not 0.0 <= float(eta) <= 1.0:
            raise ValueError(
                "'eta' debe estar entre 0 (determinista) y 1 (estocástico); "
                f"llegó {eta!r}."
            )
        self._comprobar_ruido(initial_noise)
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
        forma = (comprobar_entero(num_images, "num_images"), self.image_size, self.image_size, 3)
        if initial_noise is None:
            initial_noise = keras.random.normal(forma, seed=seed)
        elif tuple(initial_noise.shape) != forma:
            raise ValueError(f"El ruido inicial debe tener la forma {forma}; llegó {tuple(initial_noise.shape)}.")
        generated = self.reverse_diffusion(ops.convert_to_tensor(initial_noise, "float32"), diffusion_steps,
                                           eta=eta, seed=seed)
        return self.denormalize(generated)

    def invert(self, images, diffusion_steps: int, iteraciones_iniciales: int = 3):
        """Inversión DDIM: el ruido inicial desde el que el muestreador determinista
        genera ``images``.

        Recorre los tiempos del muestreador al revés (de 1/pasos a 1): en cada uno
        predice imagen y ruido y los mezcla con las tasas del tiempo siguiente. En
        el primer tiempo la imagen ruidosa depende del propio ruido predicho; se
        resuelve con unas iteraciones de punto fijo. ``images`` van en [0, 1].
        """
        comprobar_entero(diffusion_steps, "diffusion_steps")
        self._comprobar_imagenes(images)
        x0 = self.normalizer(
            ops.convert_to_tensor(np.asarray(images, np.float32)), training=False
        )
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

    def _comprobar_ruido(self, noise):
        forma = tuple(noise.shape)
        if len(forma) != 4 or forma[1:] != (self.image_size, self.image_size, 3):
            raise ValueError(f"El ruido debe tener la forma (N, {self.image_size}, {self.image_size}, 3); "
                             f"llegó {forma}.")

    def _ruidosear(self, images):
        """Normaliza, sortea ruido y tiempos uniformes en [0, 1] y mezcla: x_t =
        s·x_0 + n·ε.
        """
        images = self.normalizer(images, training=False)
        noises = keras.random.normal(ops.shape(images))
        diffusion_times = keras.random.uniform(
            (ops.shape(images)[0], 1, 1, 1), minval=0.0, maxval=1.0
        )
        noise_rates, signal_rates = self.schedule(diffusion_times)
        noisy_images = signal_rates * images + noise_rates * noises
        return images, noises, noisy_images, noise_rates, signal_rates

    def train_step(self, images):
        images, noises, noisy_images, noise_rates, signal_rates = self._ruidosear(
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
        gradients = tape.gradient(noise_loss, self.network.trainable_weights)
        self.optimizer.apply_gradients(
            zip(gradients, self.network.trainable_weights)
        )
        decay = decaimiento_ema(self.optimizer.iterations, self.ema)
        for weight, ema_weight in zip(
            self.network.weights, self.ema_network.weights
        ):
            ema_weight.assign(decay * ema_weight + (1.0 - decay) * weight)
        self.noise_loss_tracker.update_state(noise_loss)
        self.image_loss_tracker.update_state(image_loss)
        return {m.name: m.result() for m in self.metrics}

    def test_step(self, images):
        images, noises, noisy_images, noise_rates, signal_rates = self._ruidosear(images)
        pred_noises, pred_images = self.denoise(noisy_images, noise_rates, signal_rates, training=False)
        self.noise_loss_tracker.update_state(self.loss(noises, pred_noises))
        self.image_loss_tracker.update_state(self.loss(images, pred_images))
        return {m.name: m.result() for m in self.metrics}

    def _comprobar_imagenes(self, images):
        forma = tuple(np.shape(images))
        if len(forma) != 4 or forma[1:] != (self.image_size, self.image_size, 3):
            raise ValueError(f"Se esperaban imágenes (N, {self.image_size}, {self.image_size}, 3); llegó {forma}.")
        valores = np.asarray(images)
        if valores.size and (valores.min() < 0 or valores.max() > 1):
            raise ValueError(f"Se esperaban imágenes en [0, 1]; llegaron valores entre {valores.min():.3g} y "
                             f"{valores.max():.3g}.")


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
    rng = np.random.default_rng(semilla)
    entrenamiento, validacion = [], []
    for nombre in ("trnid", "valid", "tstid"):
        indices = rng.permutation(np.asarray(flores.particiones[nombre]))
        corte = int(len(indices) * FRACCION_ENTRENAMIENTO)
        entrenamiento.append(indices[:corte])
        validacion.append(indices[corte:])
    return np.concatenate(entrenamiento), np.concatenate(validacion)


def conjunto_de_entrenamiento(images, batch_size: int = BATCH_SIZE, repetitions: int = DATASET_REPETITIONS,
                              seed: int = 42):
    """``tf.data`` del curso: repite el conjunto ``repetitions`` veces, baraja y agrupa en lotes."""
    images = np.asarray(images, np.float32)
    comprobar_entero(batch_size, "batch_size")
    comprobar_entero(repetitions, "repetitions")
    if images.ndim != 4 or images.shape[-1] != 3 or len(images) < batch_size:
        raise ValueError(f"Se esperaban al menos {batch_size} imágenes (N, alto, ancho, 3); llegó {images.shape}.")
    return (tf.data.Dataset.from_tensor_slices(images).cache().repeat(repetitions)
            .shuffle(10 * batch_size, seed=seed).batch(batch_size, drop_remainder=True)
            .prefetch(tf.data.AUTOTUNE))


def guardar_ema(modelo: DiffusionModel, ruta, float16: bool = True) -> None:
    """Guarda solo lo que hace falta para generar: la red EMA y el normalizador.

    En float16 ocupa la cuarta parte que ``save_weights`` (que guarda las dos redes en
    float32); la diferencia en las imágenes generadas es del orden de 1e-3.
    """
    import h5py

    tipo = np.float16 if float16 else np.float32
    with h5py.File(ruta, "w") as f:
        f.attrs["image_size"] = modelo.image_size
        for grupo, pesos in (("ema_network", modelo.ema_network.weights), ("normalizer", modelo.normalizer.weights)):
            g = f.create_group(grupo)
            for i, peso in enumerate(pesos):
                valor = np.asarray(peso.numpy())
                g.create_dataset(f"{i:03d}", data=valor.astype(tipo) if valor.dtype.kind == "f" else valor)


def cargar_ema(modelo: DiffusionModel, ruta) -> DiffusionModel:
    """Carga lo guardado con :func:`guardar_ema` en la red EMA *y* en la red que se entrena."""
    import h5py

    from .integridad import ErrorDeDatos

    try:
        with h5py.File(ruta, "r") as f:
            if int(f.attrs["image_size"]) != modelo.image_size:
                raise ValueError(f"Los pesos de {ruta} son para imágenes de {int(f.attrs['image_size'])} píxeles y el "
                                 f"modelo es de {modelo.image_size}.")
            for grupo, pesos in (("ema_network", modelo.ema_network.weights),
                                 ("normalizer", modelo.normalizer.weights)):
                valores = [f[grupo][k][()] for k in sorted(f[grupo])]
                if len(valores) != len(pesos):
                    raise ErrorDeDatos(f"{ruta} tiene {len(valores)} pesos en «{grupo}»; el modelo, {len(pesos)}.")
                for peso, valor in zip(pesos, valores):
                    peso.assign(valor.astype(peso.dtype))
    except OSError as e:
        raise ErrorDeDatos(f"No se pudieron leer los pesos {ruta}: {e}") from e
    modelo.normalizer.finalize_state()  # recalcula mean y variance a partir de lo cargado
    modelo.network.set_weights(modelo.ema_network.get_weights())
    return modelo


# --- Pesos entrenados ----------------------------------------------------------------------

pesos_entrenados = PesosEntrenados("ddm", "del modelo de difusión", ".h5", "difusion")
epocas_entrenadas = pesos_entrenados.epocas
procedencia = pesos_entrenados.procedencia
cargar_o_entrenar = pesos_entrenados.cargar_o_entrenar


def cargar_modelo_entrenado(epoca: int | None = None, clase=None, **kwargs) -> DiffusionModel:
    """Un ``DiffusionModel`` con la red EMA de ``epoca`` (por defecto, la última), verificada por sha256.

    ``clase`` (una subclase de ``DiffusionModel``) y ``kwargs`` (p. ej. ``schedule``) permiten
    cargar los mismos pesos en un modelo con otras piezas, como en las tareas.
    """
    clase = clase or DiffusionModel
    if not (isinstance(clase, type) and issubclass(clase, DiffusionModel)):
        raise ValueError(f"'clase' debe ser DiffusionModel o una subclase; llegó {clase!r}.")
    ruta = pesos_entrenados.ruta(epoca)
    modelo = clase(int(procedencia()["image_size"]), **kwargs)
    return cargar_ema(modelo, ruta)
