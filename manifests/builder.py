"""The IIIF Presentation 3.0 manifest of a record, built on write with iiif-prezi3 (docs/architecture.md, "IIIF").

Text versions are typeset into reading pages (``layout``): each page is a Canvas painted with its page image
(a IIIF Image API level 0 service) and carrying that page's plain text as a ``supplementing`` TextualBody,
so viewers show the pages and their annotation panels show the text. A canvas is labelled with the printed
page it shows ("p. 2", its marker's number; "p. 2 (cont.)" where a printed page runs on). Scans, where a
record lists them, are painted instead, scan k carrying the text of printed page k. A record with neither gets one
typeset page of its title, date, summary and citation. Returns the manifest and the stored page layout.
"""
from __future__ import annotations

import html
import json
from dataclasses import dataclass, field

from iiif_prezi3 import Manifest

from metadata.record import date_words, dates, describe, languages
from metadata.record.text import first_text
from metadata.record.urls import STORED

from .fonts import FontSet
from .layout import HEIGHT, WIDTH, Page, paginate, printed_pages, title_page
from .render import SIZES
from .search import search_services

PRESENTATION_CONTEXT = "http://iiif.io/api/presentation/3/context.json"
OAI_DC_PROFILE = "http://www.openarchives.org/OAI/2.0/oai_dc/"


@dataclass(frozen=True)
class Options:
    provider_name: str = "Muniment"
    provider_homepage: str = STORED.base
    default_rights: str = ""
    fonts: FontSet = field(default_factory=FontSet)


def plain(text: str) -> str:
    """A text value as viewers will show it as written. IIIF takes a value that starts with "<" as HTML,
    so "<draft> notes" would be parsed as markup: such a value goes out as HTML that says the same text
    (escaped, in a span), which is IIIF's own way to carry it."""
    if isinstance(text, str) and text.lstrip().startswith("<"):
        return f"<span>{html.escape(text, quote=False)}</span>"
    return text


def lang_map(language_map: dict | None) -> dict:
    """A record language map as a IIIF one (values are lists)."""
    return {lang: [plain(text)] for lang, text in (language_map or {}).items()}


# The date is shown to people in words; viewers pick the value in their interface language.
DATE_LANGUAGES = ("en", "ru", "zh")


def _en(text: str) -> dict:
    return {"en": [plain(text)]}


def _pair(label: str, values: list[str] | dict) -> dict | None:
    if isinstance(values, dict):
        value = {lang: texts for lang, texts in values.items() if texts}
    else:
        value = {"none": [plain(v) for v in values if v]} if any(values) else {}
    return {"label": _en(label), "value": value} if value else None


def _metadata(record: dict, rights: str | None) -> list[dict]:
    creators = describe.creators(record)
    source = record.get("source") or {}
    pairs = [
        _pair("Date", {lang: [date_words.words(record["created"], lang)] for lang in DATE_LANGUAGES}),
        _pair("Creator", [f"{p.name} ({', '.join(p.role_names)})" for p in creators]),
        _pair("Recipient", [p.name for p in describe.addressees(record)]),
        _pair("Translator", [p.name for p in describe.translators(record)]),
        _pair("Original language", [languages.english_name(c) for c in describe.original_languages(record)]),
        _pair("Source", [source.get("label")]),
        _pair("Provenance", lang_map((record.get("provenance") or {}).get("label"))),
        _pair("Archive", [first_text((record.get("publisher") or {}).get("name"))]),
        _pair("Subjects", [first_text(s["prefLabel"]) for s in record.get("subject") or []]),
        _pair("Places", [first_text(s["label"]) for s in record.get("spatial") or []]),
        _pair("Periods", [first_text(s["label"]) for s in record.get("temporal") or []]),
        _pair("Reference code", [record.get("referenceCode")]),
        _pair("Extent", [describe.extent(record)]),
        _pair("Rights", [describe.rights_label(rights)] if rights else []),
        _pair("Identifier", [record["identifier"]]),
    ]
    return [p for p in pairs if p]


@dataclass
class _Canvas:
    label: dict
    key: str | None  # the version's key, None for a title page or scans
    text_pieces: list[tuple[str, str]]  # (language, text) supplementing annotations
    scan: dict | None = None
    page: Page | None = None


def _version_key(version: dict) -> str:
    return version["id"].rsplit("/", 1)[-1]


def _version_label(version: dict) -> str:
    code = languages.iri_code(version["language"][0])
    name = languages.english_name(code)
    if version.get("translationOfWork"):
        return f"{name} translation"
    return f"{name} original" if "Original" in (version.get("versionLabel") or "") else f"{name} transcript"


def _plan(record: dict, options: Options) -> list[_Canvas]:
    versions = record.get("hasVersion") or []
    scans = record.get("scans") or []
    if scans:
        canvases = [_Canvas(lang_map(scan["label"]), None, [], scan=scan) for scan in scans]
        for version in versions:
            code = languages.iri_code(version["language"][0])
            chunks = _split_at_markers(version["text"], len(canvases), _is_markdown(version))
            for canvas, chunk in zip(canvases, chunks):
                if chunk:
                    canvas.text_pieces.append((code, chunk))
        return canvases
    canvases = []
    for version in versions:
        code = languages.iri_code(version["language"][0])
        pages = paginate(version["text"], code, options.fonts, _version_key(version), _is_markdown(version))
        for number, page in enumerate(pages, start=1):
            label = f"{_version_label(version)}, {_page_label(page, number)}"
            pieces = [(code, page.text)] if page.text.strip() else []
            canvases.append(_Canvas(_en(label), _version_key(version), pieces, page=page))
    if canvases:
        return canvases
    lines = [("h", first_text(record["title"])), ("p", date_words.words(record["created"]))]
    lines += [("p", text) for text in (record.get("abstract") or {}).values()]
    if record.get("bibliographicCitation"):
        lines.append(("p", record["bibliographicCitation"]))
    page = title_page(lines, "en", options.fonts)
    return [_Canvas(_en("Description"), None, [("en", page.text)], page=page)]


def _is_markdown(version: dict) -> bool:
    return describe.is_markdown(version)


def _page_label(page: Page, reading_number: int) -> str:
    """"p. N" for the printed page a marker numbers ("p. N (cont.)" past its first reading page); the
    reading page's own number in a text without markers."""
    if page.number is None:
        return f"p. {reading_number}"
    return f"p. {page.number} (cont.)" if page.continued else f"p. {page.number}"


def _split_at_markers(text: str, parts: int, markdown: bool) -> list[str]:
    """The plain text of each printed page, one per scan; pages beyond the last scan join its text."""
    pieces = [page.text for page in printed_pages(text, markdown)]
    if len(pieces) > parts:
        pieces = pieces[:parts - 1] + ["\n\n".join(p for p in pieces[parts - 1:] if p)]
    return pieces


def _image_body(identifier: str, n: int, canvas: _Canvas) -> dict:
    if canvas.scan is not None:
        scan = canvas.scan
        if scan.get("service"):
            return {"id": f"{scan['service']}/full/max/0/default.jpg", "type": "Image", "format": "image/jpeg",
                    "width": scan["width"], "height": scan["height"],
                    "service": [{"id": scan["service"], "type": "ImageService3", "profile": "level1"}]}
        return {"id": scan["image"], "type": "Image", "format": "image/jpeg", "width": scan["width"],
                "height": scan["height"]}
    service = STORED.image_service(identifier, n)
    return {"id": f"{service}/full/max/0/default.jpg", "type": "Image", "format": "image/jpeg", "width": WIDTH,
            "height": HEIGHT, "service": [image_service_reference(identifier, n)]}


def _thumbnail(identifier: str, n: int) -> dict:
    """The smallest listed size of reading page ``n`` (viewers' thumbnail strips ask for it)."""
    width, height = SIZES[0]
    service = STORED.image_service(identifier, n)
    return {"id": f"{service}/full/{width},{height}/0/default.jpg", "type": "Image", "format": "image/jpeg",
            "width": width, "height": height, "service": [image_service_reference(identifier, n)]}


def image_service_reference(identifier: str, n: int) -> dict:
    return {"id": STORED.image_service(identifier, n), "type": "ImageService3", "profile": "level0"}


def annotation_page(identifier: str, n: int, canvas_id: str, pieces: list[tuple[str, str]]) -> dict:
    """The supplementing annotations of canvas ``n``: its text, one TextualBody per language version."""
    return {"id": STORED.annotation_page(identifier, n), "type": "AnnotationPage", "items": [
        {"id": STORED.annotation(identifier, n, k), "type": "Annotation", "motivation": "supplementing",
         "target": canvas_id, "body": {"type": "TextualBody", "value": text, "language": code,
                                       "format": "text/plain"}}
        for k, (code, text) in enumerate(pieces, start=1)]}


def build(record: dict, options: Options) -> dict[str, str]:
    """{'manifest': manifest JSON, 'pages': layout JSON} in stored form (placeholder base)."""
    identifier = record["identifier"]
    plan = _plan(record, options)
    rights = record.get("rights") or options.default_rights or None
    canvases, ranges = [], {}
    for n, canvas in enumerate(plan, start=1):
        canvas_id = STORED.canvas(identifier, n)
        body = _image_body(identifier, n, canvas)
        item = {"id": canvas_id, "type": "Canvas", "label": canvas.label, "width": body["width"],
                "height": body["height"],
                "items": [{"id": STORED.painting_page(identifier, n), "type": "AnnotationPage", "items": [
                    {"id": STORED.painting(identifier, n), "type": "Annotation", "motivation": "painting",
                     "target": canvas_id, "body": body}]}]}
        if canvas.scan is None:
            item["thumbnail"] = [_thumbnail(identifier, n)]
        if canvas.text_pieces:
            item["annotations"] = [annotation_page(identifier, n, canvas_id, canvas.text_pieces)]
        canvases.append(item)
        if canvas.key is not None:
            ranges.setdefault(canvas.key, []).append(canvas_id)
    data = {
        "@context": PRESENTATION_CONTEXT,
        "id": STORED.manifest(identifier),
        "type": "Manifest",
        "label": lang_map(record["title"]),
        "metadata": _metadata(record, rights),
        "provider": [{"id": options.provider_homepage, "type": "Agent", "label": _en(options.provider_name),
                      "homepage": [{"id": options.provider_homepage, "type": "Text",
                                    "label": _en(options.provider_name), "format": "text/html"}]}],
        "homepage": [{"id": record["id"], "type": "Text", "label": lang_map(record["title"]),
                      "format": "text/html"}],
        "seeAlso": [
            {"id": STORED.record_format(identifier, "jsonld"), "type": "Dataset", "format": "application/ld+json",
             "profile": STORED.context(), "label": _en("Record (JSON-LD)")},
            {"id": STORED.record_format(identifier, "xml"), "type": "Dataset", "format": "application/xml",
             "profile": OAI_DC_PROFILE, "label": _en("Record (Dublin Core)")},
        ],
        "items": canvases,
    }
    nav_date = dates.nav_date(record["created"])
    if nav_date:  # undated and open-start records have no point on a timeline
        data["navDate"] = nav_date
    if record.get("abstract"):
        data["summary"] = lang_map(record["abstract"])
    if record.get("bibliographicCitation"):
        data["requiredStatement"] = {"label": _en("Citation"), "value": _en(record["bibliographicCitation"])}
    if rights:
        data["rights"] = rights
    rendering = [{"id": STORED.text_rendering(identifier, _version_key(v)), "type": "Text",
                  "label": _en(f"{_version_label(v)} (plain text)"), "format": "text/plain"}
                 for v in record.get("hasVersion") or []]
    if not record.get("scans"):
        rendering.append({"id": STORED.reading_pdf(identifier), "type": "Text",
                          "label": _en("Reading text (PDF)"), "format": "application/pdf"})
    data["rendering"] = rendering
    if record.get("isPartOf"):
        data["partOf"] = [{"id": STORED.collection(STORED.set_spec(iri)), "type": "Collection"}
                          for iri in record["isPartOf"]]
    first = canvases[0]["items"][0]["items"][0]["body"]
    if plan[0].scan is None:
        data["thumbnail"] = [_thumbnail(identifier, 1)]
    else:
        data["thumbnail"] = [{k: v for k, v in first.items() if k != "service"}]
    if len(canvases) > 1 and plan[0].scan is None:
        data["behavior"] = ["paged"]
    if ranges:
        versions = {_version_key(v): v for v in record.get("hasVersion") or []}
        data["structures"] = [{"id": STORED.range(identifier, key), "type": "Range",
                               "label": _en(_version_label(versions[key])),
                               "items": [{"id": c, "type": "Canvas"} for c in ids]} for key, ids in ranges.items()]
    # The manifest's own fields go through iiif-prezi3's model (validated, serialised in IIIF's key order);
    # the canvases and ranges, generated above from one template each, are added to its JSON as they are:
    # validating a few hundred nested models per manifest cost more than all the rest of a record's write.
    canvases_and_ranges = {"items": data.pop("items"), "structures": data.pop("structures", None)}
    manifest = json.loads(Manifest(**data).jsonld())
    manifest["items"] = canvases_and_ranges["items"]
    if canvases_and_ranges["structures"]:
        manifest["structures"] = canvases_and_ranges["structures"]
    if any(canvas.text_pieces for canvas in plan):  # viewers offer search inside the document
        manifest["service"] = search_services(STORED, identifier)
    pages = [{"language": c.page.language, "lines": c.page.lines} if c.page else None for c in plan]
    return {"manifest": json.dumps(manifest, ensure_ascii=False), "pages": json.dumps(pages, ensure_ascii=False)}
