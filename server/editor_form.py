"""The web editor's form: a record as editable rows and back, so every field of the schema has a control.

Field names are flat and dotted (``creator.2.name``), so the form works without JavaScript: "add" and
"remove" buttons post the form back and the server re-renders it with one row more or less. ``to_record``
builds the stored-form record the schema validates; ``field_of`` maps a validation pointer to the control.
"""
from __future__ import annotations

import json
import re

from metadata.record import authority, date_words, describe, identifiers, languages, record_format
from metadata.record.text import unstorable
from metadata.record.urls import STORED

from . import field_words

LANGMAPS = ["title", "alternative", "abstract", "custodialHistory", "accessConditions", "reproductionConditions",
            "locationOfOriginals", "existenceOfCopies", "note"]
SCALARS = ["identifier", "recordType", "created", "referenceCode", "levelOfDescription", "extent", "page", "rights",
           "bibliographicCitation"]
AGENT_LISTS = {"creator": ["aut", "sgn", "cre"], "contributor": ["edt", "ctb", "trl"], "addressee": []}
LABELLED = {"subject": ("Concept", "prefLabel"), "spatial": ("Location", "label"), "temporal": ("PeriodOfTime", "label")}
SOURCE_FIELDS = ["type", "label", "identifier", "volume", "pages", "issued", "place", "publisher", "publisherLang"]
BLANK = {
    "langmap": {"lang": "en", "text": ""},
    "agent": {"id": "", "name": "", "lang": "en", "type": "Person", "sortName": "", "role": "", "extra": "",
              "position": "", "positionLang": "en", "entity": ""},
    "labelled": {"id": "", "label": "", "lang": "en", "extra": "", "entity": ""},
    "language": {"code": ""},
    "version": {"key": "", "language": "", "label": "", "title": "", "translation": "", "translators": "",
                "format": "text/markdown", "text": "", "people": ""},
    "scan": {"label": "", "service": "", "image": "", "width": "", "height": ""},
    "sourceTitle": {"lang": "", "text": ""},
}
LIST_KINDS = {**{k: "langmap" for k in LANGMAPS + ["provenance"]}, **{k: "agent" for k in AGENT_LISTS},
              **{k: "labelled" for k in LABELLED}, "language": "language", "hasVersion": "version",
              "scans": "scan", "sourceTitle": "sourceTitle"}


def _first(language_map: dict) -> tuple[str, str, str]:
    """(language, text, the other languages as JSON): the form edits one language, the rest ride along."""
    lang = next(iter(language_map))
    others = {k: v for k, v in language_map.items() if k != lang}
    return lang, language_map[lang], json.dumps(others, ensure_ascii=False) if others else ""


def _with_extra(lang: str, text: str, extra: str) -> dict:
    merged = {lang: text}
    try:
        others = json.loads(extra) if extra else {}
    except ValueError:
        others = {}
    merged.update({k: v for k, v in others.items() if isinstance(v, str) and k != lang})
    return merged


def _rows(language_map: dict | None) -> list[dict]:
    return [{"lang": lang, "text": text} for lang, text in (language_map or {}).items()]


def to_form(record: dict) -> dict:
    """The editable structure of a stored record."""
    form: dict = {key: record.get(key, "") or "" for key in SCALARS}
    form["recordType"] = describe.record_type(record)
    form["extent"] = describe.extent(record) or ""
    for key in LANGMAPS:
        form[key] = _rows(record.get(key))
    form["provenance"] = _rows((record.get("provenance") or {}).get("label"))
    form["language"] = [{"code": languages.iri_code(c)} for c in record.get("language") or []]
    roles = {a["agent"]: a["hadRole"].split(":")[1] for a in record.get("qualifiedAttribution") or []}
    positions = {a["agent"]: _first(a["position"]) for a in record.get("qualifiedAttribution") or []
                 if a.get("position")}
    for key in AGENT_LISTS:
        form[key] = []
        for agent in record.get(key) or []:
            lang, name, extra = _first(agent["name"])
            form[key].append({"id": agent["id"], "name": name, "lang": lang, "type": agent["type"],
                              "sortName": agent.get("sortName", ""), "role": roles.get(agent["id"], ""),
                              "extra": extra, "position": positions.get(agent["id"], ("", "", ""))[1],
                              "positionLang": positions.get(agent["id"], ("en", "", ""))[0], "entity": ""})
    for key, (_, label_key) in LABELLED.items():
        form[key] = []
        for node in record.get(key) or []:
            lang, label, extra = _first(node[label_key])
            form[key].append({"id": node.get("id", ""), "label": label, "lang": lang, "extra": extra, "entity": ""})
    source = record.get("source") or {}
    form["source"] = {k: source.get(k, "") for k in SOURCE_FIELDS if k != "publisher"}
    publisher_name = (source.get("publisher") or {}).get("name") or {}
    form["source"]["publisher"] = next(iter(publisher_name.values()), "")
    form["source"]["publisherLang"] = next(iter(publisher_name), "")
    form["sourceTitle"] = _rows(source.get("title"))
    form["publisherName"] = next(iter(((record.get("publisher") or {}).get("name") or {}).values()), "")
    form["isPartOf"] = [STORED.set_spec(iri) for iri in record.get("isPartOf") or []]
    form["hasVersion"] = [{
        "key": v["id"].rsplit("/", 1)[-1], "language": languages.iri_code(v["language"][0]),
        "label": v.get("versionLabel", ""), "title": next(iter((v.get("title") or {}).values()), ""),
        "translation": "yes" if v.get("translationOfWork") else "",
        "translators": ", ".join(next(iter(c["name"].values())) for c in v.get("contributor") or []),
        "format": describe.media_type(v), "text": v.get("text", ""),
        "people": json.dumps(v.get("contributor") or [], ensure_ascii=False) if v.get("contributor") else ""}
        for v in record.get("hasVersion") or []]
    form["scans"] = [{"label": next(iter(s["label"].values())), "service": s.get("service", ""),
                      "image": s.get("image", ""), "width": str(s["width"]), "height": str(s["height"])}
                     for s in record.get("scans") or []]
    return form


def from_post(values) -> dict:
    """The structure a posted form describes (a MultiDict of dotted names)."""
    form: dict = {key: values.get(key, "").strip() for key in SCALARS}
    for key, kind in LIST_KINDS.items():
        rows: dict[int, dict] = {}
        pattern = re.compile(rf"^{re.escape(key)}\.(\d+)\.(\w+)$")
        for name in values:
            match = pattern.match(name)
            if match and int(match.group(1)) < 1000:
                rows.setdefault(int(match.group(1)), dict(BLANK[kind]))[match.group(2)] = values.get(name, "")
        form[key] = [rows[i] for i in sorted(rows)]
    form["source"] = {k: values.get(f"source.{k}", "").strip() for k in SOURCE_FIELDS}
    form["publisherName"] = values.get("publisherName", "").strip()
    form["isPartOf"] = values.getlist("isPartOf")
    return form


def new_form() -> dict:
    """A new record's form: one empty row for what nearly every letter has (a language, a creator, a summary), so
    cataloguing from a slip is typing, not first pressing "Add" for each; empty rows are left out on save."""
    form = to_form({"identifier": "", "title": {"en": ""}, "created": ""})
    for key in ("language", "creator", "abstract"):
        form[key].append(dict(BLANK[LIST_KINDS[key]]))
    return form


def offer_reference_code(form: dict) -> str:
    """The identifier typed, when it is really a reference code ("MSA/LIB/4/2") that the form should offer to move
    into the reference code field; else ""."""
    typed = form.get("identifier", "")
    return typed if not form.get("referenceCode") and identifiers.looks_like_reference_code(typed) else ""


# The first control of a row of each kind: where focus goes when a row is added.
FIRST_CONTROL = {"langmap": "text", "agent": "name", "labelled": "label", "language": "code", "version": "language",
                 "scan": "label", "sourceTitle": "text"}


def row_control(key: str, index: int) -> str:
    """The id of the first control of row ``index`` of list ``key`` (what an added row focuses and the no-script
    "Add" button's #fragment points at)."""
    return f"{key}.{index}.{FIRST_CONTROL[LIST_KINDS[key]]}"


def apply_action(form: dict, action: str, taken=lambda identifier: False) -> tuple[dict, str]:
    """'add:creator' appends an empty row; 'remove:creator:2' drops row 2; 'use-reference-code' moves a reference
    code typed as the identifier into its own field and suggests the identifier from it (``taken`` says which
    identifiers exist). Returns the form and the id of the control to focus afterwards (the new row's first
    control; after a removal, the row that took its place, or the section's "Add" button), so the archivist stays
    where they were."""
    if action == "use-reference-code" and offer_reference_code(form):
        form["referenceCode"] = " ".join(form["identifier"].split())
        form["identifier"] = identifiers.suggest(form["referenceCode"], taken=taken)
        return form, "identifier"
    parts = action.split(":")
    if len(parts) >= 2 and parts[1] in LIST_KINDS:
        key = parts[1]
        kind = LIST_KINDS[key]
        if parts[0] == "add":
            form[key].append(dict(BLANK[kind]))
            return form, row_control(key, len(form[key]) - 1)
        if parts[0] == "remove" and len(parts) == 3 and parts[2].isdigit() and int(parts[2]) < len(form[key]):
            index = int(parts[2])
            del form[key][index]
            if form[key]:
                return form, row_control(key, min(index, len(form[key]) - 1))
            return form, f"add-{key}"
    return form, ""


# The form's lists whose rows name an entity under authority control, with the entity's kind.
ENTITY_LISTS = {"creator": "agent", "contributor": "agent", "addressee": "agent", "subject": "subject",
                "spatial": "place"}


def _renamed(kind: str, row: dict, typed: str, find) -> bool:
    """Whether ``typed`` is none of the names of the entity the row's IRI names (an entity unknown here, such as
    another site's subject IRI, is left alone)."""
    key = authority.key_of(kind, row.get("id"))
    current = find(kind, key=key) if key else None
    return current is not None and authority.fold(typed) not in {authority.fold(n)
                                                                   for n in authority.all_names(current)}


def use_entities(form: dict, find) -> None:
    """Point agent, subject and place rows at existing entities, so one person is not entered twice: the one
    the picker chose (its key in the row's ``entity``), else, for a new row, the one entity whose preferred or
    variant name is exactly what was typed. The row then shows the entity's preferred name.
    ``find(kind, key=..., name=...)`` returns an entity or None."""
    for key, kind in ENTITY_LISTS.items():
        label = "name" if kind == "agent" else "label"
        for row in form[key]:
            typed = row.get(label, "").strip()
            if unstorable(typed) or unstorable(row.get("entity", "")):
                continue  # never looked up (PostgreSQL refuses a NUL even in a query): validation tells
            if row.get("entity"):
                entity = find(kind, key=row["entity"])
            elif not row.get("id") and typed:
                entity = find(kind, name=typed)
            elif typed and _renamed(kind, row, typed, find):
                # a row retyped as another name no longer names its entity: it is resolved like a new row
                # (before, the new name stayed under the old entity's IRI, and the next edit of that entity
                # silently named it back)
                row["id"] = ""
                entity = find(kind, name=typed)
            else:
                continue
            if entity is None:
                continue
            row["id"], row["entity"] = authority.iri(kind, entity["key"]), ""
            names = dict(entity["name"])
            lang = row.get("lang", "").strip() if row.get("lang", "").strip() in names else next(iter(names))
            row["lang"], row[label] = lang, names.pop(lang)
            row["extra"] = json.dumps(names, ensure_ascii=False) if names else ""
            if kind == "agent":
                row["type"] = entity.get("type") or row.get("type") or "Agent"
                row["sortName"] = entity.get("sortName") or row.get("sortName", "")


def _langmap(rows: list[dict]) -> dict:
    return {r["lang"].strip() or "und": r["text"].strip() for r in rows if r.get("text", "").strip()}


def _date(text: str) -> str:
    """The EDTF of a date typed in archivists' words; the text as typed when unreadable (``word_errors`` says so)."""
    try:
        return date_words.read(text)
    except date_words.DateNotUnderstood:
        return text


def _language(text: str) -> str:
    """The ISO 639-1 code of a language typed by name or code; the text as typed when unknown."""
    try:
        return languages.code_for(text)
    except languages.UnknownLanguage:
        return text.strip()


def date_hint(text: str) -> dict[str, str] | None:
    """The typed date in words and as stored, shown beside the field ("c. 1955" -> circa 1955, stored as 1955~):
    what the live hint fetches from /api/dates, shown by the server too so the page says it without script."""
    try:
        edtf = date_words.read(text) if text.strip() else ""
    except date_words.DateNotUnderstood:
        return None
    return {"words": date_words.words(edtf), "edtf": edtf} if edtf else None


def date_hints(form: dict) -> dict[str, dict | None]:
    """The hint beside each of the form's date controls (the date, the source's year), by control id."""
    return {"created": date_hint(form["created"]), "source.issued": date_hint(form["source"].get("issued", ""))}


def word_errors(form: dict) -> list[dict]:
    """Plain-words problems with the date and languages as typed (the readers' messages say what to write)."""
    errors = []
    for pointer, text in (("/created", form["created"]), ("/source/issued", form["source"].get("issued", ""))):
        if text.strip():
            try:
                date_words.read(text)
            except date_words.DateNotUnderstood as exc:
                errors.append({"pointer": pointer, "message": str(exc)})
    typed = [(f"/language/{i}", row["code"]) for i, row in enumerate(form["language"])]
    typed += [(f"/hasVersion/{i}/language/0", row["language"]) for i, row in enumerate(form["hasVersion"])]
    for pointer, text in typed:
        if text.strip():
            try:
                languages.code_for(text)
            except languages.UnknownLanguage as exc:
                errors.append({"pointer": pointer, "message": str(exc)})
    return errors


def plain_errors(form: dict, validation_errors: list[dict]) -> list[dict]:
    """The readers' plain messages first; the schema's own message about the same field is dropped; every message
    then goes through ``field_words`` so a person sees a field label and what to write, never a pointer."""
    words = word_errors(form)
    covered = {e["pointer"] for e in words}
    return field_words.plain(words + [e for e in validation_errors
                                      if not any(e["pointer"] == c or e["pointer"].startswith(c + "/")
                                                 for c in covered)])


def _put(record: dict, key: str, value) -> None:
    if value not in (None, "", [], {}):
        record[key] = value


def to_record(form: dict) -> dict:
    """The stored-form record of a form (what the schema and rules then validate)."""
    identifier = form["identifier"]
    record_id = STORED.record(identifier)
    record: dict = {"@context": STORED.context(), "id": record_id,
                    "type": describe.record_types(form.get("recordType") or describe.DEFAULT_RECORD_TYPE),
                    "identifier": identifier}
    _put(record, "title", _langmap(form["title"]))
    _put(record, "created", _date(form["created"]))
    _put(record, "language", [f"lang:{_language(r['code'])}" for r in form["language"] if r["code"].strip()])
    attributions = []
    for key in AGENT_LISTS:
        agents = []
        for row in form[key]:
            if not row["name"].strip():
                continue
            agent = {"id": row.get("id") or STORED.agent(row["name"]), "type": row.get("type") or "Agent",
                     "name": _with_extra(row.get("lang", "").strip() or "en", row["name"].strip(),
                                         row.get("extra", ""))}
            if row.get("sortName", "").strip():
                agent["sortName"] = row["sortName"].strip()
            agents.append(agent)
            if key != "addressee" and row.get("role"):
                attribution = {"type": "Attribution", "agent": agent["id"], "hadRole": f"relators:{row['role']}"}
                if row.get("position", "").strip():
                    attribution["position"] = {row.get("positionLang", "").strip() or "en": row["position"].strip()}
                attributions.append(attribution)
        _put(record, key, agents)
    _put(record, "qualifiedAttribution", attributions)
    _put(record, "abstract", _langmap(form["abstract"]))
    for key, (kind, label_key) in LABELLED.items():
        nodes = []
        for row in form[key]:
            if row["label"].strip():
                make = {"subject": STORED.subject, "spatial": STORED.place}.get(key)
                node = {"type": kind, label_key: _with_extra(row.get("lang", "").strip() or "en", row["label"].strip(),
                                                             row.get("extra", ""))}
                if row.get("id") or make:
                    node = {"id": row.get("id") or make(row["label"]), **node}
                nodes.append(node)
        _put(record, key, nodes)
    provenance = _langmap(form["provenance"])
    if provenance:
        record["provenance"] = {"type": "ProvenanceStatement", "label": provenance}
    source = form["source"]
    if source.get("label"):
        built = {"type": source.get("type") or "BibliographicResource", "label": source["label"]}
        _put(built, "title", _langmap(form["sourceTitle"]))
        for key in ("identifier", "volume", "pages", "issued", "place"):
            _put(built, key, _date(source[key]) if key == "issued" and source.get(key) else source.get(key))
        if source.get("publisher"):
            built["publisher"] = {"type": "Organization",
                                  "name": {source.get("publisherLang") or "und": source["publisher"]}}
        record["source"] = built
    versions = []
    for row in form["hasVersion"]:
        if not row["text"].strip() and not row["language"].strip():
            continue
        code = _language(row["language"]) if row["language"].strip() else ""
        key = row["key"].strip() or code or "text"
        version = {"id": STORED.version(identifier, key), "type": "Text"}
        _put(version, "versionLabel", row["label"].strip())
        version["language"] = [f"lang:{code}"]
        if row["title"].strip():
            version["title"] = {code or "und": row["title"].strip()}
        version["isVersionOf"] = record_id
        if row.get("translation"):
            version["translationOfWork"] = record_id
        names = [n.strip() for n in row.get("translators", "").split(",") if n.strip()]
        if names:
            known = _people(row.get("people", ""))
            people = [known.get(n) or {"id": STORED.agent(n), "type": "Person", "name": {"en": n}} for n in names]
            version["contributor"] = people
            version["qualifiedAttribution"] = [{"type": "Attribution", "agent": p["id"], "hadRole": "relators:trl"}
                                               for p in people]
        version["format"] = record_format.media_type_iri(row.get("format") or "text/markdown")
        version["text"] = row["text"].replace("\r\n", "\n")
        versions.append(version)
    _put(record, "hasVersion", versions)
    if form["publisherName"]:
        record["publisher"] = {"type": "Organization", "name": {"en": form["publisherName"]}}
    for key in ("bibliographicCitation", "page", "rights", "referenceCode", "levelOfDescription"):
        _put(record, key, form[key])
    if form["extent"]:
        record["extent"] = record_format.extent_node(form["extent"])
    _put(record, "isPartOf", [STORED.set(spec) for spec in form["isPartOf"] if spec])
    scans = []
    for row in form["scans"]:
        if row["label"].strip() or row["service"].strip() or row["image"].strip():
            scan = {"label": {"en": row["label"].strip()}}
            _put(scan, "service", row["service"].strip())
            _put(scan, "image", row["image"].strip())
            scan["width"] = int(row["width"]) if row["width"].strip().isdigit() else row["width"]
            scan["height"] = int(row["height"]) if row["height"].strip().isdigit() else row["height"]
            scans.append(scan)
    _put(record, "scans", scans)
    for key in LANGMAPS[1:]:
        if key != "abstract":
            _put(record, key, _langmap(form[key]))
    return record


def _people(carried: str) -> dict[str, dict]:
    """Translators as stored (all their names, sort names, ids), by the name the form shows."""
    try:
        nodes = json.loads(carried) if carried else []
    except ValueError:
        return {}
    return {next(iter(n["name"].values())): n for n in nodes if isinstance(n, dict) and n.get("name")}


def field_of(pointer: str, form: dict) -> str:
    """The id of the control a validation pointer is about (the closest one the form has)."""
    parts = [p for p in pointer.split("/") if p]
    if not parts:
        return "identifier"
    key = parts[0]
    if key in LANGMAPS and len(parts) > 1:
        index = next((i for i, r in enumerate(form.get(key, [])) if (r["lang"].strip() or "und") == parts[1]), 0)
        return f"{key}.{index}.text"
    if key == "provenance":
        return "provenance.0.text"
    if key == "language" and len(parts) > 1:
        return f"language.{parts[1]}.code"
    if key in AGENT_LISTS and len(parts) > 1:
        return f"{key}.{parts[1]}.name"
    if key in LABELLED and len(parts) > 1:
        return f"{key}.{parts[1]}.label"
    if key == "hasVersion" and len(parts) > 2:
        field = {"language": "language", "text": "text", "title": "title"}.get(parts[2], "text")
        return f"hasVersion.{parts[1]}.{field}"
    if key == "scans" and len(parts) > 1:
        return f"scans.{parts[1]}.{parts[2] if len(parts) > 2 and parts[2] in BLANK['scan'] else 'label'}"
    if key == "source":
        return f"source.{parts[1]}" if len(parts) > 1 and parts[1] in SOURCE_FIELDS else "source.label"
    if key == "qualifiedAttribution":
        return "creator.0.role"
    if key == "type":
        return "recordType"
    return key if key in SCALARS else "identifier"
