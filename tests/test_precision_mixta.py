"""Precisión mixta (``mixed_float16``), el camino rápido de las GPU, comprobada en CPU.

En una GPU con núcleos tensoriales la U-Net calcula en float16; aquí se verifica que ese
camino entrena lo mismo que float32 (la CPU también ejecuta float16, solo que sin ganar
velocidad), que la pérdida se escala y se desescala, y que un entrenamiento guardado
recuerda su precisión al reanudarse.
"""

import numpy as np
import pytest

from generativa import difusion
from generativa.difusion import DiffusionModel
from generativa.errores import ErrorDeArgumento, ErrorDeEntrenamiento

keras = difusion.keras
tf = difusion.tf
PASOS = 40


@pytest.fixture(scope="module")
def flores():
    from generativa.datos import cargar_flores

    return cargar_flores(16).imagenes[:128]


def _entrenar(flores, precision_mixta, optimizador, pasos=PASOS, **kwargs):
    keras.utils.set_random_seed(0)
    modelo = DiffusionModel(16, widths=(8, 16, 24), block_depth=1, precision_mixta=precision_mixta)
    modelo.adapt(flores)
    modelo.compile(optimizer=optimizador, loss=keras.losses.MeanAbsoluteError(), jit_compile=False, **kwargs)
    datos = tf.data.Dataset.from_tensor_slices(flores).batch(16).repeat().take(pasos)
    perdidas = []

    class Anotar(keras.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            perdidas.append(float(logs["n_loss"]))

    modelo.fit(datos, epochs=1, verbose=0, callbacks=[Anotar()])
    return modelo, np.array(perdidas)


def test_la_precision_mixta_entrena_lo_mismo_que_float32(flores):
    # Tasa de 1e-2 para que en 40 pasos la pérdida baje de verdad (con la del curso apenas se
    # mueve de E|ε| ≈ 0,80, porque la última capa empieza en cero, y la comparación no diría nada).
    def adamw():
        return keras.optimizers.AdamW(learning_rate=1e-2, weight_decay=1e-4)

    f32, perdidas_f32 = _entrenar(flores, False, adamw())
    mixta, perdidas_mixta = _entrenar(flores, True, adamw())

    assert perdidas_f32[-1] < 0.8 * perdidas_f32[0]  # aprendió: la comparación tiene contenido
    relativa = np.abs(perdidas_mixta - perdidas_f32) / perdidas_f32
    assert relativa.max() < 0.02, relativa.round(4)
    # el camino mixto es de verdad mixto: cálculo en float16, pesos en float32, la
    # incrustación sinusoidal en float32 y la pérdida escalada por el LossScaleOptimizer
    assert isinstance(mixta.optimizer, keras.optimizers.LossScaleOptimizer)
    assert not isinstance(f32.optimizer, keras.optimizers.LossScaleOptimizer)
    convoluciones = [c for c in mixta.network.layers if isinstance(c, keras.layers.Conv2D)]
    assert convoluciones and all(c.compute_dtype == "float16" for c in convoluciones)
    assert all(w.dtype == "float32" for w in mixta.network.weights + mixta.ema_network.weights)
    assert mixta.network.get_layer("sinusoidal_embedding").compute_dtype == "float32"
    assert int(mixta.optimizer.iterations) == PASOS  # ningún paso descartado por desbordamiento
    # la red EMA genera en float32 y sin valores no finitos
    ruido = np.random.default_rng(0).standard_normal((2, 16, 16, 3)).astype(np.float32)
    muestras = np.asarray(mixta.generate(2, 5, initial_noise=ruido))
    assert muestras.dtype == np.float32 and np.isfinite(muestras).all()
    # los pesos son intercambiables: los de la mixta, en un modelo float32, predicen el mismo
    # ruido (hasta la precisión de float16)
    copia = DiffusionModel(16, widths=(8, 16, 24), block_depth=1)
    copia.ema_network.set_weights(mixta.ema_network.get_weights())
    tasas = np.full((2, 1, 1, 1), 0.6, np.float32), np.full((2, 1, 1, 1), 0.8, np.float32)
    en_f16 = np.asarray(mixta.denoise(ruido, *tasas, training=False)[0])
    en_f32 = np.asarray(copia.denoise(ruido, *tasas, training=False)[0])
    assert en_f16.dtype == np.float32 and np.std(en_f32) > 0.05
    assert np.abs(en_f16 - en_f32).max() < 0.02 * np.abs(en_f32).max()


def test_la_escala_de_la_perdida_se_aplica_y_se_deshace(flores):
    # Con SGD (sin la normalización de Adam) un gradiente sin desescalar daría pasos 32.768
    # veces mayores y la pérdida no seguiría a la de float32.
    _, perdidas_f32 = _entrenar(flores, False, keras.optimizers.SGD(learning_rate=0.05), pasos=10)
    _, perdidas_mixta = _entrenar(flores, True, keras.optimizers.SGD(learning_rate=0.05), pasos=10)
    assert np.abs(perdidas_mixta - perdidas_f32).max() < 0.02 * perdidas_f32.max()
    # Una escala desmesurada desborda los gradientes de float16: si train_step escala la
    # pérdida, el optimizador descarta esos pasos (sin tocar los pesos) y baja la escala.
    optimizador = keras.optimizers.LossScaleOptimizer(keras.optimizers.SGD(learning_rate=0.05),
                                                      initial_scale=2.0**60)
    modelo, perdidas = _entrenar(flores, True, optimizador, pasos=6, auto_scale_loss=False)
    assert float(modelo.optimizer.dynamic_scale.numpy()) < 2.0**60
    assert int(modelo.optimizer.iterations) < 6
    assert np.isfinite(perdidas).all()
    assert all(np.isfinite(np.asarray(w)).all() for w in modelo.network.weights)


def test_xla_en_cpu_y_precision_mixta_no_se_mezclan(flores, monkeypatch):
    from generativa import perfiles

    monkeypatch.setattr(perfiles, "gpu_disponible", lambda: False)
    modelo = DiffusionModel(16, widths=(8, 16), block_depth=1, precision_mixta=True)
    with pytest.raises(ErrorDeArgumento, match="jit_compile=False"):
        modelo.compile(optimizer="adam", loss="mae", jit_compile=True)
    with pytest.raises(ErrorDeArgumento, match="precision_mixta"):
        DiffusionModel(16, widths=(8, 16), block_depth=1, precision_mixta="sí")


def test_el_entrenamiento_recuerda_su_precision(tmp_path, monkeypatch):
    # a 16 px y un lote por época: en CPU, float16 no tiene núcleos rápidos
    monkeypatch.setenv("GENERATIVA_PRUEBA_ESCALA", '{"imagenes": 64, "pasos_por_epoca": 1}')
    comunes = dict(salida=tmp_path, verbose=0, image_size=16)
    primera = difusion.entrenar_ddm("rapido", epocas=1, precision_mixta=True, **comunes)
    assert primera["hiperparametros"]["precision"].startswith("mixed_float16")
    assert primera["config"]["precision_mixta"] is True
    # Sin decir nada, la continuación usa la misma precisión (como al reanudar en Colab)...
    segunda = difusion.entrenar_ddm("rapido", epocas=2, continuar=True, **comunes)
    assert segunda["epocas"] == 2 and segunda["config"]["precision_mixta"] is True
    assert np.isfinite(segunda["historial"]["n_loss"]).all()
    # ...y pedir la otra es un error claro que la nombra
    with pytest.raises(ErrorDeEntrenamiento, match="precision_mixta: era True y se pidió False"):
        difusion.entrenar_ddm("rapido", epocas=3, continuar=True, precision_mixta=False, **comunes)
