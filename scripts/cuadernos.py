"""Regenera los .ipynb emparejados (los que abre Colab) a partir de los .md.

La fuente de cada capítulo es su .md (MyST); el .ipynb se escribe con jupytext,
sin salidas y pidiendo GPU en Colab. Las **tareas** (``chapters/tareas/tarea-*.md``)
se escriben en blanco: en cada celda de solución (etiqueta ``solucion``), lo que va
entre ``# --- solución ---`` y ``# --- fin de la solución ---`` se sustituye por
``# TU CÓDIGO AQUÍ`` y un ``NotImplementedError`` en español. Uso:

    python scripts/cuadernos.py             # regenera todos
    python scripts/cuadernos.py --comprobar # solo dice cuáles están desincronizados
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import jupytext
import nbformat

RAIZ = Path(__file__).resolve().parents[1]
CAPITULOS = RAIZ / "chapters"

METADATOS = {
    "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
    "language_info": {"name": "python"},
    # Colab abre el cuaderno pidiendo un entorno con GPU.
    "accelerator": "GPU",
    "colab": {"provenance": [], "gpuType": "T4"},
}


def fuentes_md() -> list[Path]:
    """Los .md de capítulos (todo .md bajo chapters/ salvo los README)."""
    return sorted(p for p in CAPITULOS.rglob("*.md") if p.name != "README.md"
                  and ".ipynb_checkpoints" not in p.parts)


def es_tarea(md: Path) -> bool:
    """Las tareas se entregan en blanco; las actividades y los capítulos, completos."""
    return md.parent.name == "tareas" and md.name.startswith("tarea")


def cuaderno_de(md: Path) -> nbformat.NotebookNode:
    """El cuaderno que corresponde a ``md``: mismas celdas, sin salidas.

    El Markdown propio de MyST (recuadros, desplegables, ejercicios, citas) se
    traduce a Markdown/HTML que Colab sabe mostrar; en las tareas, las soluciones
    se dejan en blanco (:func:`en_blanco`).
    """
    nb = jupytext.read(md, fmt="md:myst")
    nb.metadata = nbformat.from_dict(METADATOS)
    celdas = []
    for celda in nb.cells:
        if celda.cell_type == "code":
            celda.outputs, celda.execution_count = [], None
            etiquetas = celda.metadata.get("tags", [])
            if "solucion" in etiquetas:
                if not es_tarea(md):
                    raise ValueError(f"{md}: la etiqueta «solucion» solo se usa en chapters/tareas/tarea-*.md.")
                celda.source = en_blanco(celda.source, md)
                celda.metadata["tags"] = [e for e in etiquetas if e != "solucion"]
                if not celda.metadata["tags"]:
                    del celda.metadata["tags"]
        elif celda.cell_type == "markdown":
            celda.source = markdown_para_colab(celda.source).strip()
            if not celda.source:
                continue  # solo marcaba el principio o el final de una solución
        celdas.append(celda)
    nb.cells = celdas
    for i, celda in enumerate(nb.cells):
        celda.id = f"celda-{i:03d}"  # identificadores estables: sin cambios espurios en git
    return nb


INICIO_SOLUCION = "# --- solución ---"
FIN_SOLUCION = "# --- fin de la solución ---"
_SOLUCION = re.compile(rf"^([ \t]*){re.escape(INICIO_SOLUCION)}\n.*?^[ \t]*{re.escape(FIN_SOLUCION)}[ \t]*$",
                       re.M | re.S)
_DEFINICION = re.compile(r"^(def|class)[ \t]+(\w+)", re.M)  # de primer nivel
_METODO = re.compile(r"^[ \t]+def[ \t]+(\w+)", re.M)


def en_blanco(codigo: str, origen: Path | str = "") -> str:
    """Sustituye cada solución marcada por ``# TU CÓDIGO AQUÍ`` y un ``NotImplementedError``."""
    if not _SOLUCION.search(codigo):
        raise ValueError(f"{origen}: una celda «solucion» debe marcar la solución entre "
                         f"«{INICIO_SOLUCION}» y «{FIN_SOLUCION}».")

    def hueco(m: re.Match) -> str:
        antes = codigo[: m.start()]
        definiciones = list(_DEFINICION.finditer(antes))
        nombre = definiciones[-1].group(2) if definiciones else "esta celda"
        if definiciones and definiciones[-1].group(1) == "class":  # el método de la clase: «EBM.train_step»
            metodos = _METODO.findall(antes, definiciones[-1].end())
            nombre += f".{metodos[-1]}" if metodos else ""
        sangria = m.group(1)
        return (f"{sangria}# TU CÓDIGO AQUÍ\n"
                f'{sangria}raise NotImplementedError("Completa {nombre}: escribe tu código donde dice '
                f'TU CÓDIGO AQUÍ.")')

    return _SOLUCION.sub(hueco, codigo)


_RECUADRO = re.compile(r"^:::\{(\w+)\}[ \t]*([^\n]*)\n((?::\w+:[^\n]*\n)*)(.*?)^:::[ \t]*$", re.M | re.S)
_EJERCICIO = re.compile(r"^:::\{(exercise|solution)-(start|end)\}[^\n]*\n(?::\w+:[^\n]*\n)*:::[ \t]*$\n?",
                        re.M)
_CITA = re.compile(r"\{footcite(?::[pt])?\}`([^`]+)`")
_BIBLIOGRAFIA = re.compile(r"^```\{footbibliography\}\s*\n```", re.M)


def markdown_para_colab(texto: str) -> str:
    """Traduce las construcciones de MyST del libro a Markdown que entiende Colab."""

    def recuadro(m: re.Match) -> str:
        tipo, titulo, opciones, cuerpo = m.groups()
        titulo = titulo.strip() or tipo.capitalize()
        if "dropdown" in opciones:
            return f"<details><summary><b>{titulo}</b></summary>\n\n{cuerpo.strip()}\n\n</details>"
        lineas = [f"> **{titulo}**", ">"] + [f"> {l}".rstrip() for l in cuerpo.strip().splitlines()]
        return "\n".join(lineas)

    texto = _EJERCICIO.sub(lambda m: "#### ✏️ Ejercicio\n" if m.group(1, 2) == ("exercise", "start") else "",
                           texto)
    texto = _RECUADRO.sub(recuadro, texto)
    texto = _CITA.sub(lambda m: "[" + ", ".join(k.strip() for k in m.group(1).split(",")) + "]", texto)
    return _BIBLIOGRAFIA.sub("Las referencias completas están al final de esta página en la versión "
                             "HTML del libro y en `references.bib`.", texto)


def resumen(nb: nbformat.NotebookNode) -> list[tuple]:
    """Lo que debe coincidir entre .md e .ipynb: tipo, texto y etiquetas de cada celda."""
    return [nb.metadata.get("kernelspec", {}).get("name")] + [
        (c.cell_type, c.source.strip(), tuple(c.metadata.get("tags", []))) for c in nb.cells
    ]


def escribir(md: Path) -> Path:
    destino = md.with_suffix(".ipynb")
    jupytext.write(cuaderno_de(md), destino, fmt="ipynb")
    return destino


def desincronizados() -> list[str]:
    """Capítulos cuyo .ipynb falta o no coincide con su .md."""
    malos = []
    for md in fuentes_md():
        ipynb = md.with_suffix(".ipynb")
        if not ipynb.is_file():
            malos.append(f"{ipynb.relative_to(RAIZ)} (falta)")
            continue
        guardado = nbformat.read(ipynb, as_version=4)
        if any(c.get("outputs") for c in guardado.cells if c.cell_type == "code"):
            malos.append(f"{ipynb.relative_to(RAIZ)} (tiene salidas)")
        elif resumen(guardado) != resumen(cuaderno_de(md)):
            malos.append(f"{ipynb.relative_to(RAIZ)} (distinto de su .md)")
    return malos


def main(argv: list[str]) -> int:
    if "--comprobar" in argv:
        malos = desincronizados()
        for m in malos:
            print("Desincronizado:", m)
        if malos:
            print("Regenera con: python scripts/cuadernos.py")
        return 1 if malos else 0
    for md in fuentes_md():
        print("Escrito", escribir(md).relative_to(RAIZ))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
