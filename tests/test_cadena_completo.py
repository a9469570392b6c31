"""El perfil «completo» de principio a fin, en una CPU: los cuadernos entrenan y los siguientes usan esos pesos.

Lo que hace un estudiante en Colab con GPU, con la escala de prueba (``GENERATIVA_PRUEBA_ESCALA``,
ver ``generativa.perfiles``): la configuración de entrenamiento cambia solo en épocas, imágenes,
lotes por época y tamaño de imagen (y el EBM entrena con los 10.000 dígitos
incluidos, porque aquí no hay red para descargar los 70.000); las demostraciones de cada página
usan las cantidades de «rapido». Las épocas que se guardan son las del curso a las que llega el
entrenamiento (difusión: 1 y 4; EBM: 1, 2 y 5). Todo lo demás es el camino de «completo»: la celda del principio
entrena en la carpeta de pesos propios (una «unidad de Drive», ``GENERATIVA_PESOS``), la sesión
se «desconecta» a mitad del entrenamiento (el núcleo muere con SIGKILL mientras escribe un
archivo), el cuaderno se vuelve a ejecutar y sigue desde la última época completa, y después los
capítulos siguientes y la actividad cargan esos pesos y lo dicen en su recuadro.

Se ejecutan los ``.ipynb`` que abre Colab, en orden, con un núcleo nuevo cada uno.
"""

from __future__ import annotations

import json
import re

import nbformat
import pytest
from nbclient import NotebookClient
from nbclient.exceptions import DeadKernelError

from conftest import RAIZ
from generativa import difusion, ebm
from generativa.entrenamiento import estado_del_respaldo

CAPITULOS = RAIZ / "chapters"
CADENAS = {
    "ddm": {
        "escala": {"epocas": 4, "imagenes": 128, "pasos_por_epoca": 2, "image_size": 16},
        "entrena": "difusion/05-entrenamiento.ipynb",
        "usan": ["difusion/06-muestreo.ipynb", "difusion/07-espacio-latente.ipynb",
                 "difusion/08-de-la-energia-a-la-difusion.ipynb", "tareas/actividad-difusion.ipynb"],
    },
    "ebm": {
        "escala": {"epocas": 5, "imagenes": 256, "pasos_por_epoca": 2, "conjunto": "prueba"},
        "entrena": "ebm/02-entrenamiento.ipynb",
        "usan": ["ebm/03-muestreo.ipynb", "tareas/actividad-ebm.ipynb"],
    },
}


def _ejecutar(relativa: str):
    ruta = CAPITULOS / relativa
    nb = nbformat.read(ruta, as_version=4)
    NotebookClient(nb, timeout=900, kernel_name="python3", resources={"metadata": {"path": str(ruta.parent)}}).execute()
    return nb


def _textos(nb) -> str:
    """Todo lo que el cuaderno mostró: texto impreso, recuadros (HTML) y resultados."""
    partes = []
    for celda in nb.cells:
        for salida in celda.get("outputs", []):
            if salida.get("output_type") == "stream":
                partes.append(salida["text"])
            for tipo in ("text/plain", "text/html", "text/markdown"):
                partes.append(salida.get("data", {}).get(tipo, ""))
    return "\n".join(partes)


@pytest.mark.parametrize("modelo", list(CADENAS))
def test_completo_entrena_en_la_pagina_reanuda_y_los_capitulos_siguientes_usan_esos_pesos(
        modelo, tmp_path, monkeypatch):
    cadena = CADENAS[modelo]
    drive = tmp_path / "drive" / "generativa" / "pesos"
    monkeypatch.setenv("GENERATIVA_PERFIL", "completo")
    monkeypatch.setenv("GENERATIVA_PESOS", str(drive))
    monkeypatch.setenv("GENERATIVA_PRUEBA_ESCALA", json.dumps(cadena["escala"]))
    carpeta = drive / modelo

    # 1) La sesión se desconecta a mitad del entrenamiento: el núcleo muere (SIGKILL) en la
    #    cuarta escritura atómica (la segunda época), con un archivo a medio escribir.
    monkeypatch.setenv("GENERATIVA_PRUEBA_MATAR_EN_ESCRITURA", "4")
    with pytest.raises(DeadKernelError):
        _ejecutar(cadena["entrena"])
    monkeypatch.delenv("GENERATIVA_PRUEBA_MATAR_EN_ESCRITURA")
    antes = estado_del_respaldo(carpeta)["epoca"]
    assert 1 <= antes < cadena["escala"]["epocas"]

    # 2) Se vuelve a ejecutar el cuaderno: sigue desde la última época completa y termina.
    texto = _textos(_ejecutar(cadena["entrena"]))
    assert f"Entrenado aquí: {cadena['escala']['epocas']} épocas del perfil «completo», seguido desde la " \
           f"época {antes}; pesos en {carpeta}." in texto
    procedencia = json.loads((carpeta / "procedencia.json").read_text())
    assert procedencia["perfil"] == "completo" and procedencia["epocas"] == cadena["escala"]["epocas"]
    assert [r["epoca"] for r in procedencia["reanudaciones"]] == [antes]
    # Las épocas que guarda el curso (difusión: 1, 4, 8, 11, 20...; EBM: 1, 2, 5, 10...) a las que llega
    configuracion = {"ddm": difusion.CONFIGURACIONES, "ebm": ebm.CONFIGURACIONES}[modelo]["completo"]
    guardadas = sorted(int(re.search(r"_epoca_(\d+)", n).group(1)) for n in procedencia["pesos"])
    assert guardadas == [e for e in configuracion.guardar_en if e <= procedencia["epocas"]]
    assert len(guardadas) >= 2 and guardadas[-1] == procedencia["epocas"]
    lado = f"{cadena['escala']['image_size']}x{cadena['escala']['image_size']}, " if modelo == "ddm" else ""
    quien = f"tus pesos (carpeta {carpeta}): perfil completo, {lado}{procedencia['epocas']} épocas"
    assert quien in texto and "Escala de prueba" in texto

    # 3) Los capítulos siguientes y la actividad cargan esos pesos y su recuadro lo dice.
    for relativa in cadena["usan"]:
        texto = _textos(_ejecutar(relativa))
        assert quien in texto, (relativa, re.findall(r"(?:tus pesos|los pesos del libro)[^<\n]*", texto)[:3])
        assert "los pesos del libro (data/pesos)" not in texto, relativa
        assert "Escala de prueba" in texto, relativa
