import pytest

from generativa import perfiles
from generativa.pagina import nota_perfil
from generativa.perfiles import perfil_activo, PERFILES


@pytest.mark.parametrize("nombre", ["rapido", "cpu", "completo", " CPU "])
def test_la_variable_de_entorno_elige_el_perfil(monkeypatch, nombre):
    monkeypatch.setenv("GENERATIVA_PERFIL", nombre)
    assert perfil_activo().nombre == nombre.strip().lower()


def test_un_perfil_desconocido_es_un_error_claro(monkeypatch):
    monkeypatch.setenv("GENERATIVA_PERFIL", "turbo")
    with pytest.raises(ValueError, match="Perfil de ejecución desconocido 'turbo'.*rapido, cpu, completo"):
        perfil_activo()


@pytest.mark.parametrize("hay_gpu, esperado", [(True, "completo"), (False, "cpu")])
def test_sin_variable_decide_el_hardware(monkeypatch, hay_gpu, esperado):
    monkeypatch.delenv("GENERATIVA_PERFIL", raising=False)
    monkeypatch.setattr(perfiles, "gpu_disponible", lambda: hay_gpu)
    assert perfil_activo().nombre == esperado


def test_elegir_devuelve_el_valor_del_perfil():
    valores = {p.nombre: p.elegir(rapido=1, cpu=20, completo=60) for p in PERFILES.values()}
    assert valores == {"rapido": 1, "cpu": 20, "completo": 60}


def test_con_la_escala_de_prueba_completo_elige_las_cantidades_de_rapido_y_lo_dice(monkeypatch):
    monkeypatch.setenv("GENERATIVA_PRUEBA_ESCALA", '{"epocas": 2}')
    valores = {p.nombre: p.elegir(rapido=1, cpu=20, completo=60) for p in PERFILES.values()}
    assert valores == {"rapido": 1, "cpu": 20, "completo": 1}
    assert perfiles.escala_de_prueba() == {"epocas": 2}
    nota = nota_perfil(perfil=PERFILES["completo"], epocas=2)
    assert "Escala de prueba" in nota._repr_html_() and "no son las del curso" in repr(nota)
    assert "Escala de prueba" not in nota_perfil(perfil=PERFILES["cpu"], epocas=2)._repr_html_()
    monkeypatch.setenv("GENERATIVA_PRUEBA_ESCALA", "épocas: 2")
    with pytest.raises(ValueError, match="GENERATIVA_PRUEBA_ESCALA debe ser un objeto JSON.*llegó 'épocas: 2'"):
        PERFILES["completo"].elegir(rapido=1, cpu=20, completo=60)
    monkeypatch.setenv("GENERATIVA_PRUEBA_ESCALA", "[2]")
    with pytest.raises(ValueError, match="objeto JSON no vacío"):
        perfiles.escala_de_prueba()
    monkeypatch.setenv("GENERATIVA_PRUEBA_ESCALA", '{"epocaz": 2}')
    with pytest.raises(ValueError, match="campos de ConfiguracionDDM.*epocaz"):
        from generativa import difusion
        perfiles.configuracion(difusion.CONFIGURACIONES, "completo")


def test_la_nota_muestra_perfil_y_cifras():
    nota = nota_perfil({"épocas": 12}, perfil=PERFILES["cpu"], imagenes_de_entrenamiento=8189)
    html = nota._repr_html_()
    assert "perfil <code>cpu</code>" in html
    assert "épocas: 12" in html and "imagenes de entrenamiento: 8.189" in html
    assert "<p>Sin GPU: ejecuciones" in html
    assert "ejecución reducida" in html
    assert "«cpu»" in repr(nota) and "épocas: 12" in repr(nota)
    assert "ejecución reducida" not in nota_perfil(perfil=PERFILES["completo"], epocas=50)._repr_html_()
    # con GPU, el recuadro no promete «la configuración del curso» para los pesos que se cargan
    completo = nota_perfil(perfil=PERFILES["completo"], epocas=50)._repr_html_()
    assert "exacta" not in completo and "los tuyos si los" in completo
    assert "Perfil de pruebas" in nota_perfil(perfil=PERFILES["rapido"], epocas=1)._repr_html_()
    assert "Perfil de pruebas" not in html


def test_la_nota_valida_lo_que_recibe():
    with pytest.raises(ValueError, match="al menos una cifra"):
        nota_perfil(perfil=PERFILES["rapido"])
    with pytest.raises(ValueError, match="Se esperaba un Perfil"):
        nota_perfil(perfil="rapido", epocas=1)
    with pytest.raises(ValueError, match="Se esperaba un diccionario"):
        nota_perfil([("épocas", 1)])


def test_importar_tensorflow_no_ensucia_la_salida_de_errores(tmp_path):
    import subprocess
    import sys
    codigo = ("from generativa.motor import importar_keras; keras = importar_keras(); "
              "import sys; print(keras.backend.backend()); print('visible', file=sys.stderr)")
    salida = subprocess.run([sys.executable, "-c", codigo], capture_output=True, text=True, check=True)
    assert salida.stdout.strip() == "tensorflow"
    assert salida.stderr.strip() == "visible"
