"""Search terms: the one place that turns text (a record's fields or a person's query) into index tokens.

Python makes the tokens for both databases, because neither engine can do it the same way as the other:
SQLite's trigram tokenizer finds nothing for a two-character Chinese query, PostgreSQL's parser does not stem
Russian with the 'simple' configuration and pg_trgm cannot use its index below three characters. So each
engine only stores and matches the tokens made here, and "the same query finds the same records" holds.

- Words in Latin script are stemmed with Snowball's English stemmer, words in Cyrillic with its Russian one
  (``negotiations`` and ``negotiation`` share ``negoti``; ``книгами`` and ``книги`` share ``книг``).
- Han, kana and hangul are not segmented: every character is a token and so is every pair of neighbours
  (unigrams and bigrams), so a one- or two-character query matches wherever those characters stand together.
- Everything is case-folded and, after stemming (the Russian stemmer needs its й), stripped of diacritics.

Queries (``parse``): words, ``"quoted phrases"``, ``-word`` (or ``-"phrase"``) to exclude, ``word*`` for a
prefix. A word that yields several tokens (``Sino-Soviet``) is matched as a phrase; a run of CJK characters as
all its bigrams (or its one character), anywhere in the record; a quoted run as a phrase of its unigrams and
bigrams, which stand at consecutive positions only where the characters do.
"""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from itertools import islice
from operator import add
from typing import NamedTuple

import snowballstemmer

_ENGLISH = snowballstemmer.stemmer("english")
_RUSSIAN = snowballstemmer.stemmer("russian")

# Han (with extensions and compatibility ideographs), hiragana, katakana, hangul syllables.
_CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff\U00020000-\U0002fa1f"
_PIECE = re.compile(rf"[{_CJK}]+|[^\W_{_CJK}]+")
_PIECE_KINDS = re.compile(rf"([{_CJK}]+)|([^\W_{_CJK}]+)")  # the same runs as _PIECE, CJK in the first group
_IS_CJK = re.compile(rf"[{_CJK}]")
_CYRILLIC = re.compile(r"[\u0400-\u04ff]")
_LATIN = re.compile(r"[a-z\u00c0-\u024f]")


# Letters and digits no normalization changes: lower-case Latin, and Cyrillic but й (and ё, beyond я).
_UNCHANGED = re.compile("[0-9a-z\u0430-\u0438\u043a-\u044f]*")


def unaccent(text: str) -> str:
    """``text`` without combining marks (é -> e, ё -> е), composed again. Most words of English and Russian
    texts are left as they are, and are recognised first: a word's token not met before cost 4 us here, as
    much as stemming it, and a fresh server process makes snippets from words it has not met."""
    if _UNCHANGED.fullmatch(text):
        return text
    decomposed = unicodedata.normalize("NFKD", text)
    return unicodedata.normalize("NFC", "".join(c for c in decomposed if not unicodedata.combining(c)))


@lru_cache(maxsize=65536)
def word_token(word: str) -> str:
    """The index token of one non-CJK word (already case-folded): its stem, unaccented. Cached: a language's
    words repeat (a few hundred make most of any text), and every field of every record written passes here."""
    if _CYRILLIC.search(word):
        word = _RUSSIAN.stemWord(word)
    elif _LATIN.search(word):
        word = _ENGLISH.stemWord(word)
    return unaccent(word)


class Piece(NamedTuple):
    """A run of word characters in the source text: where it stands and whether it is CJK. (A tuple: a snippet
    may pass thousands of words before its first hit, and a frozen dataclass cost a microsecond each.)"""
    start: int
    end: int
    text: str
    cjk: bool


def nfc(text: str) -> str:
    """``text`` composed (NFC), as snippets show it; checked first, since most text already is."""
    return text if not text or unicodedata.is_normalized("NFC", text) else unicodedata.normalize("NFC", text)


def iter_pieces(text: str, skip: int = 0) -> Iterator[Piece]:
    """The word runs of ``text`` (offsets into its NFC form, which snippets show), each case-folded, one at a
    time (a snippet stops reading once its window is full); the first ``skip`` runs are passed over in C."""
    for m in islice(_PIECE_KINDS.finditer(nfc(text)), skip, None):
        cjk = m.lastindex == 1
        yield Piece(m.start(), m.end(), m.group().casefold(), cjk)


_FIRST_WORDS = 128  # word runs looked at together by first_word_with


def first_word_with(text: str, whole: frozenset[str]) -> int | None:
    """How many word runs of ``text`` (in its NFC form, as ``iter_pieces`` counts them) come before the first
    whose token is in ``whole``; None when none is. In C but for the few words not met before: a snippet's first
    hit may lie thousands of words in, and finding it a Piece at a time was most of a search's time. A batch of
    words at a time, so the words after the first hit's batch are not stemmed: a word not met before costs
    Snowball's Python stemmer 10-20 us, and a fresh server process has met none (snippets of 20 Russian texts:
    7 ms, 3 once the words were known)."""
    runs = _PIECE.findall(nfc(text))
    for start in range(0, len(runs), _FIRST_WORDS):
        flags = list(map(whole.__contains__, map(word_token, map(str.casefold, runs[start:start + _FIRST_WORDS]))))
        if True in flags:
            return start + flags.index(True)
    return None


def is_cjk(token: str) -> bool:
    """Whether ``token`` is a CJK character or pair of characters (a token is all CJK or none)."""
    return _IS_CJK.match(token) is not None


def pieces(text: str) -> list[Piece]:
    return list(iter_pieces(text))


def cjk_tokens(run: str) -> list[str]:
    """Unigrams and bigrams of a CJK run, in reading order: 中, 中国, 国, 国人, 人."""
    out: list[str | None] = [None] * (2 * len(run) - 1) if run else []
    out[0::2] = run  # the characters at even places, each pair of neighbours between them
    out[1::2] = map(add, run, run[1:])
    return out


_CHUNK_TOKENS: dict[str, tuple[str, ...]] = {}  # a whitespace-free chunk of text as written -> its tokens
_CACHED_CHUNK = 40  # longer chunks (a Chinese sentence, a URL) rarely recur: they are not kept


def _chunk_tokens(chunk: str) -> tuple[str, ...]:
    out: list[str] = []
    for cjk, word in _PIECE_KINDS.findall(chunk):
        if cjk:
            out.extend(cjk_tokens(cjk.casefold()))
        else:
            token = word_token(word.casefold())
            if token:
                out.append(token)
    return tuple(out)


def tokens(text: str) -> list[str]:
    """The index tokens of ``text``, in order (positions matter for phrases). The pieces of ``pieces``
    without their offsets: every record's every field passes here on write, so no Piece is made.

    No word run crosses white space (white space is no word character, nor CJK), so the text is cut at white
    space first (in C) and each chunk's tokens are remembered: chunks such as "the", "Comrade" or "(p." recur
    in every text, and a long text then costs one dictionary lookup a word instead of a pass of the (slow,
    Unicode-class) regular expression over every character."""
    out: list[str] = []
    extend, known = out.extend, _CHUNK_TOKENS.get
    for chunk in (unicodedata.normalize("NFC", text) if text else "").split():
        found = known(chunk)
        if found is None:
            found = _chunk_tokens(chunk)
            if len(chunk) <= _CACHED_CHUNK:
                if len(_CHUNK_TOKENS) > 200_000:
                    _CHUNK_TOKENS.clear()
                _CHUNK_TOKENS[chunk] = found
        extend(found)
    return out


# ---- queries -------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Term:
    """One query term: tokens that must stand together (a phrase of one or more), or, for CJK, all of them
    anywhere (``together`` False); ``prefix`` makes the last token a prefix."""
    tokens: tuple[str, ...]
    together: bool = True
    prefix: bool = False


@dataclass(frozen=True)
class Query:
    include: tuple[Term, ...] = ()
    exclude: tuple[Term, ...] = ()
    words: tuple[str, ...] = ()  # the tokens to mark in snippets (prefix tokens end with "*")

    def __bool__(self) -> bool:
        return bool(self.include or self.exclude)


_QUERY_PART = re.compile(r'(-?)"([^"]*)"?|(-?)(\S+)')


def _term(text: str, quoted: bool) -> Term | None:
    prefix = not quoted and text.endswith("*")
    text = text.rstrip("*") if prefix else text
    found = pieces(text)
    if not found:
        return None
    if len(found) == 1 and found[0].cjk and not quoted:  # quoted, the characters must stand together (below)
        run = found[0].text
        grams = (run,) if len(run) == 1 else tuple(run[i:i + 2] for i in range(len(run) - 1))
        return Term(tuple(dict.fromkeys(grams)), together=False)
    out: list[str] = []
    for piece in found:
        # A word whose token is empty (a lone combining mark, such as half-width katakana's voicing marks) is no
        # token in the index either (_chunk_tokens): it is left out of the query too.
        out.extend(cjk_tokens(piece.text) if piece.cjk else [t for t in [word_token(piece.text)] if t])
    if not out:
        return None
    if prefix and not found[-1].cjk and word_token(found[-1].text):
        raw = unaccent(found[-1].text)
        stem = out[-1]
        out[-1] = stem if raw.startswith(stem) else raw  # "negotiat*" looks for stems starting "negoti"
    return Term(tuple(out), together=True, prefix=prefix)


def parse(text: str) -> Query:
    """A person's query in Muniment's syntax; what cannot be a term (lone punctuation) is dropped."""
    include: list[Term] = []
    exclude: list[Term] = []
    for match in _QUERY_PART.finditer(text or ""):
        negative = bool(match.group(1) or match.group(3))
        quoted = match.group(2) is not None
        term = _term(match.group(2) if quoted else match.group(4), quoted)
        if term is None:
            continue
        (exclude if negative else include).append(term)
    marks = tuple(dict.fromkeys(
        t + ("*" if term.prefix and i == len(term.tokens) - 1 else "")
        for term in include for i, t in enumerate(term.tokens)))
    return Query(tuple(include), tuple(exclude), marks)


def matches_mark(token: str, marks: tuple[str, ...]) -> bool:
    """Whether a text token is one the query looks for (snippets mark it)."""
    return Marks(marks).match(token)


class Marks:
    """The query's marks made ready for many tokens: a set of whole tokens and a tuple of prefixes."""

    def __init__(self, marks: tuple[str, ...]):
        self.whole = frozenset(m for m in marks if not m.endswith("*"))
        self.prefixes = tuple(m[:-1] for m in marks if m.endswith("*"))

    def match(self, token: str) -> bool:
        return token in self.whole or (bool(self.prefixes) and token.startswith(self.prefixes))
