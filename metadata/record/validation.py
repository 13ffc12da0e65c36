"""Record validation: the JSON Schema (shape, vocabularies, formats) plus the rules a schema cannot say.

Every problem comes back as ``{"pointer": JSON Pointer, "message": text}`` so the API, the CLI and the web
editor can all show it next to the field it concerns.
"""
from __future__ import annotations

import json
import re
from functools import lru_cache
from importlib import resources

import jsonschema
import jsonschema_rs
from jsonschema import Draft202012Validator, FormatChecker

from metadata.record import authority, dates, languages, record_format
from metadata.record import sets as set_rules
from metadata.record.text import unstorable
from metadata.record.urls import STORED


# OAI-PMH setSpec syntax: colon-separated segments of URL-safe characters.
SET_SPEC = re.compile(r"[A-Za-z0-9\-_.!~*'()]+(?::[A-Za-z0-9\-_.!~*'()]+)*")


class RecordInvalid(ValueError):
    """A record failed validation; ``errors`` lists every problem with its JSON pointer."""

    def __init__(self, errors: list[dict]):
        self.errors = errors
        super().__init__("; ".join(f"{e['pointer'] or '/'}: {e['message']}" for e in errors))

    def __reduce__(self):  # rebuilt from its errors when it crosses from a worker process (bulk saves)
        return RecordInvalid, (self.errors,)


def load_schema() -> dict:
    return json.loads(resources.files("metadata.record").joinpath("record.schema.json").read_text("utf-8"))


def _format_checker() -> FormatChecker:
    checker = FormatChecker()
    checker.checks("edtf")(dates.is_edtf)
    checker.checks("bcp47")(languages.is_language_tag)
    return checker


def _inline_references(schema: dict) -> dict:
    """The schema with every local ``$ref`` replaced by its definition (the schema has no recursion).

    jsonschema resolves a ``$ref`` on every descent, which was most of a record's validation time; the
    inlined schema accepts and rejects exactly the same documents, with the same error paths."""
    definitions = schema.get("$defs", {})

    def resolve(node):
        if isinstance(node, dict):
            if "$ref" in node and node["$ref"].startswith("#/$defs/"):
                target = resolve(definitions[node["$ref"].removeprefix("#/$defs/")])
                rest = {k: resolve(v) for k, v in node.items() if k != "$ref"}
                return {**target, **rest} if not (set(rest) & set(target)) else {"allOf": [target, rest]}
            return {k: resolve(v) for k, v in node.items() if k != "$defs"}
        if isinstance(node, list):
            return [resolve(item) for item in node]
        return node

    return resolve(schema)


def _whole_pattern(validator, pattern, instance, schema):
    """JSON Schema ``pattern`` where ``$`` means the end of the text: Python's ``$`` also matches before a
    final newline, which let an identifier "abc\\n" through to be stored and then reached by no route."""
    if not validator.is_type(instance, "string"):
        return
    anchored = pattern[:-1] + r"\Z" if pattern.endswith("$") and not pattern.endswith("\\$") else pattern
    if not re.search(anchored, instance):
        yield jsonschema.ValidationError(f"{instance!r} does not match {pattern!r}")


@lru_cache(maxsize=1)
def _validator() -> Draft202012Validator:
    checker = jsonschema.validators.extend(Draft202012Validator, {"pattern": _whole_pattern})
    return checker(_inline_references(load_schema()), format_checker=_format_checker())


@lru_cache(maxsize=1)
def _fast_validator() -> jsonschema_rs.Validator:
    """The same schema compiled by jsonschema-rs, which answers "valid or not" about four times faster.

    Most records written are valid (imports, saves), so they are judged here and only an invalid one goes to
    ``_validator`` for its messages and paths; its verdict is the one that counts. The formats are the very
    functions ``_validator`` uses (not the Rust library's own), and Rust's ``$`` already ends the text as
    ``_whole_pattern`` makes Python's do, so the two accept the same documents (``tests/test_schema.py``
    checks them against each other). Every format the Python checker knows is handed over, so a format the
    schema uses later is judged the same way too."""
    checker = _format_checker()
    formats = {name: (lambda name: lambda value: checker.conforms(value, name))(name) for name in checker.checkers}
    return jsonschema_rs.validator_for(_inline_references(load_schema()), formats=formats, validate_formats=True)


def _pointer(path) -> str:
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in path)


def _schema_errors(record: dict) -> list[dict]:
    if _fast_validator().is_valid(record):
        return []
    found = []
    for error in _validator().iter_errors(record):
        # Report the most specific cause of a composite failure (oneOf/anyOf) rather than the wrapper.
        best = jsonschema.exceptions.best_match([error]) if error.context else error
        found.append({"pointer": _pointer(best.absolute_path), "message": best.message})
    return sorted(found, key=lambda e: e["pointer"])


def _rule_errors(record: dict) -> list[dict]:
    """Cross-field rules: ids agree, attributions point at listed agents, identifiers are unique."""
    errors: list[dict] = []
    identifier = record.get("identifier")
    record_id = record.get("id")
    if isinstance(identifier, str) and isinstance(record_id, str) and record_id != STORED.record(identifier):
        errors.append({"pointer": "/id", "message": f"id must be the record URL for identifier {identifier!r}"})
    errors += _attribution_errors(record, "", ("creator", "contributor"))
    seen_versions: set = set()
    for i, version in enumerate(record.get("hasVersion") or []):
        if not isinstance(version, dict):
            continue
        where = f"/hasVersion/{i}"
        if version.get("id") in seen_versions:
            errors.append({"pointer": where + "/id", "message": "version ids must be unique"})
        seen_versions.add(version.get("id"))
        if record_id and version.get("isVersionOf") not in (None, record_id):
            errors.append({"pointer": where + "/isVersionOf", "message": "must be the id of this record"})
        if record_id and version.get("translationOfWork") not in (None, record_id):
            errors.append({"pointer": where + "/translationOfWork", "message": "must be the id of this record"})
        errors += _attribution_errors(version, where, ("contributor",))
    for i, iri in enumerate(record.get("isPartOf") or []):
        spec = STORED.set_spec(iri) if isinstance(iri, str) else None
        if spec is None or not SET_SPEC.fullmatch(spec):
            errors.append({"pointer": f"/isPartOf/{i}", "message": "must be the URL of a set (…/sets/SPEC)"})
    for key in ("creator", "contributor", "addressee", "subject", "spatial"):
        ids = [n.get("id") for n in record.get(key) or [] if isinstance(n, dict)]
        for i, node_id in enumerate(ids):
            if node_id is not None and node_id in ids[:i]:
                errors.append({"pointer": f"/{key}/{i}/id", "message": "listed twice"})
    return errors


def _attribution_errors(node: dict, where: str, agent_keys: tuple[str, ...]) -> list[dict]:
    listed = {a.get("id") for key in agent_keys for a in node.get(key) or [] if isinstance(a, dict)}
    errors = []
    for i, attribution in enumerate(node.get("qualifiedAttribution") or []):
        if isinstance(attribution, dict) and attribution.get("agent") not in listed:
            errors.append({
                "pointer": f"{where}/qualifiedAttribution/{i}/agent",
                "message": f"agent must also be listed as {' or '.join(agent_keys)}",
            })
    return errors


def text_errors(node, path=()) -> list[dict]:
    """Strings (keys and values) anywhere in a document that no database or encoder can take as text."""
    errors = []
    if isinstance(node, str):
        problem = unstorable(node)
        if problem:
            errors.append({"pointer": _pointer(path), "message": problem})
    elif isinstance(node, dict):
        for key, value in node.items():
            problem = unstorable(str(key))
            if problem:
                errors.append({"pointer": _pointer(path + (key,)), "message": f"a key {problem}"})
            errors += text_errors(value, path + (key,))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            errors += text_errors(value, path + (index,))
    return errors


def _language_errors(record: dict) -> list[dict]:
    """Every ``lang:xx`` must name a real ISO 639-1 language (the schema only checks the shape)."""
    errors = []
    places = [("/language", record.get("language"))]
    places += [(f"/hasVersion/{i}/language", v.get("language"))
               for i, v in enumerate(record.get("hasVersion") or []) if isinstance(v, dict)]
    for where, values in places:
        for i, value in enumerate(values if isinstance(values, list) else []):
            if isinstance(value, str) and value.startswith("lang:"):
                problem = languages.language_problem(languages.iri_code(value))
                if problem:
                    errors.append({"pointer": f"{where}/{i}", "message": problem})
    return errors


def validate(record) -> list[dict]:
    """Every problem with a stored-form record, schema first; an empty list means valid.

    A record in an older format is judged as it will be stored: upgraded to the current one."""
    if not isinstance(record, dict):
        return [{"pointer": "", "message": "a record must be a JSON object"}]
    record = record_format.upgrade(record)
    unstorable_text = text_errors(record)
    if unstorable_text:
        return unstorable_text
    errors = _schema_errors(record)
    return errors + _rule_errors(record) + _language_errors(record) + authority.record_same_as_errors(record)


def check(record) -> dict:
    """The record itself if valid, else RecordInvalid with every error."""
    errors = validate(record)
    if errors:
        raise RecordInvalid(errors)
    return record


def validate_set(spec: str, name, description, known_specs: set[str]) -> list[dict]:
    """Problems with a set (spec syntax, a name, an existing parent), as ``{pointer, message}``."""
    errors = []
    if not SET_SPEC.fullmatch(spec or ""):
        errors.append({"pointer": "/spec", "message": "a set spec is letters, digits and - _ . ! ~ * ' ( ), "
                                                      "with ':' between levels"})
    if not isinstance(name, str) or not name.strip():
        errors.append({"pointer": "/name", "message": "a set needs a name"})
    elif unstorable(name):
        errors.append({"pointer": "/name", "message": unstorable(name)})
    if not isinstance(description, str):
        errors.append({"pointer": "/description", "message": "must be text"})
    elif unstorable(description):
        errors.append({"pointer": "/description", "message": unstorable(description)})
    parent = set_rules.parent(spec)
    if parent and parent not in known_specs:
        errors.append({"pointer": "/spec", "message": f"create the parent set {parent!r} first"})
    return errors
