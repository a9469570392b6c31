"""Comprobaciones de la tarea «Implementa un EBM»: red, Langevin, búfer, pérdida y paso de entrenamiento.

Cada comprobación mira lo que hace el código del estudiante, no cómo está escrito:

- la red: con los mismos pesos que la del curso (copiados), ¿da la misma puntuación?
- Langevin: con una puntuación no lineal y sin ruido, ¿sigue la misma trayectoria paso a
  paso? Con ruido, ¿los incrementos de cada paso tienen la desviación pedida, son nuevos en
  cada paso y distintos en cada imagen?
- el búfer: con imágenes del búfer reconocibles, ¿de dónde sale cada muestra, cuántas son
  ruido nuevo, pasan por Langevin con los pasos pedidos, dónde se guardan y cuáles se tiran?
- la pérdida: sobre puntuaciones al azar y varios ``alpha``, ¿da el mismo número?
- el paso de entrenamiento: con un optimizador SGD, ¿el cambio de los pesos es el
  gradiente de la pérdida del curso sobre las imágenes que de verdad se puntuaron?
"""

from __future__ import annotations

import numpy as np

from .. import ebm as referencia
from . import EPS32, exito, fallo
from . import _a_numpy as a_numpy, _cerca as cerca, _comprobar_llamable as comprobar_llamable
from . import _diferencia as diferencia, _ejecutar as ejecutar, _grabadora as grabadora_de

tf, keras = referencia.tf, referencia.keras
layers = keras.layers
LADO = (32, 32, 1)


# --------------------------------------------------------------------------- la red

def _red_variante(padding=("same",) * 4, ocultas="swish", densa="swish", salida=None, negar=False):
    """La red del curso con un cambio (para reconocer errores comunes por su comportamiento)."""
    entrada = layers.Input(shape=LADO)
    x = entrada
    for i, (filtros, lado) in enumerate(((16, 5), (32, 3), (64, 3), (64, 3))):
        x = layers.Conv2D(filtros, lado, strides=2, padding=padding[i], activation=ocultas)(x)
    x = layers.Flatten()(x)
    x = layers.Dense(64, activation=densa)(x)
    x = layers.Dense(1, activation=salida)(x)
    if negar:
        x = layers.Rescaling(-1.0)(x)
    return keras.Model(entrada, x)


_VARIANTES_RED = [
    (dict(negar=True), "Tu red devuelve la energía, no la puntuación: con los mismos pesos da el valor del curso "
     "con el signo cambiado.", "la red del curso da s(x) = −E(x): termina en Dense(1) sin multiplicar por −1."),
    (dict(salida="sigmoid"), "Tu puntuación está acotada entre 0 y 1: la última capa tiene activación sigmoide.",
     "la puntuación no debe estar acotada: Dense(1) sin activación."),
    (dict(salida="tanh"), "Tu puntuación está acotada entre −1 y 1: la última capa tiene activación tanh.",
     "la puntuación no debe estar acotada: Dense(1) sin activación."),
    (dict(salida="relu"), "Tu puntuación nunca es negativa: la última capa tiene activación ReLU.",
     "la puntuación no debe estar acotada: Dense(1) sin activación."),
    (dict(salida="swish"), "La última capa tiene activación swish: la puntuación queda acotada por abajo.",
     "Dense(1) sin activación."),
    (dict(densa=None), "A la capa Dense(64) le falta la activación swish.",
     "layers.Dense(64, activation=\"swish\")."),
    (dict(ocultas="relu", densa="relu"), "Las capas usan ReLU en lugar de swish.",
     "activation=\"swish\" en las convoluciones y en Dense(64): Langevin necesita gradientes suaves que no se "
     "anulen."),
    (dict(ocultas="relu"), "Las convoluciones usan ReLU en lugar de swish.", "activation=\"swish\"."),
    (dict(ocultas=None), "Las convoluciones no tienen activación.", "activation=\"swish\" en cada Conv2D."),
    (dict(ocultas="tanh", densa="tanh"), "Las capas usan tanh en lugar de swish.", "activation=\"swish\"."),
    (dict(ocultas="sigmoid", densa="sigmoid"), "Las capas usan sigmoide en lugar de swish.",
     "activation=\"swish\" (swish(x) = x · sigmoid(x), no sigmoid(x))."),
] + [
    (dict(padding=tuple("valid" if j == i else "same" for j in range(4))),
     f"La convolución n.º {i + 1} no conserva el borde: su salida no es la mitad exacta de su entrada "
     "(con padding=\"valid\" el lado no pasa de 32 → 16 → 8 → 4 → 2).", "padding=\"same\" en todas las Conv2D.")
    for i in range(4)
]


def _aleatorizar(red, semilla: int = 0) -> None:
    """Pesos al azar, sesgos incluidos (con sesgos a cero no se notaría si faltan o sobran)."""
    rng = np.random.default_rng(semilla)
    for peso in red.weights:
        abanico = np.prod(peso.shape[:-1]) if len(peso.shape) > 1 else 1
        escala = 1.0 / np.sqrt(abanico) if len(peso.shape) > 1 else 0.1
        peso.assign(rng.normal(0, escala, peso.shape).astype(np.float32))


def _formas(red) -> list[tuple]:
    return [tuple(int(d) for d in w.shape) for w in red.weights]


def comprobar_red_de_energia(build_energy_network) -> None:
    """La red del curso: con los pesos de la referencia copiados, da la misma puntuación."""
    comprobar_llamable(build_energy_network, "build_energy_network", "la función build_energy_network")
    red = ejecutar(build_energy_network, "build_energy_network()",
                   pista="ejecútala sola en una celda y lee la última línea del error.")
    if not callable(red) or not hasattr(red, "weights"):
        raise fallo(f"build_energy_network() debe devolver una red de Keras; devolvió {type(red).__name__}.",
                    "termina con return keras.Model(ebm_input, ebm_output).")
    rng = np.random.default_rng(1)
    x = np.concatenate([rng.uniform(-1, 1, (6, *LADO)), -np.ones((1, *LADO)), np.ones((1, *LADO))]).astype(np.float32)
    salida = a_numpy(ejecutar(red, "tu red", tf.constant(x), pista="la red recibe imágenes (N, 32, 32, 1)."),
                     "la salida de tu red")
    if salida.shape != (8, 1):
        raise fallo(f"Para 8 imágenes tu red devuelve la forma {salida.shape}; se esperaba (8, 1): una "
                    "puntuación por imagen.", "Flatten, Dense(64) y, al final, Dense(1).")
    curso = referencia.build_energy_network()
    _aleatorizar(curso)
    # Puntuaciones de orden 1, positivas y negativas: así se nota una activación a la salida.
    nucleo, sesgo = curso.layers[-1].get_weights()
    crudas = a_numpy(curso(tf.constant(x))) - sesgo
    escala = 2.0 / max(float(np.std(crudas)), 1e-6)
    nuevo_sesgo = 0.1 - float(np.median(crudas)) * escala  # la mitad por debajo de 0,1
    curso.layers[-1].set_weights([nucleo * escala, np.array([nuevo_sesgo], np.float32)])
    if _formas(red) != _formas(curso):
        propias, esperadas = _formas(red), _formas(curso)
        total, total_curso = int(sum(np.prod(f) for f in propias)), int(sum(np.prod(f) for f in esperadas))
        distinta = next((i for i, (a, b) in enumerate(zip(propias, esperadas)) if a != b), min(len(propias),
                                                                                               len(esperadas)))
        detalle = (f"el peso n.º {distinta + 1} tiene forma {propias[distinta]} y en la red del curso "
                   f"{esperadas[distinta]}" if distinta < min(len(propias), len(esperadas))
                   else f"tu red tiene {len(propias)} tensores de pesos y la del curso {len(esperadas)}")
        raise fallo(f"Tus capas no tienen los pesos de la red del curso ({total:_} parámetros frente a "
                    f"{total_curso:_}): {detalle}.".replace("_", "."),
                    "filtros 16 (5x5), 32, 64 y 64 (3x3), con sesgo; Flatten, Dense(64) y Dense(1), en ese orden.")
    pesos = curso.get_weights()
    ejecutar(red.set_weights, "copiar los pesos del curso a tu red", pesos,
             pista="la red debe ser un keras.Model normal.")
    propia, esperada = a_numpy(red(tf.constant(x))), a_numpy(curso(tf.constant(x)))
    if not cerca(propia, esperada):
        for cambios, que, pista in _VARIANTES_RED:
            variante = _red_variante(**cambios)
            variante.set_weights(pesos)
            if cerca(propia, a_numpy(variante(tf.constant(x)))):
                raise fallo(que, pista)
        raise fallo(f"Con los mismos pesos, tu red y la del curso dan puntuaciones distintas (diferencia máxima "
                    f"{diferencia(propia, esperada):.3g}).", "revisa padding=\"same\", strides=2, las activaciones "
                    "swish y que Dense(1) no tenga activación.")
    return exito(f"La red de energía se comporta como la del curso: con los mismos pesos da las mismas "
                 f"puntuaciones ({curso.count_params():_} parámetros).".replace("_", "."))


# --------------------------------------------------------------------------- Langevin

def _red_de_prueba(semilla: int = 3):
    """Una puntuación no lineal (la red del curso con pesos al azar), escalada para que
    aproximadamente la mitad de los gradientes supere el recorte de ±0,03."""
    red = referencia.build_energy_network()
    _aleatorizar(red, semilla)
    x = tf.random.stateless_uniform((4, *LADO), seed=(semilla, 1), minval=-1, maxval=1)
    with tf.GradientTape() as cinta:
        cinta.watch(x)
        s = red(x)
    mediana = float(np.median(np.abs(cinta.gradient(s, x).numpy())))
    entrada = keras.Input(LADO)
    return keras.Model(entrada, layers.Rescaling(referencia.GRADIENT_CLIP / max(mediana, 1e-12))(red(entrada)))


def _langevin(model, x, steps, step_size, clip=referencia.GRADIENT_CLIP, *, signo=1.0, recorta_grad=True,
              recorta_tras_paso=True, recorta_tras_ruido=True, solo_al_final=False, grad_fijo=False):
    """Langevin del curso sin ruido, con variantes para reconocer errores comunes."""
    x = tf.constant(x, tf.float32)
    inicial, pasos = x, []
    fijo = None
    for _ in range(steps):
        if recorta_tras_ruido and not solo_al_final:
            x = tf.clip_by_value(x, -1.0, 1.0)
        if grad_fijo and fijo is not None:
            g = fijo
        else:
            with tf.GradientTape() as cinta:
                cinta.watch(x if not grad_fijo else inicial)
                s = model(x if not grad_fijo else inicial)
            g = cinta.gradient(s, x if not grad_fijo else inicial)
            fijo = g
        if recorta_grad:
            g = tf.clip_by_value(g, -clip, clip)
        x = x + signo * step_size * g
        if recorta_tras_paso and not solo_al_final:
            x = tf.clip_by_value(x, -1.0, 1.0)
        pasos.append(x)
    if solo_al_final:
        pasos = [tf.clip_by_value(p, -1.0, 1.0) for p in pasos]
    return np.stack([p.numpy() for p in pasos])


_VARIANTES_LANGEVIN = [
    (dict(signo=-1.0), "Las imágenes bajan por la puntuación en lugar de subir.",
     "la red da puntuaciones (−energía): inp_imgs += step_size * grads, con signo +."),
    (dict(recorta_grad=False), "El gradiente no está recortado.",
     "grads = tf.clip_by_value(grads, -GRADIENT_CLIP, GRADIENT_CLIP) antes de dar el paso."),
    (dict(recorta_tras_paso=False, recorta_tras_ruido=False), "Las imágenes no se recortan a [-1, 1].",
     "inp_imgs = tf.clip_by_value(inp_imgs, -1.0, 1.0) tras el ruido y tras el paso."),
    (dict(solo_al_final=True), "Las imágenes solo se recortan al final: durante los pasos se salen de [-1, 1] y "
     "el gradiente se calcula en imágenes imposibles.", "recorta dentro del bucle, en cada paso."),
    (dict(recorta_tras_paso=False), "Tras el paso de gradiente no se recorta: la imagen devuelta se sale de [-1, 1].",
     "inp_imgs = tf.clip_by_value(inp_imgs, -1.0, 1.0) después de sumar step_size * grads."),
    (dict(grad_fijo=True), "El gradiente se calcula una sola vez, en las imágenes de partida: cada paso usa el mismo.",
     "calcula el gradiente dentro del bucle, con la GradientTape en cada paso, sobre las imágenes actuales."),
]


def _llamar(generate_samples, model, x, steps, step_size, noise, **kwargs):
    resultado = ejecutar(generate_samples, "generate_samples", model, tf.constant(x, tf.float32), steps=steps,
                         step_size=step_size, noise=noise, pista="recibe (model, inp_imgs, steps, step_size, noise, "
                         "return_img_per_step=False).", **kwargs)
    if isinstance(resultado, (list, tuple)):
        try:
            resultado = tf.stack(resultado)
        except (ValueError, TypeError, tf.errors.InvalidArgumentError):
            pass
    return a_numpy(resultado, "lo que devuelve generate_samples")


def comprobar_generate_samples(generate_samples) -> None:
    """Langevin del curso: trayectoria sin ruido en una puntuación no lineal y estadística del ruido."""
    comprobar_llamable(generate_samples, "generate_samples", "la función generate_samples")
    red = _red_de_prueba()
    rng = np.random.default_rng(5)
    x0 = rng.uniform(-0.95, 0.95, (3, *LADO)).astype(np.float32)
    x0[0, :4] = 1.0  # píxeles en el borde: el recorte se nota
    x0[1, :4] = -1.0
    pasos = 4
    esperados = _langevin(red, x0, pasos, 10.0)

    final = _llamar(generate_samples, red, x0, pasos, 10.0, 0.0)
    if final.shape != x0.shape:
        raise fallo(f"Devuelve la forma {final.shape} y se esperaba {x0.shape}.",
                    "sin return_img_per_step, devuelve las imágenes finales, no la lista de pasos.")
    if np.allclose(final, x0):
        raise fallo("Las imágenes no se mueven.", "suma step_size * grads a inp_imgs en cada paso.")
    if not cerca(final, esperados[-1], ulps=2048):
        for n in range(1, pasos):
            if cerca(final, esperados[n - 1], ulps=2048):
                raise fallo(f"Con steps={pasos} se dan {n} pasos.", "el bucle es for _ in range(steps), y cada "
                            "paso parte de las imágenes del anterior (reasigna inp_imgs).")
        for cambios, que, pista in _VARIANTES_LANGEVIN:
            if cerca(final, _langevin(red, x0, pasos, 10.0, **cambios)[-1], ulps=2048):
                raise fallo(que, pista)
        raise fallo(f"Sin ruido, {pasos} pasos de tu Langevin no siguen la trayectoria del curso (diferencia máxima "
                    f"{diferencia(final, esperados[-1]):.3g}).", "en cada paso: ruido, recorte, gradiente de la "
                    "puntuación, recorte del gradiente, paso hacia arriba (+ step_size · grads) y recorte.")

    trayectoria = _llamar(generate_samples, red, x0, pasos, 10.0, 0.0, return_img_per_step=True)
    if trayectoria.shape != (pasos, *x0.shape):
        raise fallo(f"Con return_img_per_step=True devuelve la forma {trayectoria.shape}; se esperaba "
                    f"{(pasos, *x0.shape)}: las imágenes tras cada paso.",
                    "guarda inp_imgs al final de cada paso y devuelve tf.stack(imgs_per_step, axis=0).")
    if not cerca(trayectoria, esperados, ulps=2048):
        raise fallo("Con return_img_per_step=True, los pasos guardados no son las imágenes tras cada paso.",
                    "añade inp_imgs a la lista al final de cada paso, después del último recorte.")

    # El ruido: con una puntuación que no depende de la imagen (gradiente nulo), cada paso
    # solo suma ruido; sus incrementos dicen cuánto, cuándo y a quién.
    plano = keras.Sequential([keras.Input(LADO), layers.Flatten(), layers.Dense(1, use_bias=False,
                                                                             kernel_initializer="zeros")])
    ruido = 0.05
    pasos_ruido = _llamar(generate_samples, plano, np.zeros((16, *LADO), np.float32), 5, 10.0, ruido,
                          return_img_per_step=True)
    if pasos_ruido.shape != (5, 16, *LADO):
        raise fallo(f"Con return_img_per_step=True y 5 pasos devuelve la forma {pasos_ruido.shape}.",
                    "devuelve tf.stack de las imágenes tras cada uno de los steps pasos.")
    incrementos = np.diff(np.concatenate([np.zeros((1, 16, *LADO)), pasos_ruido]), axis=0)
    desviaciones = incrementos.reshape(5, -1).std(axis=1)
    if np.all(desviaciones < 1e-6):
        raise fallo("No se añade ruido: con noise=0,05 las imágenes no cambian si el gradiente es nulo.",
                    "inp_imgs += tf.random.normal(tf.shape(inp_imgs), mean=0, stddev=noise) al empezar cada paso.")
    if desviaciones[0] > 1e-3 and np.all(desviaciones[1:] < 1e-6):
        raise fallo("El ruido se añade una sola vez, antes del bucle: los pasos siguientes no reciben ruido nuevo.",
                    "suma el ruido dentro del bucle, al empezar cada paso.")
    # cada incremento es la diferencia de dos posiciones en float32: su error de redondeo llega a
    # unas ulp de la mayor posición
    redondeo = 8 * EPS32 * max(float(np.max(np.abs(pasos_ruido))), 1.0)
    # Solo los píxeles que ningún paso llevó al borde: allí el recorte cambia el incremento, y un
    # ruido reutilizado dejaría de parecerlo (con 16.384 píxeles, alguno llega a ±1 en 5 pasos).
    libres = incrementos[..., np.all(np.abs(pasos_ruido) < 1.0 - 1e-6, axis=(0, 1))]  # (paso, imagen, píxel)
    if libres.size and np.allclose(libres[1:], libres[:1], rtol=0, atol=redondeo):
        raise fallo("Todos los pasos suman el mismo ruido: el tensor de ruido se sorteó una vez y se reutiliza.",
                    "genera tf.random.normal(...) dentro del bucle, uno nuevo en cada paso.")
    if libres.size and np.allclose(libres[:, 1:], libres[:, :1], rtol=0, atol=redondeo):
        raise fallo("Todas las imágenes del lote reciben el mismo ruido.",
                    "el ruido tiene la forma de todo el lote: tf.random.normal(tf.shape(inp_imgs), ...).")
    media = float(desviaciones.mean())
    if abs(media - ruido**2) < 0.2 * ruido**2:
        raise fallo(f"El ruido de cada paso tiene desviación estándar {media:.4f} = noise²: usas noise como varianza.",
                    "noise es la desviación estándar: stddev=noise.")
    if not 0.97 * ruido < media < 1.03 * ruido:
        raise fallo(f"El ruido de cada paso tiene desviación estándar {media:.4f}; con noise=0,05 debería ser 0,05.",
                    "tf.random.normal(tf.shape(inp_imgs), mean=0, stddev=noise), una vez por paso.")
    correlacion = float(np.corrcoef(incrementos[0].ravel(), incrementos[1].ravel())[0, 1])
    if abs(correlacion) > 0.05:
        raise fallo(f"El ruido de un paso y el del siguiente están correlacionados ({correlacion:.2f}).",
                    "un ruido nuevo e independiente en cada paso.")
    # Recortar tras el ruido: en el borde (x = 1), una puntuación que solo baja cuando x > 1
    # empuja hacia dentro las imágenes que el ruido sacó de [-1, 1] y no se recortaron.
    entrada = keras.Input(LADO)
    borde = keras.Model(entrada, -1.0 * keras.ops.sum(keras.ops.relu(entrada - 1.0), axis=(1, 2, 3))[:, None])
    uno = _llamar(generate_samples, borde, np.ones((8, *LADO), np.float32), 1, 10.0, ruido)
    if np.mean(uno < 0.9) > 0.2:
        raise fallo("Tras sumar el ruido no se recorta: el gradiente se calcula en imágenes fuera de [-1, 1].",
                    "inp_imgs = tf.clip_by_value(inp_imgs, -1.0, 1.0) justo después del ruido, antes de la "
                    "GradientTape.")
    return exito("generate_samples sigue la dinámica de Langevin del curso: sube por la puntuación, recorta "
                 "gradientes e imágenes en cada paso y suma un ruido nuevo de desviación noise por paso.")


# --------------------------------------------------------------------------- el búfer

def _modelo_lineal(valor: float):
    """Puntuación s(x) = valor · Σx: su gradiente es ``valor`` en cada píxel."""
    modelo = keras.Sequential([keras.Input(LADO), layers.Flatten(), layers.Dense(1, use_bias=False)])
    modelo.layers[-1].set_weights([np.full((np.prod(LADO), 1), valor, np.float32)])
    return modelo


def _ejemplos(bufer) -> np.ndarray:
    ejemplos = bufer.examples
    if isinstance(ejemplos, (list, tuple)):
        if not ejemplos:
            return np.zeros((0, *LADO))
        return np.concatenate([a_numpy(e).reshape(-1, *LADO) for e in ejemplos])
    return a_numpy(ejemplos).reshape(-1, *LADO)


def _poner_ejemplos(bufer, imagenes: np.ndarray, como) -> None:
    """Llena ``bufer.examples`` con ``imagenes``, del mismo tipo que usa el estudiante."""
    if isinstance(como, (list, tuple)):
        bufer.examples = [tf.constant(i[None]) for i in imagenes]
    elif isinstance(como, np.ndarray):
        bufer.examples = imagenes.copy()
    else:
        bufer.examples = tf.constant(imagenes)


def comprobar_buffer(Buffer) -> None:
    """``Buffer(model)`` del curso: ``examples`` y ``sample_new_exmps(steps, step_size, noise)``.

    Se llena el búfer de imágenes constantes, cada una con un valor distinto, y la puntuación
    tiene gradiente constante: así se sabe de dónde salió cada muestra (del búfer o ruido nuevo),
    cuántos pasos de Langevin recibió y dónde quedó guardada.
    """
    comprobar_llamable(Buffer, "Buffer", "la clase Buffer")
    lote, capacidad = referencia.BATCH_SIZE, referencia.BUFFER_SIZE
    paso = 0.01  # step_size 1 · gradiente 0,01 (por debajo del recorte): +0,01 por paso
    modelo = _modelo_lineal(paso)
    bufer = ejecutar(Buffer, "Buffer(model)", modelo, pista="Buffer(model) guarda el modelo y una lista examples "
                     "de BATCH_SIZE imágenes (1, 32, 32, 1) de ruido uniforme en [-1, 1].")
    if not hasattr(bufer, "examples") or not hasattr(bufer, "sample_new_exmps"):
        raise fallo("El búfer debe tener el atributo examples y el método sample_new_exmps.",
                    "no cambies los nombres del curso.")
    iniciales = _ejemplos(bufer)
    if len(iniciales) != lote:
        raise fallo(f"El búfer empieza con {len(iniciales)} imágenes; se esperaban {lote}.",
                    "self.examples = [tf.random.uniform((1, 32, 32, 1)) * 2 − 1 for _ in range(BATCH_SIZE)].")
    if iniciales.min() < -1 or iniciales.max() > 1 or not 0.5 < iniciales.std() < 0.65:
        raise fallo(f"Las imágenes iniciales del búfer no son ruido uniforme en [-1, 1] (desviación estándar "
                    f"{iniciales.std():.3f}; la uniforme tiene 0,577).", "tf.random.uniform(...) * 2 − 1.")
    como = bufer.examples

    # Cada imagen vieja es reconocible: mitad superior a un valor y mitad inferior a otro, con
    # una diferencia única entre las dos (que un gradiente uniforme no cambia). Lo que se
    # desplazó la mitad superior dice cuántos pasos de Langevin recibió.
    u = np.arange(capacidad, dtype=np.float64) / capacidad
    arriba = (-0.4 + 0.1 * u).astype(np.float32)
    brecha = (0.05 + 0.3 * u).astype(np.float32)
    viejas = np.empty((capacidad, *LADO), np.float32)
    viejas[:, :16] = arriba[:, None, None, None]
    viejas[:, 16:] = (arriba - brecha)[:, None, None, None]

    def origen(muestras, pasos):
        """Para cada muestra: el índice de la imagen del búfer de la que salió tras ``pasos`` pasos,
        −1 si es ruido nuevo y −2 si salió del búfer pero con otro desplazamiento."""
        sup = muestras[:, :16].reshape(len(muestras), -1)
        inf = muestras[:, 16:].reshape(len(muestras), -1)
        reconocibles = (sup.std(axis=1) < 1e-6) & (inf.std(axis=1) < 1e-6)
        diferencia_vista = sup[:, 0].astype(np.float64) - inf[:, 0]
        indices = np.clip(np.round((diferencia_vista - 0.05) / 0.3 * capacidad).astype(int), 0, capacidad - 1)
        es_vieja = np.abs(brecha[indices] - diferencia_vista) < 1e-5
        desplazamiento_ok = np.abs(sup[:, 0] - arriba[indices] - pasos * paso) < 1e-5
        return np.where(reconocibles & es_vieja, np.where(desplazamiento_ok, indices, -2), -1)

    nuevas, pasos, usadas = [], 3, 200
    for intento in range(12):
        _poner_ejemplos(bufer, viejas[:usadas], como)
        muestras = a_numpy(ejecutar(bufer.sample_new_exmps, "sample_new_exmps", steps=pasos, step_size=1.0,
                                    noise=0.0, pista="recibe (steps, step_size, noise) y devuelve las imágenes "
                                    "tras Langevin."), "lo que devuelve sample_new_exmps")
        if muestras.shape != (lote, *LADO):
            raise fallo(f"sample_new_exmps devuelve la forma {muestras.shape}; se esperaba {(lote, *LADO)}.",
                        "concatena el ruido nuevo y las imágenes del búfer en un lote de BATCH_SIZE.")
        if muestras.min() < -1 - 1e-6 or muestras.max() > 1 + 1e-6:
            raise fallo("Las muestras se salen de [-1, 1].", "el ruido nuevo es tf.random.uniform(...) * 2 − 1.")
        de_donde = origen(muestras, pasos)
        planas = muestras.reshape(len(muestras), -1)
        if np.mean((de_donde == -1) & (planas.std(axis=1) < 0.3)) > 0.5:
            raise fallo("Con noise=0, las imágenes del búfer salen con ruido: sample_new_exmps no pasa su noise a "
                        "generate_samples.", "generate_samples(self.model, inp_imgs, steps=steps, "
                        "step_size=step_size, noise=noise).")
        if intento == 0:
            if np.all(origen(muestras, 0)[de_donde != -1] >= 0) and np.any(de_donde == -2):
                raise fallo("Las imágenes que salen del búfer no pasan por Langevin.",
                            "inp_imgs = generate_samples(self.model, inp_imgs, steps=steps, step_size=step_size, "
                            "noise=noise) antes de devolverlas.")
            una = origen(muestras, 1)
            if np.any(de_donde == -2) and np.all(una[una != -1] >= 0):
                raise fallo(f"Las muestras del búfer reciben un solo paso de Langevin con steps={pasos}.",
                            "pasa steps (y step_size y noise) a generate_samples.")
            if np.any(de_donde == -2):
                raise fallo("Hay muestras que no salen ni del búfer ni de ruido nuevo (o reciben otro número de pasos "
                            "u otro tamaño de paso).", "toma las viejas con random.choices(self.examples, k=...) y "
                            "aplica generate_samples(self.model, inp_imgs, steps=steps, step_size=step_size, "
                            "noise=noise).")
            if np.any(de_donde >= 0) and len(set(de_donde[de_donde >= 0])) == 1 and (de_donde >= 0).sum() > 4:
                raise fallo("Todas las muestras viejas son la misma imagen del búfer.",
                            "random.choices(self.examples, k=BATCH_SIZE − n_new): k elecciones al azar.")
        frescas = de_donde == -1
        if frescas.any():
            ruido_nuevo = muestras[frescas] - pasos * paso
            if not 0.5 < ruido_nuevo.std() < 0.65:
                raise fallo(f"El ruido nuevo no es uniforme en [-1, 1] (desviación estándar {ruido_nuevo.std():.3f}).",
                            "tf.random.uniform((n_new, 32, 32, 1)) * 2 − 1.")
        nuevas.append(int(frescas.sum()))
        ejemplos = _ejemplos(bufer)
        if intento == 0:
            if len(ejemplos) != usadas + lote:
                raise fallo(f"Tras un lote, un búfer de {usadas} imágenes tiene {len(ejemplos)}; se esperaban "
                            f"{usadas + lote}.", "guarda las nuevas muestras en el búfer: self.examples = "
                            "tf.split(inp_imgs, BATCH_SIZE, axis=0) + self.examples.")
            al_principio = cerca(ejemplos[:lote], muestras) and np.array_equal(ejemplos[lote:], viejas[:usadas])
            al_final = cerca(ejemplos[-lote:], muestras) and np.array_equal(ejemplos[:usadas], viejas[:usadas])
            if not (al_principio or al_final):
                raise fallo("Las muestras nuevas no quedan guardadas en el búfer tal como se devuelven (o se "
                            "modifican las viejas).", "self.examples = tf.split(inp_imgs, BATCH_SIZE, axis=0) + "
                            "self.examples.")
    media = float(np.mean(nuevas))
    if media == 0:
        raise fallo("Ningún lote incluye ruido nuevo: las cadenas nunca se renuevan.",
                    "n_new = np.random.binomial(BATCH_SIZE, 0.05) imágenes de ruido uniforme en cada lote.")
    if media > 0.25 * lote:
        raise fallo(f"En cada lote hay {media:.0f} imágenes de ruido nuevo de {lote}: no se aprovecha el búfer.",
                    "solo un 5 % es ruido nuevo; el resto sale de random.choices(self.examples, k=BATCH_SIZE − n_new).")
    if not 4.0 <= media <= 9.0:
        raise fallo(f"En 12 lotes hay de media {media:.1f} imágenes de ruido nuevo por lote; se esperaban unas "
                    f"{0.05 * lote:.1f} (el 5 %).", "n_new = np.random.binomial(BATCH_SIZE, 0.05).")

    # Lleno: al guardar, se descartan las más viejas y el búfer no pasa de BUFFER_SIZE.
    _poner_ejemplos(bufer, viejas, como)
    muestras = a_numpy(bufer.sample_new_exmps(steps=1, step_size=1.0, noise=0.0))
    ejemplos = _ejemplos(bufer)
    if len(ejemplos) > capacidad:
        raise fallo(f"El búfer crece sin límite ({len(ejemplos)} imágenes con BUFFER_SIZE = {capacidad}).",
                    "self.examples = self.examples[:BUFFER_SIZE] tras guardar las nuevas.")
    if len(ejemplos) < capacidad:
        raise fallo(f"Lleno, el búfer se queda con {len(ejemplos)} imágenes; debería conservar {capacidad}.",
                    "recorta a BUFFER_SIZE, no a menos.")
    delante = cerca(ejemplos[:lote], muestras) and np.array_equal(ejemplos[lote:], viejas[:capacidad - lote])
    detras = cerca(ejemplos[-lote:], muestras) and np.array_equal(ejemplos[:capacidad - lote], viejas[lote:])
    if not (delante or detras):
        raise fallo("Lleno, el búfer no descarta las imágenes más viejas al guardar las nuevas.",
                    "las nuevas van delante y se recorta el final: self.examples = (nuevas + self.examples)"
                    "[:BUFFER_SIZE].")
    return exito(f"El búfer renueva de media un {100 * media / lote:.0f} % con ruido, aplica Langevin a todo el "
                 f"lote, guarda las muestras nuevas y descarta las más viejas sin pasar de {capacidad:_} imágenes."
                 .replace("_", "."))


# --------------------------------------------------------------------------- la pérdida

def _cd(real, fake, alpha):
    return np.mean(fake) - np.mean(real) + alpha * np.mean(real**2 + fake**2)


_VARIANTES_CD = [
    (lambda r, f, a: np.mean(r) - np.mean(f) + a * np.mean(r**2 + f**2), "El término contrastivo tiene el signo al "
     "revés.", "cdiv = mean(fake_out) − mean(real_out): minimizarla sube la puntuación de las reales."),
    (lambda r, f, a: np.mean(f) - np.mean(r), "Falta la regularización.", "suma alpha * mean(real_out**2 + "
     "fake_out**2)."),
    (lambda r, f, a: np.mean(f) - np.mean(r) + np.mean(r**2 + f**2), "La regularización no está multiplicada por "
     "alpha.", "reg = alpha * mean(real_out**2 + fake_out**2)."),
    (lambda r, f, a: np.mean(f) - np.mean(r) + a * np.mean(r + f), "La regularización no eleva al cuadrado las "
     "puntuaciones.", "reg = alpha * mean(real_out**2 + fake_out**2): penaliza puntuaciones grandes de cualquier "
     "signo."),
    (lambda r, f, a: np.mean(f) - np.mean(r) + a * (np.mean(r) ** 2 + np.mean(f) ** 2), "La regularización eleva al "
     "cuadrado las medias, no cada puntuación.", "alpha * mean(real_out**2 + fake_out**2)."),
    (lambda r, f, a: np.mean(f) - np.mean(r) + a * np.mean(r**2), "La regularización solo penaliza las reales.",
     "alpha * mean(real_out**2 + fake_out**2): las dos."),
    (lambda r, f, a: np.mean(f) - np.mean(r) + a * np.mean(f**2), "La regularización solo penaliza las falsas.",
     "alpha * mean(real_out**2 + fake_out**2): las dos."),
    (lambda r, f, a: np.sum(f) - np.sum(r) + a * np.sum(r**2 + f**2), "Se usan sumas en lugar de medias.",
     "tf.reduce_mean: la pérdida no debe crecer con el tamaño del lote."),
    (lambda r, f, a: np.mean(f) - np.mean(r) - a * np.mean(r**2 + f**2), "La regularización se resta en lugar de "
     "sumarse.", "loss = cdiv + alpha * mean(real_out**2 + fake_out**2)."),
]


def comprobar_contrastive_divergence(contrastive_divergence) -> None:
    """``contrastive_divergence(real_out, fake_out, alpha)`` → la pérdida total del curso."""
    comprobar_llamable(contrastive_divergence, "contrastive_divergence", "la función contrastive_divergence")
    rng = np.random.default_rng(7)
    for alpha, escala, n in ((0.1, 1.0, 128), (0.37, 3.0, 64), (0.0, 0.5, 32), (1.5, 0.1, 128)):
        real = (rng.normal(0.5, escala, (n, 1))).astype(np.float32)
        fake = (rng.normal(-0.3, escala, (n, 1))).astype(np.float32)
        valor = a_numpy(ejecutar(contrastive_divergence, "contrastive_divergence", tf.constant(real),
                                 tf.constant(fake), alpha, pista="recibe (real_out, fake_out, alpha) y devuelve un "
                                 "número."), "lo que devuelve contrastive_divergence")
        if valor.size != 1:
            raise fallo(f"La pérdida debe ser un número; es un tensor de forma {valor.shape}.",
                        "tf.reduce_mean(...) reduce a un escalar.")
        valor = float(valor.reshape(-1)[0])
        esperado = _cd(real.astype(np.float64), fake.astype(np.float64), alpha)
        if cerca(valor, esperado, ulps=256):
            continue
        for variante, que, pista in _VARIANTES_CD:
            if cerca(valor, variante(real.astype(np.float64), fake.astype(np.float64), alpha), ulps=256):
                raise fallo(que, pista)
        raise fallo(f"Con alpha = {alpha} y {n} puntuaciones al azar, la pérdida debería ser {esperado:.5f}; da "
                    f"{valor:.5f}.", "loss = [mean(fake) − mean(real)] + alpha · mean(real² + fake²).")
    return exito("La pérdida de divergencia contrastiva es la del curso (probada con cuatro lotes y valores de "
                 "alpha).")


# --------------------------------------------------------------------------- el paso de entrenamiento

class _BuferFalso:
    """Sustituye al búfer: devuelve siempre las mismas falsas y anota con qué se le llamó."""

    def __init__(self, falsas):
        self.falsas, self.llamadas, self.examples = falsas, [], []

    def sample_new_exmps(self, *args, **kwargs):
        nombres = ("steps", "step_size", "noise")
        self.llamadas.append({**dict(zip(nombres, args)), **kwargs})
        return tf.constant(self.falsas)


def _perdida_y_gradiente(red, reales, falsas, alpha, variante=None):
    with tf.GradientTape() as cinta:
        r, f = red(tf.constant(reales)), red(tf.constant(falsas))
        if variante is None:
            perdida = tf.reduce_mean(f) - tf.reduce_mean(r) + alpha * tf.reduce_mean(r**2 + f**2)
        else:
            perdida = variante(r, f, alpha)
    return float(perdida), [g.numpy() for g in cinta.gradient(perdida, red.trainable_variables)]


_VARIANTES_PASO = [
    (lambda r, f, a: -(tf.reduce_mean(f) - tf.reduce_mean(r) + a * tf.reduce_mean(r**2 + f**2)),
     "Los pesos se mueven en la dirección contraria: se sube la pérdida en lugar de bajarla.",
     "self.optimizer.apply_gradients(zip(grads, ...)) ya resta el gradiente: no le cambies el signo."),
    (lambda r, f, a: tf.reduce_mean(r) - tf.reduce_mean(f) + a * tf.reduce_mean(r**2 + f**2),
     "Las reales y las falsas están intercambiadas en la pérdida.",
     "real_out son las puntuaciones de las reales (la primera mitad) y fake_out las de las falsas."),
    (lambda r, f, a: tf.reduce_mean(f) - tf.reduce_mean(r),
     "El gradiente es el de la pérdida sin regularizar.", "loss = contrastive_divergence(real_out, fake_out, ALPHA), "
     "con la regularización."),
]


def comprobar_train_step(EBM) -> None:
    """``EBM(model, steps=...)`` con el ``train_step`` del curso.

    Se sustituye el búfer por uno que devuelve siempre las mismas falsas, se compila con
    SGD y se da un paso: el cambio de los pesos debe ser −tasa · ∇(pérdida del curso),
    calculado sobre las imágenes que la red recibió de verdad (las reales con su ruido).
    """
    from ..datos import cargar_mnist

    comprobar_llamable(EBM, "EBM", "la clase EBM")
    keras.utils.set_random_seed(0)
    red = referencia.build_energy_network()
    _aleatorizar(red, 11)
    grabadora = grabadora_de(red)
    modelo = ejecutar(EBM, "EBM(model, steps=7)", grabadora, steps=7,
                      pista="no cambies el __init__ que viene dado; completa solo train_step.")
    lote = referencia.BATCH_SIZE
    rng = np.random.default_rng(12)
    falsas = rng.uniform(-1, 1, (lote, *LADO)).astype(np.float32)
    modelo.buffer = bufer = _BuferFalso(falsas)
    tasa = 0.05
    ejecutar(modelo.compile, "compile", optimizer=keras.optimizers.SGD(learning_rate=tasa),
             pista="no cambies el __init__ que viene dado.")
    reales = np.asarray(cargar_mnist()[0][:lote])
    antes = [w.numpy().copy() for w in red.trainable_variables]
    logs = ejecutar(modelo.train_step, "train_step", tf.constant(reales),
                    pista="sigue el orden del curso: ruido a las reales, falsas del búfer, puntuaciones, "
                          "pérdida, gradientes y apply_gradients.")
    despues = [w.numpy().copy() for w in red.trainable_variables]

    if len(bufer.llamadas) != 1:
        raise fallo(f"train_step pide {len(bufer.llamadas)} lotes al búfer; debe pedir uno.",
                    "fake_imgs = self.buffer.sample_new_exmps(steps=self.steps, step_size=STEP_SIZE, noise=NOISE).")
    llamada = bufer.llamadas[0]
    if llamada.get("steps") != 7:
        raise fallo(f"Se piden {llamada.get('steps')} pasos de Langevin al búfer con self.steps = 7.",
                    "steps=self.steps.")
    if llamada.get("step_size") != referencia.STEP_SIZE or llamada.get("noise") != referencia.NOISE:
        raise fallo(f"Se pide al búfer step_size={llamada.get('step_size')} y noise={llamada.get('noise')}; el curso "
                    f"usa {referencia.STEP_SIZE} y {referencia.NOISE}.", "step_size=STEP_SIZE, noise=NOISE.")
    if not grabadora.llamadas:
        raise fallo("La red no puntúa ninguna imagen.", "out = self.model(inp_imgs) dentro de la GradientTape.")
    puntuadas = np.concatenate([e.reshape(-1, *LADO) for e, _ in grabadora.llamadas]).astype(np.float32)
    huellas = {f.tobytes() for f in falsas}
    es_falsa = np.array([p.tobytes() in huellas for p in puntuadas])
    if es_falsa.sum() < lote:
        raise fallo("Las falsas que devuelve el búfer no llegan tal cual a la red (o no se puntúan todas).",
                    "puntúa fake_imgs tal como salen de self.buffer.sample_new_exmps.")
    reales_puntuadas = puntuadas[~es_falsa]
    if len(reales_puntuadas) != lote:
        raise fallo(f"La red puntúa {len(reales_puntuadas)} imágenes reales; se esperaban las {lote} del lote.",
                    "inp_imgs = tf.concat([real_imgs, fake_imgs], axis=0).")
    cambio = reales_puntuadas - reales
    if reales_puntuadas.min() < -1 - 1e-6 or reales_puntuadas.max() > 1 + 1e-6:
        raise fallo("Las reales se salen de [-1, 1] tras el ruido.",
                    "real_imgs = tf.clip_by_value(real_imgs, -1.0, 1.0) después de sumar el ruido.")
    interiores = np.abs(reales) < 0.9
    if np.abs(cambio).max() < 1e-7:
        raise fallo("Las imágenes reales no reciben ruido.",
                    "real_imgs += tf.random.normal(tf.shape(real_imgs), mean=0, stddev=NOISE).")
    sigma = float(cambio[interiores].std())
    if not 0.8 * referencia.NOISE < sigma < 1.2 * referencia.NOISE:
        raise fallo(f"El ruido de las reales tiene desviación estándar {sigma:.4f}; el curso usa NOISE = "
                    f"{referencia.NOISE}.", "stddev=NOISE.")

    red_antes = referencia.build_energy_network()
    red_antes.set_weights(antes)
    esperada, gradiente = _perdida_y_gradiente(red_antes, reales_puntuadas, falsas, referencia.ALPHA)
    delta = [d - a for d, a in zip(despues, antes)]
    if all(np.abs(d).max() == 0 for d in delta):
        raise fallo("Los pesos de la red no cambian.", "grads = tape.gradient(loss, self.model.trainable_variables) y "
                    "self.optimizer.apply_gradients(zip(grads, self.model.trainable_variables)).")
    if not _mismo_paso(delta, gradiente, tasa):
        for variante, que, pista in _VARIANTES_PASO:
            _, otro = _perdida_y_gradiente(red_antes, reales_puntuadas, falsas, referencia.ALPHA, variante)
            if _mismo_paso(delta, otro, tasa):
                raise fallo(que, pista)
        raise fallo("El cambio de los pesos no es el paso de gradiente de la pérdida del curso.",
                    "grads = training_tape.gradient(loss, self.model.trainable_variables) con loss = "
                    "contrastive_divergence(real_out, fake_out, ALPHA) calculada dentro de la GradientTape.")
    if not isinstance(logs, dict) or not {"loss", "real", "fake"} <= set(logs):
        raise fallo(f"train_step debe devolver un diccionario con al menos loss, real y fake; devolvió "
                    f"{sorted(logs) if isinstance(logs, dict) else type(logs).__name__}.",
                    "actualiza las métricas y return {m.name: m.result() for m in self.metrics}.")
    s_real = float(np.mean(a_numpy(red_antes(tf.constant(reales_puntuadas)))))
    s_falsa = float(np.mean(a_numpy(red_antes(tf.constant(falsas)))))
    pistas = {"loss": "self.loss_metric.update_state(loss).",
              "real": "self.real_out_metric.update_state(tf.reduce_mean(real_out)).",
              "fake": "self.fake_out_metric.update_state(tf.reduce_mean(fake_out))."}
    for nombre, valor_esperado in (("loss", esperada), ("real", s_real), ("fake", s_falsa)):
        valor = float(a_numpy(logs[nombre]).reshape(-1)[0])
        if not cerca(valor, valor_esperado, ulps=4096):
            raise fallo(f"La métrica «{nombre}» vale {valor:.5f} y debería valer {valor_esperado:.5f}.",
                        pistas[nombre])
    return exito("train_step da el paso del curso: el cambio de los pesos es el gradiente de la pérdida de "
                 "divergencia contrastiva sobre las reales con ruido y las falsas del búfer.")


def _mismo_paso(delta, gradiente, tasa) -> bool:
    """¿``delta = −tasa · gradiente`` salvo redondeo? (norma relativa, para todas las capas juntas)."""
    d = np.concatenate([x.ravel() for x in delta]).astype(np.float64)
    g = -tasa * np.concatenate([x.ravel() for x in gradiente]).astype(np.float64)
    return bool(np.linalg.norm(d - g) <= 1e-3 * np.linalg.norm(g) + 1e-9)
