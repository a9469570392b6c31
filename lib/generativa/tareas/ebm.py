"""Comprobaciones de la tarea «Implementa un EBM»: red, Langevin y pérdida."""

from __future__ import annotations

import numpy as np

from .. import ebm as referencia
from . import exito, fallo

tf, keras = referencia.tf, referencia.keras


def comprobar_red_de_energia(build_energy_network) -> bool:
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


def comprobar_generate_samples(generate_samples) -> bool:
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


def comprobar_contrastive_divergence(contrastive_divergence) -> bool:
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
