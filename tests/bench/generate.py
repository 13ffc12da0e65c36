"""Generated records for benchmarks: variations of the seed cable with distinct ids, dates and texts."""
from __future__ import annotations

import json
from collections.abc import Iterator
from functools import lru_cache

from metadata.importers import archive_file
from metadata.record.urls import STORED

from tests.support.paths import seed_file


def records(count: int, start: int = 0, text_bytes: int | None = None) -> Iterator[dict]:
    """``count`` valid records derived from the seed; each differs in id, date, title and text."""
    template = archive_file.parse_file(seed_file())
    text = template["hasVersion"][0]["text"]
    if text_bytes is not None:
        text = (text * (text_bytes // len(text) + 1))[:text_bytes]
    blob = json.dumps(template)
    for n in range(start, start + count):
        identifier = f"gen-{n:07d}"
        record = json.loads(blob.replace(STORED.record("113439"), STORED.record(identifier)))
        record["identifier"] = identifier
        record["created"] = f"{1900 + n % 100}-{1 + n % 12:02d}-{1 + n % 28:02d}"
        record["title"] = {"en": f"Generated document {n}"}
        record["hasVersion"][0]["text"] = f"Document {n}.\n\n" + text
        yield record


# ---- varied records for the search benchmark --------------------------------------------------------------------
# A search benchmark over texts where every word is in most records measures nothing a researcher meets. So each
# language has a vocabulary of a few thousand words drawn with Zipf's law (the k-th word about 1/k as often as the
# first): a handful are in nearly every text, as "the" would be, and most are in a few dozen records. The words
# are made up from syllables (none is copied from a text), except a few real ones placed at spread ranks, so that
# the benchmark's inflected Russian forms and Chinese words have something to find.
_EN = ("treaty negotiation railway library committee delegation harbour famine election school printing "
       "telegram agreement embassy minister reading newspaper factory border congress university archive "
       "translation harvest shipment mining cotton bridge hospital").split()
_RU = ("книга библиотека договор переговоры делегация железная дорога школа завод граница съезд газета "
       "университет архив перевод урожай больница мост учитель читатель письмо").split()
_ZH = ("图书馆 阅览室 条约 谈判 铁路 代表团 学校 工厂 边境 会议 报纸 大学 档案 翻译 收成 医院 桥梁 读者 通知 "
       "电报").split()
_EN_SIZE, _RU_SIZE, _ZH_SIZE = 6000, 4000, 3000
_RU_ENDINGS = ("", "а", "ы", "у", "е", "ой", "ами", "ах", "ов", "ом")  # a made-up Russian stem, inflected
_RU_REAL = frozenset(_RU)  # real words keep their own forms


def _made_up(rng, onsets: str, vowels: str, codas: str, syllables: tuple[int, ...]) -> str:
    onset, vowel, coda = onsets.split(), vowels.split(), codas.split() + [""]
    return "".join(rng.choice(onset) + rng.choice(vowel) + rng.choice(coda) for _ in range(rng.choice(syllables)))


def _vocabulary(size: int, make, real: list[str], seed: int) -> list[str]:
    """``size`` distinct words, most frequent first: made-up words with the real ones at spread ranks (the
    n-th real word at rank 3 * 1.6^n, so some are common and some rare)."""
    import random

    rng = random.Random(seed)
    words: list[str] = []
    seen = set(real)
    while len(words) < size - len(real):
        word = make(rng)
        if word not in seen:
            seen.add(word)
            words.append(word)
    for n, word in enumerate(real):
        words.insert(min(int(3 * 1.6 ** n), len(words)), word)
    return words


@lru_cache(maxsize=None)
def _zipf(size: int) -> list[float]:
    """Cumulative Zipf weights (exponent 1) for ``random.choices``, made once per vocabulary size."""
    from itertools import accumulate

    return list(accumulate(1 / rank for rank in range(1, size + 1)))


def _cjk_character(rng) -> str:
    return chr(0x4E00 + rng.randrange(0x9FA5 - 0x4E00))


ENGLISH = _vocabulary(_EN_SIZE, lambda rng: _made_up(rng, "b bl br c ch cl cr d dr f fl fr g gr h j k l m n p pl pr "
                                                      "r s sh st str t th tr v w", "a e i o u ai ea ee oa ou",
                                                      "n r s t l m nd nt st ck ng", (1, 2, 2, 3)), _EN, 1)
RUSSIAN = _vocabulary(_RU_SIZE, lambda rng: _made_up(rng, "б в г д з к л м н п р с т х ч ш бр гр др кр пр ст тр",
                                                      "а е и о у ы я", "н р с т л к", (2, 2, 3)), _RU, 2)
CHINESE = _vocabulary(_ZH_SIZE, lambda rng: "".join(_cjk_character(rng) for _ in range(rng.choice((1, 2, 2)))),
                      _ZH, 3)
PEOPLE = [f"Person {chr(65 + a)}{chr(65 + b)}{chr(65 + c)}" for a in range(26) for b in range(26) for c in range(3)]
PLACES = ["Moscow", "Beijing", "Irkutsk", "Lanzhou", "Leeds", "Harbin", "Dalian", "Kazan", "Xi'an", "Omsk"] + [
    f"Town {n}" for n in range(50)]
SUBJECTS = ["Libraries", "Railways", "Diplomacy", "Education", "Agriculture", "Industry", "Health", "Press"] + [
    f"Topic {n}" for n in range(32)]


def words(rng, vocabulary: list[str], count: int) -> list[str]:
    """``count`` words of ``vocabulary`` drawn by Zipf's law; Russian made-up stems take an inflection."""
    drawn = rng.choices(vocabulary, cum_weights=_zipf(len(vocabulary)), k=count)
    if vocabulary is RUSSIAN:
        drawn = [word if word in _RU_REAL else word + rng.choice(_RU_ENDINGS) for word in drawn]
    return drawn


def varied(count: int, start: int = 0, seed: int = 7) -> Iterator[dict]:
    """``count`` valid records with varied English, Russian and Chinese texts, people, places, subjects, dates."""
    import random

    template = archive_file.parse_file(seed_file())
    blob = json.dumps(template)
    for n in range(start, start + count):
        rng = random.Random(seed * 1_000_003 + n)
        identifier = f"var-{n:07d}"
        record = json.loads(blob.replace(STORED.record("113439"), STORED.record(identifier)))
        record["identifier"] = identifier
        year = 1900 + rng.randrange(100)
        record["created"] = rng.choice([f"{year}", f"{year}-{rng.randrange(1, 13):02d}", f"{year}~",
                                        f"{year // 10}X" if year < 1990 else f"{year}", "XXXX"])
        english = lambda k: " ".join(words(rng, ENGLISH, k))  # noqa: E731
        record["title"] = {"en": f"{english(3).capitalize()} {n}"}
        record["abstract"] = {"en": english(25) + "."}
        people = rng.sample(PEOPLE, 3)
        slug = lambda name: name.lower().replace(" ", "-").replace("'", "")  # noqa: E731
        record["creator"] = [{"id": STORED.agent(slug(people[0])), "type": "Person", "name": {"en": people[0]}}]
        record["addressee"] = [{"id": STORED.agent(slug(people[1])), "type": "Person", "name": {"en": people[1]}}]
        record["qualifiedAttribution"] = [{"type": "Attribution", "agent": STORED.agent(slug(people[0])),
                                           "hadRole": "relators:aut"}]
        place = rng.choice(PLACES)
        record["spatial"] = [{"id": STORED.place(place), "type": "Location", "label": {"en": place}}]
        subject = rng.choice(SUBJECTS)
        record["subject"] = [{"id": STORED.subject(subject), "type": "Concept", "prefLabel": {"en": subject}}]
        language = rng.choice(["en", "ru", "zh"])
        body = {"en": english(200), "ru": " ".join(words(rng, RUSSIAN, 200)),
                "zh": "".join(words(rng, CHINESE, 90))}[language]
        version = record["hasVersion"][0]
        version["text"] = f"Document {n}.\n\n" + body
        version["language"] = [f"lang:{language}"]
        version["contributor"] = [{"id": STORED.agent(slug(people[2])), "type": "Person",
                                   "name": {"en": people[2]}}]
        version["qualifiedAttribution"] = [{"type": "Attribution", "agent": STORED.agent(slug(people[2])),
                                            "hadRole": "relators:trl"}]
        version["title"] = {language: f"{english(2)} {n}"} if language == "en" else {"en": f"Version {n}"}
        yield record
