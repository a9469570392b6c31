"""Los pesos entrenados de un modelo: los propios del estudiante antes que los del libro.

La regla, la misma en todos los capítulos:

1. **Pesos propios**, si hay un entrenamiento terminado (con su ``procedencia.json``) en
   la carpeta de pesos propios: ``$GENERATIVA_PESOS/<modelo>`` si la variable está
   definida (en Colab, p. ej., una carpeta de Google Drive) o, si no, la carpeta donde
   escribe por defecto ``python -m generativa.entrenar <modelo>`` (``~/.cache/generativa/pesos/<modelo>``).
   Se verifican contra las sumas que anotó su propio entrenamiento.
2. Si no, los **pesos del libro** (``data/pesos/<modelo>/``), verificados contra el registro.
3. Si no hay ni unos ni otros, :meth:`PesosEntrenados.cargar_o_entrenar` entrena con el
   perfil activo y guarda el resultado como pesos propios.

En el perfil ``completo`` (con GPU) el capítulo de entrenamiento de cada modelo entrena además
el del curso en la propia página (:meth:`PesosEntrenados.entrenar_en_la_pagina`), en la
carpeta de pesos propios: a partir de ahí, todos los capítulos usan esos pesos.

Con ``GENERATIVA_PESOS_DEL_LIBRO=1`` se usan siempre los del libro.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Callable

from .archivos import PESOS, carpeta_de_pesos_propios, esta_disponible, leer_json, obtener, verificar_archivo
from .errores import ErrorDeArgumento, ErrorDeDatos, ErrorDeEntrenamiento, FaltanPesos
from .pagina import miles
from .validacion import comprobar_entero

VARIABLE_SOLO_LIBRO = "GENERATIVA_PESOS_DEL_LIBRO"


class PesosEntrenados:
    """Los puntos de control ``<modelo>_epoca_NNN<sufijo>`` de un modelo y su procedencia."""

    def __init__(self, modelo: str, titulo: str, sufijo: str, entrenar: Callable[..., dict],
                 configuraciones: dict | None = None):
        """``modelo``: prefijo de los archivos y de la orden (``ebm``, ``ddm``); ``titulo``: cómo
        se nombra en los mensajes (``del EBM``); ``entrenar(perfil, salida=..., verbose=...)``:
        la función que lo entrena; ``configuraciones``: lo que entrena con cada perfil (las
        ``CONFIGURACIONES`` del módulo, con ``epocas``)."""
        for nombre, valor in (("modelo", modelo), ("titulo", titulo), ("sufijo", sufijo)):
            if not isinstance(valor, str) or not valor:
                raise ErrorDeArgumento(f"'{nombre}' debe ser un texto no vacío; llegó {valor!r}.")
        if not modelo.isidentifier():
            raise ErrorDeArgumento(f"'modelo' debe ser un nombre como 'ebm' o 'ddm'; llegó {modelo!r}.")
        if not callable(entrenar):
            raise ErrorDeArgumento(f"'entrenar' debe ser la función que entrena el modelo; llegó {entrenar!r}.")
        if configuraciones is not None and not isinstance(configuraciones, dict):
            raise ErrorDeArgumento(f"'configuraciones' debe ser un diccionario por perfil; llegó {configuraciones!r:.80}.")
        self.modelo, self.titulo, self.sufijo, self._entrenar = modelo, titulo, sufijo, entrenar
        self._configuraciones = configuraciones
        self.orden = f"python -m generativa.entrenar {modelo}"
        self._patron = re.compile(rf"^{re.escape(modelo)}_epoca_(\d{{3}}){re.escape(sufijo)}$")

    # ------------------------------------------------------------------ de dónde

    @property
    def carpeta_propia(self) -> Path:
        return carpeta_de_pesos_propios(self.modelo)

    def _procedencia_propia(self) -> dict | None:
        if os.environ.get(VARIABLE_SOLO_LIBRO, "").strip() not in ("", "0"):
            return None
        ruta = self.carpeta_propia / "procedencia.json"
        if not ruta.is_file():
            return None
        return leer_json(ruta, "registro de procedencia de tus pesos")

    def _incluidas(self) -> dict[int, str]:
        """Épocas del libro registradas: ``{época: nombre en el registro}``."""
        prefijo = f"{self.modelo}_epoca_"
        return {int(n.removeprefix(prefijo)): n for n in PESOS if n.startswith(prefijo)}

    def origen(self) -> str:
        """``"propios"`` o ``"libro"``: de dónde salen los pesos que se usan ahora."""
        return "propios" if self._procedencia_propia() is not None else "libro"

    def epocas(self) -> list[int]:
        """Épocas con pesos presentes, del origen que se usa (ver :meth:`origen`)."""
        propia = self._procedencia_propia()
        if propia is not None:
            return sorted(int(m.group(1)) for n in propia.get("pesos", {}) if (m := self._patron.match(n)))
        return sorted(e for e, nombre in self._incluidas().items() if esta_disponible(nombre))

    def faltan_del_libro(self) -> list[str]:
        """Archivos de pesos del libro registrados que no están (una copia incompleta)."""
        return [PESOS[n].ruta for n in [*self._incluidas().values(), f"{self.modelo}_procedencia"]
                if n in PESOS and not esta_disponible(n)]

    # ------------------------------------------------------------------ qué

    def ruta(self, epoca: int | None = None) -> Path:
        """Ruta verificada por sha256 de los pesos de ``epoca`` (por defecto, la última)."""
        if epoca is not None:
            epoca = comprobar_entero(epoca, "epoca")
        disponibles = self.epocas()
        if not disponibles:
            raise FaltanPesos(self._sin_pesos())
        epoca = disponibles[-1] if epoca is None else epoca
        if epoca not in disponibles:
            raise FaltanPesos(f"No hay pesos {self.titulo} de la época {epoca}; los hay de: {disponibles} "
                              f"({self.describir()}).")
        nombre = f"{self.modelo}_epoca_{epoca:03d}{self.sufijo}"
        propia = self._procedencia_propia()
        if propia is not None:
            return verificar_archivo(self.carpeta_propia / nombre, propia["pesos"][nombre], arreglo=(
                f"Tu entrenamiento anotó otra suma al guardarlo. Vuelve a entrenar con «{self.orden}» o borra "
                f"{self.carpeta_propia} para usar los pesos del libro."))
        return obtener(self._incluidas()[epoca], descargar_si_falta=False)

    def procedencia(self) -> dict:
        """La procedencia de los pesos en uso: perfil, épocas, datos, semilla, máquina, duración, métricas."""
        propia = self._procedencia_propia()
        if propia is not None:
            return propia
        if f"{self.modelo}_procedencia" not in PESOS:
            raise FaltanPesos(self._sin_pesos())
        return leer_json(obtener(f"{self.modelo}_procedencia", descargar_si_falta=False), "registro de procedencia")

    def describir(self) -> str:
        """Una línea para el recuadro de la página: de quién son los pesos y cómo se entrenaron."""
        p = self.procedencia()
        quien = (f"tus pesos (carpeta {self.carpeta_propia})" if self.origen() == "propios"
                 else "los pesos del libro (data/pesos)")
        lado = f"{p['image_size']}x{p['image_size']}, " if "image_size" in p else ""
        maquina = p.get("maquina", {})
        donde = "con GPU" if maquina.get("gpu") else f"en CPU ({maquina.get('nucleos', '?')} núcleos)"
        horas = p.get("duracion_s", 0) / 3600
        # Un entrenamiento que aún no llega a las épocas de su configuración lo dice: «11 de 50 épocas».
        previstas = p.get("epocas_previstas", 0)
        epocas = f"{p['epocas']} de {previstas} épocas" if previstas > p["epocas"] else f"{p['epocas']} épocas"
        return (f"{quien}: perfil {p.get('perfil', '?')}, {lado}{epocas}, "
                f"{miles(int(p.get('imagenes_vistas', 0)))} imágenes vistas, entrenados {donde} "
                f"en {horas:.1f} h" if p.get("imagenes_vistas") else
                f"{quien}: perfil {p.get('perfil', '?')}, {lado}{epocas}, entrenados {donde} "
                f"en {horas:.1f} h")

    # ------------------------------------------------------------------ cargar o entrenar

    def cargar_o_entrenar(self, perfil=None, verbose: int = 2) -> list[int]:
        """Las épocas disponibles; si no hay pesos propios ni del libro, entrena con ``perfil`` primero.

        Si faltan archivos del libro (una copia incompleta), lo dice nombrándolos y entrena.
        """
        from .perfiles import como_perfil

        perfil = como_perfil(perfil)
        if self.epocas() and not (self.origen() == "libro" and self.faltan_del_libro()):
            return self.epocas()
        faltan = self.faltan_del_libro()
        if faltan:
            print(f"Faltan pesos del libro {self.titulo}: {', '.join(faltan)}. Se entrena con el perfil activo "
                  f"y se guardan en {self.carpeta_propia}.", flush=True)
        self._entrenar(perfil, salida=self.carpeta_propia, verbose=verbose)
        if not self.epocas():
            raise ErrorDeDatos(f"El entrenamiento terminó sin dejar pesos {self.titulo} en {self.carpeta_propia}.")
        return self.epocas()

    def entrenar_en_la_pagina(self, perfil=None, entrenar: bool = True, verbose: int = 1) -> str:
        """En el perfil ``completo``, entrena aquí el modelo del curso y dice qué pasó.

        Entrena con la configuración de ``completo`` en la carpeta de pesos propios (la de
        ``GENERATIVA_PESOS``, p. ej. en Google Drive, si está definida), guardando sus épocas.
        Si esa carpeta tiene un entrenamiento interrumpido (su respaldo), lo sigue desde la
        última época completa; si ya tiene uno terminado con todas las épocas del curso, no
        repite nada. Con otro perfil, o con ``entrenar=False``, no entrena. Devuelve una frase
        para el recuadro de la página: qué se hizo aquí.
        """
        from .perfiles import como_perfil, configuracion
        from .validacion import comprobar_bool, comprobar_opcion

        perfil = como_perfil(perfil)
        entrenar = comprobar_bool(entrenar, "entrenar")
        comprobar_opcion(verbose, "verbose", (0, 1, 2, "auto"))
        if perfil.nombre != "completo":
            return (f"En el perfil «{perfil.nombre}» esta página no entrena el modelo del curso: lo hace en el "
                    "perfil «completo», con GPU.")
        if not entrenar:
            return "Entrenamiento del curso saltado (ENTRENAR_AQUI = False): no se entrenó nada."
        if self._configuraciones is None:
            raise ErrorDeArgumento(f"Los pesos {self.titulo} no tienen configuraciones por perfil: no se sabe "
                                   "qué entrenar.")
        epocas = configuracion(self._configuraciones, perfil).epocas
        propia = self._procedencia_propia()
        if propia is not None and propia.get("perfil") == "completo" and propia.get("epocas", 0) >= epocas:
            return (f"Tus pesos del perfil «completo» ya tenían sus {propia['epocas']} épocas (carpeta "
                    f"{self.carpeta_propia}): no se entrenó nada más.")
        if propia is not None and propia.get("perfil") != "completo":
            raise ErrorDeEntrenamiento(
                f"En {self.carpeta_propia} hay un entrenamiento tuyo del perfil «{propia.get('perfil')}», no del "
                "curso. Muévelo a otra carpeta (o define GENERATIVA_PESOS con otra) para entrenar aquí el del "
                "curso, o pon ENTRENAR_AQUI = False para usarlo tal cual.")
        antes = propia["epocas"] if propia is not None else self._epoca_del_respaldo()
        procedencia = self._entrenar(perfil, salida=self.carpeta_propia, verbose=verbose,
                                     **({"continuar": True} if propia is not None else {}))
        if not self.epocas():
            raise ErrorDeDatos(f"El entrenamiento terminó sin dejar pesos {self.titulo} en {self.carpeta_propia}.")
        desde = f", seguido desde la época {antes}" if antes else ""
        return (f"Entrenado aquí: {procedencia['epocas']} épocas del perfil «completo»{desde}; pesos en "
                f"{self.carpeta_propia}.")

    def _epoca_del_respaldo(self) -> int:
        from .entrenamiento import estado_del_respaldo

        if not self.carpeta_propia.is_dir():
            return 0
        estado = estado_del_respaldo(self.carpeta_propia)
        return int(estado["epoca"]) if estado else 0

    def _sin_pesos(self) -> str:
        faltan = self.faltan_del_libro()
        detalle = f" Faltan estos archivos del libro: {', '.join(faltan)}." if faltan else ""
        return (f"No hay pesos entrenados {self.titulo}: ni tuyos en {self.carpeta_propia} ni del libro.{detalle} "
                f"Entrena con «{self.orden}» o con cargar_o_entrenar(), o restaura data/pesos con git.")
