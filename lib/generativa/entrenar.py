"""La orden ``python -m generativa.entrenar``: entrenar los modelos del libro desde la terminal.

::

    python -m generativa.entrenar ebm [--perfil P] [--epocas N] [--salida CARPETA] ...
    python -m generativa.entrenar ddm [--perfil P] [--epocas N] [--image-size 64] [--kid N] ...
    python -m generativa.entrenar extractor   # el extractor de flores de la KID
    python -m generativa.entrenar clasificador  # el clasificador de dígitos
    python -m generativa.entrenar kid --salida CARPETA [--semillas 0,1,2] [--red] [--extractor CARPETA]

Por defecto guarda en la carpeta de pesos propios (``$GENERATIVA_PESOS/<modelo>`` o
``~/.cache/generativa/pesos/<modelo>``), donde los capítulos los buscan primero; nunca en
``data/``. Si se interrumpe, la misma orden sigue desde la última época completa. Aquí solo
se leen las opciones (``kid`` no entrena: mide la KID de los puntos de control de un
entrenamiento de difusión ya hecho, con :func:`generativa.kid.evaluar_puntos_de_control`); el
entrenamiento está en :func:`generativa.ebm.entrenar_ebm`,
:func:`generativa.difusion.entrenar_ddm` y :mod:`generativa.entrenamiento`.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .errores import ErrorDeArgumento, ErrorGenerativa
from .perfiles import PERFILES
from .validacion import describir


def _epocas(texto: str) -> list[int]:
    try:
        return [int(x) for x in texto.split(",") if x.strip()]
    except ValueError as e:
        raise argparse.ArgumentTypeError(f"se esperaban números enteros separados por comas (p. ej. 1,4,8); llegó {texto!r}") from e


def analizador() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m generativa.entrenar", description="Entrena los modelos del libro.")
    sub = parser.add_subparsers(dest="modelo", required=True)
    p_ebm = sub.add_parser("ebm", help="el modelo basado en energía sobre MNIST")
    p_ebm.add_argument("--guardar-bufer", action="store_true",
                       help="guardar también una instantánea del búfer (ebm_bufer_epoca_NNN.npz) en las mismas épocas")
    p_ddm = sub.add_parser("ddm", help="el modelo de difusión sobre las flores")
    p_ddm.add_argument("--tiempo-maximo", type=float, help="segundos tras los que parar (al final de una época)")
    p_ddm.add_argument("--image-size", type=int, help="lado de las imágenes (por defecto, el del perfil)")
    p_ddm.add_argument("--guardar-red", action="store_true",
                       help="guardar también la red sin promediar (ddm_red_epoca_NNN.h5) en las mismas épocas")
    precision = p_ddm.add_mutually_exclusive_group()
    precision.add_argument("--precision-mixta", dest="precision_mixta", action="store_true", default=None,
                           help="U-Net en float16 con la pérdida escalada (por defecto, solo con GPU)")
    precision.add_argument("--float32", dest="precision_mixta", action="store_false",
                           help="todo en float32, también con GPU")
    p_ddm.add_argument("--kid", type=int, default=0, metavar="N",
                       help="al terminar, KID de cada época guardada con N imágenes generadas (0: no)")
    for p in (p_ebm, p_ddm):
        p.add_argument("--perfil", choices=list(PERFILES), help="perfil de ejecución (por defecto, el activo)")
        p.add_argument("--epocas", type=int, help="número total de épocas (por defecto, el del perfil)")
        p.add_argument("--salida", type=Path, help="carpeta de los pesos (por defecto, la de pesos propios)")
        p.add_argument("--semilla", type=int, default=42)
        p.add_argument("--guardar-en", type=_epocas, help="épocas en las que guardar pesos, separadas por comas")
        p.add_argument("--continuar", action="store_true",
                       help="seguir un entrenamiento terminado en --salida hasta --epocas épocas en total")
    p_ext = sub.add_parser("extractor", help="el extractor de flores para la KID (guarda pesos y procedencia)")
    p_cla = sub.add_parser("clasificador", help="el clasificador de dígitos que juzga las muestras del EBM")
    for p in (p_ext, p_cla):
        p.add_argument("--epocas", type=int)
        p.add_argument("--salida", type=Path, required=True, help="carpeta donde guardar los pesos")
    p_kid = sub.add_parser("kid", help="la KID de cada punto de control de un entrenamiento de difusión ya hecho")
    p_kid.add_argument("--salida", type=Path, required=True, help="la carpeta del entrenamiento (con procedencia.json)")
    p_kid.add_argument("--epocas", type=_epocas, help="épocas que medir, separadas por comas (por defecto, todas)")
    p_kid.add_argument("--imagenes", type=int, default=500, help="imágenes generadas por medida")
    p_kid.add_argument("--pasos", type=int, default=20, help="pasos de difusión de cada muestra")
    p_kid.add_argument("--semillas", type=_epocas, default=[0], help="semillas del ruido, separadas por comas")
    p_kid.add_argument("--red", action="store_true", help="medir también la red sin promediar (ddm_red_epoca_NNN.h5)")
    p_kid.add_argument("--extractor", type=Path,
                       help="carpeta de un extractor de flores de «entrenar extractor» (por defecto, el incluido)")
    return parser


def main(argv: list[str] | None = None) -> int:
    """Ejecuta la orden con los argumentos ``argv`` (por defecto, los de la terminal); devuelve el
    código de salida: 0 si terminó, 2 si los argumentos o el entrenamiento fallaron, 130 si se interrumpió."""
    if argv is not None and (not isinstance(argv, (list, tuple)) or not all(isinstance(a, str) for a in argv)):
        raise ErrorDeArgumento(f"'argv' debe ser una lista de textos (como ['ebm', '--epocas', '3']) o None; "
                               f"llegó {describir(argv)}.")
    try:
        args = analizador().parse_args(argv)
    except SystemExit as e:  # argparse ya explicó el error (o mostró la ayuda) en la terminal
        return e.code if isinstance(e.code, int) else 2
    try:
        return _ejecutar(args)
    except ErrorGenerativa as e:
        print(f"Error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("Interrumpido. Vuelve a lanzar la misma orden para seguir desde la última época completa.",
              file=sys.stderr)
        return 130


def _ejecutar(args) -> int:
    if args.modelo in ("extractor", "clasificador"):
        return _entrenar_auxiliar(args)
    if args.modelo == "kid":
        from .kid import evaluar_puntos_de_control

        redes = ("ema_network", "network") if args.red else ("ema_network",)
        curva = evaluar_puntos_de_control(args.salida, epocas=args.epocas, num_images=args.imagenes,
                                          diffusion_steps=args.pasos, cual="flores", semillas=args.semillas,
                                          redes=redes, extractor=args.extractor)
        print(f"KID por época, red EMA ({curva['extractor']}), media de {len(args.semillas)} semilla(s): "
              f"{curva['por_epoca']}")
        return 0
    from .perfiles import perfil_activo

    perfil = PERFILES[args.perfil] if args.perfil else perfil_activo()
    print(f"Entrenando {args.modelo} con el perfil «{perfil.nombre}»...", flush=True)
    comunes = dict(epocas=args.epocas, salida=args.salida, semilla=args.semilla, guardar_en=args.guardar_en,
                   continuar=args.continuar)
    if args.modelo == "ebm":
        from .ebm import entrenar_ebm

        procedencia = entrenar_ebm(perfil, guardar_bufer_en_cada_punto=args.guardar_bufer, **comunes)
    else:
        from .difusion import entrenar_ddm, pesos_entrenados

        procedencia = entrenar_ddm(perfil, tiempo_maximo=args.tiempo_maximo, image_size=args.image_size,
                                   guardar_red=args.guardar_red, precision_mixta=args.precision_mixta, **comunes)
        if args.kid:
            from .entrenamiento import carpeta_de_salida
            from .kid import evaluar_puntos_de_control

            curva = evaluar_puntos_de_control(carpeta_de_salida(args.salida, "ddm"), num_images=args.kid)
            print(f"KID por época ({curva['extractor']}): {curva['por_epoca']}")
    print(f"Hecho: {procedencia['epocas']} épocas en {procedencia['duracion_s']:.0f} s. "
          f"Métricas finales: {procedencia['metricas_finales']}")
    return 0


def _entrenar_auxiliar(args) -> int:
    from .archivos import escribir_atomico, escribir_json
    from .entrenamiento import carpeta_de_salida

    if args.modelo == "extractor":
        from .kid import entrenar_extractor_flores as entrenar

        archivo = "extractor_flores.weights.h5"
    else:
        from .clasificador import entrenar_clasificador as entrenar

        archivo = "clasificador_de_digitos.weights.h5"
    salida = carpeta_de_salida(args.salida, args.modelo)
    modelo, procedencia = entrenar(**({"epocas": args.epocas} if args.epocas else {}), verbose=2)
    procedencia["pesos"] = {archivo: escribir_atomico(salida / archivo, modelo.save_weights)}
    escribir_json(salida / "procedencia.json", procedencia)
    print(f"Hecho: {salida / archivo}. {procedencia}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
