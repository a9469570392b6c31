"""Lo que el lector ve además de las figuras: el recuadro del perfil, el código y las cifras.

- :func:`nota_perfil`: el recuadro que dice qué perfil produjo los resultados de una
  página, con qué cifras y con qué pesos.
- :func:`mostrar_codigo`: el código fuente de una función de la biblioteca, tal cual
  se ejecuta.
- :func:`miles`: enteros con punto de miles, como se escriben en español.
"""

from __future__ import annotations

import html
from typing import TYPE_CHECKING, Any

from .errores import ErrorDeArgumento

if TYPE_CHECKING:
    from .perfiles import Perfil


def miles(n) -> str:
    """Un entero con punto como separador de miles: ``8189`` → ``"8.189"``."""
    if isinstance(n, bool) or not isinstance(n, int):
        try:
            import numpy as np
        except ImportError:  # pragma: no cover
            np = None
        if np is None or not isinstance(n, np.integer):
            raise ErrorDeArgumento(f"'n' debe ser un número entero; llegó {n!r}.")
    return f"{int(n):,}".replace(",", ".")


def mostrar_codigo(objeto):
    """El código fuente de una función o clase de la biblioteca, resaltado.

    Así el código que se lee en un capítulo es, literalmente, el que se ejecuta
    (sin la sangría de la clase, si es un método).
    """
    import inspect
    import textwrap

    from IPython.display import Markdown

    if not (inspect.isfunction(objeto) or inspect.isclass(objeto) or inspect.ismethod(objeto)):
        raise ErrorDeArgumento(f"Se esperaba una función o una clase; llegó {type(objeto).__name__}.")
    try:
        codigo = inspect.getsource(objeto)
    except (OSError, TypeError) as e:  # definida en C o escrita en la consola: no hay archivo que leer
        raise ErrorDeArgumento(f"Se esperaba una función o una clase escrita en Python en un archivo; no se "
                               f"encontró el código de {getattr(objeto, '__qualname__', objeto)!r}.") from e
    return Markdown(f"```python\n{textwrap.dedent(codigo)}```")


class NotaPerfil:
    """Aviso visible de qué perfil produjo los resultados de una página y con qué cifras.

    Se muestra como un recuadro en el libro y en Colab, y como texto en una terminal.
    """

    def __init__(self, perfil: Perfil, cifras: dict[str, Any]):
        self.perfil, self.cifras = comprobar_nota(perfil, cifras)

    def _lineas(self) -> list[str]:
        return [f"{clave}: {_formatear(valor)}" for clave, valor in self.cifras.items()]

    def __repr__(self) -> str:
        cabecera = f"Perfil de ejecución «{self.perfil.nombre}» ({self.perfil.descripcion})."
        if self.perfil.a_escala_de_prueba:
            cabecera += " Con la escala de prueba: entrenamiento y cantidades reducidos, no son las del curso."
        return "\n".join([cabecera, *("  - " + linea for linea in self._lineas())])

    def _repr_html_(self) -> str:
        elementos = "".join(f"<li>{html.escape(linea)}</li>" for linea in self._lineas())
        if self.perfil.nombre != "completo":
            aviso = ("<p>Es una ejecución reducida: las cifras del curso completo son las del perfil "
                     "<code>completo</code>, que se obtiene al abrir el capítulo en Colab con GPU.</p>")
        elif self.perfil.a_escala_de_prueba:
            aviso = ("<p><strong>Escala de prueba</strong> (<code>GENERATIVA_PRUEBA_ESCALA</code>): el "
                     "entrenamiento y las cantidades de esta página están reducidos para recorrer el camino "
                     "del perfil <code>completo</code> en una CPU. No son las cifras del curso.</p>")
        else:
            aviso = ("<p>Lo que la página <strong>calcula</strong> usa las cantidades del curso. Los pesos que "
                     "<strong>carga</strong>, si carga alguno, son los que dice la lista: los tuyos si los "
                     "entrenaste, o los del libro, que indican con qué receta se entrenaron.</p>")
        if self.perfil.nombre == "rapido":
            aviso += ("<p><strong>Perfil de pruebas:</strong> los cálculos son tan cortos que las figuras "
                      "pueden no mostrar lo que describe el texto, que corresponde a los perfiles "
                      "<code>cpu</code> y <code>completo</code>.</p>")
        return (
            '<div class="admonition note nota-perfil" style="border-left:4px solid #4a7;padding:0.4em 1em">'
            f'<p class="admonition-title">Resultados de esta página: perfil '
            f"<code>{html.escape(self.perfil.nombre)}</code></p>"
            f"<p>{html.escape(self.perfil.descripcion[0].upper() + self.perfil.descripcion[1:])}.</p>"
            f"<ul>{elementos}</ul>{aviso}</div>"
        )


def nota_perfil(cifras: dict[str, Any] | None = None, perfil: Perfil | None = None,
                **mas_cifras: Any) -> NotaPerfil:
    """Crea la :class:`NotaPerfil` de una página con las cifras que importan.

    Las cifras llegan como diccionario (``{"épocas": 3, "imágenes": 1000}``) o
    como argumentos con nombre (``epocas=3``; los ``_`` se leen como espacios).
    Se muestra como un recuadro con el perfil activo (o ``perfil``) y esas cifras.
    """
    from .perfiles import perfil_activo

    if perfil is None:
        perfil = perfil_activo()
    if cifras is not None and not isinstance(cifras, dict):
        raise ErrorDeArgumento(f"Se esperaba un diccionario de cifras; llegó {type(cifras).__name__}.")
    todas = dict(cifras or {})
    todas.update({clave.replace("_", " "): valor for clave, valor in mas_cifras.items()})
    return NotaPerfil(perfil, todas)


def comprobar_nota(perfil, cifras) -> tuple:
    """Un :class:`~generativa.perfiles.Perfil` y un diccionario no vacío de cifras con nombre.

    Cada cifra se escribirá en la página: los números deben ser finitos (un NaN en el recuadro
    sería un error de otra parte, que conviene ver antes).
    """
    import numpy as np

    from .perfiles import Perfil

    if not isinstance(perfil, Perfil):
        raise ErrorDeArgumento(f"Se esperaba un Perfil (o None para el activo); llegó {type(perfil).__name__}.")
    if not isinstance(cifras, dict):
        raise ErrorDeArgumento(f"Se esperaba un diccionario de cifras; llegó {type(cifras).__name__}.")
    if not cifras:
        raise ErrorDeArgumento("La nota de perfil necesita al menos una cifra (p. ej. epocas=50).")
    for clave, valor in cifras.items():
        if not isinstance(clave, str) or not clave.strip():
            raise ErrorDeArgumento(f"Cada cifra necesita un nombre (un texto no vacío); llegó {clave!r}.")
        if isinstance(valor, (bool, str)):
            continue
        try:
            numerica = np.asarray(valor)
        except (TypeError, ValueError):  # un objeto cualquiera: se escribe con str()
            continue
        if numerica.dtype.kind in "fc" and not np.all(np.isfinite(numerica)):
            raise ErrorDeArgumento(f"La cifra «{clave}» no es un número finito ({valor!r:.60}): revisa de dónde "
                                   "sale.")
    return perfil, dict(cifras)


def _formatear(valor: Any) -> str:
    if isinstance(valor, bool):
        return "sí" if valor else "no"
    if isinstance(valor, int):
        return miles(valor)
    return str(valor)
