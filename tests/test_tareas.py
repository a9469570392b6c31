"""Las comprobaciones de las tareas aceptan lo correcto y fallan con la pista adecuada ante cada error típico."""

import pytest

from generativa import ebm
from generativa.tareas import ebm as t, ErrorDeComprobacion

tf, keras, layers = ebm.tf, ebm.keras, ebm.keras.layers
GC = ebm.GRADIENT_CLIP


# ------------------------------------------------------------ la red

def _red(activacion="swish", ultima=None, filtros=(16, 32, 64, 64), pasos=2, densa=64):
    def build_energy_network():
        entrada = layers.Input(shape=(32, 32, 1))
        x = entrada
        for i, f in enumerate(filtros):
            x = layers.Conv2D(f, kernel_size=5 if i == 0 else 3, strides=pasos, padding="same",
                              activation=activacion)(x)
        x = layers.Flatten()(x)
        x = layers.Dense(densa, activation=activacion)(x)
        return keras.Model(entrada, layers.Dense(1, activation=ultima)(x))
    return build_energy_network


def test_la_red_correcta_pasa(capsys):
    t.comprobar_red_de_energia(_red())
    assert "76.993 parámetros" in capsys.readouterr().out


@pytest.mark.parametrize("build, pista", [
    (_red(activacion="relu"), "swish"),
    (_red(ultima="sigmoid"), "sin activación"),
    (_red(filtros=(16, 32, 64, 128)), "filtros 16"),
    (_red(pasos=1), "strides=2"),
    (lambda: "no es un modelo", "keras.Model"),
    (lambda: 1 / 0, "ZeroDivisionError"),
])
def test_la_red_con_errores_falla_con_su_pista(build, pista):
    with pytest.raises(ErrorDeComprobacion, match=pista):
        t.comprobar_red_de_energia(build)


# ------------------------------------------------------------ Langevin

def _langevin(signo=1, recorta_grad=True, recorta_img=True, con_ruido=True, stddev=lambda n: n, un_paso=False,
              pila=True):
    """El generate_samples del curso, con un error típico opcional."""
    def generate_samples(model, inp_imgs, steps, step_size, noise, return_img_per_step=False):
        imgs_per_step = []
        for _ in range(1 if un_paso else steps):
            if con_ruido:
                inp_imgs += tf.random.normal(tf.shape(inp_imgs), mean=0, stddev=stddev(noise))
            if recorta_img:
                inp_imgs = tf.clip_by_value(inp_imgs, -1.0, 1.0)
            with tf.GradientTape() as tape:
                tape.watch(inp_imgs)
                out_score = model(inp_imgs)
            grads = tape.gradient(out_score, inp_imgs)
            if recorta_grad:
                grads = tf.clip_by_value(grads, -GC, GC)
            inp_imgs += signo * step_size * grads
            if recorta_img:
                inp_imgs = tf.clip_by_value(inp_imgs, -1.0, 1.0)
            imgs_per_step.append(inp_imgs)
        if return_img_per_step:
            return tf.stack(imgs_per_step, axis=0) if pila else imgs_per_step[0]
        return inp_imgs
    return generate_samples


def test_langevin_correcto_pasa():
    t.comprobar_generate_samples(_langevin())


@pytest.mark.parametrize("fn, pista", [
    (_langevin(signo=-1), "signo \\+"),
    (_langevin(recorta_grad=False), "clip_by_value\\(grads"),
    (_langevin(recorta_img=False), "clip_by_value\\(inp_imgs, -1.0, 1.0\\)"),
    (_langevin(con_ruido=False), "tf.random.normal"),
    (_langevin(stddev=lambda n: n**2), "no la varianza"),
    (_langevin(un_paso=True), "range\\(steps\\)"),
    (_langevin(pila=False), "tf.stack"),
])
def test_langevin_con_errores_falla_con_su_pista(fn, pista):
    with pytest.raises(ErrorDeComprobacion, match=pista):
        t.comprobar_generate_samples(fn)


def test_la_referencia_de_la_biblioteca_pasa():
    t.comprobar_generate_samples(ebm.generate_samples)


# ------------------------------------------------------------ la pérdida

def _perdida(signo=1, reg=True, alpha_en_reg=True, cuadrado=True):
    def contrastive_divergence(real_out, fake_out, alpha):
        cdiv = signo * (tf.reduce_mean(fake_out) - tf.reduce_mean(real_out))
        potencia = 2 if cuadrado else 1
        r = tf.reduce_mean(real_out**potencia + fake_out**potencia) * (alpha if alpha_en_reg else 1.0)
        return cdiv + (r if reg else 0.0)
    return contrastive_divergence


def test_la_perdida_correcta_pasa():
    t.comprobar_contrastive_divergence(_perdida())


@pytest.mark.parametrize("fn, pista", [
    (_perdida(signo=-1), "signo al revés"),
    (_perdida(reg=False), "Falta la regularización"),
    (_perdida(alpha_en_reg=False), "multiplicada por alpha"),
    (_perdida(cuadrado=False), "al cuadrado"),
    (lambda r, f, a: 0.0, "debe ser −1,9"),
])
def test_la_perdida_con_errores_falla_con_su_pista(fn, pista):
    with pytest.raises(ErrorDeComprobacion, match=pista):
        t.comprobar_contrastive_divergence(fn)


def test_un_hueco_sin_rellenar_deja_pasar_el_notimplementederror():
    def hueco(*args, **kwargs):
        raise NotImplementedError("TU CÓDIGO AQUÍ")
    for comprobar in (t.comprobar_red_de_energia, t.comprobar_generate_samples, t.comprobar_contrastive_divergence):
        with pytest.raises(NotImplementedError):
            comprobar(hueco)


# ------------------------------------------------------------ el búfer

def _buffer(fresca=0.05, delante=True, limite=True):
    import random

    import numpy as np

    generate_samples = _langevin()

    class Buffer:
        def __init__(self, model):
            self.model = model
            self.examples = [tf.random.uniform(shape=(1, 32, 32, 1)) * 2 - 1 for _ in range(ebm.BATCH_SIZE)]

        def sample_new_exmps(self, steps, step_size, noise):
            n_new = np.random.binomial(ebm.BATCH_SIZE, fresca)
            rand_imgs = tf.random.uniform((n_new, 32, 32, 1)) * 2 - 1
            old_imgs = tf.concat(random.choices(self.examples, k=ebm.BATCH_SIZE - n_new), axis=0)
            inp_imgs = tf.concat([rand_imgs, old_imgs], axis=0)
            inp_imgs = generate_samples(self.model, inp_imgs, steps=steps, step_size=step_size, noise=noise)
            nuevas = tf.split(inp_imgs, ebm.BATCH_SIZE, axis=0)
            self.examples = nuevas + self.examples if delante else self.examples + nuevas
            if limite:
                self.examples = self.examples[: ebm.BUFFER_SIZE]
            return inp_imgs
    return Buffer


def test_el_bufer_correcto_pasa(capsys):
    t.comprobar_buffer(_buffer())
    assert "✔" in capsys.readouterr().out


@pytest.mark.parametrize("clase, pista", [
    (_buffer(fresca=0.0), "ruido uniforme en cada lote"),
    (_buffer(fresca=0.9), "no se aprovecha el búfer"),
    (_buffer(fresca=0.3), "np.random.binomial\\(BATCH_SIZE, 0.05\\)"),
    (_buffer(delante=False), "al principio"),
    (_buffer(limite=False), "BUFFER_SIZE\\]"),
])
def test_el_bufer_con_errores_falla_con_su_pista(clase, pista):
    with pytest.raises(ErrorDeComprobacion, match=pista):
        t.comprobar_buffer(clase)


# ------------------------------------------------------------ train_step

def _ebm(signo=1, aplica=True, del_bufer=True, devuelve=True):
    import numpy as np

    Buffer = _buffer()

    class EBM(keras.Model):
        def __init__(self, model, steps=ebm.STEPS):
            super().__init__()
            self.model, self.steps = model, steps
            self.buffer = Buffer(self.model)
            self.alpha = ebm.ALPHA
            self.loss_metric = keras.metrics.Mean(name="loss")
            self.real_out_metric = keras.metrics.Mean(name="real")
            self.fake_out_metric = keras.metrics.Mean(name="fake")

        @property
        def metrics(self):
            return [self.loss_metric, self.real_out_metric, self.fake_out_metric]

        def train_step(self, real_imgs):
            real_imgs += tf.random.normal(shape=tf.shape(real_imgs), mean=0, stddev=ebm.NOISE)
            real_imgs = tf.clip_by_value(real_imgs, -1.0, 1.0)
            if del_bufer:
                fake_imgs = self.buffer.sample_new_exmps(steps=self.steps, step_size=ebm.STEP_SIZE, noise=ebm.NOISE)
            else:
                fake_imgs = tf.random.uniform((128, 32, 32, 1)) * 2 - 1
            inp_imgs = tf.concat([real_imgs, fake_imgs], axis=0)
            with tf.GradientTape() as tape:
                real_out, fake_out = tf.split(self.model(inp_imgs), 2, axis=0)
                cdiv = signo * (tf.reduce_mean(fake_out) - tf.reduce_mean(real_out))
                loss = cdiv + self.alpha * tf.reduce_mean(real_out**2 + fake_out**2)
            grads = tape.gradient(loss, self.model.trainable_variables)
            if aplica:
                self.optimizer.apply_gradients(zip(grads, self.model.trainable_variables))
            self.loss_metric.update_state(loss)
            self.real_out_metric.update_state(tf.reduce_mean(real_out))
            self.fake_out_metric.update_state(tf.reduce_mean(fake_out))
            return {m.name: m.result() for m in self.metrics} if devuelve else np.float32(0)
    return EBM


def test_el_train_step_correcto_pasa(capsys):
    t.comprobar_train_step(_ebm())
    assert "train_step aprende" in capsys.readouterr().out


@pytest.mark.parametrize("clase, pista", [
    (_ebm(signo=-1), "Revisa el signo"),
    (_ebm(aplica=False), "apply_gradients"),
    (_ebm(del_bufer=False), "sample_new_exmps"),
    (_ebm(devuelve=False), "diccionario"),
])
def test_el_train_step_con_errores_falla_con_su_pista(clase, pista):
    with pytest.raises(ErrorDeComprobacion, match=pista):
        t.comprobar_train_step(clase)


def test_los_mensajes_de_exito_caben_en_una_celda_de_salida(capsys):
    from generativa.tareas import ANCHO, exito

    exito("train_step entrena: tras un paso, la pérdida del ruido en el mismo lote baja de 0.8190 a "
          "0.8184 y la EMA se acerca a la red con decaimiento 0.999.")
    lineas = capsys.readouterr().out.splitlines()
    assert len(lineas) == 2 and lineas[0].startswith("✔ ") and lineas[1].startswith("  ")
    assert all(len(linea) <= ANCHO for linea in lineas)
