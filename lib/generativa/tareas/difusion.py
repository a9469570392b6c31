"""Comprobaciones de la tarea «El modelo de difusión»: calendario, incrustación, bloque
residual, ``denoise``, la actualización EMA, ``train_step`` y ``reverse_diffusion``."""

from __future__ import annotations

import numpy as np

from .. import difusion as referencia
from ..calendarios import offset_cosine_diffusion_schedule
from ..unet import ResidualBlock, sinusoidal_embedding
from . import exito, fallo

keras, ops = referencia.keras, referencia.ops


def _np(valor) -> np.ndarray:
    return np.asarray(ops.convert_to_numpy(valor) if not isinstance(valor, np.ndarray) else valor, np.float64)


def _ejecutar(fn, nombre, *args, pista, **kwargs):
    try:
        return fn(*args, **kwargs)
    except NotImplementedError:
        raise
    except Exception as e:
        raise fallo(f"{nombre} falla: {type(e).__name__}: {e}", pista) from e


def comprobar_offset_cosine_diffusion_schedule(schedule) -> None:
    """``schedule(diffusion_times)`` → ``(noise_rates, signal_rates)`` del coseno desplazado."""
    t = np.linspace(0, 1, 11, dtype=np.float32).reshape(11, 1, 1, 1)
    resultado = _ejecutar(schedule, "el calendario", t, pista="recibe los tiempos y devuelve (noise_rates, "
                          "signal_rates).")
    if not isinstance(resultado, (tuple, list)) or len(resultado) != 2:
        raise fallo("El calendario debe devolver dos cosas: (noise_rates, signal_rates).",
                    "return noise_rates, signal_rates")
    ruido, senal = (_np(v) for v in resultado)
    ref_ruido, ref_senal = (_np(v) for v in offset_cosine_diffusion_schedule(t))
    if ruido.shape != ref_ruido.shape:
        raise fallo(f"Las tasas tienen forma {ruido.shape}; se esperaba {ref_ruido.shape}, la de los tiempos.",
                    "opera elemento a elemento con los tiempos, sin reducir ni cambiar la forma.")
    if np.allclose(ruido, ref_senal, atol=1e-4) and np.allclose(senal, ref_ruido, atol=1e-4):
        raise fallo("Las tasas salen en el orden contrario.", "el curso devuelve primero noise_rates y luego "
                    "signal_rates.")
    if np.allclose(senal, ref_senal**2, atol=1e-4) or np.allclose(ruido, ref_ruido**2, atol=1e-4):
        raise fallo("Las tasas están al cuadrado: son ᾱ y 1 − ᾱ, no sus raíces.",
                    "signal_rates = cos(ángulo) y noise_rates = sin(ángulo), sin elevar al cuadrado.")
    if abs(senal[0].item() - 1.0) < 1e-4:
        raise fallo("En t = 0 la señal vale 1: es el coseno sin desplazar.",
                    "los ángulos van de acos(max_signal_rate = 0,95) a acos(min_signal_rate = 0,02).")
    if not np.allclose(senal**2 + ruido**2, 1, atol=1e-4):
        raise fallo("signal² + noise² no vale 1.", "usa el mismo ángulo para el coseno (señal) y el seno (ruido).")
    if not (np.allclose(senal, ref_senal, atol=1e-4) and np.allclose(ruido, ref_ruido, atol=1e-4)):
        raise fallo(f"La señal debería ir de 0,95 a 0,02; va de {senal[0].item():.3f} a {senal[-1].item():.3f}.",
                    "diffusion_angles = start_angle + diffusion_times * (end_angle − start_angle).")
    return exito("El calendario coseno desplazado es el del curso (señal de 0,95 a 0,02).")


def comprobar_sinusoidal_embedding(embedding) -> None:
    """``embedding(x)`` con ``x`` de forma ``(N, 1, 1, 1)`` → ``(N, 1, 1, 32)``."""
    x = np.array([0.0, 0.1, 0.34, 0.9], np.float32).reshape(4, 1, 1, 1)
    valor = _np(_ejecutar(embedding, "la incrustación", x, pista="recibe las varianzas (N, 1, 1, 1)."))
    ref = _np(sinusoidal_embedding(x))
    if valor.shape != ref.shape:
        raise fallo(f"La incrustación tiene forma {valor.shape}; se esperaba {ref.shape}.",
                    "16 frecuencias, senos y cosenos concatenados en el último eje (axis=3 o -1).")
    if np.allclose(valor[..., :16], ref[..., 16:], atol=1e-3) and np.allclose(valor[..., 16:], ref[..., :16],
                                                                               atol=1e-3):
        raise fallo("Los cosenos van antes que los senos.", "concatena [sin(...), cos(...)] en ese orden.")
    sin_2pi = np.concatenate([np.sin(np.exp(np.linspace(0, np.log(1000), 16)) * x),
                              np.cos(np.exp(np.linspace(0, np.log(1000), 16)) * x)], axis=-1)
    if np.allclose(valor, sin_2pi, atol=1e-3):
        raise fallo("Falta el factor 2π.", "angular_speeds = 2π · frequencies.")
    lineal = np.linspace(1, 1000, 16)
    if np.allclose(valor, np.concatenate([np.sin(2 * np.pi * lineal * x), np.cos(2 * np.pi * lineal * x)], -1),
                   atol=1e-3):
        raise fallo("Las frecuencias están espaciadas linealmente.",
                    "frequencies = exp(linspace(log(1), log(1000), 16)): espaciado exponencial.")
    if not np.allclose(valor, ref, atol=1e-3):
        raise fallo("La incrustación no coincide con la del curso.",
                    "16 frecuencias exponenciales de 1 a 1.000, velocidades 2πf, [sin(2πf·x), cos(2πf·x)].")
    return exito("La incrustación sinusoidal es la del curso (32 valores por varianza).")


def comprobar_residual_block(residual_block) -> None:
    """``residual_block(width)`` devuelve una función que aplica el bloque a un tensor de Keras."""
    for canales, ancho in ((32, 32), (32, 64)):
        entrada = keras.Input((8, 8, canales))
        salida = _ejecutar(lambda: residual_block(ancho)(entrada), "ResidualBlock",
                           pista="ResidualBlock(width) devuelve apply(x), que devuelve layers.Add()([x, residual]).")
        if tuple(salida.shape[1:]) != (8, 8, ancho):
            raise fallo(f"ResidualBlock({ancho}) sobre (8, 8, {canales}) da {tuple(salida.shape[1:])}.",
                        "el bloque conserva el tamaño (padding=\"same\") y termina con `width` canales.")
        modelo, esperado = keras.Model(entrada, salida), keras.Model(entrada, ResidualBlock(ancho)(entrada))
        capas = [type(c).__name__ for c in modelo.layers]
        if "Add" not in capas:
            raise fallo("El bloque no suma la entrada a la salida.", "return layers.Add()([x, residual]).")
        if "BatchNormalization" not in capas:
            raise fallo("Falta la normalización por lotes.",
                        "x = layers.BatchNormalization(center=False, scale=False)(x) antes de las convoluciones.")
        if canales != ancho and capas.count("Conv2D") < 3:
            raise fallo("Cuando cambian los canales, la suma no cuadra sin proyectar el residuo.",
                        "si input_width != width: residual = layers.Conv2D(width, kernel_size=1)(x).")
        if modelo.count_params() != esperado.count_params():
            raise fallo(f"El bloque tiene {modelo.count_params()} parámetros y el del curso "
                        f"{esperado.count_params()}.", "BatchNormalization(center=False, scale=False), dos Conv2D "
                        "3x3 (la primera con swish) y, si hace falta, la Conv2D 1x1 del residuo.")
    return exito("ResidualBlock tiene las formas y los parámetros del curso.")


def _modelo_diminuto():
    keras.utils.set_random_seed(0)
    modelo = referencia.DiffusionModel(16, widths=(8, 16), block_depth=1)
    rng = np.random.default_rng(1)
    for red in (modelo.network, modelo.ema_network):  # la red y la EMA distintas y sin ceros
        for peso in red.weights:  # la EMA no es entrenable: se recorren todos salvo las medias de BN
            if "moving" not in peso.path:
                peso.assign(rng.normal(0, 0.05, peso.shape).astype(np.float32))
    return modelo


def comprobar_denoise(denoise) -> None:
    """``denoise(model, noisy_images, noise_rates, signal_rates, training)`` → ``(pred_noises, pred_images)``."""
    modelo = _modelo_diminuto()
    rng = np.random.default_rng(2)
    x = rng.standard_normal((2, 16, 16, 3)).astype(np.float32)
    # Tasas distintas por imagen: con training=True la normalización por lotes borraría una
    # incrustación igual para todo el lote, y no se notaría qué recibe la red.
    n = np.array([0.6, 0.3], np.float32).reshape(2, 1, 1, 1)
    s = np.sqrt(1 - n**2)
    for training in (True, False):
        resultado = _ejecutar(denoise, "denoise", modelo, x, n, s, training,
                              pista="devuelve (pred_noises, pred_images).")
        ruido, imagen = (_np(v) for v in resultado)
        ref_ruido, ref_imagen = (_np(v) for v in modelo.denoise(x, n, s, training))
        otra = modelo.ema_network if training else modelo.network
        ruido_otra = _np(otra([x, n**2], training=training))
        if np.allclose(ruido, ruido_otra, atol=1e-4):
            raise fallo(f"Con training={training} usa la red equivocada.",
                        "al entrenar, self.network; al generar, self.ema_network.")
        if np.allclose(ruido, _np(modelo.network([x, n], training=training) if training else
                                  modelo.ema_network([x, n], training=training)), atol=1e-4):
            raise fallo("La red recibe la tasa de ruido en lugar de la varianza.",
                        "network([noisy_images, noise_rates**2]).")
        if not np.allclose(ruido, ref_ruido, atol=1e-4):
            raise fallo("El ruido predicho no es el de la red.", "pred_noises = network([noisy_images, "
                        "noise_rates**2], training=training).")
        if np.allclose(imagen, (x - s * ruido) / n, atol=1e-4):
            raise fallo("Las tasas están intercambiadas al despejar la imagen.",
                        "pred_images = (noisy_images − noise_rates · pred_noises) / signal_rates.")
        if not np.allclose(imagen, ref_imagen, atol=1e-4):
            raise fallo("La imagen predicha no es la que corresponde al ruido predicho.",
                        "pred_images = (noisy_images − noise_rates · pred_noises) / signal_rates.")
    return exito("denoise usa la red correcta en cada caso y despeja bien la imagen.")


def comprobar_ema(actualizar_ema) -> None:
    """``actualizar_ema(network, ema_network, ema)``: ``ema_w ← ema·ema_w + (1 − ema)·w`` para cada peso."""
    modelo = _modelo_diminuto()
    red = [w.numpy().copy() for w in modelo.network.weights]
    copia = [w.numpy().copy() for w in modelo.ema_network.weights]
    _ejecutar(actualizar_ema, "actualizar_ema", modelo.network, modelo.ema_network, 0.9,
              pista="recorre zip(network.weights, ema_network.weights) y asigna con ema_weight.assign(...).")
    nuevos = [w.numpy() for w in modelo.ema_network.weights]
    if all(np.array_equal(a, b) for a, b in zip(nuevos, copia)):
        raise fallo("La red EMA no ha cambiado.", "ema_weight.assign(ema * ema_weight + (1 − ema) * weight).")
    if all(np.allclose(a, 0.9 * w + 0.1 * e, atol=1e-6) for a, w, e in zip(nuevos, red, copia)):
        raise fallo("Los pesos están intercambiados: la EMA se mueve casi entera hacia la red.",
                    "ema · (peso EMA) + (1 − ema) · (peso de la red), no al revés.")
    if any(not np.array_equal(w.numpy(), r) for w, r in zip(modelo.network.weights, red)):
        raise fallo("Se han modificado los pesos de la red que se entrena.", "solo se asigna a ema_network.")
    if not all(np.allclose(a, 0.9 * e + 0.1 * w, atol=1e-6) for a, w, e in zip(nuevos, red, copia)):
        raise fallo("La actualización no es la media móvil del curso.",
                    "ema_weight.assign(ema * ema_weight + (1 − ema) * weight), para network.weights (todos, "
                    "también las medias de BatchNormalization).")
    return exito("La actualización EMA es la del curso.")


class _Registro:
    """Envuelve una función y guarda los argumentos y el resultado de cada llamada."""

    def __init__(self, fn):
        self.fn, self.llamadas = fn, []

    def __call__(self, *args):
        resultado = self.fn(*args)
        self.llamadas.append((tuple(_np(a) for a in args), resultado))
        return resultado


def _mae(a, b) -> float:
    return float(np.mean(np.abs(_np(a) - _np(b))))


def _decaimiento(antes, despues, red) -> tuple[float, float]:
    """El d de ``despues = d·antes + (1 − d)·red`` (mínimos cuadrados) y el residuo relativo del ajuste."""
    a = np.concatenate([(x - r).ravel() for x, r in zip(antes, red)]).astype(np.float64)
    b = np.concatenate([(y - r).ravel() for y, r in zip(despues, red)]).astype(np.float64)
    d = float(a @ b / (a @ a))
    return d, float(np.linalg.norm(b - d * a) / np.linalg.norm(a))


def comprobar_train_step(clase) -> None:
    """``clase``: subclase de ``DiffusionModel`` con el ``train_step`` del curso.

    Se da un paso sobre un lote fijo con un modelo diminuto y se reconstruye lo que pasó:
    el calendario y la pérdida se registran, la mezcla ruidosa se rehace con los tiempos y
    el ruido sorteados, y se mira que el paso del optimizador baje la pérdida y que la EMA
    se mueva hacia la red ya actualizada.
    """
    if not (isinstance(clase, type) and issubclass(clase, referencia.DiffusionModel)):
        raise fallo(f"Se esperaba una subclase de difusion.DiffusionModel; llegó {clase!r}.",
                    "class ModeloDeDifusion(difusion.DiffusionModel): def train_step(self, images): ...")
    keras.utils.set_random_seed(0)
    modelo = _ejecutar(lambda: clase(16, widths=(8, 16), block_depth=1), "el constructor",
                       pista="no cambies el __init__: completa solo train_step.")
    base = _modelo_diminuto()  # pesos aleatorios distintos en la red y en la EMA
    for destino, origen in ((modelo.network, base.network), (modelo.ema_network, base.ema_network)):
        destino.set_weights(origen.get_weights())
    rng = np.random.default_rng(4)
    # Canales con medias distintas: así se nota si las imágenes no se normalizan.
    imagenes = np.clip(rng.uniform(0, 0.4, (8, 16, 16, 3)) + np.array([0.1, 0.4, 0.6]), 0, 1).astype(np.float32)
    modelo.adapt(imagenes)
    modelo.compile(optimizer=keras.optimizers.SGD(learning_rate=0.5), loss=keras.losses.MeanAbsoluteError())
    modelo.loss = perdida = _Registro(modelo.loss)
    modelo.schedule = calendario = _Registro(modelo.schedule)
    entrenables = [i for i, w in enumerate(modelo.network.weights) if w.trainable]
    red_antes = [w.numpy().copy() for w in modelo.network.weights]
    ema_antes = [w.numpy().copy() for w in modelo.ema_network.weights]
    try:
        logs, error = modelo.train_step(ops.convert_to_tensor(imagenes)), None
    except NotImplementedError:
        raise
    except Exception as e:  # antes de dar el error, se mira si lo registrado ya dice qué falla
        logs, error = None, e
    red_despues = [w.numpy().copy() for w in modelo.network.weights]
    ema_despues = [w.numpy().copy() for w in modelo.ema_network.weights]

    def red_en(pesos, red, mezcla, entrada):
        """Lo que predice ``red`` con ``pesos`` (luego se dejan como estaban)."""
        actuales = red.get_weights()
        red.set_weights(pesos)
        try:
            return _np(red([mezcla, entrada], training=red is modelo.network))
        finally:
            red.set_weights(actuales)

    normalizadas = _np(modelo.normalizer(imagenes))

    def diagnosticar():
        """Comprueba tiempos, ruido y mezcla con lo registrado; devuelve la mezcla, las tasas
        de ruido y el ruido, para seguir."""
        if not calendario.llamadas:
            raise fallo("No se llama al calendario: las tasas no salen de los tiempos de difusión.",
                        "noise_rates, signal_rates = self.schedule(diffusion_times).")
        (tiempos,), (ruido_t, senal_t) = calendario.llamadas[0]
        ruido_t, senal_t = _np(ruido_t), _np(senal_t)
        if tiempos.shape != (8, 1, 1, 1):
            raise fallo(f"Los tiempos de difusión tienen forma {tiempos.shape}; se esperaba (8, 1, 1, 1), uno "
                        "por imagen del lote.", "keras.random.uniform(shape=(batch_size, 1, 1, 1), minval=0.0, "
                        "maxval=1.0).")
        if np.ptp(tiempos) < 1e-6:
            raise fallo("Todas las imágenes del lote tienen el mismo tiempo de difusión.",
                        "sortea un tiempo por imagen: shape=(batch_size, 1, 1, 1).")
        if tiempos.min() < 0 or tiempos.max() > 1:
            raise fallo(f"Los tiempos van de {tiempos.min():.2f} a {tiempos.max():.2f}; deben estar en [0, 1].",
                        "keras.random.uniform(..., minval=0.0, maxval=1.0).")
        if not perdida.llamadas:
            raise fallo("No se usa la pérdida del modelo.", "noise_loss = self.loss(noises, pred_noises).")
        (objetivo, prediccion), _ = perdida.llamadas[0]
        if objetivo.shape == normalizadas.shape and np.allclose(objetivo, normalizadas, atol=1e-5):
            raise fallo("La primera pérdida compara con las imágenes: la red predice el ruido.",
                        "noise_loss = self.loss(noises, pred_noises); la de las imágenes es solo una métrica.")
        if objetivo.shape != normalizadas.shape or abs(objetivo.mean()) > 0.1 or abs(objetivo.std() - 1) > 0.1:
            raise fallo(f"El ruido de la pérdida no parece gaussiano estándar (media {objetivo.mean():.2f}, "
                        f"desviación {objetivo.std():.2f}, forma {objetivo.shape}).",
                        "noises = keras.random.normal(shape=ops.shape(images)), y noise_loss = "
                        "self.loss(noises, pred_noises).")
        mezcla = senal_t * normalizadas + ruido_t * objetivo
        if np.allclose(prediccion, red_en(red_antes, modelo.network, mezcla, ruido_t**2), atol=1e-4):
            return mezcla, ruido_t, objetivo
        sospechas = [
            (senal_t * imagenes + ruido_t * objetivo, ruido_t**2, modelo.network, red_antes,
             "Las imágenes no se normalizan antes de añadir el ruido.",
             "images = self.normalizer(images, training=True) al empezar."),
            (ruido_t * normalizadas + senal_t * objetivo, ruido_t**2, modelo.network, red_antes,
             "Las tasas están intercambiadas en la mezcla.",
             "noisy_images = signal_rates · images + noise_rates · noises."),
            (mezcla, ruido_t, modelo.network, red_antes, "La red recibe la tasa de ruido en lugar de la varianza.",
             "usa denoise, que pasa noise_rates**2 a la red."),
            (mezcla, ruido_t**2, modelo.ema_network, ema_antes, "Al entrenar se usa la red EMA (training=False): "
             "sus pesos no son entrenables y no hay gradiente.", "denoise(..., training=True): se entrena "
             "self.network."),
        ]
        for x, entrada, red, pesos, que, pista in sospechas:
            if np.allclose(prediccion, red_en(pesos, red, x, entrada), atol=1e-4):
                raise fallo(que, pista)
        raise fallo("El ruido predicho no es el de la red sobre la mezcla ruidosa del curso.",
                    "noisy_images = signal_rates · images + noise_rates · noises y denoise(self, noisy_images, "
                    "noise_rates, signal_rates, training=True).")

    if error is not None:
        if calendario.llamadas and perdida.llamadas:
            diagnosticar()
        raise fallo(f"train_step falla: {type(error).__name__}: {error}",
                    "sigue el orden del curso: normalizar, ruido, tiempos, tasas, mezcla, predicción, "
                    "pérdida, gradientes, EMA y métricas.") from error
    if not isinstance(logs, dict) or not {"n_loss", "i_loss"} <= set(logs):
        raise fallo("train_step debe devolver las métricas n_loss e i_loss en un diccionario.",
                    "actualiza noise_loss_tracker e image_loss_tracker y return {m.name: m.result() for m in "
                    "self.metrics}.")
    x, ruido_t, objetivo = diagnosticar()

    if all(np.array_equal(red_despues[i], red_antes[i]) for i in entrenables):
        raise fallo("Los pesos de la red no cambian: falta el paso del optimizador.",
                    "gradients = tape.gradient(noise_loss, self.network.trainable_weights) y "
                    "self.optimizer.apply_gradients(zip(gradients, self.network.trainable_weights)).")
    antes = _mae(objetivo, red_en(red_antes, modelo.network, x, ruido_t**2))
    despues = _mae(objetivo, red_en(red_despues, modelo.network, x, ruido_t**2))
    if despues >= antes:
        raise fallo(f"Tras el paso, la pérdida del ruido en el mismo lote sube ({antes:.4f} → {despues:.4f}).",
                    "deriva noise_loss (no la de las imágenes) respecto a self.network.trainable_weights y "
                    "aplícalo tal cual: apply_gradients ya resta el gradiente.")

    def solo_entrenables(pesos):
        return [pesos[i] for i in entrenables]

    if all(np.array_equal(a, b) for a, b in zip(ema_antes, ema_despues)):
        raise fallo("La red EMA no cambia: falta su actualización al final del paso.",
                    "actualizar_ema(self.network, self.ema_network, self.ema).")
    d, residuo = _decaimiento(*(solo_entrenables(p) for p in (ema_antes, ema_despues, red_despues)))
    _, residuo_antes = _decaimiento(*(solo_entrenables(p) for p in (ema_antes, ema_despues, red_antes)))
    if residuo_antes < min(residuo, 1e-4):
        raise fallo("La EMA se actualiza con los pesos de antes del paso del optimizador.",
                    "actualiza la EMA después de apply_gradients.")
    if residuo > 1e-4:
        raise fallo("La red EMA no es una media móvil de la red.",
                    "ema_weight.assign(ema · ema_weight + (1 − ema) · weight).")
    if abs(d - (1 - modelo.ema)) < 1e-3:
        raise fallo("Los pesos están intercambiados en la EMA: se mueve casi entera hacia la red.",
                    "ema · (peso EMA) + (1 − ema) · (peso de la red).")
    calentamiento = float(referencia.decaimiento_ema(modelo.optimizer.iterations, modelo.ema))
    if not (abs(d - modelo.ema) < 1e-4 or abs(d - calentamiento) < 1e-4):
        raise fallo(f"La EMA usa un decaimiento de {d:.4f}; el del curso es self.ema = {modelo.ema}.",
                    "actualizar_ema(self.network, self.ema_network, self.ema).")
    return exito(f"train_step entrena: tras un paso, la pérdida del ruido en el mismo lote baja de {antes:.4f} "
                 f"a {despues:.4f} y la EMA se acerca a la red con decaimiento {d:.3f}.")


def comprobar_reverse_diffusion(reverse_diffusion) -> None:
    """``reverse_diffusion(model, initial_noise, diffusion_steps)`` → última imagen predicha (normalizada)."""
    modelo = _modelo_diminuto()
    ruido = np.random.default_rng(3).standard_normal((2, 16, 16, 3)).astype(np.float32)
    for pasos in (1, 4):
        valor = _np(_ejecutar(reverse_diffusion, "reverse_diffusion", modelo, ruido, pasos,
                              pista="recibe (model, initial_noise, diffusion_steps)."))
        ref = _np(modelo.reverse_diffusion(ruido, pasos))
        if valor.shape != ref.shape:
            raise fallo(f"Devuelve la forma {valor.shape}; se esperaba {ref.shape}.",
                        "devuelve pred_images del último paso, no la lista de pasos.")
        if np.allclose(valor, ref, atol=1e-4):
            continue
        if pasos == 1:
            raise fallo("Con un paso debe devolver la primera predicción desde t = 1.",
                        "diffusion_times = 1 − step · step_size: empieza en t = 1 (ruido puro).")
        actuales = _np(_sin_remezcla(modelo, ruido, pasos))
        if np.allclose(valor, actuales, atol=1e-4):
            raise fallo("Se vuelve a mezclar con las tasas del tiempo actual, no del siguiente.",
                        "next_noise_rates, next_signal_rates = schedule(diffusion_times − step_size).")
        raise fallo("El resultado no coincide con el muestreo determinista del curso.",
                    "en cada paso: predice (denoise con training=False) y "
                    "current_images = next_signal_rates · pred_images + next_noise_rates · pred_noises; "
                    "devuelve pred_images.")
    return exito("reverse_diffusion invierte la difusión como en el curso.")


def _sin_remezcla(modelo, ruido, pasos):
    """El error típico: re-mezclar con las tasas del tiempo actual."""
    actual = ops.convert_to_tensor(ruido)
    for paso in range(pasos):
        t = ops.ones((ruido.shape[0], 1, 1, 1)) - paso / pasos
        n, s = modelo.schedule(t)
        pred_ruido, pred_imagen = modelo.denoise(actual, n, s, training=False)
        actual = s * pred_imagen + n * pred_ruido
    return pred_imagen
