"""Lazily compiled URL builders (server/lazy_rules.py) build exactly the URLs Werkzeug's own rules build."""
from __future__ import annotations

from werkzeug.routing import Map, Rule

from server.lazy_rules import LazyBuilderRule


def _value(converter) -> object:
    """A value each converter accepts, with characters that must be quoted."""
    name = type(converter).__name__
    if name == "AnyConverter":
        return sorted(converter.items)[0]
    if name in ("IntegerConverter", "FloatConverter"):
        return 7
    return "a b/ü" if name == "PathConverter" else "a b:ü"


def test_every_endpoint_builds_the_same_url_as_werkzeugs_eager_rule(sqlite_app):
    rules = [rule for rule in sqlite_app.url_map.iter_rules() if rule.endpoint != "static"]
    assert len(rules) > 50 and all(isinstance(rule, LazyBuilderRule) for rule in rules)
    eager = Map([Rule(rule.rule, endpoint=rule.endpoint, methods=rule.methods, defaults=rule.defaults)
                 for rule in rules], converters=sqlite_app.url_map.converters)
    lazy_adapter = sqlite_app.url_map.bind("muniment.test")
    eager_adapter = eager.bind("muniment.test")
    for rule, eager_rule in zip(rules, eager.iter_rules(), strict=True):
        assert eager_rule.rule == rule.rule
        values = {name: _value(converter) for name, converter in rule._converters.items()}
        # The second goes through the "unknown" builder, with an argument named as the builder's own rule.
        for extra in ({}, {"page": "2", "q": "книги 1955", "rule": "x"}):
            arguments = {**extra, **values}  # a rule's own argument wins over an extra of the same name
            built = lazy_adapter.build(rule.endpoint, arguments, method=next(iter(rule.methods)),
                                       force_external=True)
            assert built == eager_adapter.build(rule.endpoint, arguments, method=next(iter(rule.methods)),
                                                force_external=True), rule.rule
            assert built.startswith("http://muniment.test/")
            for append_unknown in (False, True):  # each of a rule's two builders, called directly
                assert rule.build(arguments, append_unknown) == eager_rule.build(
                    arguments, append_unknown), (rule.rule, append_unknown)


def _compiled(builder) -> list:
    """What a lazy builder holds: [] before its first call, [the compiled function] after."""
    return next(cell.cell_contents for cell in builder.__closure__ if isinstance(cell.cell_contents, list))


def test_a_builder_compiles_on_first_use_once(sqlite_app):
    rule = next(rule for rule in sqlite_app.url_map.iter_rules() if rule.endpoint == "records.record")
    assert _compiled(rule._build) == [] and _compiled(rule._build_unknown) == []
    adapter = sqlite_app.url_map.bind("muniment.test")
    first = adapter.build("records.record", {"identifier": "x"})  # append_unknown: the second builder
    assert adapter.build("records.record", {"identifier": "y"}) == first[:-1] + "y"
    assert _compiled(rule._build) == [] and len(_compiled(rule._build_unknown)) == 1


def test_a_query_argument_named_like_the_builders_own_parameter_is_kept(sqlite_app):
    """The front page redirects to the list with every query argument: one called ``rule`` included."""
    response = sqlite_app.test_client().get("/?rule=a&q=x")
    assert response.status_code == 302 and response.location.endswith("/records?rule=a&q=x")
