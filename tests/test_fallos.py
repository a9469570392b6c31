"""Inyección de fallos: ``python -m generativa.entrenar`` muerto con SIGKILL en cualquier momento.

Cada prueba lanza la orden de verdad (un proceso aparte, perfil ``rapido`` a escala mínima con
``GENERATIVA_PRUEBA_ESCALA``) y la mata con SIGKILL, sin aviso, una y otra vez:

- en momentos al azar (con semilla), desde fuera del proceso;
- en el peor momento posible, desde dentro: con el archivo temporal de un punto de control,
  del respaldo o de su estado a medio escribir (``GENERATIVA_PRUEBA_MATAR_EN_ESCRITURA``).

Tras cada muerte se vuelve a lanzar la misma orden. Al final, cada ejecución debe terminar con
todas las épocas, todos los pesos verificados por su sha256 y una procedencia que coincide con
ellos, sin temporales a medio escribir en ninguna carpeta.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time

import pytest

from conftest import RAIZ
from generativa.archivos import PREFIJO_TEMPORAL, verificar_archivo

EPOCAS = 4
ESCALAS = {
    "ebm": {"epocas": EPOCAS, "imagenes": 256, "pasos_por_epoca": 2, "guardar_en": [1, 2, 3, 4]},
    "ddm": {"epocas": EPOCAS, "imagenes": 128, "pasos_por_epoca": 2, "image_size": 16, "guardar_en": [1, 2, 3, 4]},
}
SUFIJOS = {"ebm": ".weights.h5", "ddm": ".h5"}
MUERTES_AL_AZAR = 6
MUERTES_EN_ESCRITURA = (1, 2, 3, 5)  # la N-ésima escritura atómica: punto de control, respaldo, estado...


def _orden(modelo, salida, tmp_path, matar_en_escritura=None):
    entorno = {**os.environ, "GENERATIVA_PERFIL": "rapido", "GENERATIVA_CACHE": str(tmp_path / "cache"),
               "GENERATIVA_PRUEBA_ESCALA": json.dumps(ESCALAS[modelo]), "PYTHONPATH": str(RAIZ / "lib")}
    entorno.pop("GENERATIVA_PRUEBA_MATAR_EN_ESCRITURA", None)
    if matar_en_escritura is not None:
        entorno["GENERATIVA_PRUEBA_MATAR_EN_ESCRITURA"] = str(matar_en_escritura)
    return subprocess.Popen([sys.executable, "-m", "generativa.entrenar", modelo, "--salida", str(salida)],
                            env=entorno, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


def _comprobar_final(modelo, salida):
    procedencia = json.loads((salida / "procedencia.json").read_text(encoding="utf-8"))
    assert procedencia["epocas"] == EPOCAS
    assert all(len(valores) == EPOCAS for valores in procedencia["historial"].values())
    lote = 128 if modelo == "ebm" else 64
    assert procedencia["imagenes_vistas"] == EPOCAS * ESCALAS[modelo]["pasos_por_epoca"] * lote
    esperados = {f"{modelo}_epoca_{e:03d}{SUFIJOS[modelo]}" for e in range(1, EPOCAS + 1)}
    assert set(procedencia["pesos"]) == esperados
    for nombre, suma in procedencia["pesos"].items():
        verificar_archivo(salida / nombre, suma)  # lanza si falta o no coincide
    estado = json.loads((salida / ".respaldo" / "estado.json").read_text(encoding="utf-8"))
    assert estado["epoca"] == EPOCAS and estado["pesos"] == procedencia["pesos"]
    verificar_archivo(salida / ".respaldo" / estado["archivo"], estado["sha256"])
    restos = [p for p in salida.rglob(f"{PREFIJO_TEMPORAL}*")]
    assert not restos, restos
    return procedencia


@pytest.mark.parametrize("modelo", ["ebm", "ddm"])
def test_matar_el_entrenamiento_en_cualquier_momento_no_pierde_nada(modelo, tmp_path):
    salida = tmp_path / modelo
    azar = random.Random(f"fallos-{modelo}")
    muertes, terminadas, intentos = 0, 0, 0
    # 1) Muertes en el peor momento: con un temporal a medio escribir, antes de renombrarlo.
    for n in MUERTES_EN_ESCRITURA:
        proceso = _orden(modelo, salida, tmp_path, matar_en_escritura=n)
        _, error = proceso.communicate(timeout=300)
        intentos += 1
        if proceso.returncode == -signal.SIGKILL:
            muertes += 1
        else:
            assert proceso.returncode == 0, error[-2000:]
            terminadas += 1
    # 2) Muertes al azar, desde fuera, mientras importa, entrena o guarda.
    for _ in range(MUERTES_AL_AZAR):
        proceso = _orden(modelo, salida, tmp_path)
        time.sleep(azar.uniform(3.0, 14.0))
        intentos += 1
        if proceso.poll() is None:
            proceso.send_signal(signal.SIGKILL)
            proceso.wait(timeout=60)
            muertes += 1
        else:
            assert proceso.returncode == 0, proceso.stderr.read()[-2000:]
            terminadas += 1
    # 3) La misma orden, sin fallos, termina el trabajo.
    proceso = _orden(modelo, salida, tmp_path)
    _, error = proceso.communicate(timeout=300)
    assert proceso.returncode == 0, error[-2000:]
    procedencia = _comprobar_final(modelo, salida)
    assert muertes >= len(MUERTES_EN_ESCRITURA) + MUERTES_AL_AZAR // 2, (muertes, terminadas, intentos)
    print(f"{modelo}: {intentos} intentos, {muertes} muertes con SIGKILL, {len(procedencia['reanudaciones'])} "
          "reanudaciones anotadas; todas las épocas y pesos verificados")


def test_la_orden_sin_salida_no_toca_el_repositorio(tmp_path):
    """Con la carpeta por defecto, entrenar deja `git status` igual: los pesos van a la caché."""
    def estado():
        return subprocess.run(["git", "status", "--porcelain", "--untracked-files=all"], cwd=RAIZ,
                              capture_output=True, text=True, check=True).stdout

    antes = estado()
    entorno = {**os.environ, "GENERATIVA_PERFIL": "rapido", "GENERATIVA_CACHE": str(tmp_path / "cache"),
               "GENERATIVA_PRUEBA_ESCALA": json.dumps({"epocas": 1, "imagenes": 256, "pasos_por_epoca": 1}),
               "PYTHONPATH": str(RAIZ / "lib")}
    resultado = subprocess.run([sys.executable, "-m", "generativa.entrenar", "ebm"], cwd=RAIZ, env=entorno,
                               capture_output=True, text=True, timeout=300)
    assert resultado.returncode == 0, resultado.stderr[-2000:]
    assert estado() == antes
    assert (tmp_path / "cache" / "pesos" / "ebm" / "procedencia.json").is_file()
