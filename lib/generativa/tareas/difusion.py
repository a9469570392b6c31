"""Comprobaciones de la tarea «El modelo de difusión»: calendario, incrustación, bloques, U-Net,
``denoise``, EMA, ``train_step`` y ``reverse_diffusion``.

Como en la tarea del EBM, se compara lo que hace el código del estudiante con la referencia:

- funciones puras (calendario, incrustación): sobre muchos valores, con la tolerancia del
  redondeo de float32 (la incrustación multiplica los tiempos por hasta 2π·1.000, así que
  su tolerancia crece con ese factor);
- bloques y U-Net: se copian los pesos de la referencia (con estadísticas de
  normalización al azar) y se comparan las salidas, al entrenar y al generar;
- ``denoise``, EMA y ``train_step``: con una U-Net diminuta de pesos al azar, se graba lo
  que recibe la red, se reconstruyen el ruido y los tiempos y, con SGD, se compara el
  cambio de los pesos con el gradiente de la pérdida del ruido;
- ``reverse_diffusion``: con 1, 3 y 5 pasos frente a la referencia y a los errores comunes.
"""

from __future__ import annotations

import itertools
import math

import numpy as np

from .. import difusion as referencia
from ..calendarios import offset_cosine_diffusion_schedule
from ..unet import sinusoidal_embedding
from . import EPS32, exito, fallo
from . import _a_numpy as a_numpy, _cerca as cerca, _comprobar_llamable as comprobar_llamable
from . import _diferencia as diferencia, _ejecutar as ejecutar, _grabadora as grabadora_de

keras, ops, tf = referencia.keras, referencia.ops, referencia.tf
layers = keras.layers


# --------------------------------------------------------------------------- calendario

def comprobar_offset_cosine_diffusion_schedule(schedule) -> None:
    """``schedule(diffusion_times)`` → ``(noise_rates, signal_rates)`` del coseno desplazado."""
    comprobar_llamable(schedule, "schedule", "la función del calendario")
    rng = np.random.default_rng(0)
    t = np.concatenate([[0.0, 1.0, 0.5], rng.uniform(0, 1, 61)]).astype(np.float32).reshape(-1, 1, 1, 1)
    resultado = ejecutar(schedule, "el calendario", tf.constant(t),
                         pista="recibe los tiempos y devuelve (noise_rates, signal_rates).")
    if not isinstance(resultado, (tuple, list)) or len(resultado) != 2:
        raise fallo("El calendario debe devolver dos cosas: (noise_rates, signal_rates).",
                    "return noise_rates, signal_rates")
    ruido, senal = (a_numpy(v, "las tasas") for v in resultado)
    ref_ruido, ref_senal = (a_numpy(v) for v in offset_cosine_diffusion_schedule(t))
    if ruido.shape != ref_ruido.shape or senal.shape != ref_senal.shape:
        raise fallo(f"Las tasas tienen forma {ruido.shape} y {senal.shape}; se esperaba {ref_ruido.shape}, la de los "
                    "tiempos.", "opera elemento a elemento con los tiempos, sin reducir ni cambiar la forma.")
    if cerca(ruido, ref_ruido) and cerca(senal, ref_senal):
        return exito("El calendario coseno desplazado es el del curso (señal de 0,95 a 0,02).")
    if cerca(ruido, ref_senal) and cerca(senal, ref_ruido):
        raise fallo("Las tasas salen en el orden contrario.",
                    "el curso devuelve primero noise_rates y luego signal_rates.")
    if cerca(senal, ref_senal**2) or cerca(ruido, ref_ruido**2):
        raise fallo("Las tasas están al cuadrado: son ᾱ y 1 − ᾱ, no sus raíces.",
                    "signal_rates = cos(ángulo) y noise_rates = sin(ángulo), sin elevar al cuadrado.")
    if abs(senal.reshape(-1)[0] - 1.0) < 1e-4:
        raise fallo("En t = 0 la señal vale 1: es el coseno sin desplazar.",
                    "los ángulos van de acos(max_signal_rate = 0,95) a acos(min_signal_rate = 0,02).")
    if not np.allclose(senal**2 + ruido**2, 1, atol=64 * EPS32):
        raise fallo("signal² + noise² no vale 1.", "usa el mismo ángulo para el coseno (señal) y el seno (ruido).")
    angulo = np.arccos(np.clip(senal, -1, 1))
    if cerca(angulo, (math.acos(0.02) - (math.acos(0.02) - math.acos(0.95)) * t)):
        raise fallo("Los ángulos van al revés: la señal crece con el tiempo.",
                    "diffusion_angles = start_angle + diffusion_times * (end_angle − start_angle), con "
                    "start_angle = acos(0,95).")
    raise fallo(f"La señal debería ir de 0,95 en t = 0 a 0,02 en t = 1; va de {senal.reshape(-1)[0]:.3f} a "
                f"{senal.reshape(-1)[1]:.3f} (diferencia máxima {diferencia(senal, ref_senal):.3g}).",
                "diffusion_angles = start_angle + diffusion_times * (end_angle − start_angle), lineal en t.")


# --------------------------------------------------------------------------- incrustación

def comprobar_sinusoidal_embedding(embedding) -> None:
    """``embedding(x)`` con ``x`` de forma ``(N, 1, 1, 1)`` → ``(N, 1, 1, 32)``."""
    comprobar_llamable(embedding, "embedding", "la función de la incrustación")
    rng = np.random.default_rng(1)
    x = np.concatenate([[0.0, 0.1, 0.34, 1.0], rng.uniform(0, 1, 28)]).astype(np.float32).reshape(-1, 1, 1, 1)
    valor = a_numpy(ejecutar(embedding, "la incrustación", tf.constant(x), pista="recibe las varianzas (N, 1, 1, 1)."),
                    "la incrustación")
    ref = a_numpy(sinusoidal_embedding(x))
    if valor.shape != ref.shape:
        raise fallo(f"La incrustación tiene forma {valor.shape}; se esperaba {ref.shape}.",
                    "16 frecuencias, senos y cosenos concatenados en el último eje (axis=3 o -1).")
    # El ángulo llega a 2π·1.000 ≈ 6.283 rad: su redondeo en float32 (unas ulp de 6.283)
    # es el error que puede tener cualquier forma correcta de calcularlo.
    tolerancia = 16 * float(np.spacing(np.float32(2 * math.pi * 1000 * x.max())))
    if np.all(np.abs(valor - ref) <= tolerancia):
        return exito("La incrustación sinusoidal es la del curso (32 valores por varianza).")
    f = np.exp(np.linspace(0, np.log(1000), 16))
    variantes = [
        (np.concatenate([np.cos(2 * np.pi * f * x), np.sin(2 * np.pi * f * x)], -1), "Los cosenos van antes que los "
         "senos.", "concatena [sin(...), cos(...)] en ese orden."),
        (np.concatenate([np.sin(f * x), np.cos(f * x)], -1), "Falta el factor 2π.", "angular_speeds = 2π · frequencies."),
        (np.concatenate([np.sin(2 * np.pi * np.linspace(1, 1000, 16) * x),
                         np.cos(2 * np.pi * np.linspace(1, 1000, 16) * x)], -1),
         "Las frecuencias están espaciadas linealmente.",
         "frequencies = exp(linspace(log(1), log(1000), 16)): espaciado exponencial."),
        (np.stack([np.sin(2 * np.pi * f * x), np.cos(2 * np.pi * f * x)], -1).reshape(ref.shape),
         "Senos y cosenos están intercalados (sin, cos, sin, cos...).", "concatena primero los 16 senos y después los "
         "16 cosenos."),
        (np.concatenate([np.sin(2 * np.pi * f * np.sqrt(x)), np.cos(2 * np.pi * f * np.sqrt(x))], -1),
         "La incrustación usa la raíz de la varianza.", "se incrusta la varianza tal como llega (noise_rates**2)."),
    ]
    for otra, que, pista in variantes:
        if np.all(np.abs(valor - otra) <= tolerancia):
            raise fallo(que, pista)
    raise fallo(f"La incrustación no coincide con la del curso (diferencia máxima {diferencia(valor, ref):.3g}, "
                f"más que el redondeo, {tolerancia:.1g}).",
                "16 frecuencias exponenciales de 1 a 1.000, velocidades 2πf, [sin(2πf·x), cos(2πf·x)].")


# --------------------------------------------------------------------------- bloques y U-Net

def _aleatorizar(red, semilla: int) -> None:
    """Pesos al azar en todo: núcleos, sesgos y estadísticas de BatchNormalization."""
    rng = np.random.default_rng(semilla)
    for peso in red.weights:
        nombre = peso.path.lower()
        if "moving_variance" in nombre:
            valor = rng.uniform(0.5, 2.0, peso.shape)
        elif "moving_mean" in nombre:
            valor = rng.normal(0, 0.5, peso.shape)
        elif len(peso.shape) > 1:
            valor = rng.normal(0, 1 / np.sqrt(np.prod(peso.shape[:-1])), peso.shape)
        else:
            valor = rng.normal(0, 0.1, peso.shape)
        peso.assign(valor.astype(np.float32))


def _formas(modelo) -> list[tuple]:
    return [tuple(int(d) for d in w.shape) for w in modelo.weights]


def _emparejamientos(propio, pesos_curso, maximo: int = 64):
    """Formas de copiar los pesos del curso en ``propio``: en orden y, solo si las capas se
    crearon en otro orden, permutando los pesos de igual forma (hasta ``maximo`` intentos)."""
    formas_p = _formas(propio)
    formas_c = [tuple(int(d) for d in v.shape) for v in pesos_curso]
    if formas_p == formas_c:
        yield pesos_curso
        return
    if sorted(formas_p) != sorted(formas_c):
        return
    grupos: dict[tuple, list[int]] = {}
    for i, f in enumerate(formas_c):
        grupos.setdefault(f, []).append(i)
    destinos = {f: [i for i, g in enumerate(formas_p) if g == f] for f in grupos}
    for n, eleccion in enumerate(itertools.product(*(itertools.permutations(v) for v in grupos.values()))):
        if n >= maximo:
            return
        asignacion = [None] * len(pesos_curso)
        for forma, permutacion in zip(grupos, eleccion):
            for destino, origen in zip(destinos[forma], permutacion):
                asignacion[destino] = pesos_curso[origen]
        yield asignacion


def _evaluar(modelo, pesos, entradas) -> list[np.ndarray]:
    """Salidas al entrenar y al generar, partiendo las dos de ``pesos`` (al entrenar,
    BatchNormalization actualiza sus medias móviles: se restauran antes de la otra)."""
    salidas = []
    for entrenando in (True, False):
        modelo.set_weights(pesos)
        salidas.append(a_numpy(_salidas(modelo(entradas, training=entrenando))))
    return salidas


def _misma_funcion(propio, curso, entradas) -> bool:
    """¿Existe una forma de copiar los pesos de ``curso`` en ``propio`` con la que den lo mismo,
    al entrenar y al generar?"""
    pesos = curso.get_weights()
    esperadas = _evaluar(curso, pesos, entradas)
    for asignacion in _emparejamientos(propio, pesos):
        if all(cerca(o, e, ulps=512) for o, e in zip(_evaluar(propio, asignacion, entradas), esperadas)):
            return True
    return False


def _salidas(valor):
    if isinstance(valor, (list, tuple)):
        return np.concatenate([a_numpy(v).reshape(-1) for v in valor])
    return valor


def _residual_curso(width, *, activacion_primera="swish", activacion_segunda=None, residuo_normalizado=False,
                    con_bn=True, suma=True):
    """El ResidualBlock del curso, con variantes para reconocer errores comunes."""
    def apply(x):
        input_width = x.shape[-1]
        residual = x if input_width == width else layers.Conv2D(width, kernel_size=1)(x)
        if con_bn:
            x = layers.BatchNormalization(center=False, scale=False)(x)
        if residuo_normalizado and input_width == width:
            residual = x
        x = layers.Conv2D(width, 3, padding="same", activation=activacion_primera)(x)
        x = layers.Conv2D(width, 3, padding="same", activation=activacion_segunda)(x)
        return layers.Add()([x, residual]) if suma else x
    return apply


def _bloque_como_modelo(fabrica, canales, *args, **kwargs):
    entrada = keras.Input((8, 8, canales))
    return keras.Model(entrada, fabrica(*args, **kwargs)(entrada))


def comprobar_residual_block(ResidualBlock) -> None:
    """``ResidualBlock(width)`` → ``apply(x)``: con los pesos del curso copiados, la misma salida
    (al entrenar y al generar, con estadísticas de normalización al azar)."""
    comprobar_llamable(ResidualBlock, "ResidualBlock", "la función ResidualBlock")
    rng = np.random.default_rng(2)
    for canales, ancho in ((16, 16), (16, 24)):
        entradas = tf.constant((rng.normal(0.3, 1.5, (6, 8, 8, canales))).astype(np.float32))
        propio = ejecutar(_bloque_como_modelo, "ResidualBlock", ResidualBlock, canales, ancho,
                          pista="ResidualBlock(width) devuelve apply(x), que devuelve la suma del bloque y el residuo.")
        salida = tuple(propio.outputs[0].shape[1:])
        if salida != (8, 8, ancho):
            raise fallo(f"ResidualBlock({ancho}) sobre (8, 8, {canales}) da {salida}.",
                        "el bloque conserva el tamaño (padding=\"same\") y termina con `width` canales.")
        curso = _bloque_como_modelo(_residual_curso, canales, ancho)
        _aleatorizar(curso, 3)
        if sorted(_formas(propio)) != sorted(_formas(curso)):
            _fallo_de_formas("El bloque", propio, curso, "BatchNormalization(center=False, scale=False) (sin "
                             "parámetros entrenables), dos Conv2D 3x3 y, si cambian los canales, la Conv2D 1x1 del "
                             "residuo.")
        if _misma_funcion(propio, curso, entradas):
            continue
        variantes = [
            (dict(activacion_primera=None), "Falta la activación swish de la primera convolución.",
             "layers.Conv2D(width, kernel_size=3, padding=\"same\", activation=\"swish\")."),
            (dict(activacion_segunda="swish"), "La segunda convolución lleva activación: en el curso no.",
             "solo la primera Conv2D 3x3 lleva activation=\"swish\"."),
            (dict(residuo_normalizado=True), "El residuo se toma después de la normalización.",
             "guarda residual = x antes de BatchNormalization."),
            (dict(suma=False), "El bloque no suma el residuo a la salida.", "return layers.Add()([x, residual])."),
            (dict(activacion_primera="relu"), "La primera convolución usa ReLU en lugar de swish.",
             "activation=\"swish\"."),
        ]
        for cambios, que, pista in variantes:
            otra = _bloque_como_modelo(_residual_curso, canales, ancho, **cambios)
            _aleatorizar(otra, 3)
            if sorted(_formas(otra)) == sorted(_formas(propio)) and _misma_funcion(propio, otra, entradas):
                raise fallo(que, pista)
        raise fallo(f"Con los mismos pesos, ResidualBlock({ancho}) sobre {canales} canales no da lo mismo que el del "
                    "curso.", "orden del curso: residuo (Conv2D 1x1 si cambian los canales), BatchNormalization, "
                    "Conv2D 3x3 swish, Conv2D 3x3, suma.")
    return exito("ResidualBlock se comporta como el del curso: con los mismos pesos da la misma salida, al "
                 "entrenar y al generar.")


def _fallo_de_formas(que, propio, curso, pista):
    total, total_curso = propio.count_params(), curso.count_params()
    entrenables = sum(int(np.prod(w.shape)) for w in propio.trainable_weights)
    entrenables_curso = sum(int(np.prod(w.shape)) for w in curso.trainable_weights)
    raise fallo(f"{que} no tiene los pesos del curso: {entrenables:_} parámetros entrenables ({total:_} en total) "
                f"frente a {entrenables_curso:_} ({total_curso:_}).".replace("_", "."), pista)


def _down_curso(ResidualBlock, width, block_depth, *, antes_de_guardar=False, max_pool=False, sin_pool=False):
    def apply(x):
        x, skips = x
        for _ in range(block_depth):
            if antes_de_guardar:
                skips.append(x)
            x = ResidualBlock(width)(x)
            if not antes_de_guardar:
                skips.append(x)
        if sin_pool:
            return x
        return (layers.MaxPooling2D(2) if max_pool else layers.AveragePooling2D(2))(x)
    return apply


def _down_como_modelo(DownBlock, canales, width, block_depth):
    entrada = keras.Input((8, 8, canales))
    skips = []
    salida = DownBlock(width, block_depth)([entrada, skips])
    return keras.Model(entrada, [salida, *skips]), len(skips)


def comprobar_down_block(DownBlock, ResidualBlock) -> None:
    """``DownBlock(width, block_depth)`` → ``apply([x, skips])``: guarda cada salida en ``skips`` y reduce."""
    comprobar_llamable(DownBlock, "DownBlock", "la función DownBlock")
    comprobar_llamable(ResidualBlock, "ResidualBlock", "tu función ResidualBlock")
    entradas = tf.constant(np.random.default_rng(4).normal(0.2, 1.2, (4, 8, 8, 16)).astype(np.float32))
    for profundidad in (1, 2):
        propio, guardados = ejecutar(_down_como_modelo, "DownBlock", DownBlock, 16, 24, profundidad,
                                     pista="DownBlock(width, block_depth) devuelve apply(x), que recibe [x, skips].")
        if guardados != profundidad:
            raise fallo(f"Con block_depth={profundidad}, DownBlock guarda {guardados} salidas en skips.",
                        "skips.append(x) tras cada ResidualBlock.")
        forma = tuple(propio.outputs[0].shape[1:])
        if forma != (4, 4, 24):
            raise fallo(f"DownBlock(24, {profundidad}) sobre (8, 8, 16) da {forma}; se esperaba (4, 4, 24).",
                        "termina con layers.AveragePooling2D(pool_size=2): la mitad de resolución.")
        curso, _ = _down_como_modelo(lambda w, d: _down_curso(ResidualBlock, w, d), 16, 24, profundidad)
        _aleatorizar(curso, 5)
        if _misma_funcion(propio, curso, entradas):
            continue
        for cambios, que, pista in (
                (dict(antes_de_guardar=True), "Se guarda en skips la entrada de cada bloque, no su salida.",
                 "x = ResidualBlock(width)(x) y después skips.append(x)."),
                (dict(max_pool=True), "Reduce con MaxPooling2D; el curso usa la media.",
                 "layers.AveragePooling2D(pool_size=2)."),
        ):
            otra, _ = _down_como_modelo(lambda w, d, c=cambios: _down_curso(ResidualBlock, w, d, **c), 16, 24,
                                        profundidad)
            _aleatorizar(otra, 5)
            if _formas(otra) == _formas(propio) and _misma_funcion(propio, otra, entradas):
                raise fallo(que, pista)
        raise fallo(f"Con los mismos pesos, DownBlock(24, {profundidad}) no da lo mismo que el del curso (ni su "
                    "salida ni lo que guarda en skips).", "block_depth veces: x = ResidualBlock(width)(x) y "
                    "skips.append(x); al final, AveragePooling2D(pool_size=2).")
    return exito("DownBlock se comporta como el del curso: guarda la salida de cada bloque y reduce a la mitad "
                 "con la media.")


def _up_curso(ResidualBlock, width, block_depth, *, nearest=False, salto_delante=False, sin_subir=False):
    def apply(x):
        x, skips = x
        if not sin_subir:
            x = layers.UpSampling2D(2, interpolation="nearest" if nearest else "bilinear")(x)
        for _ in range(block_depth):
            salto = skips.pop()
            x = layers.Concatenate()([salto, x] if salto_delante else [x, salto])
            x = ResidualBlock(width)(x)
        return x
    return apply


def _up_como_modelo(UpBlock, width, block_depth):
    entrada = keras.Input((4, 4, 24))
    saltos = [keras.Input((8, 8, 16)) for _ in range(block_depth + 1)]
    pila = list(saltos)
    salida = UpBlock(width, block_depth)([entrada, pila])
    return keras.Model([entrada, *saltos], salida), len(pila)


def comprobar_up_block(UpBlock, ResidualBlock) -> None:
    """``UpBlock(width, block_depth)`` → ``apply([x, skips])``: sube, y en cada bloque concatena ``skips.pop()``."""
    comprobar_llamable(UpBlock, "UpBlock", "la función UpBlock")
    comprobar_llamable(ResidualBlock, "ResidualBlock", "tu función ResidualBlock")
    rng = np.random.default_rng(6)
    for profundidad in (1, 2):
        entradas = [tf.constant(rng.normal(0.1, 1.0, (3, 4, 4, 24)).astype(np.float32))] + [
            tf.constant(rng.normal(-0.2, 1.3, (3, 8, 8, 16)).astype(np.float32)) for _ in range(profundidad + 1)]
        propio, quedan = ejecutar(_up_como_modelo, "UpBlock", UpBlock, 16, profundidad,
                                  pista="UpBlock(width, block_depth) devuelve apply(x), que recibe [x, skips].")
        if quedan != 1:
            raise fallo(f"Con block_depth={profundidad}, UpBlock saca {profundidad + 1 - quedan} tensores de skips.",
                        "un skips.pop() por cada ResidualBlock: los saltos se usan y se quitan de la lista.")
        forma = tuple(propio.outputs[0].shape[1:])
        if forma != (8, 8, 16):
            raise fallo(f"UpBlock(16, {profundidad}) sobre (4, 4, 24) da {forma}; se esperaba (8, 8, 16).",
                        "empieza con layers.UpSampling2D(size=2, interpolation=\"bilinear\").")
        curso, _ = _up_como_modelo(lambda w, d: _up_curso(ResidualBlock, w, d), 16, profundidad)
        _aleatorizar(curso, 7)
        if _misma_funcion(propio, curso, entradas):
            continue
        delante, _ = _up_como_modelo(lambda w, d: _up_curso(ResidualBlock, w, d, salto_delante=True), 16, profundidad)
        _aleatorizar(delante, 7)
        if _formas(delante) == _formas(propio) and _misma_funcion(propio, delante, entradas):
            raise fallo("Concatena [salto, x]; el curso, [x, salto]. Sería una red equivalente (los mismos canales en "
                        "otro orden), pero los pesos entrenados del libro, que usarás al final, esperan el orden del "
                        "curso.", "layers.Concatenate()([x, skips.pop()]).")
        otra, _ = _up_como_modelo(lambda w, d: _up_curso(ResidualBlock, w, d, nearest=True), 16, profundidad)
        _aleatorizar(otra, 7)
        if _formas(otra) == _formas(propio) and _misma_funcion(propio, otra, entradas):
            raise fallo("Sube la resolución repitiendo píxeles (nearest); el curso interpola.",
                        "layers.UpSampling2D(size=2, interpolation=\"bilinear\").")
        raise fallo(f"Con los mismos pesos, UpBlock(16, {profundidad}) no da lo mismo que el del curso.",
                    "UpSampling2D(2, bilinear); después, block_depth veces: Concatenate()([x, skips.pop()]) y "
                    "ResidualBlock(width).")
    return exito("UpBlock se comporta como el del curso: sube con interpolación bilineal y usa los saltos del "
                 "último al primero.")


def comprobar_red(get_network) -> None:
    """``get_network(image_size, widths, block_depth)``: la U-Net del curso, con sus parámetros y su comportamiento."""
    from ..unet import build_unet

    comprobar_llamable(get_network, "get_network", "la función get_network")
    red = ejecutar(get_network, "get_network(64, [32, 64, 96, 128], 2)", 64, [32, 64, 96, 128], 2,
                   pista="devuelve keras.Model([noisy_images, noise_variances], x).")
    curso = build_unet(64)
    entrenables = sum(int(np.prod(w.shape)) for w in red.trainable_weights)
    no_entrenables = sum(int(np.prod(w.shape)) for w in red.non_trainable_weights)
    if (entrenables, no_entrenables) != (1_950_627, 2_880):
        _fallo_de_formas("Tu U-Net", red, curso, "Conv2D(32, 1) sobre la imagen, la incrustación subida a 64x64, "
                         "DownBlock 32, 64 y 96, dos ResidualBlock(128), UpBlock 96, 64 y 32 y Conv2D(3, 1).")
    ruidosas = np.random.default_rng(8).normal(0, 1, (2, 64, 64, 3)).astype(np.float32)
    varianzas = np.array([0.2, 0.7], np.float32).reshape(2, 1, 1, 1)
    inicial = a_numpy(ejecutar(red, "tu U-Net", [tf.constant(ruidosas), tf.constant(varianzas)],
                               pista="la red recibe [imágenes ruidosas, varianzas del ruido]."))
    if inicial.shape != (2, 64, 64, 3):
        raise fallo(f"Tu U-Net devuelve la forma {inicial.shape}; se esperaba (2, 64, 64, 3): el ruido predicho.",
                    "termina con layers.Conv2D(3, kernel_size=1).")
    if np.abs(inicial).max() != 0:
        raise fallo("Recién creada, tu U-Net no predice ruido cero.",
                    "la última capa es layers.Conv2D(3, kernel_size=1, kernel_initializer=\"zeros\"): el "
                    "entrenamiento empieza prediciendo el ruido medio.")
    # El comportamiento, en pequeño: 16 píxeles, anchos 8, 16 y 24, un bloque por nivel.
    pequena = ejecutar(get_network, "get_network(16, [8, 16, 24], 1)", 16, [8, 16, 24], 1,
                       pista="usa image_size, widths y block_depth en lugar de números fijos.")
    referencia_pequena = build_unet(16, (8, 16, 24), 1)
    _aleatorizar(referencia_pequena, 9)
    rng = np.random.default_rng(10)
    entradas = [tf.constant(rng.normal(0, 1, (4, 16, 16, 3)).astype(np.float32)),
                tf.constant(rng.uniform(0.1, 0.9, (4, 1, 1, 1)).astype(np.float32))]
    if _formas(pequena) != _formas(referencia_pequena):
        raise fallo("Con otros anchos y profundidad, tu U-Net no tiene las capas del curso en el mismo orden (o usa "
                    "números fijos).", "recorre widths[:-1] para bajar y reversed(widths[:-1]) para subir, con "
                    "block_depth bloques por nivel y widths[-1] en el cuello.")
    if not _misma_funcion(pequena, referencia_pequena, entradas):
        raise fallo("Con los mismos pesos, tu U-Net no da lo mismo que la del curso.",
                    "la incrustación de noise_variances se sube con UpSampling2D(size=image_size, "
                    "interpolation=\"nearest\") y se concatena con Conv2D(widths[0], 1) de la imagen.")
    return exito("Tu U-Net es la del curso: 1.950.627 parámetros entrenables y 2.880 no entrenables, empieza "
                 "prediciendo ruido cero y, con los mismos pesos, da la misma salida.")


# --------------------------------------------------------------------------- denoise

def _modelo_diminuto(semilla: int = 0):
    """Un DiffusionModel de 16 píxeles con pesos al azar distintos en la red y en la EMA,
    estadísticas de normalización incluidas."""
    keras.utils.set_random_seed(semilla)
    modelo = referencia.DiffusionModel(16, widths=(8, 16), block_depth=1)
    _aleatorizar(modelo.network, semilla + 1)
    _aleatorizar(modelo.ema_network, semilla + 2)
    return modelo


def comprobar_denoise(denoise) -> None:
    """``denoise(model, noisy_images, noise_rates, signal_rates, training)`` → ``(pred_noises, pred_images)``."""
    comprobar_llamable(denoise, "denoise", "la función denoise")
    modelo = _modelo_diminuto()
    rng = np.random.default_rng(2)
    x = rng.standard_normal((6, 16, 16, 3)).astype(np.float32)
    n = rng.uniform(0.2, 0.95, (6, 1, 1, 1)).astype(np.float32)
    s = np.sqrt(1 - n.astype(np.float64) ** 2).astype(np.float32)
    pesos = {id(r): r.get_weights() for r in (modelo.network, modelo.ema_network)}

    def prediccion(red, v, entrenando):
        """Lo que predice ``red`` desde los pesos de partida (al entrenar, BatchNormalization mueve
        sus medias; se restauran antes de cada llamada)."""
        red.set_weights(pesos[id(red)])
        return a_numpy(red([x, v], training=entrenando))

    for training in (True, False):
        for r in (modelo.network, modelo.ema_network):
            r.set_weights(pesos[id(r)])
        resultado = ejecutar(denoise, "denoise", modelo, tf.constant(x), tf.constant(n), tf.constant(s), training,
                             pista="devuelve (pred_noises, pred_images).")
        if not isinstance(resultado, (tuple, list)) or len(resultado) != 2:
            raise fallo("denoise debe devolver dos cosas: (pred_noises, pred_images).",
                        "return pred_noises, pred_images")
        ruido, imagen = (a_numpy(v) for v in resultado)
        red = modelo.network if training else modelo.ema_network
        otra = modelo.ema_network if training else modelo.network
        # La red puede recibir la varianza como noise_rates**2 o como 1 − signal_rates**2: iguales
        # salvo una ulp, que la incrustación (frecuencias hasta 1.000) amplifica.
        candidatos = [prediccion(red, v, training) for v in (n**2, 1 - s**2)]
        if not any(cerca(ruido, c, ulps=4096) for c in candidatos):
            if any(cerca(ruido, prediccion(otra, v, training), ulps=4096) for v in (n**2, 1 - s**2)):
                raise fallo(f"Con training={training} usa la red equivocada.",
                            "al entrenar, model.network; al generar, model.ema_network.")
            if cerca(ruido, prediccion(red, n, training), ulps=4096):
                raise fallo("La red recibe la tasa de ruido en lugar de la varianza.",
                            "network([noisy_images, noise_rates**2]).")
            if cerca(ruido, prediccion(red, n**2, not training), ulps=4096):
                raise fallo(f"La red no recibe training={training}: la normalización por lotes usa las estadísticas "
                            "equivocadas.", "network([noisy_images, noise_rates**2], training=training).")
            if cerca(imagen, candidatos[0], ulps=4096):
                raise fallo("Devuelve (pred_images, pred_noises): el orden está al revés.",
                            "return pred_noises, pred_images.")
            raise fallo("El ruido predicho no es el de la red.",
                        "pred_noises = network([noisy_images, noise_rates**2], training=training).")
        esperada = (x - n * ruido) / s
        if not cerca(imagen, esperada, ulps=4096):
            if cerca(imagen, (x - s * ruido) / n, ulps=4096):
                raise fallo("Las tasas están intercambiadas al despejar la imagen.",
                            "pred_images = (noisy_images − noise_rates · pred_noises) / signal_rates.")
            raise fallo("La imagen predicha no es la que corresponde al ruido predicho.",
                        "pred_images = (noisy_images − noise_rates · pred_noises) / signal_rates.")
    return exito("denoise usa la red correcta en cada caso y despeja bien la imagen.")


# --------------------------------------------------------------------------- EMA

def comprobar_ema(actualizar_ema) -> None:
    """``actualizar_ema(network, ema_network, ema)``: ``ema_w ← ema·ema_w + (1 − ema)·w`` para *todos* los pesos."""
    comprobar_llamable(actualizar_ema, "actualizar_ema", "la función actualizar_ema")
    modelo = _modelo_diminuto()
    red = [w.numpy().copy() for w in modelo.network.weights]
    copia = [w.numpy().copy() for w in modelo.ema_network.weights]
    ejecutar(actualizar_ema, "actualizar_ema", modelo.network, modelo.ema_network, 0.9,
             pista="recorre zip(network.weights, ema_network.weights) y asigna con ema_weight.assign(...).")
    nuevos = [w.numpy() for w in modelo.ema_network.weights]
    estadisticas = [i for i, w in enumerate(modelo.network.weights) if "moving" in w.path]
    if any(not np.array_equal(w.numpy(), r) for w, r in zip(modelo.network.weights, red)):
        raise fallo("Se han modificado los pesos de la red que se entrena.", "solo se asigna a ema_network.")
    if all(np.array_equal(a, b) for a, b in zip(nuevos, copia)):
        raise fallo("La red EMA no ha cambiado.", "ema_weight.assign(ema * ema_weight + (1 − ema) * weight) para cada "
                    "pareja de zip(network.weights, ema_network.weights); la red EMA no es entrenable, así que su "
                    "trainable_weights está vacío.")
    bien = [cerca(a, 0.9 * e + 0.1 * w, ulps=16) for a, w, e in zip(nuevos, red, copia)]
    if all(bien):
        return exito("La actualización EMA es la del curso, también para las estadísticas de BatchNormalization.")
    if all(cerca(a, 0.9 * w + 0.1 * e, ulps=16) for a, w, e in zip(nuevos, red, copia)):
        raise fallo("Los pesos están intercambiados: la EMA se mueve casi entera hacia la red.",
                    "ema · (peso EMA) + (1 − ema) · (peso de la red), no al revés.")
    if all(b for i, b in enumerate(bien) if i not in estadisticas) and all(
            np.array_equal(nuevos[i], copia[i]) for i in estadisticas):
        raise fallo("Las estadísticas de BatchNormalization (moving_mean, moving_variance) de la EMA no se mueven: "
                    "al generar, la red EMA normalizaría con las de su creación.",
                    "recorre network.weights y ema_network.weights (todos), no trainable_weights.")
    raise fallo("La actualización no es la media móvil del curso.",
                "ema_weight.assign(ema * ema_weight + (1 − ema) * weight), para network.weights (todos, también las "
                "medias de BatchNormalization).")


# --------------------------------------------------------------------------- train_step

def _mae(a, b):
    return tf.reduce_mean(tf.abs(a - b))


def _gradiente(red, perdida_de):
    with tf.GradientTape() as cinta:
        perdida = perdida_de(red)
    return float(perdida), [g.numpy() for g in cinta.gradient(perdida, red.trainable_weights)]


def _mismo_paso(delta, gradiente, tasa) -> bool:
    d = np.concatenate([x.ravel() for x in delta]).astype(np.float64)
    g = -tasa * np.concatenate([x.ravel() for x in gradiente]).astype(np.float64)
    return bool(np.linalg.norm(d - g) <= 1e-3 * np.linalg.norm(g) + 1e-9)


def _decaimiento(antes, despues, red) -> tuple[float, float]:
    """El d de ``despues = d·antes + (1 − d)·red`` (mínimos cuadrados) y el residuo relativo del ajuste."""
    a = np.concatenate([(x - r).ravel() for x, r in zip(antes, red)]).astype(np.float64)
    b = np.concatenate([(y - r).ravel() for y, r in zip(despues, red)]).astype(np.float64)
    d = float(a @ b / (a @ a))
    return d, float(np.linalg.norm(b - d * a) / np.linalg.norm(a))


def comprobar_train_step(clase) -> None:
    """``clase``: subclase de ``DiffusionModel`` con el ``train_step`` del curso.

    Con una U-Net diminuta de pesos al azar se da un paso con SGD y se graba lo que recibió la
    red: de ahí salen las tasas y el ruido aleatorios, que deben ser los del curso, y el cambio
    de los pesos debe ser −tasa · ∇(error absoluto del ruido). Después, la EMA debe acercarse
    a la red ya actualizada, con todos sus pesos.
    """
    if not (isinstance(clase, type) and issubclass(clase, referencia.DiffusionModel)):
        raise fallo(f"Se esperaba una subclase de difusion.DiffusionModel; llegó {clase!r}.",
                    "class ModeloDeDifusion(difusion.DiffusionModel): def train_step(self, images): ...")
    keras.utils.set_random_seed(0)
    modelo = ejecutar(lambda: clase(16, widths=(8, 16), block_depth=1), "el constructor",
                      pista="no cambies el __init__: completa solo train_step.")
    base = _modelo_diminuto()
    modelo.network.set_weights(base.network.get_weights())
    modelo.ema_network.set_weights(base.ema_network.get_weights())
    rng = np.random.default_rng(4)
    imagenes = np.clip(rng.uniform(0, 0.4, (8, 16, 16, 3)) + np.array([0.1, 0.4, 0.6]), 0, 1).astype(np.float32)
    modelo.adapt(imagenes)
    tasa = 0.1
    modelo.compile(optimizer=keras.optimizers.SGD(learning_rate=tasa), loss=keras.losses.MeanAbsoluteError())
    red = modelo.network
    modelo.network = grabadora = grabadora_de(red)
    red_antes = [w.numpy().copy() for w in red.weights]
    ema_antes = [w.numpy().copy() for w in modelo.ema_network.weights]
    logs = ejecutar(modelo.train_step, "train_step", tf.constant(imagenes),
                    pista="sigue el orden del curso: normalizar, ruido, tiempos, tasas, mezcla, predicción, pérdida, "
                          "gradientes, EMA y métricas.")
    red_despues = [w.numpy().copy() for w in red.weights]
    ema_despues = [w.numpy().copy() for w in modelo.ema_network.weights]
    modelo.network = red

    entrenando = [e for e, t in grabadora.llamadas if t]
    if not grabadora.llamadas:
        raise fallo("La red que se entrena no predice nada: train_step no la usa.",
                    "pred_noises, pred_images = self.denoise(noisy_images, noise_rates, signal_rates, training=True).")
    if not entrenando:
        raise fallo("La red se usa con training=False al entrenar: la normalización por lotes no usa las "
                    "estadísticas del lote.", "self.denoise(..., training=True).")
    mezcla, varianzas = (np.asarray(v, np.float64) for v in entrenando[0])
    normalizadas = np.asarray(modelo.normalizer(imagenes), np.float64)

    def ruido_implicito(x0, n, s):
        return (mezcla - s * x0) / n

    def parece_gaussiano(e):
        return abs(e.mean()) < 0.1 and abs(e.std() - 1) < 0.1

    if varianzas.shape != (8, 1, 1, 1) or varianzas.min() < 0 or varianzas.max() > 1:
        raise fallo(f"La red recibe como varianzas un tensor de forma {varianzas.shape} con valores entre "
                    f"{varianzas.min():.3g} y {varianzas.max():.3g}.", "una varianza por imagen, noise_rates**2, "
                    "con tiempos keras.random.uniform(shape=(batch_size, 1, 1, 1)).")
    n, s = np.sqrt(varianzas), np.sqrt(1 - varianzas)
    ruido = ruido_implicito(normalizadas, n, s)
    if not parece_gaussiano(ruido):
        sospechas = [
            (ruido_implicito(imagenes, n, s), "Las imágenes no se normalizan antes de añadir el ruido.",
             "images = self.normalizer(images, training=True) al empezar."),
            (ruido_implicito(normalizadas, s, n), "Las tasas están intercambiadas en la mezcla.",
             "noisy_images = signal_rates · images + noise_rates · noises."),
            (ruido_implicito(normalizadas, varianzas, np.sqrt(1 - varianzas**2)),
             "La red recibe la tasa de ruido en lugar de la varianza.", "usa denoise, que pasa noise_rates**2 a la red."),
        ]
        for e, que, pista in sospechas:
            if parece_gaussiano(e):
                raise fallo(que, pista)
        raise fallo(f"El ruido de la mezcla no es gaussiano estándar (media {ruido.mean():.2f}, desviación "
                    f"{ruido.std():.2f}).", "noises = keras.random.normal(shape=ops.shape(images)) y noisy_images = "
                    "signal_rates · images + noise_rates · noises.")
    if np.ptp(varianzas) < 1e-6:
        raise fallo("Todas las imágenes del lote tienen el mismo tiempo de difusión.",
                    "elige al azar un tiempo por imagen: keras.random.uniform(shape=(batch_size, 1, 1, 1)).")
    senal_min, senal_max = 0.02, 0.95
    if s.min() < senal_min - 1e-4 or s.max() > senal_max + 1e-4:
        raise fallo(f"Las tasas de señal van de {s.min():.3f} a {s.max():.3f}: fuera del calendario "
                    "(0,02 a 0,95).", "noise_rates, signal_rates = self.schedule(diffusion_times), con tiempos en "
                    "[0, 1].")

    entrenables = [i for i, w in enumerate(red.weights) if w.trainable]
    actual = referencia.build_unet(16, (8, 16), 1)
    actual.set_weights(red_antes)
    mezcla_t, var_t = tf.constant(mezcla, tf.float32), tf.constant(varianzas, tf.float32)
    ruido_t, x0_t = tf.constant(ruido, tf.float32), tf.constant(normalizadas, tf.float32)
    n_t, s_t = tf.constant(n, tf.float32), tf.constant(s, tf.float32)

    def prediccion(r):
        return r([mezcla_t, var_t], training=True)

    perdida_ruido, gradiente = _gradiente(actual, lambda r: _mae(ruido_t, prediccion(r)))
    delta = [red_despues[i] - red_antes[i] for i in entrenables]
    if all(np.abs(d).max() == 0 for d in delta):
        raise fallo("Los pesos de la red no cambian: falta el paso del optimizador.",
                    "gradients = tape.gradient(noise_loss, self.network.trainable_weights) y "
                    "self.optimizer.apply_gradients(zip(gradients, self.network.trainable_weights)).")
    if not _mismo_paso(delta, gradiente, tasa):
        def imagen(r):
            return (mezcla_t - n_t * prediccion(r)) / s_t
        variantes = [
            (lambda r: _mae(x0_t, imagen(r)), "El gradiente es el de la pérdida de las imágenes: la red debe "
             "aprender a predecir el ruido.", "tape.gradient(noise_loss, ...); image_loss es solo una métrica."),
            (lambda r: _mae(ruido_t, prediccion(r)) + _mae(x0_t, imagen(r)), "El gradiente es el de la suma de las dos "
             "pérdidas.", "deriva solo noise_loss."),
            (lambda r: -_mae(ruido_t, prediccion(r)), "Los pesos se mueven en la dirección contraria: la pérdida sube.",
             "apply_gradients ya resta el gradiente: no le cambies el signo."),
        ]
        for perdida_de, que, pista in variantes:
            if _mismo_paso(delta, _gradiente(actual, perdida_de)[1], tasa):
                raise fallo(que, pista)
        raise fallo("El cambio de los pesos no es el paso de gradiente del error absoluto del ruido.",
                    "dentro de la GradientTape: pred_noises = self.denoise(..., training=True) y noise_loss = "
                    "self.loss(noises, pred_noises); fuera, tape.gradient(noise_loss, "
                    "self.network.trainable_weights).")

    if all(np.array_equal(a, b) for a, b in zip(ema_antes, ema_despues)):
        raise fallo("La red EMA no cambia: falta su actualización al final del paso.",
                    "actualizar_ema(self.network, self.ema_network, self.ema), que recorre network.weights y "
                    "ema_network.weights (la EMA no tiene trainable_weights).")
    d, residuo = _decaimiento(ema_antes, ema_despues, red_despues)
    _, residuo_antes = _decaimiento(ema_antes, ema_despues, red_antes)
    if residuo_antes < min(residuo, 1e-4):
        raise fallo("La EMA se actualiza con los pesos de antes del paso del optimizador.",
                    "actualiza la EMA después de apply_gradients.")
    estadisticas = [i for i, w in enumerate(red.weights) if not w.trainable]
    if residuo > 1e-4:
        d_e, residuo_e = _decaimiento(*([p[i] for i in entrenables] for p in (ema_antes, ema_despues, red_despues)))
        if residuo_e < 1e-4 and all(np.array_equal(ema_antes[i], ema_despues[i]) for i in estadisticas):
            raise fallo("La EMA no promedia las estadísticas de BatchNormalization (moving_mean, moving_variance).",
                        "recorre self.network.weights (todos), no trainable_weights.")
        raise fallo("La red EMA no es una media móvil de la red.", "ema_weight.assign(ema · ema_weight + (1 − ema) · "
                    "weight).")
    if abs(d - (1 - modelo.ema)) < 1e-3:
        raise fallo("Los pesos están intercambiados en la EMA: se mueve casi entera hacia la red.",
                    "ema · (peso EMA) + (1 − ema) · (peso de la red).")
    calentamiento = float(referencia.decaimiento_ema(modelo.optimizer.iterations, modelo.ema))
    if not (abs(d - modelo.ema) < 1e-4 or abs(d - calentamiento) < 1e-4):
        raise fallo(f"La EMA usa un decaimiento de {d:.4f}; el del curso es self.ema = {modelo.ema}.",
                    "actualizar_ema(self.network, self.ema_network, self.ema).")
    if not isinstance(logs, dict) or not {"n_loss", "i_loss"} <= set(logs):
        raise fallo("train_step debe devolver las métricas n_loss e i_loss en un diccionario.",
                    "actualiza noise_loss_tracker e image_loss_tracker y return {m.name: m.result() for m in "
                    "self.metrics}.")
    perdida_imagen = float(_mae(x0_t, (mezcla_t - n_t * prediccion(actual)) / s_t))
    for nombre, esperado in (("n_loss", perdida_ruido), ("i_loss", perdida_imagen)):
        valor = float(a_numpy(logs[nombre]).reshape(-1)[0])
        if not cerca(valor, esperado, ulps=4096):
            raise fallo(f"La métrica «{nombre}» vale {valor:.4f} y debería valer {esperado:.4f}.",
                        "noise_loss_tracker.update_state(noise_loss) e image_loss_tracker.update_state(image_loss), "
                        "con image_loss = self.loss(images, pred_images).")
    actual.set_weights(red_despues)
    despues = float(_mae(ruido_t, prediccion(actual)))
    return exito(f"train_step entrena: el paso es el gradiente del error del ruido (en el mismo lote baja de "
                 f"{perdida_ruido:.4f} a {despues:.4f}) y la EMA se acerca a la red con decaimiento {d:.3f}.")


# --------------------------------------------------------------------------- reverse_diffusion

def _inversa(modelo, ruido, pasos, *, empieza_tras_uno=False, tasas_actuales=False, devuelve_mezcla=False,
             entrenando=False, sin_mezcla=False):
    actual = tf.constant(ruido)
    n_img = ruido.shape[0]
    paso = 1.0 / pasos
    prediccion = actual
    for i in range(pasos):
        t = tf.ones((n_img, 1, 1, 1)) - (i + 1 if empieza_tras_uno else i) * paso
        nr, sr = modelo.schedule(t)
        ruido_p, prediccion = modelo.denoise(actual, nr, sr, training=entrenando)
        siguiente = tf.maximum(t - paso, 0.0)
        nn, sn = (nr, sr) if tasas_actuales else modelo.schedule(siguiente)
        actual = prediccion if sin_mezcla else sn * prediccion + nn * ruido_p
    return (actual if devuelve_mezcla else prediccion).numpy()


def comprobar_reverse_diffusion(reverse_diffusion) -> None:
    """``reverse_diffusion(model, initial_noise, diffusion_steps)`` → última imagen predicha (normalizada)."""
    comprobar_llamable(reverse_diffusion, "reverse_diffusion", "la función reverse_diffusion")
    modelo = _modelo_diminuto()
    ruido = np.random.default_rng(3).standard_normal((3, 16, 16, 3)).astype(np.float32)
    variantes = [
        (dict(empieza_tras_uno=True), "Empieza en t = 1 − 1/pasos y no en t = 1: el primer paso no parte del ruido "
         "puro.", "diffusion_times = 1 − step · step_size con step = 0, 1, ...: el primero es t = 1."),
        (dict(tasas_actuales=True), "Se vuelve a mezclar con las tasas del tiempo actual, no del siguiente.",
         "next_noise_rates, next_signal_rates = schedule(diffusion_times − step_size)."),
        (dict(devuelve_mezcla=True), "Devuelve la última mezcla (current_images) y no la última imagen predicha.",
         "return pred_images."),
        (dict(entrenando=True), "Genera con la red que se entrena (training=True) y no con la EMA.",
         "model.denoise(..., training=False)."),
        (dict(sin_mezcla=True), "Cada paso parte de la imagen predicha, sin volver a mezclarla con el ruido predicho.",
         "current_images = next_signal_rates · pred_images + next_noise_rates · pred_noises."),
    ]
    for pasos in (1, 3, 5):
        valor = a_numpy(ejecutar(reverse_diffusion, "reverse_diffusion", modelo, tf.constant(ruido), pasos,
                                 pista="recibe (model, initial_noise, diffusion_steps)."))
        esperado = _inversa(modelo, ruido, pasos)
        if valor.shape != esperado.shape:
            raise fallo(f"Devuelve la forma {valor.shape}; se esperaba {esperado.shape}.",
                        "devuelve pred_images del último paso, no la lista de pasos.")
        if cerca(valor, esperado, ulps=4096):
            continue
        for cambios, que, pista in variantes:
            if cerca(valor, _inversa(modelo, ruido, pasos, **cambios), ulps=4096):
                raise fallo(que, pista)
        for otros in (pasos - 1, pasos + 1):
            if otros >= 1 and cerca(valor, _inversa(modelo, ruido, otros), ulps=4096):
                raise fallo(f"Con diffusion_steps={pasos} da {otros} pasos.",
                            "for step in range(diffusion_steps), con step_size = 1 / diffusion_steps.")
        raise fallo(f"Con {pasos} pasos, el resultado no coincide con el muestreo determinista del curso.",
                    "en cada paso: tasas del tiempo actual, model.denoise(..., training=False) y current_images = "
                    "next_signal_rates · pred_images + next_noise_rates · pred_noises; devuelve pred_images.")
    return exito("reverse_diffusion invierte la difusión como en el curso (probado con 1, 3 y 5 pasos).")
