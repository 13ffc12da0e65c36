"""Language names and codes: ISO 639-1 for records, MARC (ISO 639-2/B) for MARCXML, via langcodes."""
from __future__ import annotations

import re
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


# RFC 5646 section 2.1 "langtag" (and private use); hyphens only, so "en_US" is not a tag.
_LANGTAG = re.compile(
    r"(?:[a-z]{2,3}(?:-[a-z]{3}){0,3}|[a-z]{4}|[a-z]{5,8})"  # language (with extlang)
    r"(?:-[a-z]{4})?"  # script
    r"(?:-(?:[a-z]{2}|[0-9]{3}))?"  # region
    r"(?:-(?:[a-z0-9]{5,8}|[0-9][a-z0-9]{3}))*"  # variants
    r"(?:-[0-9a-wy-z](?:-[a-z0-9]{2,8})+)*"  # extensions
    r"(?:-x(?:-[a-z0-9]{1,8})+)?"  # private use
    r"|x(?:-[a-z0-9]{1,8})+", re.IGNORECASE)


def is_language_tag(tag: str) -> bool:
    """Whether ``tag`` is a BCP 47 tag (language-map keys must be): well-formed by RFC 5646's grammar, and
    with a language subtag that exists (or private use)."""
    if not isinstance(tag, str) or not _LANGTAG.fullmatch(tag):
        return False
    if tag.lower().startswith("x-"):
        return True
    return langcodes.tag_is_valid(tag) and langcodes.Language.get(tag).is_valid()


def language_problem(code: str) -> str | None:
    """Why ``code`` is not an ISO 639-1 language code as records use them, or None when it is one."""
    if not isinstance(code, str) or not re.fullmatch(r"[a-z]{2}", code):
        return "a language is an ISO 639-1 code of two lowercase letters, such as en or zh"
    try:
        language = langcodes.Language.get(code)
        known = language.is_valid() and language.language == code and language.to_alpha3()
    except (LookupError, ValueError):
        known = False
    if not known:
        return f"{code!r} is not an ISO 639-1 language code"
    return None


def iri_code(language_iri: str) -> str:
    """'lang:zh' -> 'zh'."""
    return language_iri.split(":", 1)[1]
