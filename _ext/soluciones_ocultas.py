"""Extensión de Sphinx: con ``hide_solutions``, quita de verdad las soluciones con puerta.

Con las directivas con puerta (``solution-start``/``solution-end``) y ``hide_solutions: true``,
sphinx-exercise 1.2 descarta el nodo de inicio antes de unir la solución, así que su
contenido (las celdas de código) se queda en la página y el ``solution_end_node`` queda
suelto («unknown node type»). Aquí se retiran las celdas con la etiqueta ``solucion``
(myst-nb les pone la clase ``tag_solucion``) y los nodos de cierre.
"""

from __future__ import annotations


def _quitar_cierres(app, doctree, docname):
    if not getattr(app.config, "hide_solutions", False):
        return
    from docutils import nodes as docnodes
    from sphinx_exercise import nodes

    for celda in list(doctree.findall(lambda n: isinstance(n, docnodes.Element) and "tag_solucion" in n.get("classes", []))):
        celda.parent.remove(celda)
    for clase in (getattr(nodes, "solution_end_node", None), getattr(nodes, "solution_start_node", None)):
        if clase is None:
            continue
        for nodo in list(doctree.findall(clase)):
            nodo.parent.remove(nodo)


def setup(app):
    app.connect("doctree-resolved", _quitar_cierres)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
