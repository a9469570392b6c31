import numpy as np
import pytest

from generativa import ebm
from generativa.ebm import Buffer, build_energy_network, EBM, generate_samples
from generativa.entrenamiento import DetenerSiDiverge
from generativa.errores import EntrenamientoDivergente

keras, tf = ebm.keras, ebm.tf


def red_lineal(pesos):
    """Una «red» cuya puntuación es sum(w · x): su gradiente respecto a x es w."""
    entrada = keras.Input((32, 32, 1))
    plano = keras.layers.Flatten()(entrada)
    capa = keras.layers.Dense(1, use_bias=False)
    salida = capa(plano)
    modelo = keras.Model(entrada, salida)
    capa.set_weights([pesos.reshape(-1, 1).astype(np.float32)])
    return modelo


def test_la_red_del_curso():
    red = build_energy_network()
    assert red.input_shape == (None, 32, 32, 1) and red.output_shape == (None, 1)
    por_capa = [capa.count_params() for capa in red.layers]
    assert por_capa == [0, 416, 4640, 18496, 36928, 0, 16448, 65]
    assert red.count_params() == 76_993
    assert [capa.output.shape[1:] for capa in red.layers[1:5]] == [(16, 16, 16), (8, 8, 32), (4, 4, 64), (2, 2, 64)]


def test_un_paso_de_langevin_a_mano():
    rng = np.random.default_rng(0)
    w = rng.normal(0, 0.05, (32, 32, 1))
    x0 = rng.uniform(-1, 1, (3, 32, 32, 1)).astype(np.float32)
    x1 = generate_samples(red_lineal(w), x0, steps=1, step_size=10, noise=0.0).numpy()
    # a mano: x ← clip(x + 10 · clip(∇s, ±0,03)) con ∇s = w; el ruido es 0
    esperado = np.clip(x0 + 10 * np.clip(w, -0.03, 0.03), -1, 1)
    assert np.allclose(x1, esperado, atol=1e-6)
    # el gradiente se sube: donde w > 0 el píxel no baja
    assert np.all((x1 - x0)[:, w > 0] >= -1e-7)


def test_langevin_step_es_el_paso_de_generate_samples():
    """El paso que muestra el capítulo de entrenamiento es el que repite el bucle compilado."""
    rng = np.random.default_rng(1)
    w = rng.normal(0, 0.05, (32, 32, 1))
    x0 = rng.uniform(-1, 1, (3, 32, 32, 1)).astype(np.float32)
    red = red_lineal(w)
    un_paso = ebm.langevin_step(red, x0, step_size=10, noise=0.0).numpy()
    assert np.allclose(un_paso, generate_samples(red, x0, steps=1, step_size=10, noise=0.0).numpy(), atol=1e-7)
    assert np.allclose(un_paso, np.clip(x0 + 10 * np.clip(w, -0.03, 0.03), -1, 1), atol=1e-6)
    # con ruido: las imágenes cambian aunque el gradiente sea nulo, con la desviación pedida
    nula = red_lineal(np.zeros((32, 32, 1)))
    cero = np.zeros((64, 32, 32, 1), np.float32)
    assert abs(float(np.std(ebm.langevin_step(nula, cero, step_size=10, noise=0.05))) - 0.05) < 0.002


def test_el_ruido_de_langevin_tiene_la_desviacion_pedida():
    constante = red_lineal(np.zeros((32, 32, 1)))
    x0 = np.zeros((64, 32, 32, 1), np.float32)
    x1 = generate_samples(constante, x0, steps=1, step_size=10, noise=0.05).numpy()
    assert abs(x1.std() - 0.05) < 0.002 and abs(x1.mean()) < 0.002


def test_pasos_intermedios_y_recorte():
    w = np.full((32, 32, 1), 1.0)
    x0 = np.zeros((2, 32, 32, 1), np.float32)
    pasos = generate_samples(red_lineal(w), x0, steps=5, step_size=10, noise=0.005, return_img_per_step=True)
    assert pasos.shape == (5, 2, 32, 32, 1)
    pasos = pasos.numpy()
    assert pasos.max() <= 1.0 and pasos.min() >= -1.0
    assert np.all(np.diff(pasos.mean(axis=(1, 2, 3, 4))) >= 0)  # sube por la puntuación


def test_el_bufer_no_crece_y_mezcla_un_cinco_por_ciento_de_ruido():
    constante = red_lineal(np.zeros((32, 32, 1)))
    bufer = Buffer(constante, batch_size=400, buffer_size=1000)
    frescas = []
    for _ in range(10):
        bufer.examples.assign(np.full((1000, 32, 32, 1), 0.5, np.float32))
        muestras = bufer.sample_new_exmps(steps=0, step_size=10, noise=0.0).numpy()
        # sin pasos de Langevin, las muestras del búfer siguen valiendo 0,5 y las nuevas son ruido
        frescas.append(np.mean(np.abs(muestras - 0.5).max(axis=(1, 2, 3)) > 1e-6))
        assert int(bufer.count.numpy()) <= 1000
    assert int(bufer.count.numpy()) == 1000
    assert abs(np.mean(frescas) - 0.05) < 0.015, np.mean(frescas)


def test_la_perdida_sobre_valores_conocidos():
    modelo = EBM(model=red_lineal(np.zeros((32, 32, 1))), batch_size=2, buffer_size=4)
    cdiv, reg, loss = modelo.contrastive_divergence(tf.constant([[1.0], [3.0]]), tf.constant([[2.0], [4.0]]))
    # cdiv = media(falsas) − media(reales) = 3 − 2; reg = 0,1 · media([1 + 4, 9 + 16]) = 1,5
    assert float(cdiv) == pytest.approx(1.0) and float(reg) == pytest.approx(1.5)
    assert float(loss) == pytest.approx(2.5)


def test_un_entrenamiento_corto_actualiza_metricas_y_pesos():
    keras.utils.set_random_seed(1)
    imagenes = np.random.default_rng(1).uniform(-1, 1, (64, 32, 32, 1)).astype(np.float32)
    modelo = EBM(steps=2, batch_size=32, buffer_size=64)
    modelo.compile(optimizer=keras.optimizers.Adam(1e-4))
    antes = [w.numpy().copy() for w in modelo.model.weights]
    historia = modelo.fit(ebm.conjunto_de_entrenamiento(imagenes, batch_size=32, seed=0), epochs=1,
                          verbose=0, shuffle=False)
    assert set(historia.history) == {"loss", "reg", "cdiv", "real", "fake"}
    assert all(np.isfinite(v[0]) for v in historia.history.values())
    assert any(not np.allclose(a, w.numpy()) for a, w in zip(antes, modelo.model.weights))
    evaluacion = modelo.evaluate(imagenes, batch_size=32, verbose=0, return_dict=True)
    assert set(evaluacion) == {"loss", "reg", "cdiv", "real", "fake"}


@pytest.mark.parametrize("llamada, mensaje", [
    (lambda: generate_samples(build_energy_network(), np.zeros((1, 28, 28, 1)), 1, 10, 0.005), "28x28.*rellena 2 píxeles"),
    (lambda: generate_samples(build_energy_network(), np.full((1, 32, 32, 1), 255.0), 1, 10, 0.005), "reescala con x / 127.5"),
    (lambda: generate_samples(build_energy_network(), np.zeros((1, 32, 32, 3)), 1, 10, 0.005), r"\(N, 32, 32, 1\)"),
    (lambda: generate_samples(build_energy_network(), np.zeros((1, 32, 32, 1)), 0, 10, 0.005), "'steps' debe ser un entero entre 1 y 10.000"),
    (lambda: generate_samples(build_energy_network(), np.zeros((1, 32, 32, 1)), 1, -1, 0.005), "'step_size'"),
    (lambda: Buffer(build_energy_network(), batch_size=128, buffer_size=64), "no puede ser menor que el lote"),
    (lambda: Buffer(build_energy_network(), fresh_share=2), "'fresh_share'"),
    (lambda: build_energy_network(28), "32x32 con 1 canal"),
    (lambda: ebm.conjunto_de_entrenamiento(np.zeros((10, 32, 32, 1), np.float32)), "al menos 128"),
    (lambda: ebm.cargar_red_entrenada(7), "No hay pesos del EBM de la época 7"),
])
def test_errores_en_espanol(llamada, mensaje):
    with pytest.raises(ValueError, match=mensaje):
        llamada()


def test_detener_si_diverge():
    class Falso:
        stop_training = False

    vigilante = DetenerSiDiverge(("loss", "real"), limite=100, consejo="Baja la tasa de aprendizaje.")
    vigilante.set_model(Falso())
    vigilante.on_epoch_begin(2)
    vigilante.on_train_batch_end(0, {"loss": 0.5, "real": 3.0})
    with pytest.raises(EntrenamientoDivergente, match="época 3, lote 5.*«loss» ha dejado de ser un número finito"):
        vigilante.on_train_batch_end(4, {"loss": float("nan")})
    with pytest.raises(EntrenamientoDivergente, match="«real» vale 250.*Baja la tasa"):
        vigilante.on_train_batch_end(0, {"loss": 0.1, "real": 250.0})
    assert vigilante.model.stop_training


def test_los_pesos_incluidos_se_cargan_verificados():
    assert ebm.epocas_entrenadas()[-1] == ebm.procedencia()["epocas"]
    red = ebm.cargar_red_entrenada()
    from generativa.datos import cargar_mnist
    reales = cargar_mnist()[0][:256]
    ruido = np.random.default_rng(0).uniform(-1, 1, (256, 32, 32, 1)).astype(np.float32)
    assert red(reales).numpy().mean() > red(ruido).numpy().mean() + 1.0
