"""Un servidor HTTP en 127.0.0.1 para probar las descargas sin internet."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class ServidorDePrueba:
    """Sirve ``archivos[ruta] = bytes``; ``modos[ruta]`` puede ser "truncar" o un código HTTP."""

    def __init__(self):
        self.archivos: dict[str, bytes] = {}
        self.modos: dict[str, object] = {}
        self.peticiones: list[str] = []
        servidor = self

        class Manejador(BaseHTTPRequestHandler):
            def do_GET(self):
                servidor.peticiones.append(self.path)
                modo = servidor.modos.get(self.path)
                if isinstance(modo, int):
                    self.send_error(modo)
                    return
                contenido = servidor.archivos.get(self.path)
                if contenido is None:
                    self.send_error(404)
                    return
                self.send_response(200)
                self.send_header("Content-Length", str(len(contenido)))
                self.end_headers()
                # "truncar": anuncia el tamaño completo y corta la conexión a la mitad
                self.wfile.write(contenido[: len(contenido) // 2] if modo == "truncar" else contenido)

            def log_message(self, *args):
                pass

        self._http = ThreadingHTTPServer(("127.0.0.1", 0), Manejador)
        self._hilo = threading.Thread(target=self._http.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._http.server_address[1]}"

    def __enter__(self):
        self._hilo.start()
        return self

    def __exit__(self, *exc):
        self._http.shutdown()
        self._http.server_close()
