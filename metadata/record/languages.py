"""Language names and codes: ISO 639-1 for records, MARC (ISO 639-2/B) for MARCXML, via langcodes."""
from __future__ import annotations

import re
import unicodedata
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


def conventional_case(tag: str) -> str:
    """A BCP 47 tag in the case RFC 5646 (section 2.1.1) recommends: language lower case, script title case,
    region upper case, everything after a singleton (``x-``, ``u-``) lower case. Tags compare without case;
    this is the form records store, so a tag that went through a lower-casing RDF round trip comes back as it
    was stored."""
    parts, out, after_singleton = tag.split("-"), [], False
    for index, part in enumerate(parts):
        if index == 0 or after_singleton:
            out.append(part.lower())
        elif len(part) == 1:
            after_singleton = True
            out.append(part.lower())
        elif len(part) == 4 and part.isalpha():
            out.append(part.title())
        elif len(part) == 2 and part.isalpha():
            out.append(part.upper())
        else:
            out.append(part.lower())
    return "-".join(out)


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


@lru_cache(maxsize=1)
def _catalogue() -> tuple[tuple[str, str, str, tuple[str, ...], int], ...]:
    """Every language records can name (ISO 639-1 codes in the IANA subtag registry, deprecated ones left out):
    (code, English name, its own name, the forms a query matches, speakers), most spoken first.

    Built once from the ``language-data`` package langcodes reads, so suggestions and ``code_for`` agree on
    which languages exist and what they are called."""
    from language_data.registry_parser import parse_registry

    rows = []
    for entry in parse_registry():
        code = entry.get("Subtag", "")
        if entry.get("Type") != "language" or len(code) != 2 or "Deprecated" in entry:
            continue
        language = langcodes.Language.get(code)
        english, native = language.display_name("en"), language.autonym()
        alpha3 = {language.to_alpha3(), language.to_alpha3(variant="B")}
        forms = tuple(dict.fromkeys(_folded(f) for f in (code, *sorted(alpha3), english, native)))
        rows.append((code, english, native, forms, language.speaking_population()))
    rows.sort(key=lambda row: (-row[4], row[1]))
    return tuple(rows)


def _folded(text: str) -> str:
    """Case and accents ignored, so "francais" finds "français" and "RUSSIAN" finds "Russian"."""
    decomposed = unicodedata.normalize("NFKD", " ".join(str(text).split()).casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def suggestions(query: str, limit: int = 10) -> list[dict[str, str]]:
    """Languages an archivist may mean by what they have typed so far, best first: a code ("ru", "rus"), the
    start of a name in English or in the language itself ("Russ", "рус", "中"), then a word inside a name
    ("Greek" in "Ancient Greek"). Each is {"code", "name" (English), "nativeName"}; ``code_for`` reads any of them.
    Among equals the more widely spoken language comes first, so "Ma" offers Marathi before Maltese, and "Ch"
    offers Chamorro (whose code is ch) and then Chinese before Chechen."""
    typed = _folded(query.removeprefix("lang:"))
    if not typed:
        return []
    ranked = []
    for order, (code, english, native, forms, _) in enumerate(_catalogue()):
        if typed == forms[0]:
            rank = 0  # the code itself
        elif typed in forms:
            rank = 1  # a whole name or a three-letter code
        elif any(form.startswith(typed) for form in forms):
            rank = 2
        elif any(word.startswith(typed) for form in forms for word in re.split(r"[\s(),-]+", form)):
            rank = 3
        else:
            continue
        ranked.append((rank, order, {"code": code, "name": english, "nativeName": native}))
    ranked.sort(key=lambda item: item[:2])
    return [entry for _, _, entry in ranked[:max(limit, 0)]]
