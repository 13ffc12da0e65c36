"""Spreadsheet bulk editing: records out to CSV and changed rows back in as new revisions.

Archivists correct hundreds of records at once in LibreOffice or Excel. Export writes one row per record with
the chosen fields and the revision each row was read at; import reads the file back (UTF-8 with or without a
BOM, ``,`` or ``;`` separators, CRLF), turns each row into the record it describes and plans what would change.
A row whose record changed since export is a conflict; a row with any problem stores nothing; a cell a
spreadsheet has visibly reformatted (``18/07/1949``, ``0012`` shown as ``12``) is a problem, never a value.
``plan`` writes nothing (the dry run and the editor's preview); ``apply`` writes the planned changes.

Cell rules (documented in the README's "Spreadsheets" section): repeatable values are joined by `` | `` (a
`` | `` inside a value is written `` \\| ``); a language-tagged value is ``text@lang``, the tag being what
follows the last ``@`` when that is a BCP 47 tag; a blank cell clears the field; a missing column leaves it alone;
a row without an identifier creates a draft, its identifier made from its reference code or title.
"""
from __future__ import annotations

import copy
import csv
import io
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from metadata.record import date_words, dates, identifiers, languages, record_format
from metadata.record.identifiers import is_identifier
from metadata.record.urls import STORED
from metadata.record.validation import validate
from metadata.storage.states import Conflict, Gone, NotFound, StorageError

SEPARATOR = " | "
ESCAPED_SEPARATOR = " \\| "

LANGMAPS = ["title", "alternative", "abstract", "note", "custodialHistory", "accessConditions",
            "reproductionConditions", "locationOfOriginals", "existenceOfCopies"]
SCALARS = ["referenceCode", "levelOfDescription", "extent", "rights", "page", "bibliographicCitation"]
AGENTS = ["creator", "contributor", "addressee"]
LABELLED = {"subject": ("Concept", "prefLabel", STORED.subject), "spatial": ("Location", "label", STORED.place),
            "temporal": ("PeriodOfTime", "label", None)}
FIELDS = (["identifier", "revision"] + LANGMAPS + ["created", "language"] + AGENTS + list(LABELLED) + SCALARS
          + ["isPartOf"])
DEFAULT_FIELDS = ["identifier", "revision", "title", "created", "language", "creator", "addressee", "subject",
                  "spatial", "referenceCode", "extent", "isPartOf"]
REQUIRED = ("identifier", "revision")
SAVE_AS = ("save it as UTF-8 text: in LibreOffice choose File > Save As, file type \"Text CSV\" and character set "
           "\"Unicode (UTF-8)\"; in Excel choose \"CSV UTF-8 (Comma delimited)\"")

_REFORMATTED_DATE = re.compile(r"^\d{1,2}[/.]\d{1,2}[/.]\d{2,4}$")


class SpreadsheetError(ValueError):
    """A file that cannot be read as a spreadsheet at all (not UTF-8, no header, unknown columns)."""


@dataclass
class Problem:
    column: str
    message: str


@dataclass
class Change:
    column: str
    before: str
    after: str


@dataclass
class Row:
    """One data row's outcome: 'changed', 'new', 'unchanged', 'conflict' or 'invalid' (then 'applied' ...)."""
    number: int  # the line of the file as a spreadsheet numbers it (the header is row 1)
    identifier: str
    status: str
    changes: list[Change] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    record: dict | None = None
    revision: int | None = None
    message: str = ""


# ---------------------------------------------------------------- cells


def join(values: Iterable[str]) -> str:
    """Repeatable values as one cell."""
    return SEPARATOR.join(v.replace(SEPARATOR, ESCAPED_SEPARATOR) for v in values)


def split(cell: str) -> list[str]:
    """One cell's values (empty for a blank cell)."""
    cell = cell.strip()
    if not cell:
        return []
    return [v.replace(ESCAPED_SEPARATOR, SEPARATOR).strip() for v in cell.split(SEPARATOR) if v.strip()]


def tagged(text: str, lang: str) -> str:
    return f"{text}@{lang}"


def untag(value: str) -> tuple[str, str | None]:
    """(text, language) of ``text@lang``; the language is None when what follows the last @ is no BCP 47 tag."""
    text, at, tag = value.rpartition("@")
    if at and text.strip() and languages.is_language_tag(tag.strip()):
        return text.strip(), tag.strip()
    return value.strip(), None


def _langmap_cell(language_map: dict | None) -> str:
    return join(tagged(text, lang) for lang, text in (language_map or {}).items())


def _node_cell(nodes: list | None, key: str) -> str:
    """Agents, subjects, places, periods by the first of their names (the others stay with the node)."""
    values = []
    for node in nodes or []:
        names = node.get(key) or {}
        lang = next(iter(names), None)
        if lang is not None:
            values.append(tagged(names[lang], lang))
    return join(values)


def cell(record: dict, column: str) -> str:
    """The text of one column for a stored record (also what a change's "before" shows)."""
    if column in LANGMAPS:
        return _langmap_cell(record.get(column))
    if column == "created":
        return record.get("created", "")
    if column == "language":
        return join(languages.iri_code(code) for code in record.get("language") or [])
    if column in AGENTS:
        return _node_cell(record.get(column), "name")
    if column in LABELLED:
        return _node_cell(record.get(column), LABELLED[column][1])
    if column == "isPartOf":
        return join(STORED.set_spec(iri) or iri for iri in record.get("isPartOf") or [])
    if column == "identifier":
        return record.get("identifier", "")
    if column == "extent":
        return record_format.extent_text(record.get("extent")) or ""
    return str(record.get(column, ""))


# ---------------------------------------------------------------- export


def export_rows(states: Iterable, fields: list[str]) -> Iterator[list[str]]:
    """The header, then one row per record state (with the revision it was read at)."""
    unknown = [f for f in fields if f not in FIELDS]
    if unknown:
        raise SpreadsheetError(f"unknown field(s) {', '.join(unknown)}; the fields are {', '.join(FIELDS)}")
    columns = list(dict.fromkeys(["identifier", "revision"] + list(fields)))
    yield columns
    for state in states:
        yield [str(state.revision) if c == "revision" else cell(state.data, c) for c in columns]


def write_csv(states: Iterable, fields: list[str] | None = None) -> str:
    """The CSV text (with a BOM and CRLF line ends, so Excel and LibreOffice open it as UTF-8)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    for row in export_rows(states, fields or DEFAULT_FIELDS):
        writer.writerow(row)
    return "\ufeff" + out.getvalue()


def matches(state, set_spec: str | None = None, year_from: int | None = None, year_to: int | None = None,
            identifiers: set[str] | None = None) -> bool:
    """Whether a record passes the export filters (a set includes its subsets; years overlap the range)."""
    if identifiers is not None and state.id not in identifiers:
        return False
    if set_spec:
        specs = [STORED.set_spec(iri) or "" for iri in state.data.get("isPartOf") or []]
        if not any(s == set_spec or s.startswith(set_spec + ":") for s in specs):
            return False
    if year_from is not None or year_to is not None:
        lower, upper = dates.years(state.data.get("created", "XXXX"))
        if lower is None and upper is None:
            return False
        if year_from is not None and upper is not None and upper < year_from:
            return False
        if year_to is not None and lower is not None and lower > year_to:
            return False
    return True


def chosen(records_part, set_spec: str | None = None, year_from: int | None = None, year_to: int | None = None,
           query: str = "") -> Iterator:
    """The live records (drafts included) an export's filters choose, in identifier order; ``query`` is the
    listing search (title or identifier) until the discovery search exists."""
    identifiers = None
    if query:
        total, _ = records_part.list_records(query=query, include_drafts=True, per_page=1)
        _, rows = records_part.list_records(query=query, include_drafts=True, per_page=max(total, 1))
        identifiers = {r.id for r in rows}
    return (s for s in records_part.iter_records() if matches(s, set_spec, year_from, year_to, identifiers))


def parse_fields(text: str | None) -> list[str]:
    """``--fields title,created`` (or the editor's field boxes) as a list; the default fields when empty."""
    fields = [f.strip() for f in (text or "").split(",") if f.strip()]
    return fields or list(DEFAULT_FIELDS)


# ---------------------------------------------------------------- reading files


def read_table(data: bytes, name: str = "the file") -> tuple[list[str], list[tuple[int, dict[str, str]]]]:
    """(columns, [(row number, {column: cell})]) of a CSV file as LibreOffice or Excel save it."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[:exc.start].count(b"\n") + 1
        raise SpreadsheetError(f"{name}, line {line}: the file is not UTF-8 text; {SAVE_AS}") from None
    if not text.strip():
        raise SpreadsheetError(f"{name}: the file is empty")
    header_line = text.splitlines()[0]
    delimiter = max([",", ";", "\t"], key=header_line.count)
    rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    columns = [c.strip() for c in rows[0]]
    unknown = [c for c in columns if c and c not in FIELDS]
    if unknown:
        raise SpreadsheetError(f"{name}, line 1: unknown column(s) {', '.join(unknown)}; the columns are "
                               f"{', '.join(FIELDS)}")
    missing = [c for c in REQUIRED if c not in columns]
    if missing:
        raise SpreadsheetError(f"{name}, line 1: the {' and '.join(missing)} column(s) are missing; export the "
                               "records first and edit that file")
    if len(set(columns)) != len(columns):
        raise SpreadsheetError(f"{name}, line 1: a column appears twice")
    table = []
    for number, values in enumerate(rows[1:], start=2):
        if not any(v.strip() for v in values):
            continue
        table.append((number, {c: (values[i] if i < len(values) else "") for i, c in enumerate(columns) if c}))
    return columns, table


# ---------------------------------------------------------------- rows to records


def _langmap(values: list[str], before: dict | None, column: str, problems: list[Problem]) -> dict:
    default = next(iter(before or {}), "en")
    result: dict = {}
    for value in values:
        text, lang = untag(value)
        lang = lang or default
        if lang in result:
            problems.append(Problem(column, f"two values in language {lang}; write one text per language, such as "
                                            "Letter@en | Письмо@ru"))
        result[lang] = text
    return result


def _nodes(values: list[str], before: list | None, column: str) -> list:
    """Nodes for the names in a cell: an unchanged name keeps its node (its id, other names, sort name)."""
    if column in AGENTS:
        kind, key, make = "Person", "name", STORED.agent
    else:
        kind, key, make = LABELLED[column]
    known = {}
    for node in before or []:
        for text in (node.get(key) or {}).values():
            known.setdefault(text, node)
    nodes = []
    for value in values:
        text, lang = untag(value)
        node = known.get(text)
        if node is None or (lang and node[key].get(lang) != text):
            node = {"type": kind, key: {lang or "en": text}}
            if make is not None:
                node = {"id": make(text), **node}
        if node not in nodes:
            nodes.append(node)
    return nodes


def _put(record: dict, key: str, value) -> None:
    if value in (None, "", [], {}):
        record.pop(key, None)
    else:
        record[key] = value


def _reformatted(column: str, text: str, before: str) -> str | None:
    """Why a cell looks reformatted by a spreadsheet (then it is not stored), or None."""
    if column == "created" and _REFORMATTED_DATE.match(text):
        return (f"{text!r} looks like a date a spreadsheet reformatted; write it as 18 July 1949 or 1949-07-18 "
                "(format the column as text before typing)")
    if before and before != text and before.isdigit() and before.startswith("0") and text == before.lstrip("0"):
        return (f"{text!r} looks like {before!r} with its leading zeros dropped by a spreadsheet; format the column "
                "as text and write the value again")
    return None


def to_record(cells: dict[str, str], before: dict | None) -> tuple[dict, list[Problem]]:
    """The record a row describes (the stored record with the row's columns applied) and the row's problems."""
    problems: list[Problem] = []
    record = copy.deepcopy(before) if before else {"@context": STORED.context(), "type": ["Text", "Record"]}
    for column, raw in cells.items():
        if column in ("identifier", "revision"):
            continue
        text = raw.strip()
        why = _reformatted(column, text, cell(before, column) if before else "")
        if why:
            problems.append(Problem(column, why))
            continue
        values = split(text)
        if column in LANGMAPS:
            _put(record, column, _langmap(values, (before or {}).get(column), column, problems))
        elif column == "created":
            try:
                _put(record, column, date_words.read(text) if text else "")
            except date_words.DateNotUnderstood as exc:
                problems.append(Problem(column, str(exc)))
        elif column == "language":
            codes = []
            for value in values:
                try:
                    codes.append(f"lang:{languages.code_for(value)}")
                except languages.UnknownLanguage as exc:
                    problems.append(Problem(column, str(exc)))
            _put(record, column, list(dict.fromkeys(codes)))
        elif column in AGENTS or column in LABELLED:
            _put(record, column, _nodes(values, (before or {}).get(column), column))
        elif column == "isPartOf":
            _put(record, column, [STORED.set(v) for v in dict.fromkeys(values)])
        elif column == "extent":
            # the words in the cell; an unchanged cell keeps the node as it was (other languages included)
            kept = text and before and record_format.extent_text(before.get("extent")) == text
            _put(record, column, before["extent"] if kept else record_format.extent_node(text) if text else "")
        else:
            _put(record, column, text)
    _drop_dangling_attributions(record)
    return record, problems


def _drop_dangling_attributions(record: dict) -> None:
    """A creator or contributor removed in the spreadsheet takes their roles with them."""
    people = {n["id"] for key in AGENTS for n in record.get(key) or []}
    attributions = [a for a in record.get("qualifiedAttribution") or [] if a.get("agent") in people]
    _put(record, "qualifiedAttribution", attributions)


def new_identifier(cells: dict[str, str], taken) -> str:
    """An identifier for a row without one: its reference code or title, slugged ("MSA/LIB/4/2" -> "MSA-LIB-4-2")
    by the editor's rule (``identifiers.suggest``)."""
    titles = split(cells.get("title", ""))
    return identifiers.suggest(cells.get("referenceCode", ""), untag(titles[0])[0] if titles else "", taken)


_COLUMN_WORDS = {"title": "a record needs a title, such as Letter to the editor@en",
                 "created": "a record needs a date: " + date_words.ADVICE,
                 "identifier": "an identifier is letters, digits, - and _",
                 "rights": "write a rights statement or Creative Commons licence URL, such as "
                           "http://rightsstatements.org/vocab/InC/1.0/",
                 "levelOfDescription": "write fonds, series, file or item",
                 "isPartOf": "write set specs such as cold-war:sino-soviet, separated by |",
                 "page": "write a web address starting with https://"}


def _plain(errors: list[dict]) -> list[Problem]:
    """Validation problems by column, in words for the columns whose rule is known."""
    problems = []
    for error in errors:
        if error["pointer"].count("/"):
            column = error["pointer"].split("/")[1]
        else:  # a missing required field is reported at the record itself: "'title' is a required property"
            named = re.match(r"'(\w+)' is a required property", error["message"])
            column = named.group(1) if named else "identifier"
        message = _COLUMN_WORDS.get(column, error["message"])
        if all(p.column != column for p in problems):
            problems.append(Problem(column, message))
    return problems


def plan(records_part, table: list[tuple[int, dict[str, str]]]) -> list[Row]:
    """What importing ``table`` would do, row by row, writing nothing (``records_part``: ``store.records``)."""
    results = []
    seen: set[str] = set()
    for number, cells in table:
        identifier = cells.get("identifier", "").strip()
        revision_text = cells.get("revision", "").strip()
        row = Row(number, identifier, "invalid")
        results.append(row)
        if identifier and identifier in seen:
            row.problems.append(Problem("identifier", f"record {identifier} appears in an earlier row too"))
            continue
        seen.add(identifier)
        current = records_part.get(identifier) if identifier else None
        if identifier and current is None:
            hint = ""
            if identifier.isdigit():
                padded = next((c for c in ("0" * k + identifier for k in range(1, 7))
                               if records_part.get(c) is not None), None)
                hint = (f"; is it {padded}? " if padded else "; ") + \
                    "a spreadsheet may have dropped leading zeros (format the column as text)"
            row.problems.append(Problem("identifier", f"there is no record {identifier}{hint}; leave the identifier "
                                                      "blank to create a new record"))
            continue
        if current is not None and current.deleted:
            row.problems.append(Problem("identifier", f"record {identifier} has been deleted; restore it first"))
            continue
        if current is not None:
            if not revision_text.isdigit():
                row.problems.append(Problem("revision", "keep the revision number the export wrote"))
                continue
            row.revision = int(revision_text)
            if row.revision != current.revision:
                row.status = "conflict"
                row.message = (f"record {identifier} changed since the export (revision {row.revision}, now "
                               f"{current.revision}); export it again and redo this row")
                continue
        before = current.data if current is not None else None
        record, problems = to_record(cells, before)
        if current is None:
            identifier = new_identifier(cells, lambda i: i in seen or records_part.get(i) is not None)
            seen.add(identifier)
            row.identifier = identifier
        record["identifier"] = identifier
        record["id"] = STORED.record(identifier)
        if not is_identifier(identifier):
            problems.append(Problem("identifier", _COLUMN_WORDS["identifier"]))
        if not problems:
            problems = _plain(validate(record))
        if problems:
            row.problems = problems
            continue
        row.record = record
        columns = [c for c in cells if c not in ("identifier", "revision")]
        row.changes = [Change(c, cell(before, c) if before else "", cell(record, c)) for c in columns
                       if (cell(before, c) if before else "") != cell(record, c)]
        if current is None:
            row.status = "new"
        else:
            row.status = "changed" if record != before else "unchanged"
    return results


def apply(records_part, rows: list[Row], author: str, source: str) -> list[Row]:
    """Write the planned rows: each changed row a new revision, each new row a draft; a record changed since
    the plan is a conflict (then nothing of that row is stored)."""
    for row in rows:
        if row.status not in ("changed", "new"):
            continue
        message = f"spreadsheet {source}, row {row.number}"
        try:
            if row.status == "new":
                records_part.create(row.record, author, message, published=False)
                row.status = "created"
            else:
                records_part.update(row.identifier, row.record, row.revision, author, message)
                row.status = "updated"
        except Conflict as exc:
            row.status, row.message = "conflict", f"record {row.identifier} changed meanwhile: {exc}"
        except (Gone, NotFound, StorageError) as exc:
            row.status, row.problems = "invalid", [Problem("identifier", str(exc))]
    return rows


def summary(rows: list[Row]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for row in rows:
        counts[row.status] = counts.get(row.status, 0) + 1
    return counts


def describe(row: Row) -> list[str]:
    """Lines for people: what a row does or why it does not."""
    head = f"row {row.number}" + (f" ({row.identifier})" if row.identifier else "")
    if row.status == "conflict":
        return [f"{head}: conflict: {row.message}"]
    if row.problems:
        return [f"{head}: column {p.column}: {p.message}" for p in row.problems]
    if not row.changes:
        return [f"{head}: {row.status}"]
    return [f"{head}: {row.status}"] + [f"    {c.column}: {c.before!r} -> {c.after!r}" for c in row.changes]


__all__ = ["SpreadsheetError", "Row", "Change", "Problem", "FIELDS", "DEFAULT_FIELDS", "write_csv", "read_table",
           "plan", "apply", "matches", "chosen", "parse_fields", "describe", "summary"]
