"""Velocidad de generar con el modelo de difusión: la EMA compilada frente al modo inmediato.

Compara, en el mismo proceso, con los mismos pesos (los del libro) y el mismo ruido, dos
copias de ``DiffusionModel``: la de la biblioteca, cuyo ``denoise`` llama a la EMA a través
de ``_ema_compilada`` (un ``tf.function``), y otra idéntica salvo que llama a la red en modo
inmediato, como el ejemplo de keras.io y el cuaderno del curso. Las medidas se alternan y se
descarta la primera de cada una (la traza del grafo, que se paga una vez por modelo).
Comprueba que las dos generan lo mismo e imprime segundos por llamada y el cociente. Uso:

    python benchmarks/ddm_generacion.py [--imagenes 60] [--pasos 20] [--repeticiones 3]
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np

from generativa import difusion


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--imagenes", type=int, default=60)
    parser.add_argument("--pasos", type=int, default=20)
    parser.add_argument("--repeticiones", type=int, default=3)
    args = parser.parse_args()

    compilado = difusion.cargar_modelo_entrenado()
    inmediato = difusion.cargar_modelo_entrenado()
    # La misma clase y los mismos pesos; solo cambia cómo se llama a la EMA.
    object.__setattr__(inmediato, "_ema_compilada",
                       lambda x, v: inmediato.ema_network([x, v], training=False))
    lado = compilado.image_size
    ruido = np.random.default_rng(0).standard_normal((args.imagenes, lado, lado, 3)).astype("float32")

    tiempos = {"inmediato": [], "compilado": []}
    salidas = {}
    for repeticion in range(args.repeticiones + 1):
        for nombre, modelo in (("inmediato", inmediato), ("compilado", compilado)):
            inicio = time.perf_counter()
            salidas[nombre] = np.asarray(modelo.generate(args.imagenes, args.pasos, initial_noise=ruido))
            if repeticion:  # la primera incluye la traza
                tiempos[nombre].append(time.perf_counter() - inicio)
    diferencia = float(np.abs(salidas["inmediato"] - salidas["compilado"]).max())
    assert diferencia < 1e-4, f"las dos copias no generan lo mismo (diferencia máxima {diferencia})"

    medianas = {n: statistics.median(t) for n, t in tiempos.items()}
    print(f"{args.imagenes} imágenes de {lado}x{lado}, {args.pasos} pasos, mediana de {args.repeticiones}:")
    for nombre, segundos in medianas.items():
        print(f"  {nombre:>9}: {segundos:6.2f} s ({args.imagenes * args.pasos / segundos:6.1f} pasadas/s)")
    print(f"  cociente: {medianas['inmediato'] / medianas['compilado']:.2f}x "
          f"(diferencia máxima entre las dos: {diferencia:.1e})")


if __name__ == "__main__":
    main()
