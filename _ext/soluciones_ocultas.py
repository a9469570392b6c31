"""Extensión de Sphinx: con ``hide_solutions``, quita el nodo de cierre que sphinx-exercise deja suelto.

Con las directivas con puerta (``solution-start``/``solution-end``) y ``hide_solutions: true``,
sphinx-exercise 1.2 elimina la solución pero deja su ``solution_end_node``, que ningún
escritor HTML sabe visitar («unknown node type»). Aquí se retira antes de escribir.
"""

from __future__ import annotations


def _quitar_cierres(app, doctree, docname):
    if not getattr(app.config, "hide_solutions", False):
        return
    from sphinx_exercise import nodes

    for clase in (getattr(nodes, "solution_end_node", None), getattr(nodes, "solution_start_node", None)):
        if clase is None:
            continue
        for nodo in list(doctree.findall(clase)):
            nodo.parent.remove(nodo)


def setup(app):
    app.connect("doctree-resolved", _quitar_cierres)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
