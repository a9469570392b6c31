"""Extensión de Sphinx: no repetir en una página el mismo <script>.

sphinx-thebe, cargado por Jupyter Book, añade dos veces el mismo guion en línea
(``const THEBE_JS_URL = ...``) y el navegador lo rechaza la segunda vez con un
error de JavaScript. Esta extensión quita los duplicados exactos de cada página.
"""


def _quitar_duplicados(app, pagename, templatename, context, doctree):
    vistos, unicos = set(), []
    for script in context.get("script_files", []):
        # Misma ruta (None y "" son «en línea») y mismos atributos, sea cual sea la prioridad.
        clave = (str(getattr(script, "filename", script) or ""),
                 tuple(sorted(getattr(script, "attributes", {}).items())))
        if clave not in vistos:
            vistos.add(clave)
            unicos.append(script)
    context["script_files"] = unicos


def setup(app):
    app.connect("html-page-context", _quitar_duplicados, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
