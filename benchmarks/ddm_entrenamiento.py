"""Velocidad del modelo de difusión: biblioteca frente al ejemplo de keras.io.

Mide, en el mismo proceso, con la misma U-Net, el mismo lote de 64 y la misma
resolución:

- imágenes por segundo de entrenamiento de ``generativa.difusion.DiffusionModel``
  (tal como lo entrena ``python -m generativa.entrenar ddm`` en una CPU: con el paso
  compilado por XLA; y sin XLA) y de una reimplementación fiel del ejemplo DDIM de
  keras.io (incrustación con ``layers.Lambda``, ``train_step`` del ejemplo, EMA 0,999
  fija), y sus cocientes. Cada medida es la mediana de la duración de los pasos de un
  solo ``fit`` (tras descartar los primeros, que incluyen la compilación), así que no
  cuenta el trazado de la función que Keras repite en cada ``fit``;
- las operaciones en coma flotante (FLOP) de un paso hacia delante y hacia atrás por
  imagen, contadas capa a capa (convoluciones, que son casi todo el cálculo);
- la velocidad de multiplicación de matrices de esta CPU (``tf.matmul`` de 2.048 x
  2.048 en float32) y la fracción de ella que alcanza el entrenamiento;
- el tiempo de generar 10 imágenes con 20 pasos.

Uso::

    python benchmarks/ddm_entrenamiento.py [--image-size 64] [--pasos 10] [--repeticiones 3]
"""

from __future__ import annotations

import argparse
import math
import statistics
import time

import numpy as np

from generativa import difusion
from generativa.calendarios import offset_cosine_diffusion_schedule
from generativa.datos import cargar_flores

tf, keras = difusion.tf, difusion.keras
layers = keras.layers
BATCH = difusion.BATCH_SIZE


# ------------------------------------------------ el ejemplo de keras.io, tal cual

@keras.saving.register_keras_serializable()  # como en la versión para Keras 3 del ejemplo
def sinusoidal_embedding_keras_io(x):
    embedding_min_frequency, embedding_max_frequency, embedding_dims = 1.0, 1000.0, 32
    frequencies = tf.exp(tf.linspace(tf.math.log(embedding_min_frequency), tf.math.log(embedding_max_frequency),
                                     embedding_dims // 2))
    angular_speeds = 2.0 * math.pi * frequencies
    return tf.concat([tf.sin(angular_speeds * x), tf.cos(angular_speeds * x)], axis=3)


def get_network_keras_io(image_size, widths, block_depth):
    def ResidualBlock(width):
        def apply(x):
            input_width = x.shape[3]
            residual = x if input_width == width else layers.Conv2D(width, kernel_size=1)(x)
            x = layers.BatchNormalization(center=False, scale=False)(x)
            x = layers.Conv2D(width, kernel_size=3, padding="same", activation=keras.activations.swish)(x)
            x = layers.Conv2D(width, kernel_size=3, padding="same")(x)
            return layers.Add()([x, residual])
        return apply

    def DownBlock(width, block_depth):
        def apply(x):
            x, skips = x
            for _ in range(block_depth):
                x = ResidualBlock(width)(x)
                skips.append(x)
            return layers.AveragePooling2D(pool_size=2)(x)
        return apply

    def UpBlock(width, block_depth):
        def apply(x):
            x, skips = x
            x = layers.UpSampling2D(size=2, interpolation="bilinear")(x)
            for _ in range(block_depth):
                x = layers.Concatenate()([x, skips.pop()])
                x = ResidualBlock(width)(x)
            return x
        return apply

    noisy_images = keras.Input(shape=(image_size, image_size, 3))
    noise_variances = keras.Input(shape=(1, 1, 1))
    e = layers.Lambda(sinusoidal_embedding_keras_io, output_shape=(1, 1, 32))(noise_variances)
    e = layers.UpSampling2D(size=image_size, interpolation="nearest")(e)
    x = layers.Conv2D(widths[0], kernel_size=1)(noisy_images)
    x = layers.Concatenate()([x, e])
    skips = []
    for width in widths[:-1]:
        x = DownBlock(width, block_depth)([x, skips])
    for _ in range(block_depth):
        x = ResidualBlock(widths[-1])(x)
    for width in reversed(widths[:-1]):
        x = UpBlock(width, block_depth)([x, skips])
    x = layers.Conv2D(3, kernel_size=1, kernel_initializer="zeros")(x)
    return keras.Model([noisy_images, noise_variances], x, name="residual_unet")


class DiffusionModelKerasIO(keras.Model):
    def __init__(self, image_size, widths, block_depth):
        super().__init__()
        self.image_size = image_size
        self.normalizer = layers.Normalization()
        self.network = get_network_keras_io(image_size, widths, block_depth)
        self.ema_network = keras.models.clone_model(self.network)

    def compile(self, **kwargs):
        super().compile(**kwargs)
        self.noise_loss_tracker = keras.metrics.Mean(name="n_loss")
        self.image_loss_tracker = keras.metrics.Mean(name="i_loss")

    @property
    def metrics(self):
        return [self.noise_loss_tracker, self.image_loss_tracker]

    def denoise(self, noisy_images, noise_rates, signal_rates, training):
        network = self.network if training else self.ema_network
        pred_noises = network([noisy_images, noise_rates**2], training=training)
        pred_images = (noisy_images - noise_rates * pred_noises) / signal_rates
        return pred_noises, pred_images

    def train_step(self, images):
        images = self.normalizer(images, training=True)
        noises = keras.random.normal(shape=(BATCH, self.image_size, self.image_size, 3))
        diffusion_times = keras.random.uniform(shape=(BATCH, 1, 1, 1), minval=0.0, maxval=1.0)
        noise_rates, signal_rates = offset_cosine_diffusion_schedule(diffusion_times)
        noisy_images = signal_rates * images + noise_rates * noises
        with tf.GradientTape() as tape:
            pred_noises, pred_images = self.denoise(noisy_images, noise_rates, signal_rates, training=True)
            noise_loss = self.loss(noises, pred_noises)
            image_loss = self.loss(images, pred_images)
        gradients = tape.gradient(noise_loss, self.network.trainable_weights)
        self.optimizer.apply_gradients(zip(gradients, self.network.trainable_weights))
        self.noise_loss_tracker.update_state(noise_loss)
        self.image_loss_tracker.update_state(image_loss)
        for weight, ema_weight in zip(self.network.weights, self.ema_network.weights):
            ema_weight.assign(difusion.EMA * ema_weight + (1 - difusion.EMA) * weight)
        return {m.name: m.result() for m in self.metrics}


# ------------------------------------------------ medidas

def flops_por_imagen(red) -> int:
    """FLOP de un paso hacia delante por imagen: 2·H·W·k²·Cin·Cout por convolución."""
    total = 0
    for capa in red.layers:
        if isinstance(capa, layers.Conv2D):
            _, h, w, c_out = capa.output.shape
            k1, k2, c_in, _ = capa.kernel.shape
            total += 2 * h * w * k1 * k2 * c_in * c_out
    return total


def velocidad_matmul(n: int = 2048, repeticiones: int = 10) -> float:
    """FLOP/s de ``tf.matmul`` n x n en float32 (mediana de ``repeticiones``)."""
    a = tf.random.normal((n, n))
    b = tf.random.normal((n, n))
    producto = tf.function(lambda x, y: tf.reduce_sum(tf.matmul(x, y)))
    producto(a, b)
    tiempos = []
    for _ in range(repeticiones):
        inicio = time.perf_counter()
        producto(a, b).numpy()
        tiempos.append(time.perf_counter() - inicio)
    return 2 * n**3 / statistics.median(tiempos)


class Cronometro(keras.callbacks.Callback):
    """Duración de cada paso de entrenamiento de un ``fit``."""

    def on_train_batch_begin(self, batch, logs=None):
        self.inicio = time.perf_counter()

    def on_train_batch_end(self, batch, logs=None):
        self.duraciones.append(time.perf_counter() - self.inicio)

    def on_train_begin(self, logs=None):
        self.duraciones = []


def imagenes_por_segundo(modelo, datos, pasos: int, descartar: int = 2) -> float:
    """Imágenes por segundo: mediana de la duración de ``pasos`` pasos tras ``descartar`` de calentamiento."""
    cronometro = Cronometro()
    modelo.fit(datos.take(pasos + descartar), epochs=1, verbose=0, callbacks=[cronometro])
    return BATCH / statistics.median(cronometro.duraciones[descartar:])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--image-size", type=int, default=64)
    parser.add_argument("--pasos", type=int, default=6, help="lotes por medida (tras 2 de calentamiento)")
    parser.add_argument("--repeticiones", type=int, default=3)
    args = parser.parse_args()

    imagenes = cargar_flores(args.image_size).imagenes[:1024]
    datos = tf.data.Dataset.from_tensor_slices(imagenes).repeat().batch(BATCH, drop_remainder=True)
    modelos = {}
    for nombre, clase, xla in (("keras.io", lambda: DiffusionModelKerasIO(args.image_size, difusion.WIDTHS, 2), False),
                               ("generativa", lambda: difusion.DiffusionModel(args.image_size), True),
                               ("sin XLA", lambda: difusion.DiffusionModel(args.image_size), False)):
        keras.utils.set_random_seed(0)
        modelo = clase()
        modelo.normalizer.adapt(imagenes)
        modelo.compile(optimizer=keras.optimizers.AdamW(learning_rate=1e-3, weight_decay=1e-4),
                       loss=keras.losses.MeanAbsoluteError(), jit_compile=xla)
        modelos[nombre] = modelo

    medidas = {nombre: [] for nombre in modelos}
    for _ in range(args.repeticiones):  # alternadas, para repartir por igual la carga de la máquina
        for nombre, modelo in modelos.items():
            medidas[nombre].append(imagenes_por_segundo(modelo, datos, args.pasos))
    ips = {nombre: statistics.median(v) for nombre, v in medidas.items()}

    red = modelos["generativa"].network
    adelante = flops_por_imagen(red)
    entrenamiento = 3 * adelante  # hacia atrás ≈ 2 veces hacia delante
    matmul = velocidad_matmul()
    alcanzado = entrenamiento * ips["generativa"]

    generador = modelos["generativa"]
    generador.generate(10, 20)  # calentamiento
    tiempos = []
    for _ in range(args.repeticiones):
        inicio = time.perf_counter()
        np.asarray(generador.generate(10, 20))
        tiempos.append(time.perf_counter() - inicio)

    print(f"Resolución {args.image_size}x{args.image_size}, lote {BATCH}, {args.pasos} lotes por medida, "
          f"mediana de {args.repeticiones}")
    for nombre, valor in ips.items():
        print(f"  {nombre:>10}: {valor:7.1f} imágenes/s de entrenamiento")
    print(f"  cociente generativa / keras.io: {ips['generativa'] / ips['keras.io']:.2f}x (objetivo ≥ 1,4); "
          f"sin XLA: {ips['sin XLA'] / ips['keras.io']:.2f}x")
    print(f"  FLOP por imagen: {adelante / 1e9:.3f} GFLOP hacia delante, {entrenamiento / 1e9:.3f} GFLOP por paso "
          f"de entrenamiento")
    print(f"  multiplicación de matrices: {matmul / 1e9:.1f} GFLOP/s; el entrenamiento alcanza "
          f"{alcanzado / 1e9:.1f} GFLOP/s = {100 * alcanzado / matmul:.0f} % (objetivo ≥ 70 %)")
    print(f"  generar 10 imágenes con 20 pasos: {statistics.median(tiempos):.2f} s")


if __name__ == "__main__":
    main()
