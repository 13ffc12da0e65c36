"""Language names and codes: ISO 639-1 for records, MARC (ISO 639-2/B) for MARCXML, via langcodes."""
from __future__ import annotations

import re
from functools import lru_cache

import langcodes


class UnknownLanguage(ValueError):
    pass


@lru_cache(maxsize=512)
def code_for_name(name: str) -> str:
    """ISO 639-1 code for an English language name as archives write it ("Chinese" -> "zh")."""
    try:
        code = str(langcodes.find(name.strip()))
    except LookupError as exc:
        raise UnknownLanguage(f"unknown language {name!r}") from exc
    language = langcodes.Language.get(code).language
    if not language or len(language) != 2:
        raise UnknownLanguage(f"unknown language {name!r} (no ISO 639-1 code)")
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
