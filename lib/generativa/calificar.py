"""Calificar las tareas: ``python -m generativa.calificar CARPETA``.

Ejecuta cada cuaderno entregado (``CARPETA/*.ipynb``) en su propio núcleo, en una copia
dentro de una carpeta temporal, con el perfil ``rapido``, un tiempo límite por celda y por
cuaderno y sin acceso a la red (las variables de proxy apuntan a un puerto cerrado), y
escribe en ``CARPETA/calificacion/``:

- ``calificacion.csv``: una fila por entrega y, por cada comprobación de la tarea, ✔, ✘ o
  «sin ejecutar», con la pista que vio el estudiante;
- ``calificacion.html``: la misma tabla, con las figuras que generó cada cuaderno.

Sobrevive a las entregas rotas: errores de sintaxis, bucles infinitos (se corta la celda
y se sigue con el resto), funciones que faltan o con otro nombre, celdas desordenadas o un
cuaderno que no es JSON. Para cada una dice qué pasó.

**Las entregas son código.** Un cuaderno puede hacer cualquier cosa que su usuario pueda
hacer en la computadora (borrar archivos, por ejemplo): califica en un entorno desechable
(una sesión de Colab, un contenedor), nunca en tu cuenta de trabajo.
"""

from __future__ import annotations

import argparse
import csv
import html
import os
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from .errores import ErrorDeArgumento
from .validacion import comprobar_entero, comprobar_opcion, comprobar_ruta

TIEMPO_POR_CELDA = 300
TIEMPO_POR_CUADERNO = 1800
TAREAS = ("ebm", "difusion")


def _comprobar_opciones(tarea, tiempo_por_celda, tiempo_total) -> None:
    if tarea is not None:
        comprobar_opcion(tarea, "tarea", TAREAS)
    comprobar_entero(tiempo_por_celda, "tiempo_por_celda", maximo=86_400)
    comprobar_entero(tiempo_total, "tiempo_total", maximo=7 * 86_400)


@dataclass
class Resultado:
    """Lo que pasó con una entrega."""

    alumno: str
    comprobaciones: dict[str, tuple[str, str]] = field(default_factory=dict)  # nombre → (estado, detalle)
    incidencias: list[str] = field(default_factory=list)
    figuras: list[str] = field(default_factory=list)  # PNG en base64
    segundos: float = 0.0

    @property
    def aprobadas(self) -> int:
        return sum(estado == "✔" for estado, _ in self.comprobaciones.values())


def comprobaciones_de(tarea: str) -> list[str]:
    """Las comprobaciones de una tarea («ebm» o «difusion»), en el orden en que se definen."""
    import importlib
    import inspect

    comprobar_opcion(tarea, "tarea", TAREAS)
    modulo = importlib.import_module(f"generativa.tareas.{tarea}")
    funciones = [(f.__code__.co_firstlineno, n) for n, f in vars(modulo).items()
                 if n.startswith("comprobar_") and inspect.isfunction(f) and f.__module__ == modulo.__name__]
    return [n for _, n in sorted(funciones)]


def _tarea_del_cuaderno(nb) -> str | None:
    codigo = "\n".join(c.get("source", "") for c in nb.cells if c.get("cell_type") == "code")
    for tarea in ("difusion", "ebm"):
        if f"generativa.tareas.{tarea}" in codigo:
            return tarea
    return None


def _entorno_sin_red() -> dict:
    cerrado = "http://127.0.0.1:9"  # el puerto «discard»: nadie escucha
    entorno = {**os.environ, "GENERATIVA_PERFIL": "rapido", "MPLBACKEND": "Agg",
               "http_proxy": cerrado, "https_proxy": cerrado, "HTTP_PROXY": cerrado, "HTTPS_PROXY": cerrado,
               "no_proxy": "", "NO_PROXY": "", "PIP_NO_INDEX": "1"}
    return entorno


def calificar_cuaderno(ruta: Path, tarea: str | None = None, tiempo_por_celda: int = TIEMPO_POR_CELDA,
                       tiempo_total: int = TIEMPO_POR_CUADERNO) -> Resultado:
    """Ejecuta una entrega en una carpeta temporal y recoge el veredicto de cada comprobación."""
    ruta = comprobar_ruta(ruta, "ruta")
    if not ruta.is_file():
        raise ErrorDeArgumento(f"'ruta' debe ser un cuaderno .ipynb; {ruta} no es un archivo.")
    _comprobar_opciones(tarea, tiempo_por_celda, tiempo_total)
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

    resultado = Resultado(ruta.stem)
    inicio = time.monotonic()
    try:
        nb = nbformat.read(ruta, as_version=4)
    except Exception as e:  # noqa: BLE001 - cualquier archivo roto
        resultado.incidencias.append(f"El cuaderno no se puede leer (¿no es un .ipynb válido?): {e}")
        return resultado
    tarea = tarea or _tarea_del_cuaderno(nb)
    esperadas = comprobaciones_de(tarea) if tarea else []
    if not tarea:
        resultado.incidencias.append("El cuaderno no importa las comprobaciones de ninguna tarea "
                                     "(generativa.tareas.ebm o generativa.tareas.difusion).")
    for nombre in esperadas:
        resultado.comprobaciones[nombre] = ("sin ejecutar", "no se llegó a ejecutar (o no está en el cuaderno)")
    with tempfile.TemporaryDirectory(prefix="calificar-") as carpeta:
        copia = Path(carpeta) / "entrega.ipynb"
        shutil.copy(ruta, copia)
        cliente = NotebookClient(nb, timeout=tiempo_por_celda, kernel_name="python3", allow_errors=True,
                                 interrupt_on_timeout=True, resources={"metadata": {"path": carpeta}},
                                 record_timing=False)
        entorno = _entorno_sin_red()
        try:
            with cliente.setup_kernel(env=entorno, cwd=carpeta):
                for indice, celda in enumerate(nb.cells):
                    if celda.cell_type != "code":
                        continue
                    if time.monotonic() - inicio > tiempo_total:
                        resultado.incidencias.append(f"Se agotó el tiempo del cuaderno ({tiempo_total} s): no se "
                                                     f"ejecutaron las celdas desde la {indice + 1}.")
                        break
                    antes = time.monotonic()
                    try:
                        cliente.execute_cell(celda, indice)
                    except (CellTimeoutError, CellExecutionError):
                        pass  # con interrupt_on_timeout y allow_errors, la celda queda con su error
                    if time.monotonic() - antes >= tiempo_por_celda and any(
                            o.get("ename") == "KeyboardInterrupt" for o in celda.get("outputs", [])):
                        resultado.incidencias.append(f"La celda {indice + 1} no terminó en {tiempo_por_celda} s "
                                                     "(¿un bucle infinito?): se interrumpió.")
                        continue
                    _anotar(resultado, celda, indice)
        except DeadKernelError as e:
            resultado.incidencias.append(f"El núcleo murió durante la ejecución: {e}")
        except Exception as e:  # noqa: BLE001 - el calificador no se cae por una entrega
            resultado.incidencias.append(f"La ejecución se detuvo: {type(e).__name__}: {e}")
    resultado.segundos = round(time.monotonic() - inicio, 1)
    return resultado


def _anotar(resultado: Resultado, celda, indice: int) -> None:
    """Lee las salidas de una celda: veredictos de comprobaciones, errores y figuras."""
    texto = "".join(o.get("text", "") for o in celda.get("outputs", []) if o.get("output_type") == "stream")
    errores = [o for o in celda.get("outputs", []) if o.get("output_type") == "error"]
    for salida in celda.get("outputs", []):
        datos = salida.get("data", {}) if salida.get("output_type") in ("display_data", "execute_result") else {}
        if "image/png" in datos:
            resultado.figuras.append(datos["image/png"])
    llamadas = sorted((n for n in resultado.comprobaciones if f"{n}(" in celda.source),
                      key=lambda n: celda.source.index(f"{n}("))
    if not llamadas and errores and "SyntaxError" in errores[0].get("ename", ""):
        resultado.incidencias.append(f"La celda {indice + 1} tiene un error de sintaxis: {errores[0].get('evalue')}")
        return
    if not llamadas:
        if errores:
            e = errores[0]
            resultado.incidencias.append(f"La celda {indice + 1} falla: {e.get('ename')}: {e.get('evalue', '')[:200]}")
        return
    exitos = texto.count("✔")
    for posicion, nombre in enumerate(llamadas):
        if posicion < exitos:
            resultado.comprobaciones[nombre] = ("✔", "")
        elif errores:
            e = errores[0]
            detalle = e.get("evalue", "")
            if e.get("ename") == "ErrorDeComprobacion":
                resultado.comprobaciones[nombre] = ("✘", detalle.strip())
            elif e.get("ename") == "NotImplementedError":
                resultado.comprobaciones[nombre] = ("✘", "hueco sin rellenar (NotImplementedError)")
            else:
                resultado.comprobaciones[nombre] = ("✘", f"{e.get('ename')}: {detalle[:300]}")
            break
        else:
            resultado.comprobaciones[nombre] = ("✘", "la celda no terminó (se interrumpió)")


def calificar(carpeta: Path | str, tarea: str | None = None, tiempo_por_celda: int = TIEMPO_POR_CELDA,
              tiempo_total: int = TIEMPO_POR_CUADERNO, salida: Path | str | None = None) -> list[Resultado]:
    """Califica todas las entregas de ``carpeta`` y escribe la tabla en CSV y en HTML."""
    carpeta = comprobar_ruta(carpeta, "carpeta")
    _comprobar_opciones(tarea, tiempo_por_celda, tiempo_total)
    if salida is not None:
        salida = comprobar_ruta(salida, "salida", carpeta=True)
    if not carpeta.is_dir():
        raise ErrorDeArgumento(f"'carpeta' debe ser una carpeta con las entregas (.ipynb); {carpeta} no lo es.")
    entregas = sorted(p for p in carpeta.glob("*.ipynb") if not p.name.startswith("."))
    if not entregas:
        raise ErrorDeArgumento(f"No hay cuadernos .ipynb en {carpeta}.")
    # Las entregas se copian antes de ejecutar ninguna: un cuaderno que borra archivos no
    # puede llevarse por delante las demás.
    resguardo = Path(tempfile.mkdtemp(prefix="entregas-"))
    copias = []
    for entrega in entregas:
        copias.append(resguardo / entrega.name)
        shutil.copy(entrega, copias[-1])
    resultados = []
    try:
        for copia in copias:
            print(f"Calificando {copia.name}...", flush=True)
            resultados.append(calificar_cuaderno(copia, tarea, tiempo_por_celda, tiempo_total))
    finally:
        shutil.rmtree(resguardo, ignore_errors=True)
    destino = Path(salida) if salida else carpeta / "calificacion"
    destino.mkdir(parents=True, exist_ok=True)
    _escribir_csv(resultados, destino / "calificacion.csv")
    _escribir_html(resultados, destino / "calificacion.html")
    print(f"Tabla escrita en {destino / 'calificacion.csv'} y {destino / 'calificacion.html'}.")
    return resultados


def _columnas(resultados: list[Resultado]) -> list[str]:
    columnas: list[str] = []
    for r in resultados:
        columnas += [n for n in r.comprobaciones if n not in columnas]
    return columnas


def _escribir_csv(resultados: list[Resultado], ruta: Path) -> None:
    columnas = _columnas(resultados)
    with open(ruta, "w", newline="", encoding="utf-8") as f:
        escritor = csv.writer(f)
        escritor.writerow(["entrega", "aprobadas", "de", *columnas, *(f"pista {c}" for c in columnas), "incidencias",
                           "segundos"])
        for r in resultados:
            estados = [r.comprobaciones.get(c, ("—", ""))[0] for c in columnas]
            pistas = [r.comprobaciones.get(c, ("", ""))[1] for c in columnas]
            escritor.writerow([r.alumno, r.aprobadas, len(r.comprobaciones), *estados, *pistas,
                               " | ".join(r.incidencias), r.segundos])


def _escribir_html(resultados: list[Resultado], ruta: Path) -> None:
    columnas = _columnas(resultados)
    filas = []
    for r in resultados:
        celdas = []
        for c in columnas:
            estado, detalle = r.comprobaciones.get(c, ("—", ""))
            color = {"✔": "#e6f4ea", "✘": "#fce8e6"}.get(estado, "#f1f3f4")
            celdas.append(f'<td style="background:{color}" title="{html.escape(detalle)}">{html.escape(estado)}'
                          + (f"<br><small>{html.escape(detalle[:160])}</small>" if detalle else "") + "</td>")
        figuras = "".join(f'<img src="data:image/png;base64,{f}" style="max-height:90px;margin:2px">'
                          for f in r.figuras[:6])
        incidencias = "<br>".join(html.escape(i) for i in r.incidencias)
        filas.append(f"<tr><th>{html.escape(r.alumno)}</th><td>{r.aprobadas}/{len(r.comprobaciones)}</td>"
                     f"{''.join(celdas)}<td>{incidencias}</td><td>{figuras}</td></tr>")
    cabecera = "".join(f"<th>{html.escape(c.removeprefix('comprobar_'))}</th>" for c in columnas)
    ruta.write_text(
        "<!DOCTYPE html><html lang=\"es\"><head><meta charset=\"utf-8\"><title>Calificación</title>"
        "<style>body{font-family:sans-serif}table{border-collapse:collapse}td,th{border:1px solid #ccc;"
        "padding:4px;vertical-align:top;font-size:13px}</style></head><body><h1>Calificación de las entregas</h1>"
        f"<table><tr><th>entrega</th><th>aprobadas</th>{cabecera}<th>incidencias</th><th>figuras</th></tr>"
        f"{''.join(filas)}</table></body></html>", encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    """La orden ``python -m generativa.calificar`` con los argumentos ``argv`` (por defecto, los de
    la terminal); devuelve el código de salida: 0 si terminó, 2 si los argumentos no sirven."""
    if argv is not None and (not isinstance(argv, (list, tuple)) or not all(isinstance(a, str) for a in argv)):
        raise ErrorDeArgumento(f"'argv' debe ser una lista de textos (como ['entregas', '--tarea', 'ebm']) o "
                               f"None; llegó {type(argv).__name__}.")
    parser = argparse.ArgumentParser(prog="python -m generativa.calificar",
                                     description="Califica una carpeta de entregas de una tarea del libro.")
    parser.add_argument("carpeta", type=Path, help="carpeta con los cuadernos .ipynb entregados")
    parser.add_argument("--tarea", choices=["ebm", "difusion"], help="la tarea (por defecto, la que importe cada "
                        "cuaderno)")
    parser.add_argument("--tiempo-por-celda", type=int, default=TIEMPO_POR_CELDA)
    parser.add_argument("--tiempo-por-cuaderno", type=int, default=TIEMPO_POR_CUADERNO)
    parser.add_argument("--salida", type=Path, help="carpeta de la tabla (por defecto, CARPETA/calificacion)")
    try:
        args = parser.parse_args(argv)
    except SystemExit as e:  # argparse ya explicó el error (o mostró la ayuda) en la terminal
        return e.code if isinstance(e.code, int) else 2
    try:
        calificar(args.carpeta, args.tarea, args.tiempo_por_celda, args.tiempo_por_cuaderno, args.salida)
    except ErrorDeArgumento as e:
        print(f"Error: {e}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
