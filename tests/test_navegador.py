"""El libro como lo ve un lector: cada página del HTML construido, en Chromium sin pantalla.

Necesita el libro construido (``jupyter-book build .``), Chromium de Debian
(``/usr/bin/chromium``) y el paquete ``playwright``. Sin libro construido las
pruebas se saltan, salvo en CI (``CI=true``) o con ``GENERATIVA_EXIGIR_LIBRO=1``,
donde la ausencia es un fallo. MathJax se sirve desde una
copia local (``npm install mathjax@3`` en ``.ci/npm``) porque aquí no hay CDN.
"""

from __future__ import annotations

import functools
import http.server
import json
import os
import re
import threading
from pathlib import Path
from urllib.parse import unquote, urlparse

import pytest

from conftest import RAIZ

LIBRO = RAIZ / "_build" / "html"
CAPTURAS = RAIZ / "_build" / "capturas"
EJECUTADOS = RAIZ / "_build" / "jupyter_execute"
MATHJAX = Path(os.environ.get("GENERATIVA_MATHJAX", RAIZ / ".ci" / "npm" / "node_modules" / "mathjax"))
CHROMIUM = os.environ.get("GENERATIVA_CHROMIUM", "/usr/bin/chromium")
# En CI (CI=true) o con GENERATIVA_EXIGIR_LIBRO=1, que falte el libro o el navegador es un fallo.
EXIGIR = os.environ.get("GENERATIVA_EXIGIR_LIBRO") == "1" or os.environ.get("CI") == "true"
CONFIG = (RAIZ / "_config.yml").read_text(encoding="utf-8")
REPOSITORIO = re.search(r"(?m)^  url: https://github\.com/(\S+)$", CONFIG).group(1)


def _falta(motivo: str):
    if EXIGIR:
        pytest.fail(motivo)
    pytest.skip(motivo)


def _paginas() -> list[str]:
    if not (LIBRO / "index.html").is_file():
        return []
    omitir = {"search.html", "genindex.html", "index.html"}
    return sorted(p.relative_to(LIBRO).as_posix() for p in LIBRO.rglob("*.html")
                  if p.name not in omitir and not p.relative_to(LIBRO).parts[0].startswith("_"))


PAGINAS = _paginas()


@pytest.fixture(scope="module")
def servidor():
    if not PAGINAS:
        _falta("No hay libro construido en _build/html: ejecuta antes «jupyter-book build .».")
    class Silencioso(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    manejador = functools.partial(Silencioso, directory=str(LIBRO))
    http_servidor = http.server.ThreadingHTTPServer(("127.0.0.1", 0), manejador)
    hilo = threading.Thread(target=http_servidor.serve_forever, daemon=True)
    hilo.start()
    yield f"http://127.0.0.1:{http_servidor.server_address[1]}"
    http_servidor.shutdown()


@pytest.fixture(scope="module")
def navegador():
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _falta("Falta el paquete playwright (pip install -r requirements.txt).")
    if not Path(CHROMIUM).is_file():
        _falta(f"Falta Chromium en {CHROMIUM} (apt-get install chromium).")
    with sync_playwright() as p:
        chromium = p.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run"])
        yield chromium
        chromium.close()


def _abrir(navegador, servidor, ruta, ancho=1280, alto=900):
    pagina = navegador.new_page(viewport={"width": ancho, "height": alto})
    errores: list[str] = []
    pagina.on("pageerror", lambda e: errores.append(str(e)))

    def servir_mathjax(route):
        archivo = MATHJAX / urlparse(route.request.url).path.split("/npm/mathjax@3/", 1)[1]
        if archivo.is_file():
            route.fulfill(path=str(archivo))
        else:
            route.abort()

    # Sin red: todo lo externo se corta, salvo MathJax, que se sirve de la copia local
    # (en Playwright, la ruta registrada en último lugar tiene prioridad).
    pagina.route(re.compile(r"^https?://(?!127\.0\.0\.1).*"), lambda route: route.abort())
    pagina.route(re.compile(r"https://cdn\.jsdelivr\.net/npm/mathjax@3/.*"), servir_mathjax)
    pagina.goto(f"{servidor}/{ruta}", wait_until="load")
    return pagina, errores


def _esperar_mathjax(pagina) -> bool:
    if not pagina.evaluate("() => !!document.querySelector('script[src*=mathjax]')"):
        return False
    pagina.wait_for_function("() => window.MathJax && MathJax.startup && MathJax.startup.promise",
                             timeout=20_000)
    pagina.evaluate("() => MathJax.startup.promise")
    return True


@pytest.mark.parametrize("ruta", PAGINAS)
def test_pagina(navegador, servidor, ruta):
    pagina, errores = _abrir(navegador, servidor, ruta)
    try:
        # 1. Sin trazas de error ni salida de errores en las celdas.
        salidas = pagina.locator(".cell_output").all_inner_texts()
        for texto in salidas:
            assert "Traceback (most recent call last)" not in texto and "-----------" not in texto, texto[:500]
        assert pagina.locator(".cell_output .stderr, .cell_output .traceback").count() == 0, \
            pagina.locator(".cell_output .stderr").first.inner_text()[:500]

        # 2. Matemáticas renderizadas: ni $$ ni \frac a la vista tras MathJax.
        if pagina.locator(".math").count():
            if not (MATHJAX / "es5" / "tex-mml-chtml.js").is_file():
                _falta(f"Falta la copia local de MathJax en {MATHJAX} (npm install mathjax@3).")
            assert _esperar_mathjax(pagina)
            # El texto visible fuera del código (las celdas pueden contener LaTeX de matplotlib).
            visible = pagina.evaluate("""() => { const a = document.querySelector('article').cloneNode(true);
                a.querySelectorAll('pre, code, .cell_input, .highlight, mjx-container')
                 .forEach(e => e.remove());
                return a.innerText; }""")
            for crudo in ("$$", "\\frac", "\\bar", "\\sqrt", "\\(", "\\["):
                assert crudo not in visible, f"matemáticas sin renderizar ({crudo!r}) en {ruta}"
            assert pagina.locator("mjx-container").count() > 0

        # 3. Todas las imágenes cargan.
        pagina.evaluate("""async () => { for (const img of document.images) {
            img.loading = 'eager'; try { await img.decode(); } catch (e) {} } }""")
        rotas = pagina.evaluate("() => [...document.images].filter(i => !(i.naturalWidth > 0)).map(i => i.src)")
        assert not rotas, f"imágenes que no cargan en {ruta}: {rotas[:5]}"

        # 4. Botón de Colab hacia el .ipynb emparejado, en la rama main.
        if ruta.startswith("chapters/"):
            cuaderno = ruta.removesuffix(".html") + ".ipynb"
            esperado = f"https://colab.research.google.com/github/{REPOSITORIO}/blob/main/{cuaderno}"
            enlaces = pagina.eval_on_selector_all("a[href*='colab.research.google.com']",
                                                  "els => els.map(e => e.href)")
            assert enlaces == [esperado], (enlaces, esperado)
            assert (RAIZ / cuaderno).is_file()
            # Las tareas se abren en blanco: el cuaderno enlazado tiene los huecos, no las soluciones.
            if Path(cuaderno).name.startswith("tarea"):
                texto = (RAIZ / cuaderno).read_text(encoding="utf-8")
                assert "TU CÓDIGO AQUÍ" in texto and "--- solución ---" not in texto, cuaderno

        # 5. Las animaciones se mueven al pulsar «siguiente fotograma».
        for animacion in pagina.locator(".animation").all():
            imagen = animacion.locator("img").first
            antes = imagen.get_attribute("src")
            animacion.locator("button[title*='next' i]").first.click()
            pagina.wait_for_timeout(200)
            assert imagen.get_attribute("src") != antes, f"una animación de {ruta} no cambia de fotograma"

        # 6. Las soluciones y respuestas desplegables empiezan cerradas y se abren al pulsar.
        for desplegable in pagina.locator("div.dropdown.admonition").all():
            cuerpo = desplegable.locator("> :not(.admonition-title)").first
            assert not cuerpo.is_visible(), f"un desplegable de {ruta} está abierto al cargar"
            desplegable.locator(".admonition-title").click()
            cuerpo.wait_for(state="visible", timeout=3000)

        assert not errores, f"errores de JavaScript en {ruta}: {errores}"

        # 7. Capturas para revisar a ojo, en escritorio y en celular.
        CAPTURAS.mkdir(parents=True, exist_ok=True)
        nombre = ruta.removesuffix(".html").replace("/", "__")
        pagina.screenshot(path=str(CAPTURAS / f"{nombre}-escritorio.png"), full_page=True)
        pagina.set_viewport_size({"width": 390, "height": 844})
        pagina.wait_for_timeout(200)
        pagina.screenshot(path=str(CAPTURAS / f"{nombre}-movil.png"), full_page=True)
    finally:
        pagina.close()


def test_la_busqueda_encuentra_un_termino_de_un_solo_capitulo(navegador, servidor):
    termino = "volteados"  # solo aparece en el capítulo de muestreo del EBM
    con_termino = [p for p in PAGINAS if termino in (LIBRO / p).read_text(encoding="utf-8")]
    assert con_termino == ["chapters/ebm/03-muestreo.html"], con_termino
    pagina, _ = _abrir(navegador, servidor, f"search.html?q={termino}")
    try:
        pagina.wait_for_selector("#search-results ul.search li", timeout=20_000)
        enlaces = pagina.eval_on_selector_all("#search-results ul.search li a", "els => els.map(e => e.href)")
        assert enlaces and all("chapters/ebm/03-muestreo.html" in e for e in enlaces), enlaces
    finally:
        pagina.close()


def test_los_enlaces_internos_llevan_a_algo():
    if not PAGINAS:
        _falta("No hay libro construido en _build/html.")
    from bs4 import BeautifulSoup

    ids_por_pagina: dict[Path, set[str]] = {}

    def ids(archivo: Path) -> set[str]:
        if archivo not in ids_por_pagina:
            sopa = BeautifulSoup(archivo.read_text(encoding="utf-8"), "html.parser")
            ids_por_pagina[archivo] = {e["id"] for e in sopa.find_all(id=True)}
        return ids_por_pagina[archivo]

    rotos = []
    for ruta in [*PAGINAS, "search.html", "genindex.html"]:
        archivo = LIBRO / ruta
        sopa = BeautifulSoup(archivo.read_text(encoding="utf-8"), "html.parser")
        for a in sopa.find_all("a", href=True):
            destino = urlparse(a["href"])
            if destino.scheme or destino.netloc or a["href"].startswith(("mailto:", "javascript:")):
                continue
            objetivo = (archivo.parent / unquote(destino.path)).resolve() if destino.path else archivo
            if objetivo.is_dir():
                objetivo = objetivo / "index.html"
            if not objetivo.is_file():
                rotos.append(f"{ruta} → {a['href']}")
            elif destino.fragment and objetivo.suffix == ".html" and destino.fragment not in ids(objetivo):
                rotos.append(f"{ruta} → {a['href']} (ancla inexistente)")
    assert not rotos, rotos[:20]


def test_cada_figura_generada_tiene_titulo_en_espanol():
    cuadernos = sorted(EJECUTADOS.rglob("*.ipynb")) if EJECUTADOS.is_dir() else []
    if not cuadernos:
        _falta("No hay cuadernos ejecutados en _build/jupyter_execute.")
    sin_titulo = []
    for cuaderno in cuadernos:
        for celda in json.loads(cuaderno.read_text(encoding="utf-8"))["cells"]:
            if celda["cell_type"] != "code":
                continue
            figuras = [s for s in celda.get("outputs", []) if "image/png" in s.get("data", {})]
            if not figuras:
                continue
            fuente = "".join(celda["source"])
            if not re.search(r"titulos?=|set_title\(|suptitle\(|title=|plt\.title\(", fuente):
                sin_titulo.append(f"{cuaderno.name}: {fuente[:80]!r}")
    assert not sin_titulo, sin_titulo


def test_las_capturas_se_guardan(navegador, servidor):
    # Las mismas condiciones que test_pagina (Chromium, MathJax, el libro): si faltan, las dos se saltan.
    if not PAGINAS:
        _falta("No hay libro construido en _build/html.")
    if not CAPTURAS.is_dir():
        _falta("Las capturas se hacen en test_pagina (ejecuta el módulo entero).")
    nombres = {p.name for p in CAPTURAS.glob("*.png")}
    for ruta in PAGINAS:
        nombre = ruta.removesuffix(".html").replace("/", "__")
        assert {f"{nombre}-escritorio.png", f"{nombre}-movil.png"} <= nombres, nombre

