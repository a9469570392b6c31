"""Velocidad de un paso de entrenamiento del EBM: biblioteca frente al cuaderno del curso.

Compara, en el mismo proceso y con la misma red y los mismos tamaños (lote de 128,
60 pasos de Langevin), el ``EBM`` de ``generativa.ebm`` (Langevin y paso de
entrenamiento compilados, búfer como tensor) con una reimplementación fiel del
cuaderno del curso (búfer como lista de Python de tensores de una imagen,
Langevin en modo inmediato y ``run_eagerly=True``). Imprime el tiempo por paso de
cada uno y su cociente. Uso:

    python benchmarks/ebm_paso.py [--repeticiones 3] [--pasos 3]
"""

from __future__ import annotations

import argparse
import random
import statistics
import time

import numpy as np

from generativa import ebm
from generativa.datos import cargar_mnist

tf, keras = ebm.tf, ebm.keras
B, S, SZ, NZ, GC, A, BUF = (ebm.BATCH_SIZE, ebm.STEPS, ebm.STEP_SIZE, ebm.NOISE, ebm.GRADIENT_CLIP,
                            ebm.ALPHA, ebm.BUFFER_SIZE)


# ------------------------------------------- el cuaderno del curso, tal cual

def generate_samples_curso(model, inp_imgs, steps, step_size, noise):
    for _ in range(steps):
        inp_imgs += tf.random.normal(inp_imgs.shape, mean=0, stddev=noise)
        inp_imgs = tf.clip_by_value(inp_imgs, -1.0, 1.0)
        with tf.GradientTape() as tape:
            tape.watch(inp_imgs)
            out_score = model(inp_imgs)
        grads = tape.gradient(out_score, inp_imgs)
        grads = tf.clip_by_value(grads, -GC, GC)
        inp_imgs += step_size * grads
        inp_imgs = tf.clip_by_value(inp_imgs, -1.0, 1.0)
    return inp_imgs


class BufferCurso:
    def __init__(self, model):
        self.model = model
        self.examples = [tf.random.uniform(shape=(1, 32, 32, 1)) * 2 - 1 for _ in range(B)]

    def sample_new_exmps(self, steps, step_size, noise):
        n_new = np.random.binomial(B, 0.05)
        rand_imgs = tf.random.uniform((n_new, 32, 32, 1)) * 2 - 1
        old_imgs = tf.concat(random.choices(self.examples, k=B - n_new), axis=0)
        inp_imgs = tf.concat([rand_imgs, old_imgs], axis=0)
        inp_imgs = generate_samples_curso(self.model, inp_imgs, steps=steps, step_size=step_size, noise=noise)
        self.examples = tf.split(inp_imgs, B, axis=0) + self.examples
        self.examples = self.examples[:BUF]
        return inp_imgs


class EBMCurso(keras.Model):
    def __init__(self):
        super().__init__()
        self.model = ebm.build_energy_network()
        self.buffer = BufferCurso(self.model)
        self.loss_metric = keras.metrics.Mean(name="loss")

    @property
    def metrics(self):
        return [self.loss_metric]

    def train_step(self, real_imgs):
        real_imgs += tf.random.normal(shape=tf.shape(real_imgs), mean=0, stddev=NZ)
        real_imgs = tf.clip_by_value(real_imgs, -1.0, 1.0)
        fake_imgs = self.buffer.sample_new_exmps(steps=S, step_size=SZ, noise=NZ)
        inp_imgs = tf.concat([real_imgs, fake_imgs], axis=0)
        with tf.GradientTape() as training_tape:
            real_out, fake_out = tf.split(self.model(inp_imgs), 2, axis=0)
            cdiv_loss = tf.reduce_mean(fake_out, axis=0) - tf.reduce_mean(real_out, axis=0)
            reg_loss = A * tf.reduce_mean(real_out**2 + fake_out**2, axis=0)
            loss = cdiv_loss + reg_loss
        grads = training_tape.gradient(loss, self.model.trainable_variables)
        self.optimizer.apply_gradients(zip(grads, self.model.trainable_variables))
        self.loss_metric.update_state(loss)
        return {m.name: m.result() for m in self.metrics}


# ------------------------------------------------------------- medición

def segundos_por_paso(modelo, datos, pasos: int, repeticiones: int) -> list[float]:
    modelo.fit(datos.take(1), epochs=1, verbose=0, shuffle=False)  # calentamiento (y compilación)
    tiempos = []
    for _ in range(repeticiones):
        inicio = time.perf_counter()
        modelo.fit(datos.take(pasos), epochs=1, verbose=0, shuffle=False)
        tiempos.append((time.perf_counter() - inicio) / pasos)
    return tiempos


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeticiones", type=int, default=3)
    parser.add_argument("--pasos", type=int, default=3, help="pasos de entrenamiento por repetición")
    args = parser.parse_args()

    keras.utils.set_random_seed(0)
    imagenes, _ = cargar_mnist()
    datos = ebm.conjunto_de_entrenamiento(imagenes, seed=0).repeat()

    curso = EBMCurso()
    curso.compile(optimizer=keras.optimizers.Adam(ebm.LEARNING_RATE), run_eagerly=True)
    biblioteca = ebm.EBM()
    biblioteca.compile(optimizer=keras.optimizers.Adam(ebm.LEARNING_RATE))

    t_curso = segundos_por_paso(curso, datos, args.pasos, args.repeticiones)
    t_biblioteca = segundos_por_paso(biblioteca, datos, args.pasos, args.repeticiones)
    m_curso, m_biblioteca = statistics.median(t_curso), statistics.median(t_biblioteca)
    print(f"Paso de entrenamiento del EBM (lote {B}, {S} pasos de Langevin), mediana de "
          f"{args.repeticiones} repeticiones de {args.pasos} pasos:")
    print(f"  cuaderno del curso (inmediato, búfer en lista): {m_curso:.3f} s/paso  {np.round(t_curso, 3)}")
    print(f"  generativa.ebm (compilado, búfer tensor):      {m_biblioteca:.3f} s/paso  {np.round(t_biblioteca, 3)}")
    print(f"  cociente curso / biblioteca: {m_curso / m_biblioteca:.1f}x")


if __name__ == "__main__":
    main()
