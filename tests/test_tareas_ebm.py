"""Banco adversarial de la tarea del EBM: implementaciones de estudiante, correctas e incorrectas.

Cada caso es código que un estudiante podría escribir, con el veredicto esperado: ``None``
si es correcto (la comprobación debe aceptarlo) o la parte de la pista que debe dar si no.
Las correctas incluyen formas distintas de escribir lo mismo (capas o funciones de
activación, ``keras.ops`` o ``tf``, modelos secuenciales o subclases, búfer como lista o
como tensor...); las incorrectas, errores típicos y respuestas degeneradas.
"""

from __future__ import annotations

import random

import numpy as np
import pytest

from generativa import ebm
from generativa.errores import ErrorDeArgumento
from generativa.tareas import ErrorDeComprobacion
from generativa.tareas import ebm as t

tf, keras = ebm.tf, ebm.keras
layers, ops = keras.layers, keras.ops
IMAGE_SIZE, CHANNELS = 32, 1
STEP_SIZE, STEPS, NOISE = 10, 60, 0.005
ALPHA, GRADIENT_CLIP = 0.1, 0.03
BATCH_SIZE, BUFFER_SIZE = 128, 8192
VEREDICTOS: dict[str, list] = {}


def _juzgar(comprobar, implementacion, pista, capsys, *extra):
    """Ejecuta la comprobación y contrasta su veredicto con el esperado."""
    if pista is None:
        comprobar(implementacion, *extra)
        assert "✔" in capsys.readouterr().out
    else:
        with pytest.raises(ErrorDeComprobacion, match=pista):
            comprobar(implementacion, *extra)


# =========================================================================== la red

def red(padding=("same",) * 4, act="swish", act_densa=None, salida=None, filtros=(16, 32, 64, 64), lados=(5, 3, 3, 3),
        pasos=2, negar=False, flatten=True, densa=64, sesgo=True, extra=False, forma_salida=1, estilo="funcional"):
    act_densa = act if act_densa is None else act_densa

    def activacion(nombre):
        return {"swish_capa": None, "silu_tf": tf.nn.silu, "ops": lambda x: x * ops.sigmoid(x),
                "keras_swish": keras.activations.swish}.get(nombre, nombre)

    def build_energy_network():
        if estilo == "secuencial":
            capas = [layers.Input(shape=(32, 32, 1))]
            for i, (f, k) in enumerate(zip(filtros, lados)):
                capas.append(layers.Conv2D(f, k, strides=pasos, padding=padding[i], activation=activacion(act)))
            capas += [layers.Flatten(), layers.Dense(densa, activation=activacion(act_densa)), layers.Dense(1)]
            return keras.Sequential(capas)
        if estilo == "subclase":
            class RedDeEnergia(keras.Model):
                def __init__(self):
                    super().__init__()
                    self.convs = [layers.Conv2D(f, k, strides=2, padding="same", activation="swish")
                                  for f, k in zip(filtros, lados)]
                    self.plano, self.densa, self.final = layers.Flatten(), layers.Dense(64, activation="swish"), \
                        layers.Dense(1)

                def call(self, x):
                    for conv in self.convs:
                        x = conv(x)
                    return self.final(self.densa(self.plano(x)))
            return RedDeEnergia()
        entrada = layers.Input(shape=(32, 32, 1))
        x = entrada
        for i, (f, k) in enumerate(zip(filtros, lados)):
            if act == "swish_capa":
                x = layers.Activation("swish")(layers.Conv2D(f, k, strides=pasos, padding=padding[i], use_bias=sesgo)(x))
            else:
                x = layers.Conv2D(f, k, strides=pasos, padding=padding[i], activation=activacion(act), use_bias=sesgo)(x)
        if flatten:
            x = layers.Flatten()(x)
        x = layers.Dense(densa, activation=activacion(act_densa) if act_densa != "swish_capa" else None)(x)
        if act_densa == "swish_capa":
            x = layers.Activation("swish")(x)
        if extra:
            x = layers.Dense(32, activation="swish")(x)
        x = layers.Dense(forma_salida, activation=salida)(x)
        if negar:
            x = layers.Rescaling(-1.0)(x)
        return keras.Model(entrada, x)
    return build_energy_network


def red_aplanada():
    entrada = layers.Input(shape=(32, 32, 1))
    x = red()()(entrada)
    return keras.Model(entrada, layers.Flatten()(x)[:, 0])


CASOS_RED = [
    ("curso", red(), None),
    ("secuencial", red(estilo="secuencial"), None),
    ("subclase", red(estilo="subclase"), None),
    ("Activation swish", red(act="swish_capa"), None),
    ("tf.nn.silu", red(act="silu_tf"), None),
    ("silu por nombre", red(act="silu"), None),
    ("swish con ops", red(act="ops"), None),
    ("keras.activations.swish", red(act="keras_swish"), None),
    ("Dense(1) lineal explícita", red(salida="linear"), None),
    ("padding valid en la 1.ª", red(padding=("valid", "same", "same", "same")), "n.º 1 no conserva el borde"),
    ("padding valid en la 3.ª", red(padding=("same", "same", "valid", "same")), "n.º 3 no conserva el borde"),
    ("sigmoide a la salida", red(salida="sigmoid"), "entre 0 y 1"),
    ("tanh a la salida", red(salida="tanh"), "entre −1 y 1"),
    ("ReLU a la salida", red(salida="relu"), "nunca es negativa"),
    ("negada", red(negar=True), "energía, no la puntuación"),
    ("ReLU en todo", red(act="relu"), "usan ReLU en lugar de swish"),
    ("ReLU en las convoluciones", red(act="relu", act_densa="swish"), "convoluciones usan ReLU"),
    ("Dense(64) sin activación", red(act_densa="linear"), "Dense\\(64\\) le falta"),
    ("tanh ocultas", red(act="tanh"), "tanh en lugar de swish"),
    ("sigmoide ocultas", red(act="sigmoid"), "sigmoide en lugar de swish"),
    ("filtros 16-32-64-128", red(filtros=(16, 32, 64, 128)), "no tienen los pesos"),
    ("3x3 en la primera", red(lados=(3, 3, 3, 3)), "peso n.º 1 tiene forma"),
    ("strides 1", red(pasos=1), "no tienen los pesos"),
    ("sin Flatten", red(flatten=False), "forma"),
    ("sin sesgo", red(sesgo=False), "no tienen los pesos"),
    ("Dense(32) de más", red(extra=True), "no tienen los pesos"),
    ("dos salidas", red(forma_salida=2), "\\(8, 1\\)"),
    ("salida aplanada", red_aplanada, "\\(8, 1\\)"),
    ("devuelve un texto", lambda: "no es un modelo", "red de Keras"),
    ("falla al construir", lambda: 1 / 0, "ZeroDivisionError"),
]


@pytest.mark.parametrize("nombre, build, pista", CASOS_RED, ids=[c[0] for c in CASOS_RED])
def test_red(nombre, build, pista, capsys):
    _juzgar(t.comprobar_red_de_energia, build, pista, capsys)


# =========================================================================== Langevin

def langevin(signo=1.0, recorta_grad=True, recorta_ruido=True, recorta_paso=True, solo_final=False, ruido="cada",
             stddev=lambda n: n, grad_fijo=False, un_paso=False, desde_inicio=False, paso_fijo=None, pila="tf",
             estilo="tf", media=False, clip=GRADIENT_CLIP, solo_ultima=False, mismo_ruido_lote=False):
    def generate_samples(model, inp_imgs, steps, step_size, noise, return_img_per_step=False):
        inicial = inp_imgs
        imgs_per_step = []
        ruido_fijo = tf.random.normal(tf.shape(inp_imgs), stddev=stddev(noise))
        if ruido == "antes":
            inp_imgs = inp_imgs + ruido_fijo
        g_fijo = None
        for _ in range(1 if un_paso else steps):
            if desde_inicio:
                inp_imgs = inicial
            if ruido == "cada":
                forma = (1, 32, 32, 1) if mismo_ruido_lote else tf.shape(inp_imgs)
                inp_imgs = inp_imgs + tf.random.normal(forma, mean=0, stddev=stddev(noise))
            elif ruido == "reusado":
                inp_imgs = inp_imgs + ruido_fijo
            if recorta_ruido and not solo_final:
                inp_imgs = ops.clip(inp_imgs, -1.0, 1.0) if estilo == "ops" else tf.clip_by_value(inp_imgs, -1.0, 1.0)
            if grad_fijo and g_fijo is not None:
                grads = g_fijo
            else:
                with tf.GradientTape() as tape:
                    tape.watch(inp_imgs)
                    out_score = model(inp_imgs)
                    if media:
                        out_score = tf.reduce_mean(out_score)
                    elif estilo == "suma":
                        out_score = tf.reduce_sum(out_score)
                grads = tape.gradient(out_score, inp_imgs)
                g_fijo = grads
            if recorta_grad:
                grads = ops.clip(grads, -clip, clip) if estilo == "ops" else tf.clip_by_value(grads, -clip, clip)
            inp_imgs = inp_imgs + signo * (paso_fijo or step_size) * grads
            if recorta_paso and not solo_final:
                inp_imgs = tf.clip_by_value(inp_imgs, -1.0, 1.0)
            imgs_per_step.append(inp_imgs)
        if solo_final:
            inp_imgs = tf.clip_by_value(inp_imgs, -1.0, 1.0)
            imgs_per_step = [tf.clip_by_value(x, -1.0, 1.0) for x in imgs_per_step]
        if return_img_per_step:
            if solo_ultima:
                return inp_imgs
            return {"tf": lambda: tf.stack(imgs_per_step, axis=0), "np": lambda: np.stack([np.asarray(x) for x in
                                                                                          imgs_per_step]),
                    "lista": lambda: imgs_per_step}[pila]()
        return inp_imgs
    return generate_samples


def langevin_de_la_biblioteca(model, inp_imgs, steps, step_size, noise, return_img_per_step=False):
    return ebm.generate_samples(model, inp_imgs, steps, step_size, noise, return_img_per_step=return_img_per_step)


CASOS_LANGEVIN = [
    ("curso", langevin(), None),
    ("keras.ops", langevin(estilo="ops"), None),
    ("suma de la puntuación", langevin(estilo="suma"), None),
    ("pasos en np.stack", langevin(pila="np"), None),
    ("pasos en una lista", langevin(pila="lista"), None),
    ("la de la biblioteca (compilada)", langevin_de_la_biblioteca, None),
    ("desciende", langevin(signo=-1.0), "bajan por la puntuación"),
    ("sin recortar el gradiente", langevin(recorta_grad=False), "gradiente no está recortado"),
    ("sin recortar imágenes", langevin(recorta_ruido=False, recorta_paso=False), "no se recortan"),
    ("recorta solo al final", langevin(solo_final=True), "solo se recortan al final"),
    ("sin recortar tras el ruido", langevin(recorta_ruido=False), "Tras sumar el ruido no se recorta"),
    ("ruido una vez antes del bucle", langevin(ruido="antes"), "una sola vez, antes del bucle"),
    ("el mismo ruido en cada paso", langevin(ruido="reusado"), "el mismo ruido"),
    ("gradiente fuera del bucle", langevin(grad_fijo=True), "una sola vez"),
    ("un solo paso", langevin(un_paso=True), "se dan 1 pasos"),
    ("cada paso desde el principio", langevin(desde_inicio=True), "se dan 1 pasos"),
    ("ruido como varianza", langevin(stddev=lambda n: n**2), "varianza"),
    ("sin ruido", langevin(ruido="nunca"), "No se añade ruido"),
    ("el mismo ruido en todo el lote", langevin(mismo_ruido_lote=True), "Todas las imágenes del lote"),
    ("step_size ignorado", langevin(paso_fijo=1.0), "no siguen la trayectoria"),
    ("media en lugar de suma", langevin(media=True), "no siguen la trayectoria"),
    ("recorte del gradiente a 0,3", langevin(clip=0.3), "no está recortado"),
    ("recorte del gradiente a 0,01", langevin(clip=0.01), "no siguen la trayectoria"),
    ("pasos: solo la última", langevin(solo_ultima=True), "forma"),
    ("devuelve la entrada", lambda model, inp_imgs, steps, step_size, noise, return_img_per_step=False: inp_imgs,
     "no se mueven"),
    ("devuelve un texto", lambda *a, **k: "listo", "no es un tensor"),
]


@pytest.mark.parametrize("nombre, fn, pista", CASOS_LANGEVIN, ids=[c[0] for c in CASOS_LANGEVIN])
def test_langevin(nombre, fn, pista, capsys):
    _juzgar(t.comprobar_generate_samples, fn, pista, capsys)


# =========================================================================== el búfer

def bufer(n_nuevas=lambda: np.random.binomial(BATCH_SIZE, 0.05), uniforme=True, langevin_fn=None, pasos=None,
          guarda=True, guarda_entradas=False, recorta=BUFFER_SIZE, al_final=False, quita_nuevas=False,
          eleccion="choices", pasa_ruido=True, inicial="uniforme", tensor=False):
    mover = langevin() if langevin_fn is None else langevin_fn

    class Buffer:
        def __init__(self, model):
            self.model = model
            if inicial == "ceros":
                self.examples = [tf.zeros((1, 32, 32, 1)) for _ in range(BATCH_SIZE)]
            else:
                self.examples = [tf.random.uniform(shape=(1, 32, 32, 1)) * 2 - 1 for _ in range(BATCH_SIZE)]
            if tensor:
                self.examples = tf.concat(self.examples, axis=0)

        def sample_new_exmps(self, steps, step_size, noise):
            n_new = int(n_nuevas())
            rand_imgs = (tf.random.uniform((n_new, 32, 32, 1)) * 2 - 1 if uniforme
                         else tf.random.uniform((n_new, 32, 32, 1)))
            ejemplos = list(tf.split(self.examples, len(self.examples))) if tensor else self.examples
            if eleccion == "choices":
                viejas = random.choices(ejemplos, k=BATCH_SIZE - n_new)
            elif eleccion == "sample":
                viejas = random.sample(ejemplos, k=BATCH_SIZE - n_new)
            elif eleccion == "indices":
                viejas = [ejemplos[i] for i in np.random.choice(len(ejemplos), BATCH_SIZE - n_new)]
            else:
                viejas = [random.choice(ejemplos)] * (BATCH_SIZE - n_new)
            inp_imgs = tf.concat([rand_imgs, *viejas], axis=0) if viejas else rand_imgs
            entradas = inp_imgs
            if mover is not False:
                inp_imgs = mover(self.model, inp_imgs, steps=pasos or steps, step_size=step_size,
                                 noise=noise if pasa_ruido else NOISE)
            if guarda:
                nuevas = tf.split(entradas if guarda_entradas else inp_imgs, BATCH_SIZE, axis=0)
                ejemplos = ejemplos + nuevas if al_final else nuevas + ejemplos
                ejemplos = ejemplos[-recorta:] if (al_final != quita_nuevas) else ejemplos[:recorta]
                self.examples = tf.concat(ejemplos, axis=0) if tensor else ejemplos
            return inp_imgs
    return Buffer


CASOS_BUFER = [
    ("curso", bufer(), None),
    ("guarda al final y tira las primeras", bufer(al_final=True), None),
    ("búfer como tensor", bufer(tensor=True), None),
    ("5 % fijo", bufer(n_nuevas=lambda: 6), None),
    ("random.sample", bufer(eleccion="sample"), None),
    ("np.random.choice", bufer(eleccion="indices"), None),
    ("Langevin de la biblioteca", bufer(langevin_fn=langevin_de_la_biblioteca), None),
    ("sin ruido nuevo", bufer(n_nuevas=lambda: 0), "Ningún lote incluye ruido nuevo"),
    ("todo ruido nuevo", bufer(n_nuevas=lambda: BATCH_SIZE), "no se aprovecha el búfer"),
    ("la mitad de ruido nuevo", bufer(n_nuevas=lambda: 64), "no se aprovecha el búfer"),
    ("20 % de ruido nuevo", bufer(n_nuevas=lambda: np.random.binomial(BATCH_SIZE, 0.2)), "el 5 %"),
    ("ruido nuevo en [0, 1]", bufer(uniforme=False), "no es uniforme en \\[-1, 1\\]"),
    ("sin Langevin", bufer(langevin_fn=False), "no pasan por Langevin"),
    ("un paso de Langevin", bufer(pasos=1), "un solo paso de Langevin"),
    ("60 pasos fijos", bufer(pasos=60), "ni del búfer ni de ruido nuevo"),
    ("no guarda", bufer(guarda=False), "guarda las nuevas muestras"),
    ("guarda las de antes de Langevin", bufer(guarda_entradas=True), "no quedan guardadas en el búfer tal como"),
    ("crece sin límite", bufer(recorta=10**9), "crece sin límite"),
    ("tira las nuevas", bufer(quita_nuevas=True), "no descarta las imágenes más viejas"),
    ("recorta de más", bufer(recorta=BUFFER_SIZE - 100), "debería conservar"),
    ("siempre la misma vieja", bufer(eleccion="una"), "la misma imagen del búfer"),
    ("noise fijo", bufer(pasa_ruido=False), "no pasa su noise"),
    ("empieza con ceros", bufer(inicial="ceros"), "no son ruido uniforme"),
    ("Langevin que desciende", bufer(langevin_fn=langevin(signo=-1.0)), "ni del búfer ni de ruido nuevo"),
]


@pytest.mark.parametrize("nombre, clase, pista", CASOS_BUFER, ids=[c[0] for c in CASOS_BUFER])
def test_bufer(nombre, clase, pista, capsys):
    _juzgar(t.comprobar_buffer, clase, pista, capsys)


# =========================================================================== la pérdida

def cd(fn):
    return lambda real_out, fake_out, alpha: fn(real_out, fake_out, alpha)


m = tf.reduce_mean
CASOS_PERDIDA = [
    ("curso", cd(lambda r, f, a: m(f) - m(r) + a * m(r**2 + f**2)), None),
    ("keras.ops", cd(lambda r, f, a: ops.mean(f) - ops.mean(r) + a * ops.mean(ops.square(r) + ops.square(f))), None),
    ("dos medias de cuadrados", cd(lambda r, f, a: m(f) - m(r) + a * (m(r**2) + m(f**2))), None),
    ("en dos líneas", cd(lambda r, f, a: (lambda c, g: c + g)(m(f - r), a * m(tf.square(r) + tf.square(f)))), None),
    ("signo al revés", cd(lambda r, f, a: m(r) - m(f) + a * m(r**2 + f**2)), "signo al revés"),
    ("sin regularización", cd(lambda r, f, a: m(f) - m(r)), "Falta la regularización"),
    ("sin alpha", cd(lambda r, f, a: m(f) - m(r) + m(r**2 + f**2)), "no está multiplicada por alpha"),
    ("sin cuadrado", cd(lambda r, f, a: m(f) - m(r) + a * m(r + f)), "no eleva al cuadrado"),
    ("cuadrado de las medias", cd(lambda r, f, a: m(f) - m(r) + a * (m(r) ** 2 + m(f) ** 2)), "cuadrado las medias"),
    ("solo reales", cd(lambda r, f, a: m(f) - m(r) + a * m(r**2)), "solo penaliza las reales"),
    ("solo falsas", cd(lambda r, f, a: m(f) - m(r) + a * m(f**2)), "solo penaliza las falsas"),
    ("sumas", cd(lambda r, f, a: tf.reduce_sum(f) - tf.reduce_sum(r) + a * tf.reduce_sum(r**2 + f**2)), "sumas"),
    ("resta la regularización", cd(lambda r, f, a: m(f) - m(r) - a * m(r**2 + f**2)), "se resta"),
    ("valor absoluto", cd(lambda r, f, a: m(f) - m(r) + a * m(tf.abs(r) + tf.abs(f))), "debería ser"),
    ("devuelve (cdiv, reg)", cd(lambda r, f, a: (m(f) - m(r), a * m(r**2 + f**2))), "debe ser un número"),
    ("constante", cd(lambda r, f, a: 0.0), "debería ser"),
    ("por imagen", cd(lambda r, f, a: f - r + a * (r**2 + f**2)), "debe ser un número"),
]


@pytest.mark.parametrize("nombre, fn, pista", CASOS_PERDIDA, ids=[c[0] for c in CASOS_PERDIDA])
def test_perdida(nombre, fn, pista, capsys):
    _juzgar(t.comprobar_contrastive_divergence, fn, pista, capsys)


# =========================================================================== el paso de entrenamiento

def contrastive_divergence(real_out, fake_out, alpha):
    return m(fake_out) - m(real_out) + alpha * m(real_out**2 + fake_out**2)


def ebm_(ruido=NOISE, recorta=True, falsas="bufer", pasos=None, signo=1.0, intercambia=False, con_reg=True,
         aplica=True, llamadas="juntas", metrica_loss="loss", corte="split", aplicar="apply_gradients",
         step_size=STEP_SIZE):
    class EBM(keras.Model):
        def __init__(self, model, steps=STEPS):
            super().__init__()
            self.model, self.steps = model, steps
            self.buffer = bufer()(self.model)
            self.loss_metric = keras.metrics.Mean(name="loss")
            self.real_out_metric = keras.metrics.Mean(name="real")
            self.fake_out_metric = keras.metrics.Mean(name="fake")

        @property
        def metrics(self):
            return [self.loss_metric, self.real_out_metric, self.fake_out_metric]

        def train_step(self, real_imgs):
            real_imgs = real_imgs + tf.random.normal(tf.shape(real_imgs), mean=0, stddev=ruido)
            if recorta:
                real_imgs = tf.clip_by_value(real_imgs, -1.0, 1.0)
            if falsas == "bufer":
                fake_imgs = self.buffer.sample_new_exmps(steps=pasos or self.steps, step_size=step_size, noise=NOISE)
            else:
                fake_imgs = tf.random.uniform(tf.shape(real_imgs)) * 2 - 1
            with tf.GradientTape() as tape:
                if llamadas == "juntas":
                    out = self.model(tf.concat([real_imgs, fake_imgs], axis=0))
                    if corte == "split":
                        real_out, fake_out = tf.split(out, 2, axis=0)
                    else:
                        n = tf.shape(real_imgs)[0]
                        real_out, fake_out = out[:n], out[n:]
                else:
                    real_out, fake_out = self.model(real_imgs), self.model(fake_imgs)
                if intercambia:
                    real_out, fake_out = fake_out, real_out
                loss = contrastive_divergence(real_out, fake_out, ALPHA if con_reg else 0.0)
                objetivo = signo * loss
            grads = tape.gradient(objetivo, self.model.trainable_variables)
            if aplica:
                if aplicar == "apply":
                    self.optimizer.apply(grads, self.model.trainable_variables)
                else:
                    self.optimizer.apply_gradients(zip(grads, self.model.trainable_variables))
            self.loss_metric.update_state(loss if metrica_loss == "loss" else m(fake_out) - m(real_out))
            self.real_out_metric.update_state(m(real_out))
            self.fake_out_metric.update_state(m(fake_out))
            return {mt.name: mt.result() for mt in self.metrics}
    return EBM


CASOS_PASO = [
    ("curso", ebm_(), None),
    ("dos llamadas a la red", ebm_(llamadas="separadas"), None),
    ("cortes con índices", ebm_(corte="indices"), None),
    ("optimizer.apply", ebm_(aplicar="apply"), None),
    ("reales sin ruido", ebm_(ruido=0.0), "no reciben ruido"),
    ("ruido de las reales ×10", ebm_(ruido=0.05), "desviación estándar"),
    ("reales sin recortar", ebm_(ruido=0.5, recorta=False), "se salen de \\[-1, 1\\]"),
    ("falsas de ruido nuevo", ebm_(falsas="ruido"), "pide 0 lotes"),
    ("pasos fijos", ebm_(pasos=60), "pasos de Langevin"),
    ("step_size distinto", ebm_(step_size=1), "step_size="),
    ("sube la pérdida", ebm_(signo=-1.0), "dirección contraria"),
    ("reales y falsas intercambiadas", ebm_(intercambia=True), "intercambiadas"),
    ("sin regularización", ebm_(con_reg=False), "sin regularizar"),
    ("no aplica los gradientes", ebm_(aplica=False), "no cambian"),
    ("métrica de pérdida sin regularizar", ebm_(metrica_loss="cdiv"), "«loss»"),
]


@pytest.mark.parametrize("nombre, clase, pista", CASOS_PASO, ids=[c[0] for c in CASOS_PASO])
def test_paso_de_entrenamiento(nombre, clase, pista, capsys):
    _juzgar(t.comprobar_train_step, clase, pista, capsys)


def test_un_hueco_sin_rellenar_deja_pasar_el_notimplementederror():
    def hueco(*args, **kwargs):
        raise NotImplementedError("Completa el hueco marcado con # TU CÓDIGO AQUÍ.")

    for comprobar in (t.comprobar_red_de_energia, t.comprobar_generate_samples, t.comprobar_contrastive_divergence):
        with pytest.raises(NotImplementedError):
            comprobar(hueco)


def test_lo_que_no_es_codigo_es_un_error_de_uso():
    for comprobar in (t.comprobar_red_de_energia, t.comprobar_generate_samples, t.comprobar_buffer,
                      t.comprobar_contrastive_divergence, t.comprobar_train_step):
        with pytest.raises(ErrorDeArgumento):
            comprobar("no es una función")


def test_el_banco_es_grande_y_equilibrado():
    casos = CASOS_RED + CASOS_LANGEVIN + CASOS_BUFER + CASOS_PERDIDA + CASOS_PASO
    correctos = sum(c[2] is None for c in casos)
    assert len(casos) >= 100 and correctos >= 20 and len(casos) - correctos >= 70
