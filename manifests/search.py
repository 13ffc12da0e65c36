"""Search inside one document: IIIF Content Search 1.0 and 2.0 answered from the stored page layout.

The reading pages are typeset by us (``layout``) and drawn line by line (``render``: line i at
y = MARGIN + i * LINE_HEIGHT, from x = MARGIN), so the box of every matched word is known exactly: its x
range is the measured width of the line up to the match and through it, in the font the line is drawn in.
Viewers then highlight the very words on the page image. Scans are not typeset by us, so a hit on a scan
canvas targets the whole canvas.

Matching ignores case and diacritics (both sides are case-folded and stripped of combining marks) and
treats any run of white space, a line break included, as one space, so a phrase that wraps to the next
line is still found and gets the box of each line it covers. The query is matched as one phrase at the
start of a word (``negotiat`` finds ``negotiations``); CJK text has no spaces between words and matches by
characters anywhere, and a line break inside CJK text joins with no space.

Two response shapes are written, because viewers read different versions: Mirador 4 and Universal Viewer
read 1.0 (a Presentation 2 ``sc:AnnotationList`` with ``resources`` and ``hits``); Clover reads 2.0 (an
AnnotationPage of ``highlighting`` annotations with ``contextualizing`` TextQuoteSelectors). No Flask here:
the server feeds in the stored manifest and layout and serves what comes out.
"""
from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlencode

from metadata.record.urls import UrlBuilder

from .fonts import CJK_LANGUAGES, FontSet
from .layout import FONT_SIZE, HEADING_SIZE, LINE_HEIGHT, MARGIN

SEARCH1_CONTEXT = "http://iiif.io/api/search/1/context.json"
SEARCH2_CONTEXT = "http://iiif.io/api/search/2/context.json"
PRESENTATION2_CONTEXT = "http://iiif.io/api/presentation/2/context.json"
SEARCH1_PROFILE = "http://iiif.io/api/search/1/search"
AUTOCOMPLETE1_PROFILE = "http://iiif.io/api/search/1/autocomplete"
# Parameters both versions define that this service does not support: a request using them is answered
# as if they were absent, and says so in ``ignored``.
UNSUPPORTED = ("motivation", "date", "user", "min")
CONTEXT_CHARS = 40
MAX_TERMS = 20
PAGE_SIZE = 100  # hits per answer; more are paged (1.0 ``next``/``prev`` and ``within``; 2.0 ``partOf``)


def search_services(urls: UrlBuilder, identifier: str) -> list[dict]:
    """The ``service`` entries a manifest with text declares: Content Search 2.0 (with its autocomplete)
    and 1.0 in its own JSON-LD shape, which Mirador 4 finds by ``profile``. Nested services are lists, as
    the Presentation 3 schema requires (manifesto reads a list or a single object alike)."""
    return [
        {"id": urls.search.service(identifier, 2), "type": "SearchService2",
         "service": [{"id": urls.search.autocomplete(identifier, 2), "type": "AutoCompleteService2"}]},
        {"@context": SEARCH1_CONTEXT, "@id": urls.search.service(identifier, 1), "@type": "SearchService1",
         "profile": SEARCH1_PROFILE,
         "service": [{"@id": urls.search.autocomplete(identifier, 1), "@type": "AutoCompleteService1",
                      "profile": AUTOCOMPLETE1_PROFILE}]},
    ]


# ------------------------------------------------------------------------------- matching
def _is_cjk(ch: str) -> bool:
    return bool(ch) and unicodedata.name(ch, "").startswith(("CJK ", "HIRAGANA", "KATAKANA", "HANGUL"))


def fold(text: str) -> str:
    """``text`` case-folded and without diacritics, white space runs made one space (the query's form)."""
    return re.sub(r"\s+", " ", "".join(_fold_char(ch) for ch in text)).strip()


def _fold_char(ch: str) -> str:
    if ch.isspace():
        return " "
    return "".join(c for c in unicodedata.normalize("NFKD", ch.casefold()) if not unicodedata.combining(c))


@dataclass(frozen=True)
class Line:
    """One drawn line: its text and where it sits (``row`` on a typeset page; None on a scan)."""
    text: str
    row: int | None = None
    style: str = "p"


@dataclass(frozen=True)
class Hit:
    """One match on one canvas: its boxes (x, y, w, h; one per line it covers) and the matched text with
    the text before and after it."""
    canvas: str
    boxes: tuple[tuple[int, int, int, int], ...]
    exact: str
    prefix: str
    suffix: str


class CanvasText:
    """The searchable text of one canvas: the folded string, and for each of its characters the line and
    offset in the original it came from (None for a space put between lines)."""

    def __init__(self, canvas: dict, lines: list[Line], language: str, fonts: FontSet | None):
        self.canvas, self.lines, self.language, self.fonts = canvas, lines, language, fonts
        folded: list[str] = []
        origin: list[tuple[int, int] | None] = []
        for index, line in enumerate(lines):
            if folded and line.text.strip():
                joined_cjk = _is_cjk(folded[-1]) and _is_cjk(line.text.lstrip()[:1])
                if not joined_cjk and folded[-1] != " ":
                    folded.append(" ")
                    origin.append(None)
            for offset, ch in enumerate(line.text):
                for piece in _fold_char(ch):
                    if piece == " " and (not folded or folded[-1] == " "):
                        continue
                    folded.append(piece)
                    origin.append((index, offset))
        self.folded = "".join(folded)
        self.origin = origin

    def spans(self, query: str) -> list[tuple[int, int]]:
        """Where the folded ``query`` stands in the folded text: at a word start, or anywhere for CJK."""
        if not query:
            return []
        found, start = [], 0
        anywhere = _is_cjk(query[0])
        while (at := self.folded.find(query, start)) >= 0:
            start = at + 1
            if not anywhere and at > 0 and self.folded[at - 1].isalnum():
                continue  # inside a word
            found.append((at, at + len(query)))
        return found

    def words(self, prefix: str) -> Counter:
        """Folded words (CJK: the prefix and its next character) starting with ``prefix``, counted."""
        if not prefix:
            return Counter()
        if _is_cjk(prefix[0]):
            found = re.findall(re.escape(prefix) + r"\w?", self.folded)
        else:
            found = [w for w in re.findall(r"\w+", self.folded) if w.startswith(prefix)]
        return Counter(found)

    def hit(self, begin: int, end: int) -> Hit:
        """The hit for folded characters ``begin`` to ``end``: a box per line they cover, with context."""
        spans: dict[int, list[int]] = {}  # line index -> [first offset, last offset + 1]
        for where in self.origin[begin:end]:
            if where is None:
                continue
            index, offset = where
            span = spans.setdefault(index, [offset, offset + 1])
            span[0], span[1] = min(span[0], offset), max(span[1], offset + 1)
        pieces = [self.lines[i].text[a:b] for i, (a, b) in sorted(spans.items())]
        joiner = "" if self.language.split("-")[0] in CJK_LANGUAGES else " "
        first, last = min(spans), max(spans)
        before = joiner.join([line.text for line in self.lines[:first] if line.text][-2:]
                             + [self.lines[first].text[:spans[first][0]]])
        after = joiner.join([self.lines[last].text[spans[last][1]:]]
                            + [line.text for line in self.lines[last + 1:] if line.text][:2])
        return Hit(self.canvas["id"], tuple(self._box(i, a, b) for i, (a, b) in sorted(spans.items())),
                   joiner.join(pieces), _tail(before), _head(after))

    def _box(self, index: int, begin: int, end: int) -> tuple[int, int, int, int]:
        line = self.lines[index]
        if line.row is None or self.fonts is None:  # a scan: the position of its lines is not ours to know
            return 0, 0, self.canvas["width"], self.canvas["height"]
        font = self.fonts.font(self.language, HEADING_SIZE if line.style == "h" else FONT_SIZE,
                               bold=line.style == "h")
        x0 = MARGIN + font.getlength(line.text[:begin])
        x1 = MARGIN + font.getlength(line.text[:end])
        left, right = int(x0), min(int(x1 + 0.999), self.canvas["width"])
        return left, MARGIN + line.row * LINE_HEIGHT, max(right - left, 1), LINE_HEIGHT


def _tail(text: str) -> str:
    text = re.sub(r"\s+", " ", text)
    return text[-CONTEXT_CHARS:]


def _head(text: str) -> str:
    text = re.sub(r"\s+", " ", text)
    return text[:CONTEXT_CHARS]


def canvas_texts(manifest: dict, pages: list[dict | None], fonts: FontSet) -> list[CanvasText]:
    """Each canvas's searchable text: a typeset page's drawn lines (with their rows), or a scan's
    supplementing text (lines without a position)."""
    texts = []
    for canvas, page in zip(manifest["items"], pages + [None] * (len(manifest["items"]) - len(pages))):
        if page is not None:
            lines = [Line(text, row, style) for row, (style, text) in enumerate(page["lines"])
                     if style != "marker"]
            texts.append(CanvasText(canvas, lines, page["language"], fonts))
            continue
        for annotation_page in canvas.get("annotations") or []:
            for annotation in annotation_page["items"]:
                body = annotation["body"]
                lines = [Line(text) for text in body["value"].split("\n")]
                texts.append(CanvasText(canvas, lines, body.get("language", "none"), None))
    return texts


_QUERY_TERM = re.compile(r'"([^"]*)"?|(\S+)')


def query_terms(q: str) -> list[str]:
    """The query's terms, folded: each word, or a ``"quoted phrase"`` whole; each once."""
    found = (fold(m[1] if m[1] is not None else m[2]) for m in _QUERY_TERM.finditer(q or ""))
    return list(dict.fromkeys(term for term in found if term))


def find(texts: list[CanvasText], q: str) -> list[Hit]:
    """Every hit of the query in reading order (canvas, then position). One term (a word or a quoted phrase)
    is found wherever it stands. Several terms must each be in the document, or nothing is found; then the
    terms standing together as a phrase are one hit (a box per line it covers), and each other occurrence of
    a term is a hit of its own."""
    terms = query_terms(q)
    found = [[(t, span) for t, text in enumerate(texts) for span in text.spans(term)] for term in terms]
    if not terms or not all(found):
        return []
    chosen: list[tuple[int, tuple[int, int]]] = []
    if len(terms) > 1:  # the whole query as a phrase first, so its words are not counted again on their own
        chosen = [(t, span) for t, text in enumerate(texts) for span in text.spans(" ".join(terms))]
    taken = {t: [span for u, span in chosen if u == t] for t in range(len(texts))}
    for occurrences in found:
        for t, (begin, end) in occurrences:
            if not any(begin < e and b < end for b, e in taken[t]):
                taken[t].append((begin, end))
                chosen.append((t, (begin, end)))
    return [texts[t].hit(*span) for t, span in sorted(chosen)]


def suggest(texts: list[CanvasText], q: str) -> list[tuple[str, int]]:
    """Autocomplete terms: words of the document starting with ``q``, most frequent first."""
    counts = Counter()
    for text in texts:
        counts.update(text.words(fold(q)))
    return sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:MAX_TERMS]


def ignored(params: dict) -> list[str]:
    return [name for name in UNSUPPORTED if name in params]


def _xywh(hit: Hit, box: tuple[int, int, int, int]) -> str:
    return f"{hit.canvas}#xywh={','.join(map(str, box))}"


# ------------------------------------------------------------------------------- responses
@dataclass(frozen=True)
class Paging:
    """Which page of a result an answer is: ``total`` hits, ``size`` a page, and ``link(n)`` the URL of
    page n (``link(0)``: the query itself, without a page). A result of one page is answered whole,
    without paging properties."""
    total: int
    page: int
    link: Callable[[int], str]
    size: int = PAGE_SIZE

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.size))

    @property
    def start(self) -> int:
        return (self.page - 1) * self.size

    def cut(self, hits: list[Hit]) -> list[Hit]:
        return hits[self.start:self.start + self.size]


def _single(hits: list[Hit]) -> Paging:
    return Paging(len(hits), 1, lambda n: "", max(len(hits), 1))


def response1(response_id: str, hits: list[Hit], skipped: list[str], paging: Paging | None = None) -> dict:
    """A Content Search 1.0 response: an sc:AnnotationList of one painting annotation per matched line
    (``on`` = canvas#xywh) and a ``hits`` list tying each match to its annotations, with before/after. A
    long result is paged: the layer in ``within`` has the ``total`` and the ``first`` and ``last`` pages,
    each page its ``startIndex`` and ``next``/``prev``."""
    paging = paging or _single(hits)
    resources, hit_list = [], []
    for k, hit in enumerate(paging.cut(hits), start=paging.start + 1):
        ids = []
        for b, box in enumerate(hit.boxes, start=1):
            ids.append(f"{response_id}#hit-{k}-{b}")
            resources.append({"@id": ids[-1], "@type": "oa:Annotation", "motivation": "sc:painting",
                              "resource": {"@type": "cnt:ContentAsText", "chars": hit.exact},
                              "on": _xywh(hit, box)})
        hit_list.append({"@type": "search:Hit", "annotations": ids, "match": hit.exact,
                         "before": hit.prefix, "after": hit.suffix})
    document = {"@context": [PRESENTATION2_CONTEXT, SEARCH1_CONTEXT], "@id": response_id,
                "@type": "sc:AnnotationList",
                "within": {"@type": "sc:Layer", "total": len(hits), "ignored": skipped}}
    if paging.pages > 1:
        document["@id"] = paging.link(paging.page)
        document["within"].update(first=paging.link(1), last=paging.link(paging.pages))
        document.update(_neighbours(paging, paging.link), startIndex=paging.start)
    return {**document, "resources": resources, "hits": hit_list}


def _neighbours(paging: Paging, reference: Callable[[int], object]) -> dict:
    near = {}
    if paging.page < paging.pages:
        near["next"] = reference(paging.page + 1)
    if paging.page > 1:
        near["prev"] = reference(paging.page - 1)
    return near


def response2(response_id: str, hits: list[Hit], skipped: list[str], paging: Paging | None = None) -> dict:
    """A Content Search 2.0 response: ``highlighting`` annotations on canvas#xywh (one per matched line),
    and ``contextualizing`` annotations giving each match with its prefix and suffix (TextQuoteSelector).
    A long result is paged: each AnnotationPage is ``partOf`` an AnnotationCollection (the query without a
    page, with its ``total``, ``first`` and ``last`` pages) and has a ``startIndex`` and ``next``/``prev``."""
    paging = paging or _single(hits)
    items, context = [], []
    for k, hit in enumerate(paging.cut(hits), start=paging.start + 1):
        ids = []
        for b, box in enumerate(hit.boxes, start=1):
            ids.append(f"{response_id}#hit-{k}-{b}")
            items.append({"id": ids[-1], "type": "Annotation", "motivation": "highlighting",
                          "body": {"type": "TextualBody", "value": hit.exact, "format": "text/plain"},
                          "target": _xywh(hit, box)})
        context.append({"id": f"{response_id}#match-{k}", "type": "Annotation", "motivation": "contextualizing",
                        "target": [{"type": "SpecificResource", "source": annotation_id, "selector": [
                            {"type": "TextQuoteSelector", "prefix": hit.prefix, "exact": hit.exact,
                             "suffix": hit.suffix}]} for annotation_id in ids]})
    document = {"@context": SEARCH2_CONTEXT, "id": response_id, "type": "AnnotationPage"}
    if paging.pages > 1:
        page = lambda n: {"id": paging.link(n), "type": "AnnotationPage"}  # noqa: E731
        document["id"] = paging.link(paging.page)
        document["partOf"] = {"id": paging.link(0), "type": "AnnotationCollection", "total": paging.total,
                              "first": page(1), "last": page(paging.pages)}
        document.update(_neighbours(paging, page), startIndex=paging.start)
    document["items"] = items
    if context:
        document["annotations"] = [{"type": "AnnotationPage", "items": context}]
    if skipped:
        document["ignored"] = skipped
    return document


def terms1(response_id: str, search_url: str, terms: list[tuple[str, int]], skipped: list[str]) -> dict:
    """A Content Search 1.0 autocomplete response (search:TermList): each term's match, count and the
    search URL that finds it (Mirador shows ``match``)."""
    return {"@context": SEARCH1_CONTEXT, "@id": response_id, "@type": "search:TermList", "ignored": skipped,
            "terms": [{"match": term, "count": count, "url": f"{search_url}?{urlencode({'q': term})}"}
                      for term, count in terms]}


def terms2(response_id: str, terms: list[tuple[str, int]], skipped: list[str]) -> dict:
    """A Content Search 2.0 autocomplete response (TermPage)."""
    document = {"@context": SEARCH2_CONTEXT, "id": response_id, "type": "TermPage",
                "items": [{"value": term, "total": count} for term, count in terms]}
    if skipped:
        document["ignored"] = skipped
    return document
