"""Diagrama de una U-Net dibujado a partir del propio modelo de Keras.

Se recorre el grafo de capas: cada bloque residual (su capa ``Add``) es un nodo,
colocado en horizontal según su orden y en vertical según su resolución; las
conexiones de salto se leen de las capas ``Concatenate`` que reciben la salida de un
bloque de la rama de bajada. Nada está dibujado a mano: si cambia la red, cambia la
figura.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import matplotlib.pyplot as plt
from matplotlib.figure import Figure

from .errores import ErrorDeArgumento
from .validacion import comprobar_texto


@dataclass
class Nodo:
    nombre: str
    etiqueta: str
    forma: tuple
    tipo: str  # "entrada", "bloque", "salida"
    x: float = 0.0
    nivel: int = 0
    saltos_desde: list = field(default_factory=list)


def _origen(tensor):
    return tensor._keras_history.operation


def nodos_unet(modelo) -> list[Nodo]:
    """Los nodos del diagrama (entrada, bloques residuales y salida) con sus formas reales."""
    try:
        lado = modelo.inputs[0].shape[1]
    except (AttributeError, IndexError, TypeError) as e:
        raise ErrorDeArgumento(f"Se esperaba la U-Net de build_unet (un modelo funcional de Keras); llegó "
                         f"{type(modelo).__name__}.") from e
    nodos: dict[str, Nodo] = {}
    concat_entrada = None
    # Para cada capa, el bloque residual cuya salida la alimenta (directa o por concatenación).
    for capa in modelo.layers:
        tipo = type(capa).__name__
        if tipo == "Concatenate" and concat_entrada is None:
            concat_entrada = capa
            forma = tuple(capa.output.shape[1:])
            nodos[capa.name] = Nodo(capa.name, "imagen (conv 1x1)\n+ incrustación", forma, "entrada")
        elif tipo == "Add":
            forma = tuple(capa.output.shape[1:])
            nodos[capa.name] = Nodo(capa.name, "ResidualBlock", forma, "bloque")
    ultima = modelo.layers[-1]
    nodos[ultima.name] = Nodo(ultima.name, "ruido predicho\n(conv 1x1)", tuple(ultima.output.shape[1:]), "salida")
    if concat_entrada is None or len(nodos) < 3:
        raise ErrorDeArgumento("El modelo no tiene la estructura de la U-Net del curso (concatenación y bloques residuales).")
    # Saltos: una Concatenate (que no sea la de entrada) con una entrada que sale de un Add.
    for capa in modelo.layers:
        if type(capa).__name__ != "Concatenate" or capa is concat_entrada:
            continue
        fuentes = [_origen(t).name for t in capa._inbound_nodes[0].input_tensors]
        origenes = [f for f in fuentes if f in nodos]
        destino = _bloque_que_consume(modelo, capa, nodos)
        if destino is not None:
            nodos[destino].saltos_desde.extend(origenes[-1:])
    lista = list(nodos.values())
    for i, nodo in enumerate(lista):
        nodo.x = float(i)
        nodo.nivel = int(round(math.log2(lado / nodo.forma[0])))
    return lista


def _bloque_que_consume(modelo, capa, nodos) -> str | None:
    """El ``Add`` (bloque residual) al que llega la salida de ``capa``."""
    consumidores = {capa.name}
    for otra in modelo.layers:
        fuentes = {_origen(t).name for t in otra._inbound_nodes[0].input_tensors} if otra._inbound_nodes else set()
        if fuentes & consumidores:
            if otra.name in nodos and type(otra).__name__ == "Add":
                return otra.name
            consumidores.add(otra.name)
    return None


def dibujar_unet(modelo, titulo: str | None = None) -> Figure:
    """Figura de la U-Net: forma (alto × ancho × canales) de cada bloque y conexiones de salto."""
    comprobar_texto(titulo, "titulo", opcional=True)
    nodos = nodos_unet(modelo)
    por_nombre = {n.nombre: n for n in nodos}
    niveles = max(n.nivel for n in nodos) + 1
    fig, ax = plt.subplots(figsize=(max(8.0, 0.62 * len(nodos)), 1.25 * niveles + 1.4))
    colores = {"entrada": "#cfe3f5", "bloque": "#f3f3f3", "salida": "#f8d9c4"}
    for anterior, nodo in zip(nodos, nodos[1:]):
        ax.annotate("", xy=(nodo.x, -nodo.nivel), xytext=(anterior.x, -anterior.nivel),
                    arrowprops=dict(arrowstyle="-|>", color="#555", lw=1.1, shrinkA=15, shrinkB=15))
    for nodo in nodos:
        for fuente in nodo.saltos_desde:
            origen = por_nombre[fuente]
            ax.annotate("", xy=(nodo.x, -nodo.nivel + 0.18), xytext=(origen.x, -origen.nivel + 0.18),
                        arrowprops=dict(arrowstyle="-|>", color="#c0392b", lw=1.0, ls="--",
                                        connectionstyle="arc3,rad=-0.25", shrinkA=12, shrinkB=12))
    for nodo in nodos:
        alto, ancho, canales = nodo.forma
        ax.text(nodo.x, -nodo.nivel, f"{alto}×{ancho}\n×{canales}", ha="center", va="center", fontsize=8,
                bbox=dict(boxstyle="round,pad=0.35", fc=colores[nodo.tipo], ec="#444", lw=0.8))
        if nodo.tipo != "bloque":
            ax.text(nodo.x, -nodo.nivel - 0.42, nodo.etiqueta, ha="center", va="top", fontsize=7.5)
    ax.set_xlim(-0.8, len(nodos) - 0.2)
    ax.set_ylim(-niveles + 0.2, 0.9)
    ax.set_yticks([-k for k in range(niveles)])
    lado = nodos[0].forma[0]
    ax.set_yticklabels([f"{lado // 2 ** k}×{lado // 2 ** k}" for k in range(niveles)])
    ax.set_ylabel("resolución")
    ax.set_xticks([])
    for borde in ("top", "right", "bottom"):
        ax.spines[borde].set_visible(False)
    ax.plot([], [], color="#555", label="flujo (bajada: AveragePooling2D; subida: UpSampling2D bilineal)")
    ax.plot([], [], color="#c0392b", ls="--", label="conexión de salto (Concatenate)")
    ax.legend(loc="lower right", fontsize=8, frameon=False)
    ax.set_title(titulo or f"{modelo.name}: {len([n for n in nodos if n.tipo == 'bloque'])} bloques residuales, "
                 f"{sum(len(n.saltos_desde) for n in nodos)} conexiones de salto")
    fig.tight_layout()
    return fig
