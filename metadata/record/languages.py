"""Language names and codes: ISO 639-1 for records, MARC (ISO 639-2/B) for MARCXML, via langcodes."""
from __future__ import annotations

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


def is_language_tag(tag: str) -> bool:
    """Whether ``tag`` is a well-formed BCP 47 tag (language-map keys must be)."""
    return isinstance(tag, str) and langcodes.tag_is_valid(tag)


def iri_code(language_iri: str) -> str:
    """'lang:zh' -> 'zh'."""
    return language_iri.split(":", 1)[1]
