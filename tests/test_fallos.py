"""Inyección de fallos: ``python -m generativa.entrenar`` muerto con SIGKILL en cualquier momento.

Cada prueba lanza la orden de verdad (un proceso aparte, perfil ``rapido`` a escala mínima con
``GENERATIVA_PRUEBA_ESCALA``) y la mata con SIGKILL, sin aviso, una y otra vez:

- en momentos al azar (con semilla), desde fuera del proceso: al arrancar, mientras importa y
  prepara los datos, o durante una época y su guardado. El momento se mide por lo que la orden
  escribe (su aviso de inicio y cada «Epoch k/N»), no por el reloj, para que una computadora más
  rápida no termine el trabajo antes de que llegue la muerte;
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
import threading
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
MUERTES_AL_AZAR = 4  # con cuatro épocas por hacer, las tres primeras mueren siempre (ver abajo)
MUERTES_EN_ESCRITURA = (1, 2, 3, 5)  # la N-ésima escritura atómica: punto de control, respaldo, estado...


def _orden(modelo, salida, tmp_path, matar_en_escritura=None, salida_estandar=subprocess.DEVNULL):
    entorno = {**os.environ, "GENERATIVA_PERFIL": "rapido", "GENERATIVA_CACHE": str(tmp_path / "cache"),
               "GENERATIVA_PRUEBA_ESCALA": json.dumps(ESCALAS[modelo]), "PYTHONPATH": str(RAIZ / "lib"),
               "PYTHONUNBUFFERED": "1"}
    entorno.pop("GENERATIVA_PRUEBA_MATAR_EN_ESCRITURA", None)
    if matar_en_escritura is not None:
        entorno["GENERATIVA_PRUEBA_MATAR_EN_ESCRITURA"] = str(matar_en_escritura)
    return subprocess.Popen([sys.executable, "-m", "generativa.entrenar", modelo, "--salida", str(salida)],
                            env=entorno, stdout=salida_estandar, stderr=subprocess.PIPE, text=True)


# Etapas de una ejecución, marcadas por lo que escribe: 0 desde que arranca hasta «Entrenando...»
# (Python y la biblioteca), 1 hasta el primer «Epoch» (TensorFlow, datos, modelo, reanudación),
# 2 hasta el segundo «Epoch» o el final (una época entera y su guardado).
MARCAS = ("Entrenando", "Epoch ")
ESPERA_MAXIMA_S = 8.0


def _etapa(texto):
    if MARCAS[0] not in texto:
        return 0
    return 1 if texto.count(MARCAS[1]) == 0 else 2 if texto.count(MARCAS[1]) == 1 else 3


def _matar_en_una_etapa(modelo, salida, tmp_path, azar):
    """Lanza la orden y la mata con SIGKILL dentro de una etapa elegida al azar: tras entrar en ella
    espera un tiempo al azar y, si la etapa acaba antes, la mata en cuanto acaba. Así cada muerte
    cae a lo sumo una época después de la última terminada, en cualquier computadora. Devuelve
    True si la mató y False si la orden terminó antes (solo puede pasar en la última época)."""
    objetivo, espera = azar.choice((0, 1, 2)), azar.uniform(0.0, ESPERA_MAXIMA_S)
    proceso = _orden(modelo, salida, tmp_path, salida_estandar=subprocess.PIPE)
    leido = []
    lector = threading.Thread(target=lambda: leido.extend(iter(lambda: proceso.stdout.read(1), "")), daemon=True)
    lector.start()
    entrada = None
    while proceso.poll() is None:
        etapa = _etapa("".join(leido))
        if etapa > objetivo:
            break
        if etapa == objetivo:
            entrada = entrada or time.monotonic()
            if time.monotonic() - entrada >= espera:
                break
        time.sleep(0.02)
    if proceso.poll() is not None:
        lector.join(timeout=10)
        assert proceso.returncode == 0, proceso.stderr.read()[-2000:]
        return False
    proceso.send_signal(signal.SIGKILL)
    proceso.wait(timeout=60)
    lector.join(timeout=10)
    if proceso.returncode != -signal.SIGKILL:  # terminó justo antes de la señal
        assert proceso.returncode == 0, proceso.stderr.read()[-2000:]
        return False
    return True


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
    azar = random.Random(f"fallos-{modelo}")
    # 1) Muertes en el peor momento: con un temporal a medio escribir, antes de renombrarlo.
    salida = tmp_path / f"{modelo}-escritura"
    muertes_escritura = 0
    for n in MUERTES_EN_ESCRITURA:
        proceso = _orden(modelo, salida, tmp_path, matar_en_escritura=n)
        _, error = proceso.communicate(timeout=300)
        if proceso.returncode == -signal.SIGKILL:
            muertes_escritura += 1
        else:
            assert proceso.returncode == 0, error[-2000:]
    # 2) Muertes al azar, desde fuera, mientras arranca, importa, entrena o guarda; en otra carpeta,
    #    que empieza sin ninguna época, para que cada muerte encuentre trabajo pendiente.
    salida_azar = tmp_path / f"{modelo}-azar"
    muertes_azar = sum(_matar_en_una_etapa(modelo, salida_azar, tmp_path, azar) for _ in range(MUERTES_AL_AZAR))
    # 3) La misma orden, sin fallos, termina el trabajo en las dos carpetas.
    reanudaciones = 0
    for carpeta in (salida, salida_azar):
        proceso = _orden(modelo, carpeta, tmp_path)
        _, error = proceso.communicate(timeout=300)
        assert proceso.returncode == 0, error[-2000:]
        reanudaciones += len(_comprobar_final(modelo, carpeta)["reanudaciones"])
    # Cada muerte al azar cae a lo sumo una época después de la última guardada, así que con cuatro
    # épocas por hacer las tres primeras ejecuciones mueren en cualquier computadora.
    assert muertes_escritura == len(MUERTES_EN_ESCRITURA), muertes_escritura
    assert muertes_azar >= EPOCAS - 1, muertes_azar
    print(f"{modelo}: {muertes_escritura} muertes a medio escribir y {muertes_azar} de {MUERTES_AL_AZAR} al azar "
          f"con SIGKILL, {reanudaciones} reanudaciones anotadas; todas las épocas y pesos verificados")


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
