"""Dates in archivists' words: one reader (words -> EDTF) and one writer (EDTF -> words).

Archivists write "18 July 1949", "c. 1955", "1940s", "18–20 July 1949", "before 1950" or "undated"; records keep
EDTF (``1949-07-18``, ``1955~``, ``194X``, ``1949-07-18/1949-07-20``, ``../1950``, ``XXXX``). ``read`` is the one
place that turns the first into the second, for the archive-file importer, the editor and ``GET /api/dates``;
``words`` is the one place that turns EDTF back into words for people (record pages, lists, IIIF ``metadata``).
Every form the writer produces is read back to the same EDTF (the round-trip test holds us to that).

Canonical choices: "before 1950" is ``../1950`` (the interval form harvesters know; ``[..1950]`` is accepted
and written "before 1950" too), "after 1962" is ``1962/..``, "undated" is ``XXXX``. EDTF the writer has no
words for (seasons, sets, partly unspecified days ...) is shown as written, which the reader accepts as EDTF.

English is complete; Russian and Chinese cover the same forms. Years before 1 AD are written "101 BC"
(EDTF year ``-0100``: EDTF counts a year 0, so year -n is n+1 BC), years past 9999 as plain digits (``Y12345``).
"""
from __future__ import annotations

import re

from metadata.record import dates

ADVICE = "write a date such as 18 July 1949, c. 1955 or 1940s"
MAX_LENGTH = 100


class DateNotUnderstood(ValueError):
    """Text that is not a date; the message says, in plain words, what to write instead."""

    def __init__(self, text: str):
        self.text = text
        super().__init__(f"cannot read the date {text!r}: {ADVICE}")


_MONTHS_EN = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
              "November", "December"]
_MONTHS_RU_GENITIVE = ["января", "февраля", "марта", "апреля", "мая", "июня", "июля", "августа", "сентября",
                       "октября", "ноября", "декабря"]
_MONTHS_RU = ["январь", "февраль", "март", "апрель", "май", "июнь", "июль", "август", "сентябрь", "октябрь",
              "ноябрь", "декабрь"]


def _month_names() -> dict[str, int]:
    names: dict[str, int] = {}
    for number, (en, ru_gen, ru) in enumerate(zip(_MONTHS_EN, _MONTHS_RU_GENITIVE, _MONTHS_RU), start=1):
        for name in (en, en[:3], ru_gen, ru, ru[:3]):
            names[name.lower()] = number
    names["sept"] = 9
    names["сент"] = 9
    return names


MONTH_NUMBERS = _month_names()
_MONTH = r"(?P<{}>[A-Za-zА-Яа-яЁё]+)\.?"
_DAY = r"(?P<{}>\d{{1,2}})(?:st|nd|rd|th)?"
_YEAR = r"(?P<{}>\d{{1,4}}\s*(?:BC|BCE|B\.C\.)|\d{{3,4}}|\d{{5,}})"


def _p(template: str) -> re.Pattern:
    """A date pattern; ``{m}``, ``{d}``, ``{y}`` (and ``{d2}``) stand for month, day and year groups."""
    return re.compile("^" + template.format(m=_MONTH.format("m"), d=_DAY.format("d"), d2=_DAY.format("d2"),
                                            y=_YEAR.format("y")) + r"(?:\s*(?:г\.?|года|год))?$", re.IGNORECASE)


# Single dates (no qualifier): each pattern's groups are day, month and year as written.
_SINGLE = [
    _p(r"{d}\s+{m},?\s+{y}"),                     # 18 July 1949, 18 июля 1949
    _p(r"{m}\s+{d},?\s+{y}"),                     # July 18, 1949
    _p(r"{m},?\s+{y}"),                           # March 1950, март 1950
    _p(r"{y}"),                                   # 1950, 101 BC, 12345
    re.compile(r"^(?P<y>\d+)年(?:(?P<m>\d{1,2})月(?:(?P<d>\d{1,2})日)?)?$"),  # 1949年7月18日
]
# Day ranges inside one month: 18–20 July 1949, July 18–20, 1949, 1949年7月18日至20日.
_DASH = r"\s*(?:-|–|—|to|по|至)\s*"
_DAY_RANGES = [
    _p(r"{d}" + _DASH + r"{d2}\s+{m},?\s+{y}"),
    _p(r"{m}\s+{d}" + _DASH + r"{d2},?\s+{y}"),
    re.compile(r"^(?P<y>\d{1,4})年(?P<m>\d{1,2})月(?P<d>\d{1,2})日?" + _DASH + r"(?P<d2>\d{1,2})日$"),
]
_DECADE = re.compile(r"^(?P<y>\d{3})0(?:s|'s|-?е|-?х|-?ые|年代)$", re.IGNORECASE)      # 1940s, 1940-е, 1940年代
_DECADE_DASH = re.compile(r"^(?P<y>\d{3})-(?P<q>\?)?$")                              # 194-?, 194-
_CENTURY_DASH = re.compile(r"^(?P<y>\d{2})--(?P<q>\?)?$")                             # 19--?
_CENTURY = re.compile(r"^(?P<n>\d{1,2})(?:st|nd|rd|th)\s+century$", re.IGNORECASE)   # 20th century
_YEAR_RANGE = re.compile(r"^(?P<a>\d{4})\s*[-–—]\s*(?P<b>\d{4})$")                   # 1949-1951
_CIRCA = re.compile(r"^(?:circa|approximately|approx\.|about|around|ca\.|c\.|ca\b|c\b|около|ок\.|приблизительно|"
                    r"примерно|约|約)\s*", re.IGNORECASE)
_BEFORE = re.compile(r"^(?:before|not after|до|не позднее|不晚于)\s+(?P<rest>.+)$|^(?P<zh>.+?)年?(?:以前|之前)$",
                     re.IGNORECASE)
_AFTER = re.compile(r"^(?:after|not before|после|не ранее|不早于)\s+(?P<rest>.+)$|^(?P<zh>.+?)年?(?:以后|之后)$",
                    re.IGNORECASE)
_BETWEEN = re.compile(r"^(?:between|между)\s+(?P<a>.+?)\s+(?:and|и)\s+(?P<b>.+)$", re.IGNORECASE)
_UNDATED = {"undated", "no date", "n.d.", "nd", "s.d.", "unknown", "date unknown", "без даты", "б.д.", "б. д.",
            "дата неизвестна", "日期不详", "无日期", "不详"}
_RANGE_SPLIT = re.compile(r"\s+(?:-|–|—|to|по|至)\s+|\s*[–—至]\s*|/")


def read(text: str) -> str:
    """The EDTF for an archivist's date ("c. 1955" -> "1955~"); ``DateNotUnderstood`` when it is not a date.

    EDTF itself is returned as written, so the API's exact EDTF and an archivist's words share one door.
    """
    if not isinstance(text, str) or len(text) > MAX_LENGTH:  # no date is that long; the parsers need not try
        raise DateNotUnderstood(str(text)[:MAX_LENGTH])
    phrase = " ".join(text.replace("*", "").split()).strip()
    if not phrase:
        raise DateNotUnderstood(text)
    if dates.is_edtf(phrase):
        return phrase
    # A full stop may end the phrase ("1949 г.", "c. 1955.") or belong to it ("n.d.", "101 B.C.").
    value = _read_phrase(phrase) or (_read_phrase(phrase.rstrip(".")) if phrase.endswith(".") else None)
    if value is None or not dates.is_edtf(value):
        raise DateNotUnderstood(text)
    return value


def _read_phrase(phrase: str) -> str | None:
    lowered = phrase.lower()
    if lowered in _UNDATED:
        return "XXXX"
    for pattern, build in ((_BEFORE, lambda v: f"../{v}"), (_AFTER, lambda v: f"{v}/..")):
        match = pattern.match(phrase)
        if match:
            inner = _read_qualified(match.group("rest") or match.group("zh"))
            return build(inner) if inner and "/" not in inner else None
    between = _BETWEEN.match(phrase)
    if between:
        return _range(between.group("a"), between.group("b"), circa=False)
    circa = bool(_CIRCA.match(phrase))
    core = _CIRCA.sub("", phrase, count=1) if circa else phrase
    single = _read_qualified(core, circa)
    if single is not None:
        return single
    for pattern in _DAY_RANGES:
        match = pattern.match(core)
        if match:
            month = _month(match.group("m"))
            year = _year(match.group("y"))
            if month is None or year is None:
                return None
            ends = [f"{year}-{month:02d}-{int(match.group(g)):02d}" for g in ("d", "d2")]
            return "/".join(e + ("~" if circa else "") for e in ends)
    year_range = _YEAR_RANGE.match(core)
    if year_range:
        return _range(year_range.group("a"), year_range.group("b"), circa)
    parts = _RANGE_SPLIT.split(core)
    if len(parts) == 2:
        return _range(parts[0], parts[1], circa)
    return None


def _range(left: str, right: str, circa: bool) -> str | None:
    """'18 July – 2 August 1949': each end read alone, the left end borrowing the right end's year if it has none."""
    end = _read_qualified(right.strip(), circa)
    if end is None:
        return None
    start = _read_qualified(left.strip(), circa)
    if start is None:
        year = re.search(r"(\d{1,4})(?:\D*)$", right)
        start = _read_qualified(f"{left.strip()} {year.group(1)}", circa) if year else None
    if start is None:
        return None
    return f"{start}/{end}"


def _read_qualified(phrase: str, circa: bool = False) -> str | None:
    """One date, possibly with 'c.' before it or '?' after it, as EDTF (None when it is not one)."""
    phrase = phrase.strip()
    if _CIRCA.match(phrase):
        circa, phrase = True, _CIRCA.sub("", phrase, count=1)
    for pattern in (_DECADE_DASH, _CENTURY_DASH):  # "194-?" is the cataloguers' "some year of the 1940s"
        match = pattern.match(phrase)
        if match:
            return match.group("y") + ("X" if pattern is _DECADE_DASH else "XX") + ("~" if circa else "")
    uncertain = phrase.endswith("?")
    phrase = phrase.rstrip("?").strip()
    value = _read_plain(phrase)
    if value is None:
        return None
    marker = "%" if circa and uncertain else "~" if circa else "?" if uncertain else ""
    return value + marker


def _read_plain(phrase: str) -> str | None:
    """A date without qualifier: a day, a month, a year, a decade or a century (None when it is none of them)."""
    if re.fullmatch(r"\d{4}(?:-\d{2}(?:-\d{2})?)?", phrase):
        return phrase
    decade = _DECADE.match(phrase)
    if decade:
        return decade.group("y") + "X"
    century = _CENTURY.match(phrase)
    if century and int(century.group("n")) >= 1:
        return f"{int(century.group('n')) - 1:02d}XX"
    for pattern in _SINGLE:
        match = pattern.match(phrase)
        if not match:
            continue
        groups = match.groupdict()
        year = _year(groups["y"])
        if year is None:
            return None
        if groups.get("m") is None:
            return year
        month = _month(groups["m"])
        if month is None:
            return None
        if groups.get("d") is None:
            return f"{year}-{month:02d}"
        return f"{year}-{month:02d}-{int(groups['d']):02d}"
    return None


def _month(name: str) -> int | None:
    if name.isdigit():
        number = int(name)
        return number if 1 <= number <= 12 else None
    return MONTH_NUMBERS.get(name.lower().rstrip("."))


def _year(written: str) -> str | None:
    """'1949' -> '1949'; '101 BC' -> '-0100' (EDTF has a year 0); '12345' -> 'Y12345'."""
    match = re.fullmatch(r"(\d+)\s*(BC|BCE|B\.C\.)?", written.strip(), re.IGNORECASE)
    if not match:
        return None
    number = int(match.group(1))
    if match.group(2):
        return f"-{number - 1:04d}" if number > 1 else "0000"
    if number > 9999:
        return f"Y{number}"
    return f"{number:04d}"


# --- the writer -----------------------------------------------------------------------------------------------

_WORDS = {
    "en": {"undated": "undated", "before": "before {}", "after": "after {}", "circa": "circa {}",
           "decade": "{}0s", "century": "{} century", "bc": "{} BC"},
    "ru": {"undated": "без даты", "before": "до {}", "after": "после {}", "circa": "около {}",
           "decade": "{}0-е", "century": None, "bc": "{} BC"},
    "zh": {"undated": "日期不详", "before": "{}以前", "after": "{}以后", "circa": "约{}",
           "decade": "{}0年代", "century": None, "bc": None},
}
_EDTF_DAY = re.compile(r"^(?P<y>-?\d{4}|Y\d{5,})(?:-(?P<m>\d{2})(?:-(?P<d>\d{2}))?)?(?P<q>[~?%]?)$")
_EDTF_DECADE = re.compile(r"^(?P<y>\d{3})X(?P<q>~?)$")
_EDTF_CENTURY = re.compile(r"^(?P<c>\d{2})XX(?P<q>~?)$")


def words(value: str, language: str = "en") -> str:
    """EDTF in words for people ("1955~" -> "circa 1955"); EDTF it has no words for is returned as written."""
    language = language.split("-")[0].lower() if isinstance(language, str) else "en"
    if language not in _WORDS:
        language = "en"
    try:
        return _words(value.strip(), language) or value
    except (ValueError, IndexError):
        return value


def _words(value: str, language: str) -> str | None:
    table = _WORDS[language]
    if value == "XXXX":
        return table["undated"]
    if value.startswith("../") or (value.startswith("[..") and value.endswith("]") and "," not in value):
        inner = _one(value[3:] if value.startswith("../") else value[3:-1], language)
        return table["before"].format(inner) if inner else None
    if value.endswith("/.."):
        inner = _one(value[:-3], language)
        return table["after"].format(inner) if inner else None
    if "/" in value:
        return _interval(*value.split("/", 1), language)
    return _one(value, language)


def _one(value: str, language: str) -> str | None:
    table = _WORDS[language]
    decade = _EDTF_DECADE.match(value)
    if decade:
        text = table["decade"].format(decade.group("y"))
        return table["circa"].format(text) if decade.group("q") else text
    century = _EDTF_CENTURY.match(value)
    if century:
        if table["century"] is None:
            return None
        number = int(century.group("c")) + 1
        text = table["century"].format(_ordinal(number))
        return table["circa"].format(text) if century.group("q") else text
    match = _EDTF_DAY.match(value)
    if not match or not dates.is_edtf(value) or int(match.group("m") or 1) > 12:  # seasons have no words here
        return None
    text = _day(match.group("y"), match.group("m"), match.group("d"), language)
    if text is None:
        return None
    qualifier = match.group("q")
    if qualifier in ("~", "%"):
        text = table["circa"].format(text)
    return text + ("?" if qualifier in ("?", "%") else "")


def _day(year: str, month: str | None, day: str | None, language: str) -> str | None:
    year_words = _year_words(year, language)
    if year_words is None:
        return None
    if language == "zh":
        return year_words + "年" + (f"{int(month)}月" if month else "") + (f"{int(day)}日" if day else "")
    if month is None:
        return year_words
    index = int(month) - 1
    if day is None:
        return f"{(_MONTHS_RU if language == 'ru' else _MONTHS_EN)[index]} {year_words}"
    return f"{int(day)} {(_MONTHS_RU_GENITIVE if language == 'ru' else _MONTHS_EN)[index]} {year_words}"


def _year_words(year: str, language: str) -> str | None:
    if year.startswith("Y"):
        return year[1:]
    number = int(year)
    if number <= 0:
        template = _WORDS[language]["bc"]
        return template.format(1 - number) if template else None
    return str(number)


def _interval(start: str, end: str, language: str) -> str | None:
    """'1949-07-18/1949-07-20' -> '18–20 July 1949'; ends with different qualifiers have no words."""
    a, b = _EDTF_DAY.match(start), _EDTF_DAY.match(end)
    circa = False
    if a and b and a.group("q") == b.group("q") and a.group("q") in ("", "~"):
        circa = a.group("q") == "~"
        start, end = start.rstrip("~"), end.rstrip("~")
        a, b = _EDTF_DAY.match(start), _EDTF_DAY.match(end)
    elif a or b:
        if (a and a.group("q")) or (b and b.group("q")):
            return None
    left, right = _one(start, language), _one(end, language)
    if left is None or right is None:
        return None
    if a and b and a.group("y") == b.group("y") and a.group("m") and b.group("m") and a.group("d") and b.group("d") \
            and a.group("y")[0] not in "-Y" and int(a.group("y")) > 0:
        if a.group("m") == b.group("m"):
            if language == "zh":
                text = f"{left}至{int(b.group('d'))}日"
            else:
                text = f"{int(a.group('d'))}–{right}"
        elif language == "zh":
            text = f"{left}至{right}"
        else:
            text = f"{_day('1', a.group('m'), a.group('d'), language).rsplit(' ', 1)[0]} – {right}"
    elif language == "zh":
        text = f"{left}至{right}"
    elif " " in left or " " in right:
        text = f"{left} – {right}"
    else:
        text = f"{left}–{right}"
    return _WORDS[language]["circa"].format(text) if circa else text


def _ordinal(number: int) -> str:
    suffix = "th" if 10 <= number % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(number % 10, "th")
    return f"{number}{suffix}"
