"""Rejillas de imágenes para las figuras del libro.

Es el ``display`` de los cuadernos del curso hecho con más cuidado: varias
filas, título y subtítulos, sin ejes, y el rango de los valores ([-1, 1],
[0, 1] o [0, 255]) tratado de forma explícita en lugar de adivinado en silencio.
"""

from __future__ import annotations

import math
from typing import Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

from .errores import ErrorDeArgumento
from .validacion import comprobar_array, comprobar_entero, comprobar_opcion, comprobar_real, comprobar_texto, \
    comprobar_textos, describir

RANGOS = {"[-1,1]": (-1.0, 1.0), "[0,1]": (0.0, 1.0), "[0,255]": (0.0, 255.0)}
ANCHO_PAGINA = 8.5  # pulgadas de figura que caben a tamaño natural en la columna del libro
MAXIMO_TAMANO = 20.0  # pulgadas por imagen: más es casi seguro un error (y una figura gigantesca)
MAXIMO_IMAGENES = 2000  # imágenes en una rejilla o fotogramas en una animación


def rango_de(imagenes: np.ndarray) -> str:
    """Deduce el rango de unas imágenes: ``"[-1,1]"``, ``"[0,1]"`` o ``"[0,255]"``."""
    imagenes = comprobar_array(imagenes, "imagenes")
    if imagenes.min() < 0:
        return "[-1,1]"
    if imagenes.max() > 1:
        return "[0,255]"
    return "[0,1]"


def a_unidad(imagenes, rango: str = "auto") -> np.ndarray:
    """Lleva imágenes de ``rango`` a [0, 1] (recortando lo que se salga) para dibujarlas."""
    comprobar_opcion(rango, "rango", ("auto", *RANGOS))
    x = _comprobar_imagenes(imagenes)
    if rango == "auto":
        rango = rango_de(x)
    bajo, alto = RANGOS[rango]
    return np.clip((x.astype(np.float32) - bajo) / (alto - bajo), 0.0, 1.0)


def rejilla_imagenes(imagenes, columnas: int | None = None, titulo: str | None = None,
                     subtitulos: Sequence[str] | None = None, rango: str = "auto",
                     cmap: str = "gray_r", tamano: float = 1.3,
                     etiquetas_filas: Sequence[str] | None = None) -> Figure:
    """Dibuja ``imagenes`` en una rejilla y devuelve la figura (sin mostrarla).

    ``imagenes``: ``(N, alto, ancho)``, ``(N, alto, ancho, 1)`` o ``(N, alto, ancho, 3)``.
    Las de un canal usan ``cmap`` (``"gray_r"``, como el curso: trazo oscuro sobre
    fondo claro). ``columnas`` por defecto: todas en una fila hasta 10, y filas de
    10 a partir de ahí. ``tamano`` es el lado de cada imagen en pulgadas.
    ``etiquetas_filas``: un texto a la izquierda de cada fila («20 pasos», «época 3»).
    """
    x = a_unidad(imagenes, rango)
    n = x.shape[0]
    if columnas is None:
        columnas = min(n, 10)
    columnas = min(comprobar_entero(columnas, "columnas"), n)
    _comprobar_dibujo(titulo, cmap, tamano)
    if subtitulos is not None and len(comprobar_textos(subtitulos, "subtitulos")) != n:
        raise ErrorDeArgumento(f"Se esperaban {n} subtítulos, uno por imagen; llegaron {len(subtitulos)}.")
    filas = math.ceil(n / columnas)
    if etiquetas_filas is not None and len(comprobar_textos(etiquetas_filas, "etiquetas_filas")) != filas:
        raise ErrorDeArgumento(f"Se esperaban {filas} etiquetas de fila, una por fila; llegaron "
                               f"{len(etiquetas_filas)}.")
    # Una figura más ancha que la columna de texto (~8,5 pulgadas) se muestra reducida: los
    # textos crecen en la misma proporción para leerse igual que en una figura estrecha.
    escala = max(1.0, tamano * columnas / ANCHO_PAGINA)
    alto_extra = escala * ((0.35 if titulo else 0) + (0.25 * filas if subtitulos is not None else 0))
    fig, ejes = plt.subplots(filas, columnas, squeeze=False,
                             figsize=(tamano * columnas, tamano * filas + alto_extra))
    for i, eje in enumerate(ejes.flat):
        eje.axis("off")
        if i >= n:
            continue
        if x.shape[-1] == 1:
            eje.imshow(x[i, ..., 0], cmap=cmap, vmin=0, vmax=1)
        else:
            eje.imshow(x[i])
        if subtitulos is not None:
            eje.set_title(str(subtitulos[i]), fontsize=9 * escala)
        if etiquetas_filas is not None and i % columnas == 0:
            eje.text(-0.08, 0.5, str(etiquetas_filas[i // columnas]), transform=eje.transAxes,
                     ha="right", va="center", fontsize=9 * escala)
    if titulo:
        fig.suptitle(titulo, fontsize=12 * escala)
    fig.tight_layout()
    return fig


def mostrar_imagenes(imagenes, columnas: int | None = None, titulo: str | None = None,
                     subtitulos: Sequence[str] | None = None, rango: str = "auto",
                     cmap: str = "gray_r", tamano: float = 1.3,
                     etiquetas_filas: Sequence[str] | None = None) -> None:
    """Muestra una rejilla de imágenes (véase :func:`rejilla_imagenes`)."""
    rejilla_imagenes(imagenes, columnas, titulo, subtitulos, rango, cmap, tamano, etiquetas_filas)
    plt.show()


def animar_imagenes(fotogramas, titulos: Sequence[str] | None = None, rango: str = "auto",
                    intervalo_ms: int = 120, tamano: float = 3.0, cmap: str = "gray_r"):
    """Animación de una secuencia de imágenes que se reproduce en la página HTML.

    ``fotogramas``: ``(F, alto, ancho[, canales])``. Devuelve un objeto ``HTML``
    de IPython con el reproductor de matplotlib (``to_jshtml``): funciona en el
    libro estático, sin núcleo, y en Colab o Jupyter.
    """
    from IPython.display import HTML
    from matplotlib import animation

    x = a_unidad(fotogramas, rango)
    if titulos is not None and len(comprobar_textos(titulos, "titulos")) != len(x):
        raise ErrorDeArgumento(f"Se esperaban {len(x)} títulos, uno por fotograma; llegaron {len(titulos)}.")
    comprobar_entero(intervalo_ms, "intervalo_ms", maximo=60_000)
    _comprobar_dibujo(None, cmap, tamano)
    fig, eje = plt.subplots(figsize=(tamano, tamano + (0.4 if titulos is not None else 0)))
    eje.axis("off")
    color = x.shape[-1] == 3
    imagen = eje.imshow(x[0] if color else x[0, ..., 0], cmap=None if color else cmap, vmin=0, vmax=1)
    titulo = eje.set_title(titulos[0] if titulos is not None else "")
    fig.tight_layout()

    def dibujar(i):
        imagen.set_data(x[i] if color else x[i, ..., 0])
        if titulos is not None:
            titulo.set_text(titulos[i])
        return imagen, titulo

    anim = animation.FuncAnimation(fig, dibujar, frames=len(x), interval=intervalo_ms, blit=False)
    html = anim.to_jshtml(default_mode="once")
    plt.close(fig)
    return HTML(html)


def _comprobar_imagenes(imagenes) -> np.ndarray:
    """Imágenes que se pueden dibujar: ``(N, alto, ancho[, 1 o 3])`` finitas, con N ≥ 1."""
    if isinstance(imagenes, np.ndarray):  # la forma se mira antes que el tipo: dice más
        forma = imagenes.shape
        if len(forma) == 3:
            forma = (*forma, 1)
        if (len(forma) != 4 or forma[-1] not in (1, 3) or forma[0] == 0 or forma[0] > MAXIMO_IMAGENES
                or 0 in forma):
            raise ErrorDeArgumento(
                "Se esperaban imágenes de forma (N, alto, ancho), (N, alto, ancho, 1) o (N, alto, ancho, 3) "
                f"con N ≥ 1 (y como mucho {MAXIMO_IMAGENES}); llegó la forma {imagenes.shape}."
            )
    x = comprobar_array(imagenes, "imagenes")
    if x.ndim == 3:
        x = x[..., np.newaxis]
    if x.ndim != 4 or x.shape[-1] not in (1, 3) or x.shape[0] > MAXIMO_IMAGENES:
        raise ErrorDeArgumento(
            "Se esperaban imágenes de forma (N, alto, ancho), (N, alto, ancho, 1) o (N, alto, ancho, 3) "
            f"con N ≥ 1 (y como mucho {MAXIMO_IMAGENES}); llegó la forma {x.shape}."
        )
    return x


def _comprobar_dibujo(titulo, cmap, tamano) -> None:
    """Título (texto o None), mapa de color de matplotlib y lado de cada imagen en pulgadas."""
    import matplotlib

    comprobar_texto(titulo, "titulo", opcional=True)
    if not isinstance(cmap, str) or cmap not in matplotlib.colormaps:
        raise ErrorDeArgumento("'cmap' debe ser el nombre de un mapa de color de matplotlib (como \"gray_r\" o "
                               f"\"viridis\"); llegó {describir(cmap)}.")
    comprobar_real(tamano, "tamano", minimo=0, maximo=MAXIMO_TAMANO, abierto_abajo=True)
