import matplotlib.pyplot as plt
import numpy as np
import pytest

from conftest import RAIZ
from generativa.graficos import a_unidad, animar_imagenes, rango_de, rejilla_imagenes
from generativa.pagina import mostrar_codigo


@pytest.fixture(autouse=True)
def _cerrar_figuras():
    yield
    plt.close("all")


@pytest.mark.parametrize("imagenes, rango", [
    (np.array([-1.0, 0.0, 1.0]), "[-1,1]"),
    (np.array([0.0, 0.5, 1.0]), "[0,1]"),
    (np.array([0.0, 127.5, 255.0]), "[0,255]"),
])
def test_los_tres_rangos_van_a_cero_uno(imagenes, rango):
    x = imagenes.reshape(1, 1, 3, 1)
    assert rango_de(x) == rango
    assert a_unidad(x).ravel().tolist() == [0.0, 0.5, 1.0]
    assert a_unidad(x, rango).ravel().tolist() == [0.0, 0.5, 1.0]


def test_rango_explicito_recorta_lo_que_se_sale():
    x = np.array([-0.5, 0.5, 1.5]).reshape(1, 1, 3)
    assert a_unidad(x, "[0,1]").ravel().tolist() == [0.0, 0.5, 1.0]


def test_rejilla_con_titulo_subtitulos_y_filas():
    imagenes = np.random.default_rng(0).uniform(-1, 1, (12, 32, 32, 1))
    fig = rejilla_imagenes(imagenes, columnas=5, titulo="Dígitos", subtitulos=[str(i) for i in range(12)])
    assert fig._suptitle.get_text() == "Dígitos"
    assert len(fig.axes) == 15  # 3 filas de 5
    con_imagen = [eje for eje in fig.axes if eje.images]
    assert len(con_imagen) == 12 and con_imagen[11].get_title() == "11"
    assert all(not eje.axison for eje in fig.axes)


def test_rejilla_con_etiquetas_de_fila_a_la_izquierda():
    fig = rejilla_imagenes(np.zeros((6, 8, 8, 3)), columnas=3, etiquetas_filas=["1 paso", "20 pasos"])
    textos = {t.get_text(): (i, t.get_position()) for i, eje in enumerate(fig.axes) for t in eje.texts}
    assert set(textos) == {"1 paso", "20 pasos"}
    assert textos["1 paso"][0] == 0 and textos["20 pasos"][0] == 3  # primera columna de cada fila
    assert all(x < 0 for _, (x, _) in textos.values())  # fuera de la imagen, a la izquierda


def test_en_una_rejilla_ancha_los_textos_crecen_con_ella():
    # Una figura más ancha que la página se ve reducida: sus textos deben crecer en proporción.
    estrecha = rejilla_imagenes(np.zeros((4, 8, 8)), columnas=4, titulo="t", subtitulos=list("abcd"))
    ancha = rejilla_imagenes(np.zeros((22, 8, 8)), columnas=11, titulo="t", etiquetas_filas=["x", "y"])
    assert estrecha._suptitle.get_fontsize() == 12 and estrecha.axes[0].title.get_fontsize() == 9
    escala = 11 * 1.3 / 8.5
    assert ancha._suptitle.get_fontsize() == pytest.approx(12 * escala)
    assert ancha.axes[0].texts[0].get_fontsize() == pytest.approx(9 * escala)


def test_rejilla_en_color_por_defecto_una_fila():
    fig = rejilla_imagenes(np.random.default_rng(1).uniform(0, 1, (4, 8, 8, 3)))
    assert len(fig.axes) == 4
    assert fig.axes[0].images[0].get_array().shape == (8, 8, 3)


@pytest.mark.parametrize("imagenes, kwargs, mensaje", [
    (np.zeros((2, 8, 8, 2)), {}, r"forma \(N, alto, ancho\).*\(2, 8, 8, 2\)"),
    (np.zeros((0, 8, 8)), {}, "N ≥ 1"),
    (np.full((1, 8, 8), np.nan), {}, "no finitos"),
    (np.zeros((2, 8, 8)), {"subtitulos": ["a"]}, "Se esperaban 2 subtítulos"),
    (np.zeros((2, 8, 8)), {"rango": "[0,2]"}, "'rango' debe ser"),
    (np.zeros((4, 8, 8)), {"columnas": 2, "etiquetas_filas": ["a"]}, "Se esperaban 2 etiquetas de fila"),
    (np.zeros((2, 8, 8)), {"columnas": 0}, "'columnas' debe ser un entero"),
    (np.array([["a"]]), {}, "forma"),
])
def test_rejilla_valida_la_entrada(imagenes, kwargs, mensaje):
    with pytest.raises(ValueError, match=mensaje):
        rejilla_imagenes(imagenes, **kwargs)


def test_animacion_en_html_con_un_fotograma_por_imagen():
    fotogramas = np.random.default_rng(2).uniform(-1, 1, (5, 16, 16, 3))
    html = animar_imagenes(fotogramas, titulos=[f"paso {i}" for i in range(5)]).data
    assert "<script" in html and html.count("data:image/png;base64") == 5
    assert not plt.get_fignums()  # la figura auxiliar se cierra


@pytest.mark.parametrize("kwargs, mensaje", [
    ({"titulos": ["a"]}, "Se esperaban 3 títulos"),
    ({"intervalo_ms": 0}, "'intervalo_ms'"),
])
def test_animacion_valida(kwargs, mensaje):
    with pytest.raises(ValueError, match=mensaje):
        animar_imagenes(np.zeros((3, 8, 8)), **kwargs)


def test_mostrar_codigo_de_un_metodo_sin_la_sangria_de_la_clase():
    from generativa.difusion import DiffusionModel

    codigo = mostrar_codigo(DiffusionModel.denoise).data
    assert codigo.startswith("```python\ndef denoise(self,")


def test_el_codigo_que_muestra_el_libro_cabe_en_la_pagina():
    # Los capítulos muestran estas funciones con mostrar_codigo: ninguna línea debe
    # obligar a desplazarse en horizontal (unos 80 caracteres caben en la página).
    import re

    from generativa import calendarios, difusion, ebm, interpolacion, unet

    mostradas = set()
    for md in (RAIZ / "chapters").rglob("*.md"):
        mostradas |= set(re.findall(r"mostrar_codigo\(([\w.]+)\)", md.read_text(encoding="utf-8")))
    assert len(mostradas) >= 15
    espacio = {"difusion": difusion, "ebm": ebm, "DiffusionModel": difusion.DiffusionModel}
    for modulo in (calendarios, difusion, ebm, interpolacion, unet):
        espacio.update({k: v for k, v in vars(modulo).items() if not k.startswith("__")})
    for nombre in sorted(mostradas):
        objeto = espacio[nombre.split(".")[0]]
        for parte in nombre.split(".")[1:]:
            objeto = getattr(objeto, parte)
        largas = [l for l in mostrar_codigo(objeto).data.splitlines() if len(l) > 80]
        assert not largas, f"{nombre}: {largas}"


def test_mostrar_codigo_es_el_de_la_biblioteca():
    import inspect
    codigo = mostrar_codigo(rejilla_imagenes).data
    assert codigo.startswith("```python\n") and inspect.getsource(rejilla_imagenes) in codigo
    with pytest.raises(ValueError, match="función o una clase"):
        mostrar_codigo(42)
