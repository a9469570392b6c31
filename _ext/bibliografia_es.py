"""Extensión de Sphinx: referencias bibliográficas con las palabras en español.

El estilo ``plain`` de pybtex escribe en inglés lo que no sale del ``.bib``
(«In», «and», «editors», «pages», «edition»). Este estilo, registrado como
``es`` y elegido con ``bibtex_default_style: es``, es el mismo con esas palabras
en español: «En», «y», «eds.», «págs.», «2.ª edición».
"""

from pybtex.plugin import register_plugin
from pybtex.style.formatting import toplevel
from pybtex.style.formatting.plain import Style as EstiloPlain
from pybtex.style.formatting.unsrt import date, pages
from pybtex.style.template import (
    field, first_of, join, names, optional, optional_field, sentence, tag, together, words,
)


class EstiloEspanol(EstiloPlain):
    def format_names(self, role, as_sentence=True):
        nombres = names(role, sep=", ", sep2=" y ", last_sep=" y ")
        return sentence[nombres] if as_sentence else nombres

    def format_editor(self, e, as_sentence=True):
        editores = self.format_names("editor", as_sentence=False)
        if "editor" not in e.persons:
            return editores
        palabra = "eds." if len(e.persons["editor"]) > 1 else "ed."
        resultado = words[editores, f"({palabra})"]
        return sentence[resultado] if as_sentence else resultado

    def format_chapter_and_pages(self, e):
        return join(sep=", ")[
            optional[together["cap.", field("chapter")]],
            optional[together["págs.", pages]],
        ]

    def format_edition(self, e):
        return optional[words[join[field("edition"), ".ª"], "edición"]]

    def get_article_template(self, e):
        volumen_y_paginas = first_of[
            optional[join[field("volume"), optional["(", field("number"), ")"], ":", pages]],
            words["págs.", pages],
        ]
        return toplevel[
            self.format_names("author"),
            self.format_title(e, "title"),
            sentence[tag("em")[field("journal")], optional[volumen_y_paginas], date],
            sentence[optional_field("note")],
            self.format_web_refs(e),
        ]

    def _en(self, e, paginas, *despues):
        """«En [editores,] título del libro o de las actas[, págs.]» y lo que siga."""
        return words[
            "En",
            sentence[
                optional[self.format_editor(e, as_sentence=False)],
                self.format_btitle(e, "booktitle", as_sentence=False),
                paginas,
            ],
            *despues,
        ]

    def get_incollection_template(self, e):
        return toplevel[
            sentence[self.format_names("author")],
            self.format_title(e, "title"),
            self._en(e, self.format_chapter_and_pages(e)),
            sentence[optional_field("publisher"), optional_field("address"), self.format_edition(e), date],
            self.format_web_refs(e),
        ]

    def get_inproceedings_template(self, e):
        return toplevel[
            sentence[self.format_names("author")],
            self.format_title(e, "title"),
            self._en(e, optional[together["págs.", pages]], self.format_address_organization_publisher_date(e)),
            sentence[optional_field("note")],
            self.format_web_refs(e),
        ]


def setup(app):
    register_plugin("pybtex.style.formatting", "es", EstiloEspanol)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
