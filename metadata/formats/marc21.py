"""MARCXML (MARC 21 slim) by the cataloguing rules: RDA content, ISBD punctuation, archival control.

What goes where (docs/architecture.md, "MARC 21 and MODS in detail", has the table): the record type gives leader 06, the 008 material
positions and 336-338; the languages of the texts the record carries give 041 $a and 008/35-37, with the
original's language in 041 $h when a text is a translation; the EDTF date gives 008/06-14 and an RDA date
statement in 264 $c (``rda``); people go to 100/700 with relator terms ($e) and codes ($4); the printed
source of a translation to 534, the location of originals to 535, custodial history to 561, access and
reproduction to 506/540, the archival reference to 852 ($a repository, $j reference); uncontrolled terms to
653, and 650/651/648 only for terms from a registered vocabulary (ind2 7, $2).
"""
from __future__ import annotations

from metadata.formats import rda
from metadata.formats.cataloguing import CATALOGUING_LANGUAGE, DEFAULT_AGENCY
from metadata.formats.xml import add, root, to_string
from metadata.record import authority, describe, languages
from metadata.record.stamps import Stamps
from metadata.record.text import first_text
from metadata.record.urls import STORED

MARC = "http://www.loc.gov/MARC21/slim"
SCHEMA_LOCATION = f"{MARC} http://www.loc.gov/standards/marcxml/schema/MARC21slim.xsd"

# Record type -> leader 06 (type of record), leader 07 (bibliographic level), 008 material positions 18-34,
# 336 content type, 337 media type, 338 carrier type (RDA term and code each).
_SHEET = ("sheet", "nb")
TYPES = {
    # manuscript language material, books 008: no illustrations, not government/conference/festschrift/index
    "Text": ("t", "m", "    " "  " "    " "u000 0 ", ("text", "txt"), ("unmediated", "n"), _SHEET),
    # two-dimensional nonprojectable graphic, visual materials 008: picture, technique not applicable
    "StillImage": ("k", "m", "nnn" "  " "     " "u" " " "   " "i" "n", ("still image", "sti"),
                   ("unmediated", "n"), _SHEET),
    "Image": ("k", "m", "nnn" "  " "     " "u" " " "   " "k" "n", ("still image", "sti"), ("unmediated", "n"),
              _SHEET),
    # mixed materials, a collection
    "Collection": ("p", "c", " " * 17, ("unspecified", "zzz"), ("unmediated", "n"), ("unspecified", "nz")),
    # projected medium, visual materials 008: motion picture, technique unknown
    "MovingImage": ("g", "m", "|||" "  " "     " "u" " " "   " "m" "u", ("two-dimensional moving image", "tdi"),
                    ("video", "v"), ("unspecified", "vz")),
    # nonmusical sound recording, music 008: no composition form, no parts, no accompanying matter
    "Sound": ("i", "m", "nnnn" "  " "      " "||" " n ", ("sounds", "snd"), ("audio", "s"), ("unspecified", "sz")),
    # three-dimensional artifact, visual materials 008: realia
    "PhysicalObject": ("r", "m", "nnn" "  " "     " "u" " " "   " "r" "n", ("three-dimensional form", "tdf"),
                       ("unmediated", "n"), ("object", "nr")),
    # computer file, 008: numeric data, online
    "Dataset": ("m", "m", "    " " " "o" "  " "a" " " "u" "      ", ("computer dataset", "cod"), ("computer", "c"),
                ("online resource", "cr")),
}
# Subject vocabularies with a registered MARC source code, by the IRI their terms start with.
SUBJECT_SOURCES = {
    "http://id.loc.gov/authorities/subjects/": "lcsh",
    "http://id.worldcat.org/fast/": "fast",
    "http://vocab.getty.edu/aat/": "aat",
    "http://vocab.getty.edu/tgn/": "tgn",
    "http://www.wikidata.org/entity/": "wikidata",
    "https://www.wikidata.org/wiki/": "wikidata",
    "http://sws.geonames.org/": "geonames",
    "https://sws.geonames.org/": "geonames",
}
# $1 (real world object URI) for these hosts; every other sameAs link is an authority record ($0).
REAL_WORLD_OBJECTS = ("http://www.wikidata.org/entity/", "https://www.wikidata.org/entity/")
# Authority files (metadata/record/authority.SOURCES) whose code is also a registered subject source ($2).
TERM_SOURCES = ("wikidata", "geonames", "naf")
ARTICLES = {"eng": ("the ", "a ", "an ")}


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


def _period(text: str) -> str:
    """ISBD: a field's last element ends with a full stop unless it already ends with one, ? or !."""
    text = text.rstrip()
    return text if text.endswith((".", "?", "!")) else text + "."


def leader(record: dict) -> str:
    """New record, archival control, UCS, full level, ISBD punctuation (18 ``i``)."""
    kind, level = TYPES[describe.record_type(record)][:2]
    return f"00000n{kind}{level}aa2200000 i 4500"


def fixed_008(record: dict, stamps: Stamps) -> str:
    """008: date entered, dates from the EDTF date, no place yet, material positions by type, language."""
    material = TYPES[describe.record_type(record)][2]
    carried = describe.carried_languages(record)
    language = languages.marc_code(carried[0]) if carried else "und"
    return f"{stamps.entered:%y%m%d}{rda.fixed_dates(record['created'])}xx {material}{language} d"


def _name_field(fields, person_tag: str, body_tag: str, party: describe.Party) -> None:
    """100/700 (110/710 for bodies): the name, each relator term in $e, each code in $4, authority links."""
    corporate = party.type == "Organization"
    tag = body_tag if corporate else person_tag
    ind1 = "2" if corporate else ("1" if party.has_sort_name else "0")
    terms = party.role_names
    name = party.sort_name if party.has_sort_name or corporate else party.name
    subfields = [("a", name + ("," if terms else ""))]
    subfields += [("e", term + ("," if n < len(terms) - 1 else "")) for n, term in enumerate(terms)]
    subfields[-1] = (subfields[-1][0], _period(subfields[-1][1].rstrip(",")))
    subfields += [("4", code) for code in party.roles]
    subfields += _links(list(party.same_as))
    _field(fields, tag, ind1, " ", subfields)


def _nonfiling(title: str, language: str) -> str:
    lowered = title.lower()
    article = next((a for a in ARTICLES.get(language, ()) if lowered.startswith(a)), "")
    return str(len(article))


def _term_field(fields, controlled_tag: str, uncontrolled_ind2: str, node: dict, label_key: str) -> None:
    """A subject, place or period: 6XX _7 with $2 and $0 from a registered vocabulary, else 653."""
    label = first_text(node[label_key])
    iri = node.get("id") or ""
    source = next((code for prefix, code in SUBJECT_SOURCES.items() if iri.startswith(prefix)), None)
    links = node.get("sameAs") or []
    if source:
        _field(fields, controlled_tag, " ", "7", [("a", _period(label)), ("2", source), ("0", iri)] + _links(links))
        return
    # A term under Muniment's authority control with a link to a registered vocabulary is controlled too.
    linked = next((found.code for found in map(authority.source_of, links)
                   if found and found.code in TERM_SOURCES), None)
    if linked:
        _field(fields, controlled_tag, " ", "7", [("a", _period(label)), ("2", linked)] + _links(links))
    else:
        _field(fields, "653", " ", uncontrolled_ind2, [("a", label)])


def _links(links: list[str]) -> list[tuple[str, str]]:
    """$1 for a real-world object's IRI (Wikidata), $0 for an authority record's."""
    return [("1" if iri.startswith(REAL_WORLD_OBJECTS) else "0", iri) for iri in links]


def marc21(record: dict, stamps: Stamps | None = None, agency: str = DEFAULT_AGENCY) -> str:
    stamps = stamps or Stamps.now()
    kind = describe.record_type(record)
    marc = root(f"{{{MARC}}}record", {"marc": MARC}, SCHEMA_LOCATION)
    add(marc, f"{{{MARC}}}leader", leader(record))
    add(marc, f"{{{MARC}}}controlfield", record["identifier"], tag="001")
    add(marc, f"{{{MARC}}}controlfield", agency, tag="003")
    add(marc, f"{{{MARC}}}controlfield", f"{stamps.changed:%Y%m%d%H%M%S}.0", tag="005")
    add(marc, f"{{{MARC}}}controlfield", fixed_008(record, stamps), tag="008")
    fields: list = []
    _field(fields, "040", " ", " ", [("a", agency), ("b", CATALOGUING_LANGUAGE), ("e", "rda"), ("c", agency)])
    carried = [languages.marc_code(c) for c in describe.carried_languages(record)]
    translated = bool(describe.translations(record))
    originals = [languages.marc_code(c) for c in describe.original_languages(record)] if translated else []
    _field(fields, "041", "1" if translated else "0", " ", [("a", c) for c in carried] + [("h", c) for c in originals])
    creators = describe.creators(record)
    for n, party in enumerate(creators):
        _name_field(fields, "100" if n == 0 else "700", "110" if n == 0 else "710", party)
    title = first_text(record["title"])
    language = languages.marc_code(describe.carried_languages(record)[0]) if describe.carried_languages(record) else ""
    _field(fields, "245", "1" if creators else "0", _nonfiling(title, language), [("a", _period(title))])
    for lang, text in describe.label_pairs(record["title"]):
        if text != title:
            _field(fields, "246", "3", "1", [("a", text)])
    _field(fields, "264", " ", "0", [("c", rda.date_statement(record["created"]))])
    _field(fields, "300", " ", " ", [("a", describe.extent(record))])
    content, media, carrier = TYPES[kind][3:]
    _field(fields, "336", " ", " ", [("a", content[0]), ("b", content[1]), ("2", "rdacontent")])
    _field(fields, "337", " ", " ", [("a", media[0]), ("b", media[1]), ("2", "rdamedia")])
    _field(fields, "338", " ", " ", [("a", carrier[0]), ("b", carrier[1]), ("2", "rdacarrier")])
    publisher = describe.repository(record)
    if publisher:
        _field(fields, "500", " ", " ", [("a", f"Published by {publisher}.")])
    _signature_notes(fields, record, creators)
    for text in ((record.get("provenance") or {}).get("label") or {}).values():
        _field(fields, "500", " ", " ", [("a", _period(text))])
    for text in (record.get("accessConditions") or {}).values():
        _field(fields, "506", " ", " ", [("a", _period(text))])
    for text in (record.get("abstract") or {}).values():
        _field(fields, "520", " ", " ", [("a", text)])
    _field(fields, "524", " ", " ", [("a", record.get("bibliographicCitation"))])
    for text in (record.get("existenceOfCopies") or {}).values():
        _field(fields, "530", " ", " ", [("a", _period(text))])
    _printed_source(fields, record)
    for text in (record.get("locationOfOriginals") or {}).values():
        _field(fields, "535", "1", " ", [("a", text)])
    for text in (record.get("reproductionConditions") or {}).values():
        _field(fields, "540", " ", " ", [("a", _period(text))])
    if record.get("rights"):
        _field(fields, "540", " ", " ", [("f", describe.rights_label(record["rights"])), ("u", record["rights"])])
    _field(fields, "546", " ", " ", [("a", _language_note(record))])
    for text in (record.get("custodialHistory") or {}).values():
        _field(fields, "561", " ", " ", [("a", _period(text))])
    for subject in record.get("subject") or []:
        _term_field(fields, "650", "0", subject, "prefLabel")
    for place in record.get("spatial") or []:
        _term_field(fields, "651", "5", place, "label")
    for period in record.get("temporal") or []:
        _term_field(fields, "648", "4", period, "label")
    for party in describe.addressees(record):
        _name_field(fields, "700", "710", party)
    for party in describe.translators(record) + describe.contributors(record):
        _name_field(fields, "700", "710", party)
    reference = describe.archival_reference(record)
    if reference:
        _field(fields, "852", " ", " ", [("a", publisher or agency), ("j", reference)])
    _link(fields, "0", record["id"], None, "Record")
    _link(fields, "1", STORED.manifest(record["identifier"]), "application/ld+json", "IIIF manifest")
    _link(fields, "2", record.get("page"), None, "Archive page")
    _emit(marc, fields)
    return to_string(marc)


def _link(fields, relationship: str, url: str | None, media_type: str | None, text: str) -> None:
    """856 4x: only where there is a URL ($u), so no link field is ever a bare label."""
    if url:
        _field(fields, "856", "4", relationship, [("u", url), ("q", media_type), ("y", text)])


def _printed_source(fields, record: dict) -> None:
    """534: the printed edition a carried text was translated from ("Translation of:") or taken from."""
    source = record.get("source")
    if not source or source["type"] != "BibliographicResource":
        return
    titles = source.get("title") or {}
    title = " = ".join(dict.fromkeys(titles.values())) or source["label"]
    imprint = ", ".join(filter(None, [
        " : ".join(filter(None, [source.get("place"), first_text((source.get("publisher") or {}).get("name"))])),
        source.get("issued")]))
    part = ", ".join(filter(None, [f"volume {source['volume']}" if source.get("volume") else None,
                                   f"pages {source['pages']}" if source.get("pages") else None]))
    phrase = "Translation of:" if describe.translations(record) else "Text from:"
    _field(fields, "534", " ", " ", [("p", phrase), ("t", title + ("." if imprint else "")),
                                    ("c", imprint + ("." if imprint and not part else "")),
                                    ("n", _period(part.capitalize()) if part else None)])


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
