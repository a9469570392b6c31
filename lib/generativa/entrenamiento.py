"""Utilidades de entrenamiento comunes: guardar pesos por épocas y parar si diverge."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Callable, Iterable

from .motor import importar_keras

keras = importar_keras()


class EntrenamientoDivergente(RuntimeError):
    """El entrenamiento se ha detenido porque sus números se han disparado."""


class GuardarPesosEnEpocas(keras.callbacks.Callback):
    """Guarda los pesos al final de ciertas épocas.

    Por defecto, ``.weights.h5`` de la red que devuelve ``red(modelo)``; con
    ``guardar(modelo, ruta)``, lo que esa función escriba. Los archivos se llaman
    ``{prefijo}_epoca_{e:03d}{sufijo}`` (épocas contadas desde 1).
    """

    def __init__(self, carpeta: Path | str, epocas: Iterable[int], red: Callable | None = None,
                 prefijo: str = "modelo", guardar: Callable | None = None, sufijo: str = ".weights.h5"):
        super().__init__()
        self.epocas = sorted({int(e) for e in epocas})
        if not self.epocas or self.epocas[0] < 1:
            raise ValueError(f"Se esperaban épocas ≥ 1 en las que guardar; llegaron {list(epocas)!r}.")
        if (red is None) == (guardar is None):
            raise ValueError("Se esperaba exactamente uno de 'red' o 'guardar'.")
        self.guardar = guardar or (lambda modelo, ruta: red(modelo).save_weights(ruta))
        self.carpeta, self.prefijo, self.sufijo = Path(carpeta), prefijo, sufijo
        self.guardados: dict[int, Path] = {}

    def ruta(self, epoca: int) -> Path:
        return self.carpeta / f"{self.prefijo}_epoca_{epoca:03d}{self.sufijo}"

    def on_epoch_end(self, epoch, logs=None):
        epoca = epoch + 1
        if epoca in self.epocas:
            self.carpeta.mkdir(parents=True, exist_ok=True)
            self.guardar(self.model, self.ruta(epoca))
            self.guardados[epoca] = self.ruta(epoca)


class DetenerSiDiverge(keras.callbacks.Callback):
    """Detiene el entrenamiento con una explicación si la pérdida deja de ser finita
    o si alguna de las métricas vigiladas supera ``limite`` en valor absoluto."""

    def __init__(self, vigiladas: Iterable[str] = ("loss",), limite: float = 1e3, consejo: str = ""):
        super().__init__()
        self.vigiladas, self.limite, self.consejo = tuple(vigiladas), float(limite), consejo
        self.epoca = 0

    def on_epoch_begin(self, epoch, logs=None):
        self.epoca = epoch + 1

    def on_train_batch_end(self, batch, logs=None):
        for nombre in self.vigiladas:
            if logs is None or nombre not in logs:
                continue
            valor = float(logs[nombre])
            if math.isfinite(valor) and abs(valor) <= self.limite:
                continue
            self.model.stop_training = True
            problema = ("ha dejado de ser un número finito (NaN o infinito)" if not math.isfinite(valor)
                        else f"vale {valor:.4g}, más de {self.limite:g} en valor absoluto")
            raise EntrenamientoDivergente(
                f"Entrenamiento detenido en la época {self.epoca}, lote {batch + 1}: la métrica "
                f"«{nombre}» {problema}. El modelo está divergiendo y seguir solo produciría "
                f"imágenes sin sentido. {self.consejo}".strip()
            )


class DetenerPorTiempo(keras.callbacks.Callback):
    """Termina el entrenamiento al final de la primera época que deje atrás ``segundos``.

    Útil en Colab (sesiones con límite) y para entrenamientos de duración fija. La
    última época completada se guarda siempre (ver ``entrenar``)."""

    def __init__(self, segundos: float):
        super().__init__()
        if not segundos > 0:
            raise ValueError(f"'segundos' debe ser positivo; llegó {segundos!r}.")
        self.segundos, self.ultima_epoca = float(segundos), None

    def on_train_begin(self, logs=None):
        import time

        self.inicio = time.monotonic()

    def on_epoch_end(self, epoch, logs=None):
        import time

        self.ultima_epoca = epoch + 1
        if time.monotonic() - self.inicio >= self.segundos:
            self.model.stop_training = True
