"""Importer for the archive's publication format (the Markdown-like files in shared/seeds).

A file has a date heading (``## **July 18, 1949**``), a title (``### **…**``) and bold ``#### **Section:**``
headings for Citation, Summary, Original Language and Contents. The Contents section starts with a list of
what the archive holds ("Translation - English", "Transcript - Russian", "Scan of Original Document"); the
texts follow, under ``##### <entry>`` headings when there are several. Inside a text, other ``####`` lines are
the document's own headings and stay in the text.

``parse`` returns a record in stored form (docs/architecture.md, "Stored form") or raises ``SeedFormatError`` naming the line.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from metadata.record import date_words, describe, languages, record_format
from metadata.record.urls import STORED, slugify

CONTEXT = STORED.context()

_HEADING = re.compile(r"^(#{2,3})\s+\*\*(.+?)\*\*\s*$")
_SECTION = re.compile(r"^####\s+\*\*(.+?):\*\*\s*$")
_VERSION_HEADING = re.compile(r"^#####\s+(.+?)\s*$")
_CONTENTS_ENTRY = re.compile(
    r"^(?:(?P<scan>Scan of (?:the )?Original Document)|"
    r"(?P<kind>Translation|Transcript|Transcription|Original)\s*[-–]\s*(?P<lang>[A-Za-z][A-Za-z ()]*?))\s*$")
_URL_LINE = re.compile(r"^<?(?P<url>https?://\S+?)>?$")
_DOC_NUMBER = re.compile(r"/document/(?:[^/]*?-)?(?P<n>\d+)/?$")
_CREDIT = re.compile(
    r"(?P<verb>Translated(?: and annotated)?(?: for \S+)?|Obtained and translated(?: for \S+)?|Obtained)"
    r" by (?P<names>[^.]+(?:\.[A-Z]\.?[^.]*)*)\.?\s*$")
_PRINTED_SOURCE = re.compile(
    r"^(?P<translit>.+?) \((?P<translated>[^()]+)\)(?:, (?:vol\.|volume) (?P<volume>[^ ,()]+))?"
    r" \((?P<place>[^:()]+): (?P<publisher>[^()]+?), (?P<year>\d{4})\)(?:, (?:pp?\. )?(?P<pages>[^,]+(?:, ?[^,]+)*))?$")
_PAGE_MARKER = re.compile(r"^\((?:p|pp|с|стр)\.\s*\d+[a-z]?\)$", re.IGNORECASE)
_SECTION_NAMES = {"citation", "summary", "original language", "contents"}
_ORGANIZATION_WORDS = re.compile(
    r"\b(Ministry|Committee|Embassy|Consulate|Department|Government|Bureau|Council|Party|Office|Commission|"
    r"Politburo|Secretariat|Directorate|Headquarters|Army|Command|Section|Administration|Union|Republic|"
    r"Library|Archives?|Museum|School|Institute|University|Academy|Agency|Company|Society|Association)\b")
_OFFICE_WORDS = re.compile(r"\b(General|Consul|Ambassador|Minister|Chairman|Secretary|President|Director)\b")
_PERSONAL_NAME = re.compile(r"[A-Z][\w'-]+(?: [A-Z][\w'-]+){1,2}")
_TRANSLITERATION = {"zh": "zh-Latn-pinyin"}


class SeedFormatError(ValueError):
    """A seed-format file that cannot be imported; the message names the file and line."""

    def __init__(self, path, line: int, message: str):
        self.path, self.line, self.problem = str(path), line, message
        super().__init__(f"{path}:{line}: {message}")


@dataclass
class _Section:
    name: str
    line: int
    lines: list[tuple[int, str]] = field(default_factory=list)

    def text(self) -> str:
        return "\n".join(t for _, t in self.lines).strip()

    def first_line(self) -> int:
        for number, text in self.lines:
            if text.strip():
                return number
        return self.line


def parse_date_phrase(phrase: str) -> str:
    """The EDTF of the file's date heading or citation date, read by the one reader of archivists' dates."""
    return date_words.read(phrase)


def _citation_date(rest: str) -> tuple[str, str] | None:
    """(date phrase, what follows) at the start of a citation's remainder ("July 18, 1949, Wilson Center, ...").

    A date may itself contain a comma, so the longest run of up to three comma-separated parts the reader
    accepts is the date.
    """
    parts = rest.split(", ")
    for count in (3, 2, 1):
        phrase = ", ".join(parts[:count])
        if count <= len(parts):
            try:
                date_words.read(phrase)
            except ValueError:
                continue
            return phrase, ", ".join(parts[count:])
    return None


def parse_file(path) -> dict:
    path = Path(path)
    try:
        text = path.read_text("utf-8")
    except UnicodeDecodeError as exc:
        raise SeedFormatError(path, _line_of_offset(path.read_bytes(), exc.start), "not UTF-8 text") from exc
    return parse(text, path)


def _line_of_offset(data: bytes, offset: int) -> int:
    return data.count(b"\n", 0, offset) + 1


def parse(text: str, path="<string>") -> dict:
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    date_line = title_line = None
    created = title = None
    sections: dict[str, _Section] = {}
    current: _Section | None = None
    for number, line in enumerate(lines, start=1):
        if current is not None and current.name == "contents":
            # Inside Contents only another bold section heading ends the section.
            match = _SECTION.match(line)
            if match and match.group(1).strip().lower() in _SECTION_NAMES:
                current = _open_section(sections, match.group(1), number, path)
            else:
                current.lines.append((number, line))
            continue
        heading = _HEADING.match(line)
        if heading and current is None:
            level, value = heading.group(1), heading.group(2).strip()
            if level == "##" and created is None:
                date_line = number
                try:
                    created = parse_date_phrase(value)
                except ValueError as exc:
                    raise SeedFormatError(path, number, str(exc)) from None
            elif level == "###" and title is None:
                title, title_line = value, number
            else:
                raise SeedFormatError(path, number, f"unexpected heading {line.strip()!r}")
            continue
        section = _SECTION.match(line)
        if section:
            current = _open_section(sections, section.group(1), number, path)
            continue
        if current is None:
            if line.strip():
                raise SeedFormatError(path, number, f"text outside any section: {line.strip()[:60]!r}")
            continue
        current.lines.append((number, line))

    if created is None:
        raise SeedFormatError(path, 1, "missing the date heading ('## **Month D, YYYY**')")
    if title is None:
        raise SeedFormatError(path, date_line or 1, "missing the title heading ('### **Title**')")
    return _build(path, created, title, title_line, sections)


def _open_section(sections: dict, raw_name: str, number: int, path) -> _Section:
    name = raw_name.strip().lower()
    if name not in _SECTION_NAMES:
        raise SeedFormatError(path, number, f"unknown section {raw_name.strip()!r}")
    if name in sections:
        raise SeedFormatError(path, number, f"section {raw_name.strip()!r} appears twice")
    sections[name] = _Section(name, number)
    return sections[name]


def _build(path, created: str, title: str, title_line: int, sections: dict[str, _Section]) -> dict:
    citation = _parse_citation(path, sections.get("citation"), created)
    original_languages = _parse_languages(path, sections.get("original language"))
    identifier = citation.get("number") or _slug_identifier(created, title)
    record_id = STORED.record(identifier)
    record: dict = {
        "@context": CONTEXT,
        "id": record_id,
        "type": describe.record_types(describe.DEFAULT_RECORD_TYPE),  # the archive's files are texts
        "identifier": identifier,
        "title": {"en": title},
        "created": created,
    }
    if original_languages:
        record["language"] = [f"lang:{code}" for code in original_languages]
    author, addressee = _title_parties(title)
    versions, scan_note = _parse_contents(path, sections.get("contents"), identifier, original_languages,
                                          citation.get("translators", []))
    creators, attributions, notes = _creators(author, versions)
    if creators:
        record["creator"] = creators
        record["qualifiedAttribution"] = attributions
    if addressee:
        record["addressee"] = [_agent(addressee)]
    summary = sections.get("summary")
    if summary is not None and summary.text():
        record["abstract"] = {"en": _join_paragraph(summary.text())}
    provenance = _provenance_line(versions)
    if provenance:
        record["provenance"] = {"type": "ProvenanceStatement", "label": {"en": provenance}}
    if citation.get("source"):
        source = citation["source"]
        if "title" in source:
            # The printed source's own title and publisher are romanised from the original language.
            key = (_TRANSLITERATION.get(original_languages[0], f"{original_languages[0]}-Latn")
                   if original_languages else "und-Latn")
            source["title"] = {key: source["title"].pop("und"), **source["title"]}
            source["publisher"]["name"] = {key: source["publisher"]["name"]["und"]}
        record["source"] = source
    if versions:
        record["hasVersion"] = versions
    if citation.get("archive"):
        record["publisher"] = {"type": "Organization", "name": {"en": citation["archive"]}}
    if citation.get("text"):
        record["bibliographicCitation"] = citation["text"]
    if citation.get("url"):
        record["page"] = citation["url"]
    if scan_note:
        record["existenceOfCopies"] = {"en": scan_note}
    if notes:
        record["note"] = {"en": "; ".join(notes)}
    return record


def _parse_citation(path, section: _Section | None, created: str) -> dict:
    if section is None or not section.text():
        return {}
    body = [(n, t.rstrip()) for n, t in section.lines if t.strip()]
    url = None
    if body and _URL_LINE.match(body[-1][1].strip()):
        url = _URL_LINE.match(body[-1][1].strip()).group("url")
        body = body[:-1]
    if not body:
        return {"url": url, "number": document_number(url)}
    line = body[0][0]
    text = " ".join(t.strip() for _, t in body)
    match = re.match(r'^"(?P<title>[^"]+)",\s*(?P<rest>.*)$', text)
    if not match:
        raise SeedFormatError(path, line, "citation does not start with the quoted title")
    rest = match.group("rest")
    found = _citation_date(rest)
    if found is None:
        raise SeedFormatError(path, line, f"citation has no date after the title: {rest[:40]!r}")
    rest = found[1].lstrip(", ")
    archive, _, rest = rest.partition(", ")
    if not archive:
        raise SeedFormatError(path, line, "citation names no archive")
    translators: list[str] = []
    credit = _CREDIT.search(rest)
    if credit:
        rest = rest[:credit.start()].rstrip()
        if "translat" in credit.group("verb").lower():
            translators = _split_names(credit.group("names"))
    source_text = rest.rstrip(". ")
    result = {"text": text, "title": match.group("title"), "archive": archive.strip(), "url": url,
              "number": document_number(url), "translators": translators}
    if source_text:
        result["source"] = _parse_source(source_text)
    return result


def _parse_source(text: str) -> dict:
    printed = _PRINTED_SOURCE.match(text)
    if not printed:
        return {"type": "ArchivalResource", "label": text, "identifier": text}
    parts = printed.groupdict()
    source = {"type": "BibliographicResource", "label": text,
              "title": {"und": parts["translit"].strip(), "en": parts["translated"].strip()}}
    if parts["volume"]:
        source["volume"] = parts["volume"]
    if parts["pages"]:
        source["pages"] = parts["pages"].strip()
    source["issued"] = parts["year"]
    source["publisher"] = {"type": "Organization", "name": {"und": parts["publisher"].strip()}}
    source["place"] = parts["place"].strip()
    return source


def _split_names(names: str) -> list[str]:
    parts = re.split(r",\s*(?:and\s+)?|\s+and\s+|\s*&\s*", names.strip())
    return [p.strip() for p in parts if p.strip()]


def document_number(url: str | None) -> str | None:
    """The archive's document number at the end of its document URL (``.../document/113439``), if any."""
    if not url:
        return None
    match = _DOC_NUMBER.search(url)
    return match.group("n") if match else None


def _slug_identifier(created: str, title: str) -> str:
    stamp = re.sub(r"[^0-9X]+", "-", created).strip("-")
    slug = re.sub(r"[^a-z0-9]+", "-", slugify(title).encode("ascii", "ignore").decode()).strip("-")
    return f"{stamp}-{slug}"[:128].rstrip("-_")


def _parse_languages(path, section: _Section | None) -> list[str]:
    if section is None or not section.text():
        return []
    codes = []
    for name in re.split(r",|;|\band\b|/", section.text()):
        if name.strip():
            try:
                code = languages.code_for(name)
            except languages.UnknownLanguage as exc:
                raise SeedFormatError(path, section.first_line(), str(exc)) from None
            if code not in codes:
                codes.append(code)
    return codes


def _parse_contents(path, section: _Section | None, identifier: str, original: list[str],
                    translators: list[str]) -> tuple[list[dict], str | None]:
    if section is None:
        return [], None
    lines = section.lines
    index = 0
    while index < len(lines) and not lines[index][1].strip():
        index += 1
    entries: list[tuple[int, str, re.Match]] = []
    while index < len(lines) and lines[index][1].strip():
        number, line = lines[index]
        match = _CONTENTS_ENTRY.match(line.strip())
        if not match:
            if not entries:
                raise SeedFormatError(path, number, f"unrecognised contents entry {line.strip()!r}")
            break
        entries.append((number, line.strip(), match))
        index += 1
    scan_note = next((e[1] for e in entries if e[2].group("scan")), None)
    text_entries = [e for e in entries if not e[2].group("scan")]
    body = lines[index:]
    texts = _split_texts(path, body, text_entries)
    versions = []
    used_keys: set[str] = set()
    for number, label, match in text_entries:
        kind = match.group("kind").lower()
        try:
            code = languages.code_for(match.group("lang"))
        except languages.UnknownLanguage as exc:
            raise SeedFormatError(path, number, str(exc)) from None
        text = texts.get(label)
        if not text:
            raise SeedFormatError(path, number, f"no text follows the contents entry {label!r}")
        key = code
        while key in used_keys:
            key = f"{code}-{len(used_keys) + 1}"
        used_keys.add(key)
        versions.append(_version(identifier, key, label, kind, code, text, translators, original))
    return versions, scan_note


def _split_texts(path, body: list[tuple[int, str]], entries) -> dict[str, str]:
    labels = {e[1] for e in entries}
    chunks: dict[str, list[str]] = {}
    current = None
    preamble: list[tuple[int, str]] = []
    for number, line in body:
        heading = _VERSION_HEADING.match(line)
        if heading and heading.group(1).strip() in labels:
            current = heading.group(1).strip()
            if current in chunks:
                raise SeedFormatError(path, number, f"text {current!r} appears twice")
            chunks[current] = []
            continue
        if current is None:
            preamble.append((number, line))
        else:
            chunks[current].append(line)
    leftover = [(n, t) for n, t in preamble if t.strip()]
    if leftover:
        if chunks or len(entries) != 1:
            raise SeedFormatError(path, leftover[0][0],
                                  "text before any '##### <contents entry>' heading, with several texts listed")
        chunks[entries[0][1]] = [t for _, t in preamble]
    return {label: "\n".join(chunk).strip("\n") for label, chunk in chunks.items()}


def _version(identifier, key, label, kind, code, text, translators, original) -> dict:
    record_id = STORED.record(identifier)
    version = {
        "id": STORED.version(identifier, key),
        "type": "Text",
        "versionLabel": label,
        "language": [f"lang:{code}"],
    }
    heading = _text_title(text)
    if heading:
        version["title"] = {code: heading}
    version["isVersionOf"] = record_id
    if kind == "translation" and code not in original:
        version["translationOfWork"] = record_id
        if translators:
            agents = [_agent(name, person=True) for name in translators]
            version["contributor"] = agents
            version["qualifiedAttribution"] = [
                {"type": "Attribution", "agent": a["id"], "hadRole": "relators:trl"} for a in agents]
    version["format"] = record_format.media_type_iri("text/markdown")
    version["text"] = text
    return version


def _paragraphs(text: str) -> list[str]:
    return [p.strip() for p in re.split(r"\n\s*\n", text) if p.strip()]


def _join_paragraph(paragraph: str) -> str:
    return " ".join(line.strip() for line in paragraph.splitlines() if line.strip())


def _text_title(text: str) -> str | None:
    """The document's own heading: its first paragraph when short, less a trailing '(date)' line."""
    paragraphs = _paragraphs(text)
    if not paragraphs:
        return None
    lines = [line.strip() for line in paragraphs[0].splitlines() if line.strip()]
    if len(lines) > 1 and re.match(r"^\(.*\)$", lines[-1]):
        lines = lines[:-1]
    heading = " ".join(lines).lstrip("#").strip()
    if not heading or len(heading) > 200 or _PAGE_MARKER.match(heading) or heading.endswith((",", ":", ";", "!")):
        return None
    return heading


def _provenance_line(versions: list[dict]) -> str | None:
    for version in versions:
        for paragraph in _paragraphs(version["text"]):
            if paragraph.startswith("Printed from"):
                return _join_paragraph(paragraph)
    return None


def _title_parties(title: str) -> tuple[str | None, str | None]:
    """'Cable, Liu Shaoqi to Mao Zedong' -> ('Liu Shaoqi', 'Mao Zedong'). A readership named by a common
    noun ('to its readers', 'to all members') is not a recipient: only a named person or body is."""
    match = re.match(r"^[^,]+,\s+(?P<from>.+?)\s+to\s+(?P<to>.+)$", title)
    if not match:
        return None, None
    to = _strip_article(match.group("to"))
    return _strip_article(match.group("from")), (to if _is_named_party(to) else None)


_GENERIC_READERSHIP = re.compile(r"^(?:its|his|her|their|our|your|my|all|every|each|any)\b", re.IGNORECASE)


def _is_named_party(phrase: str) -> bool:
    return not _GENERIC_READERSHIP.match(phrase) and any(word[:1].isupper() for word in phrase.split())


def _strip_article(name: str) -> str:
    return re.sub(r"^the\s+", "", name.strip(), flags=re.IGNORECASE)


def _agent(name: str, person: bool = False) -> dict:
    """An agent node; a person when the name says so or the caller knows (translators, signatories)."""
    if _ORGANIZATION_WORDS.search(name):
        kind = "Organization"
    elif person or (_PERSONAL_NAME.fullmatch(name) and not _OFFICE_WORDS.search(name)):
        kind = "Person"
    else:
        kind = "Agent"
    return {"id": STORED.agent(name), "type": kind, "name": {"en": name}}


# A signature that cannot be given as a name: "[signature illegible]", "[Signed]", "(signature)", "/s/".
_SIGNATURE_PLACEHOLDER = re.compile(
    r"^(?:\[\s*(?:signature|signed|sig\.|illegible|unsigned|seal|stamp)\b[^\]]*\]"
    r"|\(\s*(?:signature|signed|illegible)\b[^)]*\)|/s/)\.?$", re.IGNORECASE)
_CONFORMED_SIGNATURE = re.compile(r"^/s/\s+")  # "/s/ Ivan Petrov": signed by the named person
# Words of an office or job title on a line of its own in a signature block.
_TITLE_WORDS = re.compile(
    r"\b(?:Ambassador|Consul|Minister|Chairman|Chairwoman|Secretary|President|Director|Commander|Commissar|"
    r"Chief|Head|Deputy|Premier|Attach[eé]|Counsell?or|Envoy|Governor|Representative|Charg[eé]|Advis[eo]r|"
    r"Plenipotentiary|General|Colonel|Major|Captain|Lieutenant|Marshal|Admiral|Delegate|Librarian|Teacher|"
    r"Editor|Manager|Inspector|Officer|Member)\b", re.IGNORECASE)


@dataclass
class _Signature:
    """One entry of a signature block: a signer's name (``None`` for a placeholder) and the office or job
    titles written above or below it."""
    name: str | None
    written: str
    positions: list[str] = field(default_factory=list)


@dataclass
class _SignatureBlock:
    signatures: list[_Signature]
    loose_positions: list[str]  # titles with no name or placeholder in the block: the author's
    language: str


def _block_line(line: str) -> tuple[str, str] | None:
    """('placeholder' | 'title' | 'name', text) for a line that can stand in a signature block, else None."""
    if _SIGNATURE_PLACEHOLDER.match(line):
        return "placeholder", line
    line = _CONFORMED_SIGNATURE.sub("", line)
    clean = re.sub(r"[\[\]]", "", line).strip()
    if (not clean[:1].isupper() or clean.endswith((".", ":", "?", "!", ",", ";")) or _PAGE_MARKER.match(line)
            or any(ch.isdigit() for ch in clean)):
        return None
    if _TITLE_WORDS.search(clean) and len(clean) <= 100 and len(clean.split()) <= 14:
        return "title", clean
    if len(clean) <= 40 and len(clean.split()) <= 5:
        return "name", clean
    return None


def _signature_block(versions: list[dict]) -> _SignatureBlock:
    """The closing signature block of the first translation (else the first text): the short paragraphs
    before 'Printed from ...', each line a name, a placeholder or an office title. A title is written
    above or below its name: in a paragraph that begins with a title, titles belong to the name after
    them, else to the name before; a paragraph of titles alone goes the way the block begins."""
    source = next((v for v in versions if "translationOfWork" in v), versions[0] if versions else None)
    if source is None:
        return _SignatureBlock([], [], "en")
    paragraphs = _paragraphs(source["text"])
    while paragraphs and (paragraphs[-1].startswith("Printed from") or re.fullmatch(r"\[\s*\.\.\.\s*\]|\[…\]", paragraphs[-1])):
        paragraphs.pop()
    block: list[list[tuple[str, str]]] = []
    while paragraphs:
        lines = [_block_line(line.strip()) for line in paragraphs[-1].splitlines() if line.strip()]
        if not lines or None in lines:
            break
        block.insert(0, lines)
        paragraphs.pop()
    signatures: list[_Signature] = []
    pending: list[str] = []  # titles of title-only paragraphs, waiting for the name below them
    loose: list[str] = []
    titles_above = bool(block) and block[0][0][0] == "title"
    for lines in block:
        entries = [(kind, text) for kind, text in lines]
        if all(kind == "title" for kind, _ in entries):
            titles = [text for _, text in entries]
            if titles_above:
                pending += titles
            elif signatures:
                signatures[-1].positions += titles
            else:
                loose += titles
            continue
        above = entries[0][0] == "title"
        waiting: list[str] = []
        for kind, text in entries:
            if kind == "title":
                if above or not signatures:
                    waiting.append(text)
                else:
                    signatures[-1].positions.append(text)
                continue
            signature = _Signature(text if kind == "name" else None, text, pending + waiting)
            pending, waiting = [], []
            signatures.append(signature)
        signatures[-1].positions += waiting
    if pending:
        if signatures:
            signatures[-1].positions += pending
        else:
            loose += pending
    return _SignatureBlock(signatures, loose, languages.iri_code(source["language"][0]))


def _same_party(signature: str, author: str) -> bool:
    sig, auth = signature.casefold(), author.casefold()
    return sig == auth or sig in auth or auth in sig


def _creators(author: str | None, versions: list[dict]) -> tuple[list[dict], list[dict], list[str]]:
    """The record's creators and their attributions (author ``aut``, other signers ``sgn``, each with the
    position it signed with), and notes for what a block holds that is no one's name."""
    creators: list[dict] = []
    attributions: list[dict] = []
    notes: list[str] = []
    block = _signature_block(versions)

    def attribute(agent: dict, role: str, positions: list[str]) -> None:
        attribution = {"type": "Attribution", "agent": agent["id"], "hadRole": role}
        if positions:
            attribution["position"] = {block.language: ", ".join(positions)}
        attributions.append(attribution)

    named = [sig for sig in block.signatures if sig.name]
    if author:
        by_author = [sig for sig in named if _same_party(sig.name, author)]
        agent = _agent(author, person=bool(by_author) and bool(_PERSONAL_NAME.fullmatch(author)))
        creators.append(agent)
        positions = [p for sig in by_author for p in sig.positions]
        positions += [p for p in block.loose_positions if not _same_party(p, author)]
        attribute(agent, "relators:aut", positions)
    elif block.loose_positions:
        notes.append("Signed: " + ", ".join(block.loose_positions))
    for sig in named:
        if author and _same_party(sig.name, author):
            continue
        agent = _agent(sig.name, person=True)
        if any(c["id"] == agent["id"] for c in creators):
            continue
        creators.append(agent)
        attribute(agent, "relators:sgn", sig.positions)
    for sig in block.signatures:
        if sig.name is None:
            notes.append(f"Signature ({', '.join(sig.positions)}): {sig.written}" if sig.positions
                         else f"Signature: {sig.written}")
    return creators, attributions, notes
