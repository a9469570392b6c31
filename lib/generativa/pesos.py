"""Pesos entrenados de un modelo del libro: los incluidos en el repositorio o los propios.

Los incluidos (``data/pesos/<modelo>/``) se verifican contra el registro de
:mod:`generativa.fuentes`; si no hay, :meth:`PesosEntrenados.cargar_o_entrenar`
entrena con el perfil activo y guarda el resultado en la caché del usuario, donde se
verifica contra su propio ``procedencia.json``.
"""

from __future__ import annotations

import importlib
import json
from pathlib import Path

from .fuentes import FUENTES, obtener
from .integridad import verificar_archivo
from .rutas import directorio_cache


class PesosEntrenados:
    """Los puntos de control ``<modelo>_epoca_NNN<sufijo>`` de un modelo y su procedencia."""

    def __init__(self, modelo: str, titulo: str, sufijo: str, modulo: str):
        """``modelo``: prefijo de los archivos y orden de ``python -m generativa.entrenar``
        («ebm», «ddm»), que entrena con ``generativa.entrenar.entrenar_<modelo>``; ``titulo``:
        cómo se nombra en los mensajes («del EBM»); ``modulo``: el de ``generativa`` que expone
        ``cargar_o_entrenar`` («ebm», «difusion»)."""
        self.modelo, self.titulo, self.sufijo, self.modulo = modelo, titulo, sufijo, modulo
        self.orden = f"python -m generativa.entrenar {modelo}"

    def entrenar(self, perfil, salida: Path) -> dict:
        """Entrena con ``perfil`` y guarda los pesos y su procedencia en ``salida``."""
        entrenar = importlib.import_module(f"{__package__}.entrenar")  # tarde: importa TensorFlow
        return getattr(entrenar, f"entrenar_{self.modelo}")(perfil, salida=salida, verbose=2)

    @property
    def carpeta_propia(self) -> Path:
        return directorio_cache() / "pesos" / self.modelo

    def _procedencia_propia(self) -> dict | None:
        ruta = self.carpeta_propia / "procedencia.json"
        if not ruta.is_file():
            return None
        with open(ruta, encoding="utf-8") as f:
            return json.load(f)

    def epocas(self) -> list[int]:
        """Épocas con pesos: las incluidas o, si no hay ninguna, las propias."""
        prefijo = f"{self.modelo}_epoca_"
        incluidas = sorted(int(n.rsplit("_", 1)[1]) for n in FUENTES if n.startswith(prefijo))
        if incluidas:
            return incluidas
        propia = self._procedencia_propia()
        return sorted(int(n.removeprefix(prefijo).split(".")[0]) for n in propia["pesos"]) if propia else []

    def ruta(self, epoca: int | None = None) -> Path:
        """Ruta verificada por sha256 de los pesos de ``epoca`` (por defecto, la última)."""
        disponibles = self.epocas()
        if not disponibles:
            raise ValueError(f"No hay pesos entrenados {self.titulo}: entrena con «{self.orden}» "
                             f"o con {self.modulo}.cargar_o_entrenar().")
        epoca = disponibles[-1] if epoca is None else epoca
        if epoca not in disponibles:
            raise ValueError(f"No hay pesos {self.titulo} de la época {epoca!r}; los hay de: "
                             f"{disponibles}.")
        nombre = f"{self.modelo}_epoca_{epoca:03d}"
        if nombre in FUENTES:
            return obtener(nombre, descargar_si_falta=False)
        return verificar_archivo(self.carpeta_propia / f"{nombre}{self.sufijo}",
                                 self._procedencia_propia()["pesos"][f"{nombre}{self.sufijo}"])

    def procedencia(self) -> dict:
        """La procedencia de los pesos: perfil, épocas, datos, semilla, duración, métricas."""
        if f"{self.modelo}_procedencia" in FUENTES:
            with open(obtener(f"{self.modelo}_procedencia", descargar_si_falta=False), encoding="utf-8") as f:
                return json.load(f)
        propia = self._procedencia_propia()
        if propia is None:
            raise ValueError(f"No hay pesos entrenados {self.titulo} ni su procedencia: usa "
                             f"{self.modulo}.cargar_o_entrenar().")
        return propia

    def cargar_o_entrenar(self, perfil=None) -> list[int]:
        """Si no hay pesos (ni incluidos ni propios), entrena con ``perfil`` y los guarda en la caché.
        Devuelve las épocas disponibles."""
        if not self.epocas():
            self.entrenar(perfil, self.carpeta_propia)
        return self.epocas()
