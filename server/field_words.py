"""Record fields and validation problems in an archivist's words: the one translation from a JSON pointer (and
a jsonschema or rule message) to a field label and a message saying what to write.

The API keeps its pointers and the schema's wording (scripts need them); people see only this module's words,
in the editor's error summary, beside each field, and in the history. No regular expression, pointer, schema
keyword or ``lang:`` prefix is ever shown: a message this module cannot recognise becomes a generic sentence
about the field rather than leaking the schema's text.
"""
from __future__ import annotations

import re

from metadata.record import date_words, languages

FIELDS = {
    "identifier": "Identifier", "id": "Identifier", "created": "Date", "title": "Title",
    "alternative": "Other title", "language": "Language", "creator": "Creator", "contributor": "Contributor",
    "addressee": "Recipient", "abstract": "Summary", "subject": "Subject", "spatial": "Place",
    "temporal": "Period", "provenance": "Provenance", "source": "Source", "publisher": "Publisher",
    "page": "Archive page", "bibliographicCitation": "Citation", "rights": "Rights", "isPartOf": "Set",
    "referenceCode": "Reference code", "levelOfDescription": "Level of description", "extent": "Extent",
    "custodialHistory": "Custodial history", "accessConditions": "Conditions of access",
    "reproductionConditions": "Conditions of reproduction", "locationOfOriginals": "Location of originals",
    "existenceOfCopies": "Copies", "note": "Note", "hasVersion": "Text", "scans": "Scan",
    "qualifiedAttribution": "Role", "type": "Kind", "name": "Name", "sortName": "Sort name",
    "label": "Label", "prefLabel": "Label", "versionLabel": "Label", "text": "Text", "format": "Format",
    "service": "Image service", "image": "Image URL", "width": "Width", "height": "Height",
    "volume": "Volume", "pages": "Pages", "issued": "Year", "place": "Place", "position": "Position",
    "hadRole": "Role", "agent": "Person", "translationOfWork": "Translation", "isVersionOf": "Text",
}
# The language-tagged maps: a key below one of these is a language tag, shown by its English name.
LANGUAGE_MAPS = {"title", "alternative", "abstract", "custodialHistory", "accessConditions",
                 "reproductionConditions", "locationOfOriginals", "existenceOfCopies", "note", "name", "prefLabel",
                 "label", "position"}
# Keys that hold a row's value: "Subject 1", not "Subject 1, label".
VALUE_KEYS = {"name", "prefLabel", "label"}
URL_ADVICE = "write a full web address starting with https://"
# What to write, by the last named field of a pointer, when the schema rejects the value's shape.
ADVICE = {
    "identifier": "use only letters, digits, - and _ (no spaces or dots), starting with a letter or digit",
    "id": "use only letters, digits, - and _ (no spaces or dots), starting with a letter or digit",
    "created": date_words.ADVICE, "issued": date_words.ADVICE, "language": languages.ADVICE,
    "page": URL_ADVICE, "service": URL_ADVICE, "image": URL_ADVICE, "rights": "choose a rights statement from the list",
    "width": "write the width in pixels, a whole number such as 2400",
    "height": "write the height in pixels, a whole number such as 3200",
}


def _parts(pointer: str) -> list[str]:
    return [p.replace("~1", "/").replace("~0", "~") for p in pointer.split("/")[1:]] if pointer else []


def _language_name(tag: str) -> str:
    try:
        return languages.english_name(tag)
    except (KeyError, ValueError, LookupError):
        return "no language" if tag == "und" else tag


def label(pointer: str) -> str:
    """ "/subject/0/prefLabel/en" -> "Subject 1 (English)"; "/title/ru" -> "Title (Russian)"."""
    parts = _parts(pointer)
    if not parts:
        return "The record"
    words: list[str] = []
    language = ""
    parent = ""
    for part in parts:
        if part.isdigit():
            if words:
                words[-1] = f"{words[-1]} {int(part) + 1}"
        elif parent in LANGUAGE_MAPS and parent != "":
            language = _language_name(part)
        elif part in FIELDS and not (words and part in VALUE_KEYS):
            name = FIELDS[part]
            if not words or name.lower() not in words[-1].lower():
                words.append(name if not words else name.lower())
        parent = part
    text = ", ".join(words) or "The record"
    return f"{text} ({language})" if language else text


def _field(pointer: str) -> str:
    """The last named (non-index, non-language) part of a pointer."""
    named = [p for p in _parts(pointer) if p in FIELDS]
    return named[-1] if named else ""


def message(pointer: str, raw: str) -> str:
    """A validation message saying what to write, never the schema's own wording."""
    field = _field(pointer)
    if raw.startswith(("cannot read", "unknown language")) or "write " in raw:
        return raw  # the readers' messages are already in plain words
    if "is a required property" in raw:
        missing = re.search(r"'([^']+)' is a required property", raw)
        name = FIELDS.get(missing.group(1), "this field") if missing else "this field"
        return f"{name} is needed: fill it in"
    if "should be non-empty" in raw or "is too short" in raw or "[] should be non-empty" in raw:
        return "fill this in or remove the row"
    if "is too long" in raw:
        return "this is too long: shorten it"
    if "exists already" in raw:
        return f"{raw}: choose another"
    if "listed twice" in raw:
        return "this is listed twice: remove one of them"
    if "must also be listed" in raw:
        return "give this role to a person listed above, or remove the role"
    if "set" in raw and "sets/" in raw:
        return "choose a set from the list"
    if "is not one of" in raw:
        return ADVICE.get(field, "choose one of the offered values")
    if field in ADVICE:
        return ADVICE[field]
    if "does not match" in raw or "is not a" in raw:
        return f"{FIELDS.get(field, 'this value')} is not written in a form that can be saved: check it"
    if raw.startswith(("contains", "a key", "is longer")) or "character" in raw:
        return raw  # text checks (unstorable characters) speak plainly already
    return f"{FIELDS.get(field, 'this value')} cannot be saved as written: check it"


def plain(errors: list[dict]) -> list[dict]:
    """Each error with ``label`` and a plain ``message``; ``pointer`` stays for placing it beside its field."""
    return [{"pointer": e["pointer"], "label": label(e["pointer"]), "message": message(e["pointer"], e["message"])}
            for e in errors]


# Keys that only identify or type a node: a history in words leaves them out.
_PLUMBING = {"id", "type", "@context", "isVersionOf", "translationOfWork"}


def _leaves(pointer: str, value) -> list[tuple[str, str]]:
    if isinstance(value, dict):
        return [leaf for key, item in value.items() if key not in _PLUMBING
                for leaf in _leaves(f"{pointer}/{key.replace('~', '~0').replace('/', '~1')}", item)]
    if isinstance(value, list):
        return [leaf for i, item in enumerate(value) for leaf in _leaves(f"{pointer}/{i}", item)]
    return [(pointer, _language_name(languages.iri_code(value)) if isinstance(value, str)
             and value.startswith("lang:") else str(value))]


def changes_in_words(changes: list[dict]) -> list[dict]:
    """A field diff (JSON Patch with ``old``) as rows of label, before and after, one per changed value: an added
    subject reads "Subject 1 (English): Soviet loans", not a pointer and a JSON object."""
    rows = []
    for change in changes:
        before = dict(_leaves(change["path"], change["old"])) if "old" in change else {}
        after = dict(_leaves(change["path"], change["value"])) if "value" in change and change["op"] != "remove" \
            else {}
        for pointer in dict.fromkeys([*before, *after]):
            if before.get(pointer) != after.get(pointer):
                rows.append({"label": label(pointer), "old": before.get(pointer, ""), "value": after.get(pointer, "")})
    return rows
