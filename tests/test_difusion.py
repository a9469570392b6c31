import numpy as np
import pytest

from generativa import difusion
from generativa.difusion import decaimiento_ema, DiffusionModel

keras = difusion.keras
PEQUENO = dict(image_size=16, widths=(8, 16), block_depth=1)


@pytest.fixture
def imagenes():
    from generativa.datos import cargar_flores
    return cargar_flores(16).imagenes[:64]


def _modelo(imagenes, **kwargs):
    keras.utils.set_random_seed(0)
    modelo = DiffusionModel(**{**PEQUENO, **kwargs})
    modelo.adapt(imagenes)
    modelo.compile(optimizer=keras.optimizers.AdamW(learning_rate=1e-3, weight_decay=1e-4),
                   loss=keras.losses.MeanAbsoluteError())
    return modelo


def test_el_normalizador_se_adapta_a_las_imagenes(imagenes):
    modelo = _modelo(imagenes)
    assert np.allclose(np.asarray(modelo.normalizer.mean).ravel(), imagenes.mean(axis=(0, 1, 2)), atol=1e-4)
    normalizadas = np.asarray(modelo.normalizer(imagenes))
    assert np.allclose(normalizadas.mean(axis=(0, 1, 2)), 0, atol=1e-3)
    assert np.allclose(np.asarray(modelo.denormalize(normalizadas)), imagenes, atol=1e-4)


def test_denoise_invierte_la_mezcla(imagenes):
    modelo = _modelo(imagenes)
    x0 = np.asarray(modelo.normalizer(imagenes[:4]))
    ruido = np.random.default_rng(0).standard_normal(x0.shape).astype(np.float32)
    n, s = np.float32(0.6), np.float32(0.8)
    # con la red perfecta (que devolviera el ruido exacto) la imagen predicha sería x0
    pred_imagenes = (s * x0 + n * ruido - n * ruido) / s
    assert np.allclose(pred_imagenes, x0, atol=1e-5)
    pred_ruido, pred_img = modelo.denoise(s * x0 + n * ruido, np.full((4, 1, 1, 1), n), np.full((4, 1, 1, 1), s), False)
    assert pred_ruido.shape == x0.shape and np.allclose(np.asarray(pred_ruido), 0)  # la última capa empieza en cero
    assert np.allclose(np.asarray(pred_img), (s * x0 + n * ruido) / s, atol=1e-5)


def test_add_noise_mezcla_con_las_tasas_del_calendario(imagenes):
    modelo = _modelo(imagenes)
    limpias, ruido, mezcla, n, s = (np.asarray(v) for v in modelo.add_noise(imagenes[:8]))
    assert np.allclose(limpias, np.asarray(modelo.normalizer(imagenes[:8])), atol=1e-6)
    assert np.allclose(mezcla, s * limpias + n * ruido, atol=1e-5)
    assert n.shape == s.shape == (8, 1, 1, 1) and np.allclose(n**2 + s**2, 1, atol=1e-5)
    assert np.all((s >= 0.02 - 1e-6) & (s <= 0.95 + 1e-6)) and len(np.unique(s)) == 8  # un tiempo por imagen
    assert abs(float(ruido.std()) - 1) < 0.05


def test_unos_pasos_de_entrenamiento_bajan_la_perdida(imagenes):
    modelo = _modelo(imagenes)
    lote = imagenes[:32]
    inicial = modelo.evaluate(lote, batch_size=32, verbose=0, return_dict=True)["n_loss"]
    modelo.fit(np.repeat(lote, 20, axis=0), batch_size=32, epochs=1, verbose=0, shuffle=False)
    final = modelo.evaluate(lote, batch_size=32, verbose=0, return_dict=True)["n_loss"]
    assert final < inicial, (inicial, final)


def test_la_actualizacion_ema(imagenes):
    modelo = _modelo(imagenes)
    antes_red = [w.numpy().copy() for w in modelo.network.weights]
    antes_ema = [w.numpy().copy() for w in modelo.ema_network.weights]
    assert all(np.array_equal(a, b) for a, b in zip(antes_red, antes_ema))
    modelo.fit(imagenes[:32], batch_size=32, epochs=1, verbose=0)
    decay = float(decaimiento_ema(1))  # tras el primer paso, optimizer.iterations vale 1
    for w, e, e0 in zip(modelo.network.weights, modelo.ema_network.weights, antes_ema):
        assert np.allclose(e.numpy(), decay * e0 + (1 - decay) * w.numpy(), atol=1e-6)


def test_la_llamada_compilada_de_la_ema_sigue_a_sus_pesos(imagenes):
    """Al generar, denoise usa la EMA en un grafo: da lo mismo que la red en modo inmediato, con
    cualquier tamaño de lote, y sigue a los pesos cuando el entrenamiento o una carga los cambian."""
    modelo = _modelo(imagenes)
    rng = np.random.default_rng(3)

    def comparar(n):
        x = rng.standard_normal((n, 16, 16, 3)).astype(np.float32)
        v = rng.uniform(0.05, 0.95, (n, 1, 1, 1)).astype(np.float32)
        inmediato = np.asarray(modelo.ema_network([x, v], training=False))
        assert np.allclose(np.asarray(modelo._ema_compilada(x, v)), inmediato, atol=1e-5)
        return inmediato

    antes = comparar(4)
    modelo.fit(imagenes[:32], batch_size=32, epochs=1, verbose=0)
    despues = comparar(4)
    assert not np.allclose(antes, despues)  # el grafo no congeló los pesos de antes del paso
    for n in (1, 7, 3):
        comparar(n)
    otro = _modelo(imagenes)
    otro._ema_compilada(*[np.zeros((2, 16, 16, 3), np.float32), np.full((2, 1, 1, 1), 0.5, np.float32)])
    otro.ema_network.set_weights(modelo.ema_network.get_weights())
    x = rng.standard_normal((2, 16, 16, 3)).astype(np.float32)
    v = np.full((2, 1, 1, 1), 0.5, np.float32)
    assert np.allclose(np.asarray(otro._ema_compilada(x, v)), np.asarray(modelo.ema_network([x, v])), atol=1e-5)


def test_el_calentamiento_de_la_ema():
    valores = [float(decaimiento_ema(n)) for n in (0, 10, 1000, 10**5)]
    assert valores[0] == pytest.approx(0.1) and valores[1] == pytest.approx(11 / 20)
    assert valores[2] == pytest.approx(1001 / 1010) and valores[3] == pytest.approx(0.999)


def test_guardar_y_cargar_genera_lo_mismo(imagenes, tmp_path):
    modelo = _modelo(imagenes)
    modelo.fit(imagenes[:32], batch_size=32, epochs=1, verbose=0)
    ruido = np.random.default_rng(1).standard_normal((3, 16, 16, 3)).astype(np.float32)
    antes = np.asarray(modelo.generate(3, 5, initial_noise=ruido))
    modelo.save_weights(tmp_path / "ddm.weights.h5")
    otro = DiffusionModel(**PEQUENO)
    otro.load_weights(tmp_path / "ddm.weights.h5")
    despues = np.asarray(otro.generate(3, 5, initial_noise=ruido))
    assert antes.shape == (3, 16, 16, 3) and 0 <= antes.min() and antes.max() <= 1
    assert np.allclose(antes, despues, atol=1e-5)
    assert np.allclose(np.asarray(otro.normalizer.mean), np.asarray(modelo.normalizer.mean))


@pytest.mark.parametrize("llamada, mensaje", [
    (lambda m: m.generate(0, 10), "'num_images'"),
    (lambda m: m.generate(2, 0), "'diffusion_steps'"),
    (lambda m: m.generate(2, 5, initial_noise=np.zeros((2, 8, 8, 3), np.float32)), r"forma \(2, 16, 16, 3\)"),
    (lambda m: m.adapt(np.zeros((4, 16, 16, 1))), r"\(N, 16, 16, 3\)"),
    (lambda m: m.adapt(np.full((4, 16, 16, 3), 255.0)), r"en \[0, 1\]"),
])
def test_errores_en_espanol(imagenes, llamada, mensaje):
    modelo = _modelo(imagenes)
    with pytest.raises(ValueError, match=mensaje):
        llamada(modelo)


def test_ema_fuera_de_rango():
    with pytest.raises(ValueError, match="'ema' debe estar entre 0 y 1"):
        DiffusionModel(**PEQUENO, ema=1.0)
