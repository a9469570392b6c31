"""Banco adversarial de la tarea de difusión: implementaciones correctas e incorrectas, con su veredicto.

Como en la del EBM: ``None`` si la comprobación debe aceptar el código, o la parte de la
pista que debe dar. Las correctas incluyen las formas equivalentes que un estudiante
escribe de verdad (``x + residual`` en lugar de ``Add``, ``10**linspace``, la varianza como
``1 − signal_rates**2``, la pérdida de la imagen calculada antes que la del ruido...).
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from generativa import difusion, unet
from generativa.errores import ErrorDeArgumento
from generativa.tareas import ErrorDeComprobacion
from generativa.tareas import difusion as t

keras, ops, tf = difusion.keras, difusion.ops, difusion.tf
layers = keras.layers


def _juzgar(comprobar, pista, capsys, *implementacion):
    if pista is None:
        comprobar(*implementacion)
        assert "✔" in capsys.readouterr().out
    else:
        with pytest.raises(ErrorDeComprobacion, match=pista):
            comprobar(*implementacion)


# =========================================================================== calendario

def calendario(orden=True, cuadrado=False, desplazado=True, mismo_angulo=True, al_reves=False, limites=(0.02, 0.95),
               estilo="ops"):
    def schedule(diffusion_times):
        minimo, maximo = limites
        inicio, fin = (math.acos(maximo), math.acos(minimo)) if desplazado else (0.0, math.acos(minimo))
        if al_reves:
            inicio, fin = fin, inicio
        if estilo == "tf":
            angulos = tf.cast(inicio, tf.float32) + diffusion_times * (fin - inicio)
            s, n = tf.cos(angulos), tf.sin(angulos if mismo_angulo else angulos * 1.1)
        else:
            angulos = inicio + diffusion_times * (fin - inicio)
            s, n = ops.cos(angulos), ops.sin(angulos if mismo_angulo else angulos * 1.1)
        if cuadrado:
            s, n = s**2, n**2
        return (n, s) if orden else (s, n)
    return schedule


CASOS_CALENDARIO = [
    ("curso", calendario(), None),
    ("con tf", calendario(estilo="tf"), None),
    ("la de la biblioteca", difusion.offset_cosine_diffusion_schedule, None),
    ("orden al revés", calendario(orden=False), "orden contrario"),
    ("al cuadrado", calendario(cuadrado=True), "al cuadrado"),
    ("sin desplazar", calendario(desplazado=False), "sin desplazar"),
    ("ángulos distintos", calendario(mismo_angulo=False), "no vale 1"),
    ("del final al principio", calendario(al_reves=True), "van al revés"),
    ("límites 0,01 y 0,99", calendario(limites=(0.01, 0.99)), "debería ir de 0,95"),
    ("devuelve uno", lambda t_: ops.cos(t_), "dos cosas"),
]


@pytest.mark.parametrize("nombre, fn, pista", CASOS_CALENDARIO, ids=[c[0] for c in CASOS_CALENDARIO])
def test_calendario(nombre, fn, pista, capsys):
    _juzgar(t.comprobar_offset_cosine_diffusion_schedule, pista, capsys, fn)


# =========================================================================== incrustación

def incrustacion(orden=True, dos_pi=True, frecuencias="exp", raiz=False, n=16, intercalar=False, eje=3):
    def embedding(x):
        if frecuencias == "exp":
            f = ops.exp(ops.linspace(0.0, math.log(1000.0), n))
        elif frecuencias == "diez":
            f = 10.0 ** ops.linspace(0.0, 3.0, n)
        elif frecuencias == "lineal":
            f = ops.linspace(1.0, 1000.0, n)
        else:
            f = ops.exp(ops.linspace(0.0, math.log(100.0), n))
        w = (2.0 * math.pi if dos_pi else 1.0) * f
        v = ops.sqrt(x) if raiz else x
        partes = [ops.sin(w * v), ops.cos(w * v)]
        if intercalar:
            return ops.reshape(ops.stack(partes, axis=-1), (-1, 1, 1, 2 * n))
        return ops.concatenate(partes if orden else partes[::-1], axis=eje)
    return embedding


CASOS_INCRUSTACION = [
    ("curso", incrustacion(), None),
    ("10**linspace", incrustacion(frecuencias="diez"), None),
    ("eje -1", incrustacion(eje=-1), None),
    ("la de la biblioteca", unet.sinusoidal_embedding, None),
    ("cosenos primero", incrustacion(orden=False), "cosenos van antes"),
    ("sin 2π", incrustacion(dos_pi=False), "Falta el factor 2π"),
    ("frecuencias lineales", incrustacion(frecuencias="lineal"), "espaciadas linealmente"),
    ("intercaladas", incrustacion(intercalar=True), "intercalados"),
    ("raíz de la varianza", incrustacion(raiz=True), "raíz de la varianza"),
    ("hasta 100", incrustacion(frecuencias="cien"), "no coincide"),
    ("32 frecuencias", incrustacion(n=32), "forma"),
]


@pytest.mark.parametrize("nombre, fn, pista", CASOS_INCRUSTACION, ids=[c[0] for c in CASOS_INCRUSTACION])
def test_incrustacion(nombre, fn, pista, capsys):
    _juzgar(t.comprobar_sinusoidal_embedding, pista, capsys, fn)


# =========================================================================== bloque residual

def bloque(suma="Add", bn=True, bn_param=False, proyecta=True, act1="swish", act2=None, residuo_tras_bn=False,
           siempre_proyecta=False, orden_capas="curso"):
    def ResidualBlock(width):
        def apply(x):
            entrada = x
            if orden_capas == "bn_primero":
                normal = layers.BatchNormalization(center=False, scale=False)(x) if bn else x
                residual = layers.Conv2D(width, 1)(entrada) if (entrada.shape[3] != width and proyecta) else entrada
                x = normal
            else:
                if siempre_proyecta or (x.shape[3] != width and proyecta):
                    residual = layers.Conv2D(width, kernel_size=1)(x)
                else:
                    residual = x
                if bn:
                    x = layers.BatchNormalization(center=bn_param, scale=bn_param)(x)
            if residuo_tras_bn and entrada.shape[3] == width:
                residual = x
            if act1 == "capa":
                x = layers.Activation("swish")(layers.Conv2D(width, 3, padding="same")(x))
            else:
                x = layers.Conv2D(width, 3, padding="same", activation=act1)(x)
            x = layers.Conv2D(width, 3, padding="same", activation=act2)(x)
            if suma == "Add":
                return layers.Add()([x, residual])
            if suma == "mas":
                return x + residual
            if suma == "ops":
                return ops.add(x, residual)
            return x
        return apply
    return ResidualBlock


CASOS_BLOQUE = [
    ("curso", bloque(), None),
    ("x + residual", bloque(suma="mas"), None),
    ("keras.ops.add", bloque(suma="ops"), None),
    ("Activation aparte", bloque(act1="capa"), None),
    ("normaliza antes de proyectar", bloque(orden_capas="bn_primero"), None),
    ("la de la biblioteca", unet.ResidualBlock, None),
    ("sin activación", bloque(act1=None), "Falta la activación swish"),
    ("residuo tras normalizar", bloque(residuo_tras_bn=True), "después de la normalización"),
    ("segunda activada", bloque(act2="swish"), "segunda convolución lleva activación"),
    ("sin suma", bloque(suma=None), "no suma el residuo"),
    ("ReLU", bloque(act1="relu"), "ReLU en lugar de swish"),
    ("normalización con parámetros", bloque(bn_param=True), "no tiene los pesos del curso"),
    ("sin normalización", bloque(bn=False), "no tiene los pesos del curso"),
    ("proyecta siempre", bloque(siempre_proyecta=True), "no tiene los pesos del curso"),
    ("sin proyectar el residuo", bloque(proyecta=False), "falla"),
]


@pytest.mark.parametrize("nombre, fn, pista", CASOS_BLOQUE, ids=[c[0] for c in CASOS_BLOQUE])
def test_bloque_residual(nombre, fn, pista, capsys):
    _juzgar(t.comprobar_residual_block, pista, capsys, fn)


# =========================================================================== bloques de bajada y subida

RB = unet.ResidualBlock


def bajada(guarda="salida", reduccion="media", solo_ultima=False):
    def DownBlock(width, block_depth):
        def apply(x):
            x, skips = x
            for i in range(block_depth):
                if guarda == "entrada":
                    skips.append(x)
                x = RB(width)(x)
                if guarda == "salida" and (not solo_ultima or i == block_depth - 1):
                    skips.append(x)
            if reduccion == "media":
                return layers.AveragePooling2D(pool_size=2)(x)
            if reduccion == "max":
                return layers.MaxPooling2D(2)(x)
            if reduccion == "conv":
                return layers.Conv2D(width, 3, strides=2, padding="same")(x)
            return x
        return apply
    return DownBlock


def subida(interpolacion="bilinear", delante=False, saca="pop", sube=True):
    def UpBlock(width, block_depth):
        def apply(x):
            x, skips = x
            if sube:
                x = layers.UpSampling2D(size=2, interpolation=interpolacion)(x)
            for _ in range(block_depth):
                salto = skips.pop() if saca == "pop" else (skips.pop(0) if saca == "primero" else skips[-1])
                x = layers.Concatenate()([salto, x] if delante else [x, salto])
                x = RB(width)(x)
            return x
        return apply
    return UpBlock


CASOS_BAJADA = [
    ("curso", bajada(), None),
    ("la de la biblioteca", unet.DownBlock, None),
    ("guarda la entrada", bajada(guarda="entrada"), "la entrada de cada bloque"),
    ("MaxPooling", bajada(reduccion="max"), "MaxPooling2D"),
    ("sin reducir", bajada(reduccion=None), "se esperaba \\(4, 4, 24\\)"),
    ("reduce con una convolución", bajada(reduccion="conv"), "no da lo mismo"),
    ("guarda solo la última", bajada(solo_ultima=True), "guarda 1 salidas"),
]

CASOS_SUBIDA = [
    ("curso", subida(), None),
    ("la de la biblioteca", unet.UpBlock, None),
    ("salto delante", subida(delante=True), "esperan el orden del curso"),
    ("nearest", subida(interpolacion="nearest"), "nearest"),
    ("saca el primero", subida(saca="primero"), "no da lo mismo"),
    ("no saca", subida(saca="mira"), "saca 0 tensores"),
    ("no sube", subida(sube=False), "falla|forma|se esperaba"),
]


@pytest.mark.parametrize("nombre, fn, pista", CASOS_BAJADA, ids=[c[0] for c in CASOS_BAJADA])
def test_bloque_de_bajada(nombre, fn, pista, capsys):
    _juzgar(t.comprobar_down_block, pista, capsys, fn, RB)


@pytest.mark.parametrize("nombre, fn, pista", CASOS_SUBIDA, ids=[c[0] for c in CASOS_SUBIDA])
def test_bloque_de_subida(nombre, fn, pista, capsys):
    _juzgar(t.comprobar_up_block, pista, capsys, fn, RB)


# =========================================================================== la U-Net

def red(final_ceros=True, interpolacion_incrustacion="nearest", con_incrustacion=True, fija=False, final_lado=1):
    def get_network(image_size, widths, block_depth):
        if fija:
            image_size, widths, block_depth = 64, [32, 64, 96, 128], 2
        noisy_images = keras.Input(shape=(image_size, image_size, 3))
        noise_variances = keras.Input(shape=(1, 1, 1))
        x = layers.Conv2D(widths[0], kernel_size=1)(noisy_images)
        if con_incrustacion:
            e = unet.SinusoidalEmbedding()(noise_variances)
            e = layers.UpSampling2D(size=image_size, interpolation=interpolacion_incrustacion)(e)
            x = layers.Concatenate()([x, e])
        skips = []
        for width in widths[:-1]:
            x = unet.DownBlock(width, block_depth)([x, skips])
        for _ in range(block_depth):
            x = RB(widths[-1])(x)
        for width in reversed(widths[:-1]):
            x = unet.UpBlock(width, block_depth)([x, skips])
        x = layers.Conv2D(3, kernel_size=final_lado, padding="same",
                          kernel_initializer="zeros" if final_ceros else "glorot_uniform")(x)
        return keras.Model([noisy_images, noise_variances], x)
    return get_network


CASOS_RED = [
    ("curso", red(), None),
    ("la de la biblioteca", unet.build_unet, None),
    ("última sin ceros", red(final_ceros=False), "ruido cero"),
    ("sin incrustación", red(con_incrustacion=False), "no tiene los pesos del curso"),
    ("números fijos", red(fija=True), "números fijos"),
    ("última 3x3", red(final_lado=3), "no tiene los pesos del curso"),
]


@pytest.mark.parametrize("nombre, fn, pista", CASOS_RED, ids=[c[0] for c in CASOS_RED])
def test_u_net(nombre, fn, pista, capsys):
    _juzgar(t.comprobar_red, pista, capsys, fn)


# =========================================================================== denoise

def quitar_ruido(red_al_entrenar="network", varianza="n2", tasas=True, orden=True, pasa_training=True):
    def denoise(model, noisy_images, noise_rates, signal_rates, training):
        if red_al_entrenar == "network":
            network = model.network if training else model.ema_network
        elif red_al_entrenar == "ema":
            network = model.ema_network if training else model.network
        else:
            network = model.network
        v = {"n2": noise_rates**2, "1-s2": 1.0 - signal_rates**2, "n": noise_rates}[varianza]
        pred_noises = network([noisy_images, v], training=training) if pasa_training else network([noisy_images, v])
        if tasas:
            pred_images = (noisy_images - noise_rates * pred_noises) / signal_rates
        else:
            pred_images = (noisy_images - signal_rates * pred_noises) / noise_rates
        return (pred_noises, pred_images) if orden else (pred_images, pred_noises)
    return denoise


CASOS_DENOISE = [
    ("curso", quitar_ruido(), None),
    ("varianza como 1 − s²", quitar_ruido(varianza="1-s2"), None),
    ("redes al revés", quitar_ruido(red_al_entrenar="ema"), "red equivocada"),
    ("siempre la red", quitar_ruido(red_al_entrenar="siempre"), "red equivocada"),
    ("tasa en lugar de varianza", quitar_ruido(varianza="n"), "tasa de ruido en lugar de la varianza"),
    ("tasas intercambiadas", quitar_ruido(tasas=False), "intercambiadas"),
    ("orden de salida", quitar_ruido(orden=False), "orden está al revés"),
    ("sin training", quitar_ruido(pasa_training=False), "no recibe training"),
]


@pytest.mark.parametrize("nombre, fn, pista", CASOS_DENOISE, ids=[c[0] for c in CASOS_DENOISE])
def test_denoise(nombre, fn, pista, capsys):
    _juzgar(t.comprobar_denoise, pista, capsys, fn)


# =========================================================================== EMA

def media_movil(todos=True, al_reves=False, toca_red=False, decaimiento=None, nada=False):
    def actualizar_ema(network, ema_network, ema):
        if nada:
            return
        ema = decaimiento or ema
        if todos == "entrenables":
            pares = zip(network.trainable_weights, ema_network.trainable_weights)
        else:
            pares = [(w, e) for w, e in zip(network.weights, ema_network.weights) if todos or w.trainable]
        for weight, ema_weight in pares:
            nuevo = ema * weight + (1 - ema) * ema_weight if al_reves else ema * ema_weight + (1 - ema) * weight
            (weight if toca_red else ema_weight).assign(nuevo)
    return actualizar_ema


def media_movil_ops(network, ema_network, ema):
    for w, e in zip(network.weights, ema_network.weights):
        e.assign(ops.add(ops.multiply(ema, e), ops.multiply(1.0 - ema, w)))


CASOS_EMA = [
    ("curso", media_movil(), None),
    ("keras.ops", media_movil_ops, None),
    ("sin estadísticas de BatchNormalization", media_movil(todos=False), "estadísticas de BatchNormalization"),
    ("trainable_weights", media_movil(todos="entrenables"), "trainable_weights está vacío"),
    ("al revés", media_movil(al_reves=True), "intercambiados"),
    ("toca la red", media_movil(toca_red=True), "red que se entrena"),
    ("decaimiento fijo 0,5", media_movil(decaimiento=0.5), "no es la media móvil"),
    ("no hace nada", media_movil(nada=True), "no ha cambiado"),
]


@pytest.mark.parametrize("nombre, fn, pista", CASOS_EMA, ids=[c[0] for c in CASOS_EMA])
def test_ema(nombre, fn, pista, capsys):
    _juzgar(t.comprobar_ema, pista, capsys, fn)


# =========================================================================== train_step

def _ema(network, ema_network, ema, todos=True):
    for w, e in zip(network.weights, ema_network.weights):
        if todos or w.trainable:
            e.assign(ema * e + (1 - ema) * w)


def paso(normaliza=True, gradiente="ruido", tasas=True, un_tiempo=False, ema="despues", aplica=True,
         imagen_primero=False, argumentos="curso", varianza="n2", metrica_imagen=True, ema_todos=True):
    class ModeloDeDifusion(difusion.DiffusionModel):
        def train_step(self, images):
            if normaliza:
                images = self.normalizer(images, training=True)
            noises = keras.random.normal(shape=ops.shape(images))
            batch_size = ops.shape(images)[0]
            forma = (1, 1, 1, 1) if un_tiempo else (batch_size, 1, 1, 1)
            diffusion_times = keras.random.uniform(shape=forma, minval=0.0, maxval=1.0)
            noise_rates, signal_rates = self.schedule(diffusion_times)
            if un_tiempo:
                noise_rates = ops.repeat(noise_rates, batch_size, axis=0)
                signal_rates = ops.repeat(signal_rates, batch_size, axis=0)
            noisy_images = (signal_rates * images + noise_rates * noises if tasas
                            else noise_rates * images + signal_rates * noises)
            if ema == "antes":
                _ema(self.network, self.ema_network, self.ema)
            with tf.GradientTape() as tape:
                v = noise_rates**2 if varianza == "n2" else 1.0 - signal_rates**2
                pred_noises = self.network([noisy_images, v], training=True)
                pred_images = (noisy_images - noise_rates * pred_noises) / signal_rates
                if imagen_primero:
                    image_loss = self.loss(images, pred_images)
                noise_loss = self.loss(pred_noises, noises) if argumentos == "al_reves" else self.loss(noises,
                                                                                                       pred_noises)
                if not imagen_primero:
                    image_loss = self.loss(images, pred_images)
                objetivo = {"ruido": noise_loss, "imagen": image_loss, "suma": noise_loss + image_loss}[gradiente]
            gradients = tape.gradient(objetivo, self.network.trainable_weights)
            if aplica:
                self.optimizer.apply_gradients(zip(gradients, self.network.trainable_weights))
            if ema == "despues":
                _ema(self.network, self.ema_network, self.ema, ema_todos)
            self.noise_loss_tracker.update_state(noise_loss)
            self.image_loss_tracker.update_state(image_loss if metrica_imagen else noise_loss)
            return {m.name: m.result() for m in self.metrics}
    return ModeloDeDifusion


CASOS_PASO = [
    ("curso", paso(), None),
    ("la pérdida de la imagen antes", paso(imagen_primero=True), None),
    ("self.loss(pred, ruido)", paso(argumentos="al_reves"), None),
    ("varianza como 1 − s²", paso(varianza="1-s2"), None),
    ("la de la biblioteca", difusion.DiffusionModel, None),
    ("gradiente de la imagen", paso(gradiente="imagen"), "pérdida de las imágenes"),
    ("gradiente de la suma", paso(gradiente="suma"), "suma de las dos"),
    ("sin normalizar", paso(normaliza=False), "no se normalizan"),
    ("tasas intercambiadas", paso(tasas=False), "intercambiadas en la mezcla"),
    ("un tiempo para todo el lote", paso(un_tiempo=True), "mismo tiempo de difusión"),
    ("sin EMA", paso(ema=None), "EMA no cambia"),
    ("EMA antes del paso", paso(ema="antes"), "antes del paso del optimizador"),
    ("sin aplicar gradientes", paso(aplica=False), "no cambian"),
    ("EMA sin estadísticas", paso(ema_todos=False), "estadísticas de BatchNormalization"),
    ("métrica de imagen equivocada", paso(metrica_imagen=False), "«i_loss»"),
    ("no es una subclase", object, "subclase de difusion.DiffusionModel"),
]


@pytest.mark.parametrize("nombre, clase, pista", CASOS_PASO, ids=[c[0] for c in CASOS_PASO])
def test_train_step(nombre, clase, pista, capsys):
    _juzgar(t.comprobar_train_step, pista, capsys, clase)


# =========================================================================== reverse_diffusion

def inversa(empieza_tras_uno=False, tasas_actuales=False, devuelve_mezcla=False, entrenando=False, sin_mezcla=False,
            pasos_de_mas=0):
    def reverse_diffusion(model, initial_noise, diffusion_steps):
        num_images = initial_noise.shape[0]
        diffusion_steps = diffusion_steps + pasos_de_mas
        step_size = 1.0 / diffusion_steps
        current_images = ops.convert_to_tensor(initial_noise)
        for step in range(diffusion_steps):
            diffusion_times = ops.ones((num_images, 1, 1, 1)) - (step + empieza_tras_uno) * step_size
            noise_rates, signal_rates = model.schedule(diffusion_times)
            pred_noises, pred_images = model.denoise(current_images, noise_rates, signal_rates, training=entrenando)
            next_noise_rates, next_signal_rates = ((noise_rates, signal_rates) if tasas_actuales else
                                                   model.schedule(ops.maximum(diffusion_times - step_size, 0.0)))
            current_images = (pred_images if sin_mezcla else
                              next_signal_rates * pred_images + next_noise_rates * pred_noises)
        return current_images if devuelve_mezcla else pred_images
    return reverse_diffusion


CASOS_INVERSA = [
    ("curso", inversa(), None),
    ("la de la biblioteca", lambda model, noise, steps: difusion.DiffusionModel.reverse_diffusion(model, noise, steps),
     None),
    ("empieza tras t = 1", inversa(empieza_tras_uno=True), "Empieza en t = 1 − 1/pasos"),
    ("tasas actuales", inversa(tasas_actuales=True), "tasas del tiempo actual"),
    ("devuelve la mezcla", inversa(devuelve_mezcla=True), "Devuelve la última mezcla"),
    ("con la red que se entrena", inversa(entrenando=True), "no con la EMA"),
    ("sin volver a mezclar", inversa(sin_mezcla=True), "sin volver a mezclarla"),
    ("un paso de más", inversa(pasos_de_mas=1), "da 2 pasos|da 4 pasos|da 6 pasos"),
]


@pytest.mark.parametrize("nombre, fn, pista", CASOS_INVERSA, ids=[c[0] for c in CASOS_INVERSA])
def test_reverse_diffusion(nombre, fn, pista, capsys):
    _juzgar(t.comprobar_reverse_diffusion, pista, capsys, fn)


def test_un_hueco_sin_rellenar_deja_pasar_el_notimplementederror():
    def hueco(*args, **kwargs):
        raise NotImplementedError("Completa el hueco marcado con # TU CÓDIGO AQUÍ.")

    for comprobar in (t.comprobar_offset_cosine_diffusion_schedule, t.comprobar_sinusoidal_embedding,
                      t.comprobar_residual_block, t.comprobar_denoise, t.comprobar_ema, t.comprobar_reverse_diffusion,
                      t.comprobar_red):
        with pytest.raises(NotImplementedError):
            comprobar(hueco)


def test_lo_que_no_es_codigo_es_un_error_de_uso():
    for comprobar in (t.comprobar_offset_cosine_diffusion_schedule, t.comprobar_sinusoidal_embedding,
                      t.comprobar_residual_block, t.comprobar_denoise, t.comprobar_ema, t.comprobar_reverse_diffusion,
                      t.comprobar_red):
        with pytest.raises(ErrorDeArgumento):
            comprobar(42)


def test_el_banco_entero_pasa_de_150_casos():
    from test_tareas_ebm import CASOS_BUFER, CASOS_LANGEVIN, CASOS_PERDIDA, CASOS_RED as RED_EBM, CASOS_PASO as PASO_EBM

    propios = (CASOS_CALENDARIO + CASOS_INCRUSTACION + CASOS_BLOQUE + CASOS_BAJADA + CASOS_SUBIDA + CASOS_RED
               + CASOS_DENOISE + CASOS_EMA + CASOS_PASO + CASOS_INVERSA)
    todos = propios + RED_EBM + CASOS_LANGEVIN + CASOS_BUFER + CASOS_PERDIDA + PASO_EBM
    assert len(todos) >= 150 and sum(c[2] is None for c in todos) >= 40
