"""What of a record search reads, in four tiers, and the snippet a result shows.

Tiers rank results (a title hit above a summary hit above a text hit):

0. ``title``: the record's titles in every language, alternative titles and the titles of its versions;
1. ``summary``: the abstract in every language;
2. ``text``: the text of every version (original, transcriptions, translations), all languages;
3. ``other``: everything else a researcher might know: people and organisations (creators, recipients,
   translators, contributors, publisher), places, subjects, periods, the identifier and reference code, the
   date (EDTF and in words), the source, provenance and citation.

Snippets are made here from the record itself (not by either database), so both engines show the same.
"""
from __future__ import annotations

from collections.abc import Iterator
from html import escape

from metadata.record import date_words, search_terms

TIERS = ("title", "summary", "text", "other")


def _strings(value) -> list[str]:
    """Every string in a language map, a list of them, or a plain string."""
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [v for v in value.values() if isinstance(v, str)]
    if isinstance(value, list):
        return [s for item in value for s in _strings(item)]
    return []


def _node_labels(nodes) -> list[str]:
    out: list[str] = []
    for node in nodes or []:
        if isinstance(node, dict):
            for key in ("name", "label", "prefLabel", "title"):
                out += _strings(node.get(key))
    return out


def fields(record: dict) -> dict[str, list[str]]:
    """The record's searchable texts by tier."""
    versions = record.get("hasVersion") or []
    title = _strings(record.get("title")) + _strings(record.get("alternative"))
    for version in versions:
        title += _strings(version.get("title"))
    other = _node_labels(record.get("creator")) + _node_labels(record.get("contributor"))
    other += _node_labels(record.get("addressee")) + _node_labels(record.get("spatial"))
    other += _node_labels(record.get("subject")) + _node_labels(record.get("temporal"))
    for version in versions:
        other += _node_labels(version.get("contributor"))
    other += _node_labels([record.get("publisher"), record.get("source"), record.get("provenance")])
    other += [record.get("identifier", ""), record.get("referenceCode") or "", record.get("created") or ""]
    if record.get("created"):
        other.append(date_words.words(record["created"]))
    other += _strings(record.get("bibliographicCitation"))
    return {"title": title, "summary": _strings(record.get("abstract")),
            "text": [v.get("text") or "" for v in versions], "other": [s for s in other if s]}


def sort_key(title: str) -> str:
    """How titles sort: case-folded and unaccented, so both databases order them alike."""
    return search_terms.unaccent(title.casefold()).strip()


def snippet(record: dict, marks: tuple[str, ...], tier: int | None, width: int = 220) -> str:
    """HTML: a passage of the field the hit is in (the abstract or text when there is no query), the query's
    words marked with <mark>, everything else escaped."""
    texts = fields(record)
    order = list(TIERS[tier:]) + list(TIERS[:tier]) if tier is not None else ["summary", "text", "title"]
    for name in order:
        for text in texts[name]:
            html = _passage(text, marks, width)
            if html is not None:
                return html
    return ""


def _hits(text: str, marks: tuple[str, ...]) -> Iterator[tuple[int, list[tuple[int, int]]]]:
    """(where the piece starts, its marked spans) of each piece of ``text`` in reading order from the first
    with a hit (a CJK piece may hold several spans, most pieces none), read lazily: a snippet stops once its
    window is passed. Whole-word marks are looked for in C first (search_terms.first_word_with)."""
    ready = search_terms.Marks(marks)
    cjk_marks = [m for m in marks if search_terms.is_cjk(m)]
    first = 0
    if not cjk_marks and not ready.prefixes:
        first = search_terms.first_word_with(text, ready.whole)
        if first is None:
            return
    hit = False
    for piece in search_terms.iter_pieces(text, first):
        spans = []
        if piece.cjk:
            for mark in cjk_marks:
                at = piece.text.find(mark)
                while at >= 0:
                    spans.append((piece.start + at, piece.start + at + len(mark)))
                    at = piece.text.find(mark, at + 1)
        elif ready.match(search_terms.word_token(piece.text)):
            spans.append((piece.start, piece.end))
        hit = hit or bool(spans)
        if hit:
            yield piece.start, spans


def _merged(spans):
    out: list[list[int]] = []
    for start, end in spans:
        if out and start <= out[-1][1]:
            out[-1][1] = max(out[-1][1], end)
        else:
            out.append([start, end])
    return [tuple(s) for s in out]


def _passage(text: str, marks: tuple[str, ...], width: int) -> str | None:
    """A window of ``text`` around its first hit (None when marks are given and none is in it)."""
    text = search_terms.nfc(" ".join(text.split()))
    if not text:
        return None
    found = _hits(text, marks) if marks else iter(())
    _, spans = next(found, (0, []))
    if marks and not spans:
        return None
    first = min(spans)[0] if spans else 0
    start = max(0, first - width // 3)
    if start > 0:
        space = text.find(" ", start)
        start = space + 1 if 0 <= space < first else start
    end = min(len(text), start + width)
    if end < len(text):
        space = text.rfind(" ", start, end)
        end = space if space > first else end
    # Spans starting at or after ``end`` are never shown, so the text is read no further than the window
    # (pieces come in order, and each piece's spans start at or after the piece).
    for piece_start, more in found:
        if piece_start >= end:
            break
        spans = spans + [span for span in more if span[0] < end]
    spans = _merged(sorted(spans))
    out, at = [], start
    for s, e in spans:
        if e <= start or s >= end:
            continue
        s, e = max(s, start), min(e, end)
        out.append(escape(text[at:s]) + "<mark>" + escape(text[s:e]) + "</mark>")
        at = e
    out.append(escape(text[at:end]))
    return ("…" if start > 0 else "") + "".join(out) + ("…" if end < len(text) else "")
