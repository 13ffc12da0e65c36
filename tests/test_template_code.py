"""Templates compiled once per process (server/template_code.py): a second app, or a second Jinja environment
over the same cache, loads the code the first compiled instead of compiling again, and a template whose source
changed is compiled afresh, never served from the old code."""
from __future__ import annotations

from jinja2 import DictLoader, Environment

from server.template_code import SharedTemplateCode

from tests.conftest import make_app


def _counting_compiles(environment: Environment) -> list[str]:
    """Names of the templates ``environment`` compiles from now on."""
    compiled: list[str] = []
    original = environment.compile

    def compile(source, name=None, filename=None, *args, **kwargs):
        compiled.append(name)
        return original(source, name, filename, *args, **kwargs)

    environment.compile = compile
    return compiled


def test_a_second_environment_loads_what_the_first_compiled():
    shared = SharedTemplateCode()
    templates = {"page.html": "Hello {{ name }}"}
    first = Environment(loader=DictLoader(templates), bytecode_cache=shared)
    first_compiles = _counting_compiles(first)
    assert first.get_template("page.html").render(name="Ann") == "Hello Ann"
    second = Environment(loader=DictLoader(templates), bytecode_cache=shared)
    second_compiles = _counting_compiles(second)
    assert second.get_template("page.html").render(name="Bob") == "Hello Bob"
    assert first_compiles == ["page.html"] and second_compiles == []


def test_a_changed_template_is_compiled_afresh():
    shared = SharedTemplateCode()
    old = Environment(loader=DictLoader({"page.html": "old {{ n }}"}), bytecode_cache=shared)
    assert old.get_template("page.html").render(n=1) == "old 1"
    new = Environment(loader=DictLoader({"page.html": "new {{ n }}"}), bytecode_cache=shared)
    compiles = _counting_compiles(new)
    assert new.get_template("page.html").render(n=2) == "new 2"
    assert compiles == ["page.html"]


def test_apps_of_one_process_compile_each_template_once(tmp_path):
    first = make_app(f"sqlite:///{tmp_path / 'first.db'}", tmp_path / "first")
    second = make_app(f"sqlite:///{tmp_path / 'second.db'}", tmp_path / "second")
    try:
        page = first.test_client().get("/records")
        compiles = _counting_compiles(second.jinja_env)
        again = second.test_client().get("/records")
        assert page.status_code == again.status_code == 200
        assert page.get_data(as_text=True).count("<html") == again.get_data(as_text=True).count("<html") == 1
        assert compiles == []
    finally:
        for app in (first, second):
            app.extensions["muniment"]["store"].engine.dispose()
