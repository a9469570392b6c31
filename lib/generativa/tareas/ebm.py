"""Comprobaciones de la tarea «Implementa un EBM»: red, Langevin, búfer, pérdida y paso de entrenamiento."""

from __future__ import annotations

import numpy as np

from .. import ebm as referencia
from . import exito, fallo

tf, keras = referencia.tf, referencia.keras


def comprobar_red_de_energia(build_energy_network) -> None:
    """La red del curso: 4 convoluciones con paso 2, dos densas, swish y salida lineal."""
    try:
        red = build_energy_network()
    except NotImplementedError:
        raise
    except Exception as e:
        raise fallo(f"build_energy_network() falla al construir la red: {type(e).__name__}: {e}",
                    "ejecútala sola en una celda y lee la última línea del error.") from e
    if not isinstance(red, keras.Model):
        raise fallo(f"build_energy_network() debe devolver un keras.Model; devolvió {type(red).__name__}.",
                    "termina con return keras.Model(ebm_input, ebm_output).")
    if tuple(red.input_shape[1:]) != (32, 32, 1):
        raise fallo(f"La entrada debe ser (32, 32, 1); es {tuple(red.input_shape[1:])}.",
                    "layers.Input(shape=(IMAGE_SIZE, IMAGE_SIZE, CHANNELS)).")
    if tuple(red.output_shape[1:]) != (1,):
        raise fallo(f"La salida debe ser un número por imagen, (1,); es {tuple(red.output_shape[1:])}.",
                    "la última capa es layers.Dense(1) y antes hace falta layers.Flatten().")
    capas = [c for c in red.layers if isinstance(c, (keras.layers.Conv2D, keras.layers.Dense))]
    ultima = capas[-1]
    if ultima.get_config().get("activation") != "linear":
        raise fallo(f"La última capa tiene activación «{ultima.get_config().get('activation')}».",
                    "la puntuación no debe estar acotada: Dense(1) sin activación.")
    sin_swish = [c.name for c in capas[:-1] if c.get_config().get("activation") not in ("swish", "silu")]
    if sin_swish:
        raise fallo(f"Estas capas no usan swish: {', '.join(sin_swish)}.",
                    "todas las capas salvo la última llevan activation=\"swish\" (suave: Langevin "
                    "necesita gradientes que no se anulen).")
    convs = [c for c in capas if isinstance(c, keras.layers.Conv2D)]
    if [c.strides for c in convs] != [(2, 2)] * 4:
        raise fallo(f"Se esperaban 4 convoluciones con strides=2; hay {len(convs)} con pasos "
                    f"{[c.strides for c in convs]}.", "cada convolución reduce a la mitad: 32 → 16 → 8 → 4 → 2.")
    esperado = referencia.build_energy_network().count_params()
    if red.count_params() != esperado:
        raise fallo(f"La red tiene {red.count_params():,} parámetros y la del curso {esperado:,}.".replace(",", "."),
                    "filtros 16 (5x5), 32, 64 y 64 (3x3), padding=\"same\", y Dense(64) antes de Dense(1).")
    return exito(f"La red de energía es la del curso: {esperado:,} parámetros.".replace(",", "."))


def _modelo_lineal(pesos: np.ndarray) -> keras.Model:
    """Puntuación s(x) = Σ w·x, con gradiente w conocido en cada píxel."""
    entrada = keras.Input((32, 32, 1))
    x = keras.layers.Flatten()(entrada)
    densa = keras.layers.Dense(1, use_bias=False)
    modelo = keras.Model(entrada, densa(x))
    densa.set_weights([pesos.reshape(-1, 1).astype(np.float32)])
    return modelo


def _llamar(generate_samples, modelo, x, steps, step_size, noise, **kwargs):
    try:
        return np.asarray(generate_samples(modelo, tf.constant(x, tf.float32), steps=steps, step_size=step_size,
                                           noise=noise, **kwargs))
    except NotImplementedError:
        raise
    except Exception as e:
        raise fallo(f"generate_samples falla: {type(e).__name__}: {e}",
                    "recibe (model, inp_imgs, steps, step_size, noise, return_img_per_step=False).") from e


def comprobar_generate_samples(generate_samples) -> None:
    """Langevin del curso: ruido, recorte, gradiente de la puntuación recortado a ±0,03 hacia arriba, recorte."""
    rng = np.random.default_rng(0)
    pesos = np.where(rng.uniform(size=(32, 32, 1)) < 0.5, 0.01, 0.05).astype(np.float32)
    pesos[:16] *= -1
    modelo = _modelo_lineal(pesos)
    cero = np.zeros((2, 32, 32, 1), np.float32)
    un_paso = np.clip(10 * np.clip(pesos, -0.03, 0.03), -1, 1)

    x = _llamar(generate_samples, modelo, cero, 1, 10, 0.0)
    if x.shape != cero.shape:
        raise fallo(f"Devuelve la forma {x.shape} y se esperaba {cero.shape}.",
                    "sin return_img_per_step, devuelve las imágenes finales, no la lista de pasos.")
    if np.allclose(x, 0):
        raise fallo("Las imágenes no se mueven.", "suma step_size * grads a inp_imgs en cada paso.")
    if np.allclose(x[0], -un_paso, atol=1e-4):
        raise fallo("Las imágenes bajan por la puntuación en lugar de subir.",
                    "la red da puntuaciones (−energía): inp_imgs += step_size * grads, con signo +.")
    if np.allclose(x[0], np.clip(10 * pesos, -1, 1), atol=1e-4):
        raise fallo("El gradiente no está recortado: un píxel con gradiente 0,05 se mueve 0,5.",
                    "grads = tf.clip_by_value(grads, -GRADIENT_CLIP, GRADIENT_CLIP) antes del paso.")
    if not np.allclose(x[0], un_paso, atol=1e-4):
        raise fallo("Un paso sin ruido no da lo esperado: x = clip(step_size · clip(∇s, ±0,03)).",
                    "sigue el orden del curso: ruido, recorte, gradiente, recorte del gradiente, paso, recorte.")

    x = _llamar(generate_samples, modelo, np.full((2, 32, 32, 1), 0.9, np.float32), 3, 10, 0.0)
    if x.max() > 1 + 1e-6 or x.min() < -1 - 1e-6:
        raise fallo(f"Las imágenes se salen de [-1, 1] (llegan a {x.min():.2f}…{x.max():.2f}).",
                    "inp_imgs = tf.clip_by_value(inp_imgs, -1.0, 1.0) tras el ruido y tras el paso.")
    x = _llamar(generate_samples, modelo, cero, 3, 10, 0.0)
    tres = np.clip(3 * un_paso, -1, 1)
    if np.allclose(x[0], un_paso, atol=1e-4):
        raise fallo("Con steps=3 se da un solo paso.", "el bucle es for _ in range(steps).")
    if not np.allclose(x[0], tres, atol=1e-4):
        raise fallo("Tres pasos sin ruido no dan lo esperado.",
                    "cada paso parte de las imágenes del anterior (reasigna inp_imgs).")

    quieto = _modelo_lineal(np.zeros((32, 32, 1), np.float32))
    x = _llamar(generate_samples, quieto, np.zeros((64, 32, 32, 1), np.float32), 1, 10, 0.1)
    if np.allclose(x, 0):
        raise fallo("Con noise=0,1 no se añade ruido.",
                    "inp_imgs += tf.random.normal(tf.shape(inp_imgs), mean=0, stddev=noise) al empezar cada paso.")
    if not 0.08 < x.std() < 0.12:
        raise fallo(f"Con noise=0,1 el ruido tiene desviación típica {x.std():.3f}.",
                    "noise es la desviación típica (stddev=noise), no la varianza.")

    pasos = _llamar(generate_samples, modelo, cero, 3, 10, 0.0, return_img_per_step=True)
    if pasos.shape != (3, *cero.shape):
        raise fallo(f"Con return_img_per_step=True devuelve la forma {pasos.shape}; se esperaba {(3, *cero.shape)}.",
                    "guarda las imágenes tras cada paso y devuelve tf.stack(imgs_per_step, axis=0).")
    if not np.allclose(pasos[-1], tres, atol=1e-4):
        raise fallo("El último elemento de los pasos no es la imagen final.",
                    "añade inp_imgs a la lista al final de cada paso, después del último recorte.")
    return exito("generate_samples hace la dinámica de Langevin del curso (sube por la puntuación, "
                 "recorta gradientes e imágenes y añade el ruido).")


def comprobar_contrastive_divergence(contrastive_divergence) -> None:
    """``contrastive_divergence(real_out, fake_out, alpha)`` → pérdida total del curso."""
    real = tf.constant([[2.0], [4.0]])
    fake = tf.constant([[-1.0], [1.0]])
    try:
        valor = float(np.asarray(contrastive_divergence(real, fake, 0.1)).reshape(-1)[0])
    except NotImplementedError:
        raise
    except Exception as e:
        raise fallo(f"contrastive_divergence falla: {type(e).__name__}: {e}",
                    "recibe las puntuaciones reales, las falsas y alpha, y devuelve un número.") from e
    # cdiv = media(falsas) − media(reales) = −3;  reg = 0,1 · media(real² + falsa²) = 1,1
    errores = {
        4.1: ("El término contrastivo tiene el signo al revés.",
              "cdiv = mean(fake_out) − mean(real_out): se quiere subir la puntuación de las reales."),
        -3.0: ("Falta la regularización.", "suma alpha * mean(real_out**2 + fake_out**2)."),
        8.0: ("La regularización no está multiplicada por alpha.", "reg = alpha * mean(real_out**2 + fake_out**2)."),
        -2.7: ("La regularización no eleva al cuadrado las puntuaciones.",
               "reg = alpha * mean(real_out**2 + fake_out**2): penaliza puntuaciones grandes de cualquier signo."),
    }
    for esperado_mal, (que, pista) in errores.items():
        if abs(valor - esperado_mal) < 1e-4:
            raise fallo(que, pista)
    if abs(valor - (-1.9)) > 1e-4:
        raise fallo(f"Con reales [2, 4], falsas [−1, 1] y alpha 0,1 la pérdida debe ser −1,9; da {valor:.4g}.",
                    "loss = [mean(fake) − mean(real)] + alpha · mean(real² + fake²).")
    return exito("La pérdida de divergencia contrastiva es la del curso.")


def comprobar_buffer(Buffer) -> None:
    """``Buffer(model)`` del curso: ``examples`` y ``sample_new_exmps(steps, step_size, noise)``.

    Con ``steps=0`` (sin Langevin) se ve de dónde sale cada imagen: las del búfer se
    llenan de ceros y las de ruido nuevo son uniformes en [-1, 1].
    """
    modelo = _modelo_lineal(np.zeros((32, 32, 1), np.float32))
    try:
        bufer = Buffer(modelo)
        inicial = len(bufer.examples)
    except NotImplementedError:
        raise
    except Exception as e:
        raise fallo(f"No se pudo crear el búfer: {type(e).__name__}: {e}",
                    "Buffer(model) guarda el modelo y una lista examples de BATCH_SIZE imágenes (1, 32, 32, 1).") from e
    if inicial != referencia.BATCH_SIZE:
        raise fallo(f"El búfer empieza con {inicial} imágenes; se esperaban {referencia.BATCH_SIZE}.",
                    "self.examples = [tf.random.uniform((1, 32, 32, 1)) * 2 − 1 for _ in range(BATCH_SIZE)].")
    nuevas = []
    for _ in range(20):
        bufer.examples = [tf.zeros((1, 32, 32, 1)) for _ in range(1000)]  # lo viejo, a cero
        try:
            lote = np.asarray(bufer.sample_new_exmps(steps=0, step_size=10, noise=0.0))
        except NotImplementedError:
            raise
        except Exception as e:
            raise fallo(f"sample_new_exmps falla: {type(e).__name__}: {e}",
                        "recibe (steps, step_size, noise) y devuelve las imágenes tras Langevin.") from e
        if lote.shape != (referencia.BATCH_SIZE, 32, 32, 1):
            raise fallo(f"sample_new_exmps devuelve la forma {lote.shape}; se esperaba "
                        f"{(referencia.BATCH_SIZE, 32, 32, 1)}.", "concatena el ruido nuevo y las imágenes "
                        "del búfer en un lote de BATCH_SIZE con tf.concat(..., axis=0).")
        frescas = np.abs(lote).reshape(len(lote), -1).max(axis=1) > 0
        nuevas.append(frescas.sum())
        if lote.min() < -1 or lote.max() > 1:
            raise fallo("El ruido nuevo se sale de [-1, 1].", "tf.random.uniform(...) * 2 − 1.")
    media = float(np.mean(nuevas))
    if media == 0:
        raise fallo("Ningún lote incluye ruido nuevo: las cadenas nunca se renuevan.",
                    "n_new = np.random.binomial(BATCH_SIZE, 0.05) imágenes de ruido uniforme en cada lote.")
    if media > 0.5 * referencia.BATCH_SIZE:
        raise fallo(f"En cada lote hay {media:.0f} imágenes de ruido nuevo de {referencia.BATCH_SIZE}: "
                    "no se aprovecha el búfer.", "solo un 5 % es ruido nuevo; el resto sale de "
                    "random.choices(self.examples, k=BATCH_SIZE − n_new).")
    if not 2 <= media <= 12:
        raise fallo(f"En cada lote hay de media {media:.1f} imágenes de ruido nuevo; se esperaban unas 6,4 (5 %).",
                    "n_new = np.random.binomial(BATCH_SIZE, 0.05).")
    if len(bufer.examples) != 1000 + referencia.BATCH_SIZE:
        raise fallo(f"Tras un lote, un búfer de 1.000 imágenes tiene {len(bufer.examples)}; se esperaban "
                    f"{1000 + referencia.BATCH_SIZE}.", "añade las nuevas muestras al principio: "
                    "self.examples = tf.split(inp_imgs, BATCH_SIZE, axis=0) + self.examples.")
    primeras = np.concatenate([np.asarray(e) for e in bufer.examples[: referencia.BATCH_SIZE]])
    if not np.allclose(primeras, lote):
        raise fallo("Las muestras nuevas no están al principio del búfer.",
                    "las nuevas van delante (y las más viejas se descartan por el final).")
    bufer.examples = bufer.examples * 8  # más de BUFFER_SIZE
    bufer.sample_new_exmps(steps=0, step_size=10, noise=0.0)
    if len(bufer.examples) != referencia.BUFFER_SIZE:
        raise fallo(f"El búfer crece sin límite ({len(bufer.examples)} imágenes).",
                    "self.examples = self.examples[:BUFFER_SIZE].")
    return exito("El búfer renueva un 5 % con ruido, guarda las muestras nuevas delante y no pasa de "
                 f"{referencia.BUFFER_SIZE} imágenes.")


def comprobar_train_step(EBM) -> None:
    """``EBM(model, steps=...)`` con el ``train_step`` del curso: puntuaciones reales arriba, falsas abajo.

    Se entrena unos pasos (con pocos pasos de Langevin, para que sea rápido) sobre un
    lote fijo de dígitos y se mira que la red aprenda a puntuar los dígitos por encima del
    ruido, que los pesos cambien, que el búfer reciba las muestras y que se informe de
    las métricas.
    """
    from ..datos import cargar_mnist

    keras.utils.set_random_seed(0)
    red = referencia.build_energy_network()
    try:
        modelo = EBM(red, steps=5)
        modelo.compile(optimizer=keras.optimizers.Adam(learning_rate=1e-3))
    except NotImplementedError:
        raise
    except Exception as e:
        raise fallo(f"No se pudo crear el EBM: {type(e).__name__}: {e}",
                    "no cambies el __init__ que viene dado; completa solo train_step.") from e
    reales = tf.constant(cargar_mnist()[0][:128])
    ruido = tf.random.uniform((128, 32, 32, 1)) * 2 - 1

    def hueco():
        return float(tf.reduce_mean(red(reales)) - tf.reduce_mean(red(ruido)))

    antes, pesos_antes = hueco(), [w.numpy().copy() for w in red.trainable_weights]
    tamano = len(modelo.buffer.examples)
    for _ in range(10):
        try:
            logs = modelo.train_step(reales)
        except NotImplementedError:
            raise
        except Exception as e:
            raise fallo(f"train_step falla: {type(e).__name__}: {e}",
                        "sigue el orden del curso: ruido a las reales, falsas del búfer, puntuaciones, "
                        "pérdida, gradientes y apply_gradients.") from e
    if not isinstance(logs, dict) or not {"loss", "real", "fake"} <= set(logs):
        raise fallo(f"train_step debe devolver un diccionario con al menos loss, real y fake; devolvió "
                    f"{sorted(logs) if isinstance(logs, dict) else type(logs).__name__}.",
                    "actualiza las métricas y return {m.name: m.result() for m in self.metrics}.")
    if all(np.array_equal(w.numpy(), a) for w, a in zip(red.trainable_weights, pesos_antes)):
        raise fallo("Los pesos de la red no cambian.",
                    "grads = tape.gradient(loss, self.model.trainable_variables) y "
                    "self.optimizer.apply_gradients(zip(grads, self.model.trainable_variables)).")
    if len(modelo.buffer.examples) <= tamano:
        raise fallo("El búfer no recibe muestras nuevas: las falsas no salen de él.",
                    "fake_imgs = self.buffer.sample_new_exmps(steps=..., step_size=STEP_SIZE, noise=NOISE).")
    despues = hueco()
    if despues <= antes:
        raise fallo(f"Tras 10 pasos la red puntúa los dígitos peor frente al ruido (diferencia {antes:.3f} → "
                    f"{despues:.3f}).", "la pérdida es mean(fake_out) − mean(real_out) + reg: minimizarla sube "
                    "las reales y baja las falsas. Revisa el signo y que real_out sean las reales.")
    return exito(f"train_step aprende: la diferencia de puntuación entre dígitos y ruido pasa de {antes:.3f} a "
                 f"{despues:.3f} en 10 pasos.")
