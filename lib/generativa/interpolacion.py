"""Interpolación entre dos ruidos iniciales: por un arco (esférica) o por una recta.

Como en el curso, ``z(t) = sin(πt/2)·a + cos(πt/2)·b``: en t = 0 da ``b`` y en t = 1, ``a``.
Si ``a`` y ``b`` son ruidos gaussianos independientes, casi ortogonales y de la misma
norma, el arco conserva la norma en todo el camino, mientras que la recta
``t·a + (1 − t)·b`` la reduce hasta un 1/√2 en el centro: genera desde ruidos «demasiado
pequeños», que el modelo nunca vio al entrenar.
"""

from __future__ import annotations

import math

import numpy as np

from .errores import ErrorDeArgumento
from .validacion import comprobar_array


def comprobar_interpolacion(a, b, t):
    """Los argumentos de una interpolación: ``(a, b, t en columna, si t era un número)``.

    ``a`` y ``b`` son arrays finitos de la misma forma; ``t``, un número o una lista de números en [0, 1].
    """
    a, b = comprobar_array(a, "a"), comprobar_array(b, "b")
    if a.shape != b.shape:
        raise ErrorDeArgumento(f"Los dos ruidos deben tener la misma forma; llegaron {a.shape} y {b.shape}.")
    t = comprobar_array(t, "t", minimo=0.0, maximo=1.0, vacio=True)
    if t.ndim > 1 or t.size == 0:
        raise ErrorDeArgumento("'t' debe ser un número o una lista (no vacía) de números en [0, 1]; llegó "
                               f"la forma {t.shape}.")
    return a, b, np.atleast_1d(t).reshape(-1, *([1] * a.ndim)), t.ndim == 0


def spherical_interpolation(a, b, t):
    """``sin(πt/2)·a + cos(πt/2)·b`` para cada t (forma ``(len(t), *a.shape)``;
    sin esa dimensión si t es un número).
    """
    a, b, tt, escalar = comprobar_interpolacion(a, b, t)
    z = np.sin(math.pi * tt / 2) * a + np.cos(math.pi * tt / 2) * b
    return z[0] if escalar else z


def linear_interpolation(a, b, t):
    """``t·a + (1 − t)·b`` para cada t, con los mismos extremos que :func:`spherical_interpolation`."""
    a, b, tt, escalar = comprobar_interpolacion(a, b, t)
    z = tt * a + (1 - tt) * b
    return z[0] if escalar else z
