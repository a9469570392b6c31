"""Formato de cifras para el lector hispanohablante."""


def miles(n: int) -> str:
    """Un entero con punto como separador de miles: ``8189`` → ``"8.189"``."""
    return f"{n:,}".replace(",", ".")
