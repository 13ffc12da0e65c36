"""Language names and codes: ISO 639-1 for records, MARC (ISO 639-2/B) for MARCXML, via langcodes."""
from __future__ import annotations

from functools import lru_cache

import langcodes


class UnknownLanguage(ValueError):
    pass


ADVICE = "write a language name such as Russian or русский, or a code such as ru"


@lru_cache(maxsize=512)
def code_for(text: str) -> str:
    """The ISO 639-1 code records use for a language as an archivist writes it, in English or in the language
    itself, by name or by code: "Russian", "русский", "ru", "rus", "Chinese", "中文", "zh" -> "ru" / "zh".

    The one reader of languages, for the archive-file importer and the editor; ``UnknownLanguage`` says in plain
    words what to write instead.
    """
    written = " ".join(str(text).split())
    candidate = written.removeprefix("lang:")
    if not candidate:
        raise UnknownLanguage(f"no language given: {ADVICE}")
    code = None
    if candidate.isascii() and langcodes.tag_is_valid(candidate):
        tag = langcodes.Language.get(candidate)
        if tag.language and tag.is_valid() and tag.language != "und":
            code = tag.language
    if code is None:
        try:
            code = langcodes.find(candidate).language
        except LookupError:
            raise UnknownLanguage(f"unknown language {written!r}: {ADVICE}") from None
    # Records use two-letter codes; a macrolanguage member (Mandarin: cmn) becomes its macrolanguage (zh).
    language = langcodes.Language.get(langcodes.standardize_tag(code, macro=True)).language
    if not language or len(language) != 2:
        name = langcodes.Language.get(code).display_name("en")
        raise UnknownLanguage(f"unknown language {written!r}: {name} has no two-letter ISO 639-1 code, "
                              "which records use")
    return language


@lru_cache(maxsize=512)
def marc_code(code: str) -> str:
    """MARC language code (ISO 639-2/B: zh -> chi, ru -> rus) for an ISO 639-1 code."""
    return langcodes.Language.get(code).to_alpha3(variant="B")


@lru_cache(maxsize=512)
def english_name(code: str) -> str:
    return langcodes.Language.get(code).display_name("en")


def is_language_tag(tag: str) -> bool:
    """Whether ``tag`` is a well-formed BCP 47 tag (language-map keys must be)."""
    return isinstance(tag, str) and langcodes.tag_is_valid(tag)


def iri_code(language_iri: str) -> str:
    """'lang:zh' -> 'zh'."""
    return language_iri.split(":", 1)[1]
