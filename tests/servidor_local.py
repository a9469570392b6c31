"""Un servidor HTTP en 127.0.0.1 para probar las descargas sin internet, con fallos a la carta."""

from __future__ import annotations

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

MODOS = {
    "truncar": "anuncia el tamaño completo (Content-Length) y cierra la conexión a la mitad",
    "trozos_cortados": "envía por trozos (Transfer-Encoding: chunked) y cierra a mitad de un trozo",
    "basura": "responde una línea de estado que no es HTTP",
    "cerrar": "cierra la conexión sin responder nada",
    "lento": "envía el archivo en trozos de `trozo_lento` bytes con una pausa de `pausa_lenta` s",
    "gotear": "anuncia el tamaño y envía un byte cada `pausa_goteo` s",
    "enorme": "envía `bytes_enormes` bytes sin anunciar el tamaño, hasta que el cliente corta",
    "enorme_anunciado": "igual que «enorme», pero anunciando ese tamaño en Content-Length",
    "redirigir:/otra": "responde 302 hacia la ruta /otra",
}


class ServidorDePrueba:
    """Sirve ``archivos[ruta] = bytes`` y, con ``modos[ruta]``, simula fallos.

    ``modos[ruta]`` es un código HTTP (``int``), uno de los nombres de :data:`MODOS`, o una
    lista que se consume una entrada por petición (``[503, 503]``: dos veces 503 y después
    lo normal; ``None`` en la lista es «lo normal»). Registra lo que pasa:

    - ``peticiones``: las rutas pedidas, en orden;
    - ``enviados[ruta]``: los bytes del cuerpo que el servidor llegó a enviar;
    - ``simultaneas_max``: cuántas respuestas llegó a estar enviando a la vez.
    """

    def __init__(self):
        self.archivos: dict[str, bytes] = {}
        self.modos: dict[str, object] = {}
        self.peticiones: list[str] = []
        self.enviados: dict[str, int] = {}
        self.simultaneas_max = 0
        self.trozo_lento = 8 * 1024
        self.pausa_lenta = 0.02
        self.pausa_goteo = 0.5
        self.bytes_enormes = 30 << 20
        self._activas = 0
        self._cerrojo = threading.Lock()
        servidor = self

        class Manejador(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # necesario para Transfer-Encoding: chunked

            def do_GET(self):
                self.close_connection = True
                modo = servidor._modo(self.path)
                with servidor._cerrojo:
                    servidor.peticiones.append(self.path)
                    servidor._activas += 1
                    servidor.simultaneas_max = max(servidor.simultaneas_max, servidor._activas)
                try:
                    self._responder(modo)
                except (BrokenPipeError, ConnectionResetError, ConnectionAbortedError):
                    pass  # el cliente cortó: es lo que se está probando
                finally:
                    with servidor._cerrojo:
                        servidor._activas -= 1

            def _responder(self, modo):
                if isinstance(modo, int):
                    self.send_error(modo)
                    return
                if modo == "basura":
                    self.wfile.write(b"HOLA MUNDO\r\n\r\n")
                    return
                if modo == "cerrar":
                    return
                if isinstance(modo, str) and modo.startswith("redirigir:"):
                    self.send_response(302)
                    self.send_header("Location", modo.split(":", 1)[1])
                    self.send_header("Content-Length", "0")
                    self.send_header("Connection", "close")
                    self.end_headers()
                    return
                if modo in ("enorme", "enorme_anunciado"):
                    self._cabeceras(servidor.bytes_enormes if modo == "enorme_anunciado" else None)
                    bloque = b"\0" * (64 * 1024)
                    for _ in range(servidor.bytes_enormes // len(bloque)):
                        self._enviar(bloque)
                    return
                contenido = servidor.archivos.get(self.path)
                if contenido is None:
                    self.send_error(404)
                    return
                if modo == "trozos_cortados":
                    self._cabeceras(None, chunked=True)
                    mitad = contenido[: len(contenido) // 2]
                    for i in range(0, len(mitad), 4096):
                        trozo = mitad[i:i + 4096]
                        self.wfile.write(b"%x\r\n%s\r\n" % (len(trozo), trozo))
                    # anuncia un trozo de 4096 bytes, envía 10 y cierra
                    self.wfile.write(b"1000\r\n" + contenido[len(mitad):len(mitad) + 10])
                    return
                self._cabeceras(len(contenido))
                if modo == "truncar":
                    self._enviar(contenido[: len(contenido) // 2])
                elif modo == "lento":
                    for i in range(0, len(contenido), servidor.trozo_lento):
                        self._enviar(contenido[i:i + servidor.trozo_lento])
                        time.sleep(servidor.pausa_lenta)
                elif modo == "gotear":
                    for i in range(len(contenido)):
                        self._enviar(contenido[i:i + 1])
                        time.sleep(servidor.pausa_goteo)
                else:
                    self._enviar(contenido)

            def _cabeceras(self, longitud, chunked=False):
                self.send_response(200)
                self.send_header("Content-Type", "application/octet-stream")
                if longitud is not None:
                    self.send_header("Content-Length", str(longitud))
                if chunked:
                    self.send_header("Transfer-Encoding", "chunked")
                self.send_header("Connection", "close")
                self.end_headers()

            def _enviar(self, datos: bytes):
                self.wfile.write(datos)
                with servidor._cerrojo:
                    servidor.enviados[self.path] = servidor.enviados.get(self.path, 0) + len(datos)

            def log_message(self, *args):
                pass

        self._http = ThreadingHTTPServer(("127.0.0.1", 0), Manejador)
        self._http.daemon_threads = True
        self._hilo = threading.Thread(target=self._http.serve_forever, kwargs={"poll_interval": 0.05},
                                      daemon=True)

    def _modo(self, ruta: str):
        with self._cerrojo:
            modo = self.modos.get(ruta)
            if isinstance(modo, list):
                return modo.pop(0) if modo else None
            return modo

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._http.server_address[1]}"

    def __enter__(self):
        self._hilo.start()
        return self

    def __exit__(self, *exc):
        self._http.shutdown()
        self._http.server_close()
