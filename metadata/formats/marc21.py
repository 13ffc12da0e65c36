"""MARCXML (MARC 21 slim) for library catalogues (docs/architecture.md, "Mapping to each output").

Languages use MARC codes (041 $a translation, $h original; 008/35-37), the creation date goes to 008 and
264 _0 $c (in words), people to 100/700 with relator terms in $e, the citation to 524, the printed source to 773 (an
archival reference to 534), provenance to 561, subjects and places to 650/651/648, links to 856.
"""
from __future__ import annotations

from metadata.record import date_words, dates, describe, languages
from metadata.record.text import first_text
from metadata.record.urls import STORED
from metadata.formats.xml import add, root, to_string

MARC = "http://www.loc.gov/MARC21/slim"
SCHEMA_LOCATION = f"{MARC} http://www.loc.gov/standards/marcxml/schema/MARC21slim.xsd"
LEADER = "00000ntmaa2200000uu 4500"  # manuscript language material, archival control, UCS/Unicode


def _field(fields: list, tag: str, ind1: str, ind2: str, subfields: list[tuple[str, str | None]]) -> None:
    """Queue a data field (emitted in tag order at the end); fields with no value are left out."""
    subfields = [(code, value) for code, value in subfields if value]
    if subfields:
        fields.append((tag, ind1, ind2, subfields))


def _emit(marc, fields: list) -> None:
    for tag, ind1, ind2, subfields in sorted(fields, key=lambda f: f[0]):
        field = add(marc, f"{{{MARC}}}datafield", tag=tag, ind1=ind1, ind2=ind2)
        for code, value in subfields:
            add(field, f"{{{MARC}}}subfield", value, code=code)


def _dates_008(created: str) -> str:
    """008/06-14: type of date and two four-character years; "u" marks a year or a digit nobody knows.

    "s" a single known date, "q" a questionable one (a range, an approximation, an open end), "n" no known
    date (``XXXX``, or a year past 9999 that four characters cannot hold), "b" a date before the Common Era.
    """
    first, last = dates.years(created)
    if first is None and last is None or any(y is not None and y > 9999 for y in (first, last)):
        return "nuuuuuuuu"
    if any(y is not None and y <= 0 for y in (first, last)):
        return "b        "
    date1 = f"{first:04d}" if first is not None else "uuuu"
    date2 = f"{last:04d}" if last is not None else "uuuu"
    lower, upper = dates.bounds(created)
    exact = lower == upper or created.isdigit() or len(created) == 7
    if exact and first == last and "~" not in created and "?" not in created and "%" not in created:
        return f"s{date1}    "
    return f"q{date1}{date2}"


def _fixed_008(record: dict) -> str:
    original = describe.original_languages(record)
    language = languages.marc_code(original[0]) if original else "und"
    return f"||||||{_dates_008(record['created'])}xx {' ' * 17}{language} d"


def _date_264(created: str) -> str:
    """264 $c: the date as a cataloguer transcribes it, in words; RDA's bracketed phrase when there is none."""
    if dates.years(created) == (None, None):
        return "[date of production not identified]"
    return date_words.words(created)


def _party_field(fields, tag_person: str, tag_body: str, party: describe.Party, roles: list[str]) -> None:
    corporate = party.type == "Organization"
    tag = tag_body if corporate else tag_person
    ind1 = "2" if corporate else ("1" if "," in party.sort_name else "0")
    _field(fields, tag, ind1, " ", [("a", party.sort_name)] + [("e", role) for role in roles])


def marc21(record: dict) -> str:
    marc = root(f"{{{MARC}}}record", {"marc": MARC}, SCHEMA_LOCATION)
    add(marc, f"{{{MARC}}}leader", LEADER)
    add(marc, f"{{{MARC}}}controlfield", record["identifier"], tag="001")
    add(marc, f"{{{MARC}}}controlfield", _fixed_008(record), tag="008")
    fields: list = []
    original = [languages.marc_code(c) for c in describe.original_languages(record)]
    translated = [languages.marc_code(code) for code in describe.translation_languages(record)]
    if translated:
        _field(fields, "041", "1", " ", [("a", c) for c in translated] + [("h", c) for c in original])
    elif original:
        _field(fields, "041", "0", " ", [("a", c) for c in original])
    creators = describe.creators(record)
    for n, party in enumerate(creators):
        _party_field(fields, "100" if n == 0 else "700", "110" if n == 0 else "710", party, party.role_names)
    _field(fields, "245", "1" if creators else "0", "0", [("a", first_text(record["title"]))])
    _field(fields, "264", " ", "0", [("c", _date_264(record["created"]))])
    if record.get("extent"):
        _field(fields, "300", " ", " ", [("a", record["extent"])])
    publisher = record.get("publisher")
    if publisher:
        _field(fields, "500", " ", " ", [("a", f"Published by {first_text(publisher['name'])}.")])
    _signature_notes(fields, record, creators)
    for text in (record.get("abstract") or {}).values():
        _field(fields, "520", " ", " ", [("a", text)])
    _field(fields, "524", " ", " ", [("a", record.get("bibliographicCitation"))])
    for text in (record.get("reproductionConditions") or {}).values():
        _field(fields, "540", " ", " ", [("a", text)])
    if record.get("rights"):
        _field(fields, "540", " ", " ", [("f", describe.rights_label(record["rights"])), ("u", record["rights"])])
    _source_field(fields, record.get("source"))
    _field(fields, "546", " ", " ", [("a", _language_note(record))])
    for text in (record.get("provenance") or {}).get("label", {}).values():
        _field(fields, "561", " ", " ", [("a", text)])
    for subject in record.get("subject") or []:
        _field(fields, "650", " ", "4", [("a", first_text(subject["prefLabel"]))])
    for place in record.get("spatial") or []:
        _field(fields, "651", " ", "4", [("a", first_text(place["label"]))])
    for period in record.get("temporal") or []:
        _field(fields, "648", " ", "4", [("a", first_text(period["label"]))])
    for party in describe.addressees(record):
        _party_field(fields, "700", "710", party, ["addressee"])
    for party in describe.translators(record) + describe.contributors(record):
        _party_field(fields, "700", "710", party, party.role_names)
    for iri in record.get("isPartOf") or []:
        _field(fields, "830", " ", "0", [("a", STORED.set_spec(iri))])
    _field(fields, "856", "4", "0", [("u", record["id"]), ("y", "Record")])
    _field(fields, "856", "4", "1", [("u", STORED.manifest(record["identifier"])), ("y", "IIIF manifest")])
    _field(fields, "856", "4", "2", [("u", record.get("page")), ("y", "Archive page")])
    _emit(marc, fields)
    return to_string(marc)


def _source_field(fields, source: dict | None) -> None:
    if not source:
        return
    if source["type"] == "BibliographicResource":
        title = source.get("title") or {}
        imprint = ", ".join(filter(None, [
            " : ".join(filter(None, [source.get("place"), first_text((source.get("publisher") or {}).get("name"))])),
            source.get("issued")]))
        part = ", ".join(filter(None, [f"vol. {source['volume']}" if source.get("volume") else None,
                                       source.get("pages")]))
        _field(fields, "773", "0", " ", [("t", next(iter(title.values()), source["label"])), ("d", imprint),
                                        ("g", part), ("n", title.get("en"))])
    else:
        _field(fields, "534", " ", " ", [("p", "Original held in:"), ("t", source["label"])])


def _language_note(record: dict) -> str | None:
    original = [languages.english_name(c) for c in describe.original_languages(record)]
    translated = [languages.english_name(code) for code in describe.translation_languages(record)]
    parts = []
    if original:
        parts.append("Original in " + ", ".join(original))
    if translated:
        parts.append("translation in " + ", ".join(translated))
    return ("; ".join(parts) + ".") if parts else None


def _signature_notes(fields, record: dict, creators: list[describe.Party]) -> None:
    """500 general notes for how the document is signed: the position each signer signed with (a note, not
    100/700 $c, which would change the name's access point) and the record's notes (an illegible signature)."""
    for party in creators:
        if party.positions:
            _field(fields, "500", " ", " ", [("a", f"Signed by {party.name}, {', '.join(party.positions)}.")])
    for text in (record.get("note") or {}).values():
        _field(fields, "500", " ", " ", [("a", text if text.endswith(".") else f"{text}.")])
