"""Comprobaciones de la tarea de difusión: aceptan lo correcto y cada error típico falla con su pista."""

import math

import numpy as np
import pytest

from generativa import difusion
from generativa.tareas import difusion as t, ErrorDeComprobacion
from generativa.unet import ResidualBlock

keras, ops, layers = difusion.keras, difusion.ops, difusion.keras.layers


def _calendario(orden=True, cuadrado=False, desplazado=True, mismo_angulo=True):
    def schedule(diffusion_times):
        inicio, fin = (math.acos(0.95), math.acos(0.02)) if desplazado else (0.0, math.acos(0.02))
        angulos = inicio + diffusion_times * (fin - inicio)
        s, n = ops.cos(angulos), ops.sin(angulos if mismo_angulo else angulos * 1.1)
        if cuadrado:
            s, n = s**2, n**2
        return (n, s) if orden else (s, n)
    return schedule


def _incrustacion(orden=True, dos_pi=True, exponencial=True):
    def embedding(x):
        f = ops.exp(ops.linspace(0.0, math.log(1000.0), 16)) if exponencial else ops.linspace(1.0, 1000.0, 16)
        w = (2.0 * math.pi if dos_pi else 1.0) * f
        partes = [ops.sin(w * x), ops.cos(w * x)]
        return ops.concatenate(partes if orden else partes[::-1], axis=3)
    return embedding


def _bloque(suma=True, bn=True, proyecta=True, swish=True):
    def residual_block(width):
        def apply(x):
            residual = layers.Conv2D(width, 1)(x) if (x.shape[3] != width and proyecta) else x
            if bn:
                x = layers.BatchNormalization(center=False, scale=False)(x)
            x = layers.Conv2D(width, 3, padding="same", activation="swish" if swish else None)(x)
            x = layers.Conv2D(width, 3, padding="same")(x)
            if not suma:
                return x
            if residual.shape[3] != width:
                residual = layers.Conv2D(width, 3, padding="same")(residual)  # proyección equivocada
            return layers.Add()([x, residual])
        return apply
    return residual_block


def _denoise(red_al_reves=False, tasa=False, despeje_mal=False):
    def denoise(model, noisy_images, noise_rates, signal_rates, training):
        network = model.network if training != red_al_reves else model.ema_network
        pred_noises = network([noisy_images, noise_rates if tasa else noise_rates**2], training=training)
        if despeje_mal:
            pred_images = (noisy_images - signal_rates * pred_noises) / noise_rates
        else:
            pred_images = (noisy_images - noise_rates * pred_noises) / signal_rates
        return pred_noises, pred_images
    return denoise


def _ema(al_reves=False, toca_red=False, nada=False):
    def actualizar_ema(network, ema_network, ema):
        if nada:
            return
        for w, e in zip(network.weights, ema_network.weights):
            if al_reves:
                e.assign(ema * w + (1 - ema) * e)
            else:
                e.assign(ema * e + (1 - ema) * w)
            if toca_red:
                w.assign(e)
    return actualizar_ema


def _inversa(siguiente=True, empieza_en_uno=True):
    def reverse_diffusion(model, initial_noise, diffusion_steps):
        step_size = 1.0 / diffusion_steps
        current = ops.convert_to_tensor(initial_noise)
        for step in range(diffusion_steps):
            tiempo = (1.0 - step * step_size) if empieza_en_uno else (1.0 - (step + 1) * step_size)
            t_ = ops.ones((initial_noise.shape[0], 1, 1, 1)) * tiempo
            n, s = model.schedule(t_)
            pred_noises, pred_images = model.denoise(current, n, s, training=False)
            n2, s2 = model.schedule(ops.maximum(t_ - step_size, 0.0)) if siguiente else (n, s)
            current = s2 * pred_images + n2 * pred_noises
        return pred_images
    return reverse_diffusion


def _paso(normaliza=True, un_tiempo=False, tasas_al_reves=False, contra_imagenes=False, uniforme=False,
          training=True, aplica=True, signo=1.0, ema="bien", metricas=True):
    """Una subclase de DiffusionModel con el train_step del curso o con un error típico."""
    import tensorflow as tf

    class Modelo(difusion.DiffusionModel):
        def train_step(self, images):
            if normaliza:
                images = self.normalizer(images, training=True)
            forma = ops.shape(images)
            noises = (keras.random.uniform(forma) if uniforme else keras.random.normal(forma))
            n_t = 1 if un_tiempo else forma[0]
            times = keras.random.uniform((n_t, 1, 1, 1)) * ops.ones((forma[0], 1, 1, 1))
            noise_rates, signal_rates = self.schedule(times)
            if tasas_al_reves:
                noisy = noise_rates * images + signal_rates * noises
            else:
                noisy = signal_rates * images + noise_rates * noises
            with tf.GradientTape() as tape:
                pred_noises, pred_images = self.denoise(noisy, noise_rates, signal_rates, training=training)
                noise_loss = self.loss(images if contra_imagenes else noises,
                                       pred_images if contra_imagenes else pred_noises)
                image_loss = self.loss(images, pred_images)
            if ema == "antes":
                _ema()(self.network, self.ema_network, self.ema)
            gradients = tape.gradient(noise_loss, self.network.trainable_weights)
            if aplica:
                self.optimizer.apply_gradients([(signo * g, w) for g, w in
                                                zip(gradients, self.network.trainable_weights)])
            if ema in ("bien", "al_reves"):
                _ema(al_reves=ema == "al_reves")(self.network, self.ema_network, self.ema)
            if ema == "otro":
                _ema()(self.network, self.ema_network, 0.9)
            self.noise_loss_tracker.update_state(noise_loss)
            self.image_loss_tracker.update_state(image_loss)
            return {m.name: m.result() for m in self.metrics} if metricas else noise_loss
    return Modelo


@pytest.mark.parametrize("comprobar, correcto", [
    (t.comprobar_train_step, _paso()),
    (t.comprobar_train_step, difusion.DiffusionModel),  # la de la biblioteca, con calentamiento
    (t.comprobar_offset_cosine_diffusion_schedule, _calendario()),
    (t.comprobar_offset_cosine_diffusion_schedule, difusion.offset_cosine_diffusion_schedule),
    (t.comprobar_sinusoidal_embedding, _incrustacion()),
    (t.comprobar_residual_block, ResidualBlock),
    (t.comprobar_residual_block, _bloque()),
    (t.comprobar_denoise, _denoise()),
    (t.comprobar_ema, _ema()),
    (t.comprobar_reverse_diffusion, _inversa()),
    (t.comprobar_reverse_diffusion, lambda m, r, k: m.reverse_diffusion(r, k)),
])
def test_lo_correcto_pasa(comprobar, correcto):
    comprobar(correcto)


@pytest.mark.parametrize("comprobar, mal, pista", [
    (t.comprobar_offset_cosine_diffusion_schedule, _calendario(orden=False), "orden contrario"),
    (t.comprobar_offset_cosine_diffusion_schedule, _calendario(cuadrado=True), "sin elevar al cuadrado"),
    (t.comprobar_offset_cosine_diffusion_schedule, _calendario(desplazado=False), "sin desplazar"),
    (t.comprobar_offset_cosine_diffusion_schedule, _calendario(mismo_angulo=False), "mismo ángulo"),
    (t.comprobar_offset_cosine_diffusion_schedule, lambda x: x, "dos cosas"),
    (t.comprobar_sinusoidal_embedding, _incrustacion(orden=False), "cosenos van antes"),
    (t.comprobar_sinusoidal_embedding, _incrustacion(dos_pi=False), "2π"),
    (t.comprobar_sinusoidal_embedding, _incrustacion(exponencial=False), "linealmente"),
    (t.comprobar_residual_block, _bloque(suma=False), "no suma"),
    (t.comprobar_residual_block, _bloque(bn=False), "normalización por lotes"),
    (t.comprobar_residual_block, _bloque(proyecta=False), "proyectar|Conv2D 1x1"),
    (t.comprobar_denoise, _denoise(red_al_reves=True), "red equivocada"),
    (t.comprobar_denoise, _denoise(tasa=True), "varianza"),
    (t.comprobar_denoise, _denoise(despeje_mal=True), "intercambiadas"),
    (t.comprobar_ema, _ema(al_reves=True), "intercambiados"),
    (t.comprobar_ema, _ema(nada=True), "no ha cambiado"),
    (t.comprobar_ema, _ema(toca_red=True), "red que se entrena"),
    (t.comprobar_train_step, _paso(normaliza=False), "no se normalizan"),
    (t.comprobar_train_step, _paso(un_tiempo=True), "mismo tiempo"),
    (t.comprobar_train_step, _paso(tasas_al_reves=True), "intercambiadas en la mezcla"),
    (t.comprobar_train_step, _paso(contra_imagenes=True), "compara con las imágenes"),
    (t.comprobar_train_step, _paso(uniforme=True), "gaussiano"),
    (t.comprobar_train_step, _paso(training=False), "red EMA"),
    (t.comprobar_train_step, _paso(aplica=False), "no cambian"),
    (t.comprobar_train_step, _paso(signo=-1.0), "sube"),
    (t.comprobar_train_step, _paso(ema="nada"), "EMA no cambia"),
    (t.comprobar_train_step, _paso(ema="antes"), "antes del paso"),
    (t.comprobar_train_step, _paso(ema="al_reves"), "intercambiados en la EMA"),
    (t.comprobar_train_step, _paso(ema="otro"), "decaimiento de 0.9000"),
    (t.comprobar_train_step, _paso(metricas=False), "n_loss"),
    (t.comprobar_train_step, _denoise(), "subclase"),
    (t.comprobar_reverse_diffusion, _inversa(siguiente=False), "tiempo actual"),
    (t.comprobar_reverse_diffusion, _inversa(empieza_en_uno=False), "t = 1"),
])
def test_cada_error_tipico_falla_con_su_pista(comprobar, mal, pista):
    with pytest.raises(ErrorDeComprobacion, match=pista):
        comprobar(mal)


def test_un_hueco_sin_rellenar_deja_pasar_el_notimplementederror():
    def hueco(*args, **kwargs):
        raise NotImplementedError("TU CÓDIGO AQUÍ")
    for comprobar in (t.comprobar_offset_cosine_diffusion_schedule, t.comprobar_sinusoidal_embedding,
                      t.comprobar_residual_block, t.comprobar_denoise, t.comprobar_ema,
                      t.comprobar_reverse_diffusion):
        with pytest.raises(NotImplementedError):
            comprobar(hueco)

    class Modelo(difusion.DiffusionModel):
        def train_step(self, images):
            raise NotImplementedError("TU CÓDIGO AQUÍ")
    with pytest.raises(NotImplementedError):
        t.comprobar_train_step(Modelo)
