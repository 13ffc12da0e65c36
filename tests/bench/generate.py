"""Generated records for benchmarks: variations of the seed cable with distinct ids, dates and texts."""
from __future__ import annotations

import json
from collections.abc import Iterator

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
# Words are drawn per record from small vocabularies in three languages, so a query hits some records and not
# others (copies of one document would make every word hit every record).
_EN = ("treaty negotiation railway library committee delegation harbour famine election school printing "
       "telegram agreement embassy minister reading newspaper factory border congress university archive "
       "translation harvest shipment mining cotton bridge hospital").split()
_RU = ("книга библиотека договор переговоры делегация железная дорога школа завод граница съезд газета "
       "университет архив перевод урожай больница мост учитель читатель письмо").split()
_ZH = ("图书馆 阅览室 条约 谈判 铁路 代表团 学校 工厂 边境 会议 报纸 大学 档案 翻译 收成 医院 桥梁 读者 通知 "
       "电报").split()
_PEOPLE = [f"Person {chr(65 + a)}{chr(65 + b)}" for a in range(26) for b in range(8)]
_PLACES = ["Moscow", "Beijing", "Irkutsk", "Lanzhou", "Leeds", "Harbin", "Dalian", "Kazan", "Xi'an", "Omsk"]
_SUBJECTS = ["Libraries", "Railways", "Diplomacy", "Education", "Agriculture", "Industry", "Health", "Press"]


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
        words = lambda vocab, k: " ".join(rng.choice(vocab) for _ in range(k))  # noqa: E731
        record["title"] = {"en": f"{words(_EN, 3).capitalize()} {n}"}
        record["abstract"] = {"en": words(_EN, 25) + "."}
        people = rng.sample(_PEOPLE, 3)
        slug = lambda name: name.lower().replace(" ", "-").replace("'", "")  # noqa: E731
        record["creator"] = [{"id": STORED.agent(slug(people[0])), "type": "Person", "name": {"en": people[0]}}]
        record["addressee"] = [{"id": STORED.agent(slug(people[1])), "type": "Person", "name": {"en": people[1]}}]
        record["qualifiedAttribution"] = [{"type": "Attribution", "agent": STORED.agent(slug(people[0])),
                                           "hadRole": "relators:aut"}]
        place = rng.choice(_PLACES)
        record["spatial"] = [{"id": STORED.place(place), "type": "Location", "label": {"en": place}}]
        subject = rng.choice(_SUBJECTS)
        record["subject"] = [{"id": STORED.subject(subject), "type": "Concept", "prefLabel": {"en": subject}}]
        language = rng.choice(["en", "ru", "zh"])
        body = {"en": words(_EN, 200), "ru": words(_RU, 200), "zh": "".join(rng.choice(_ZH) for _ in range(150))}
        version = record["hasVersion"][0]
        version["text"] = f"Document {n}.\n\n" + body[language]
        version["language"] = [f"lang:{language}"]
        version["contributor"] = [{"id": STORED.agent(slug(people[2])), "type": "Person",
                                   "name": {"en": people[2]}}]
        version["qualifiedAttribution"] = [{"type": "Attribution", "agent": STORED.agent(slug(people[2])),
                                            "hadRole": "relators:trl"}]
        version["title"] = {language: f"{words(_EN, 2)} {n}"} if language == "en" else {"en": f"Version {n}"}
        yield record
