"""Spreadsheet bulk editing (metadata/importers/spreadsheet.py) against real stores on SQLite and PostgreSQL:
cells, file reading as LibreOffice and Excel save files, planning (the dry run) and applying."""
from __future__ import annotations

import copy
import csv
import io

import pytest

from metadata.importers import archive_file, spreadsheet
from metadata.importers.spreadsheet import SpreadsheetError
from metadata.record import describe
from metadata.record.urls import STORED

from tests.support.paths import seed_file


def _record(identifier: str, title: str, created: str = "1949-07-18", **extra) -> dict:
    record = {"@context": STORED.context(), "id": STORED.record(identifier), "type": ["Text", "Record"],
              "identifier": identifier, "title": {"en": title}, "created": created}
    record.update(extra)
    return record


@pytest.fixture
def filled(store):
    store.records.create(archive_file.parse_file(seed_file()), "alice")
    for n in range(1, 6):
        store.records.create(_record(f"letter-{n}", f"Letter {n}", language=["lang:en"],
                                     referenceCode=f"MSA/LIB/{n}"), "alice")
    store.records.create(_record("0012", "Zero twelve", referenceCode="0042"), "alice")
    return store


def _export(store, fields=None) -> str:
    return spreadsheet.write_csv(store.records.iter_records(), fields)


def _table(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text.lstrip("\ufeff"), newline="")))


def _as_spreadsheet(rows: list[list[str]]) -> bytes:
    """How LibreOffice/Excel in a European locale save: UTF-8 BOM, ';' separators, CRLF."""
    out = io.StringIO()
    csv.writer(out, delimiter=";", lineterminator="\r\n").writerows(rows)
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _plan(store, rows):
    _, table = spreadsheet.read_table(_as_spreadsheet(rows), "edits.csv")
    return spreadsheet.plan(store.records, table)


def test_cells_join_escape_and_tags():
    assert spreadsheet.join(["a | b", "c"]) == "a \\| b | c"
    assert spreadsheet.split("a \\| b | c") == ["a | b", "c"]
    assert spreadsheet.split("   ") == []
    assert spreadsheet.untag("Letter@en") == ("Letter", "en")
    assert spreadsheet.untag("mail@example.org") == ("mail@example.org", None)
    assert spreadsheet.untag("a@b@zh-Hant") == ("a@b", "zh-Hant")


def test_export_has_revision_and_chosen_fields(filled):
    rows = _table(_export(filled, ["title", "language", "referenceCode"]))
    assert rows[0] == ["identifier", "revision", "title", "language", "referenceCode"]
    by_id = {r[0]: r for r in rows[1:]}
    assert by_id["letter-2"] == ["letter-2", "1", "Letter 2@en", "en", "MSA/LIB/2"]
    assert len(rows) == 8
    with pytest.raises(SpreadsheetError, match="unknown field"):
        _export(filled, ["colour"])


def test_plan_shows_changes_field_by_field_and_writes_nothing(filled):
    rows = _table(_export(filled, ["title", "created", "language"]))
    header = rows[0]
    edited = [header] + [r for r in rows[1:] if r[0] == "letter-1"]
    edited[1][2] = "Letter one@en | Письмо@ru"
    edited[1][3] = "c. 1955"
    edited[1][4] = "Russian | en"
    plan = _plan(filled, edited)
    assert [r.status for r in plan] == ["changed"]
    assert [(c.column, c.before, c.after) for c in plan[0].changes] == [
        ("title", "Letter 1@en", "Letter one@en | Письмо@ru"), ("created", "1949-07-18", "1955~"),
        ("language", "en", "ru | en")]
    assert filled.records.get("letter-1").revision == 1  # the dry run wrote nothing


def test_apply_makes_revisions_with_messages(filled):
    rows = _table(_export(filled, ["title", "subject"]))
    edited = [rows[0]] + [r for r in rows[1:] if r[0] in ("letter-1", "letter-2")]
    for row in edited[1:]:
        row[2] = row[2].replace("Letter", "Note")
        row[3] = "Harbours@en | Ships@en"
    done = spreadsheet.apply(filled.records, _plan(filled, edited), "bob", "edits.csv")
    assert [r.status for r in done] == ["updated", "updated"]
    state = filled.records.get("letter-2")
    assert state.revision == 2 and state.data["title"] == {"en": "Note 2"}
    assert [s["id"] for s in state.data["subject"]] == [STORED.subject("Harbours"), STORED.subject("Ships")]
    revision = filled.records.revision("letter-2", 2)
    assert revision.author == "bob" and revision.message.startswith("spreadsheet edits.csv, row ")


def test_missing_column_leaves_field_and_blank_cell_clears(filled):
    plan = _plan(filled, [["identifier", "revision", "language"], ["letter-3", "1", ""]])
    spreadsheet.apply(filled.records, plan, "bob", "f.csv")
    data = filled.records.get("letter-3").data
    assert "language" not in data and data["referenceCode"] == "MSA/LIB/3" and data["title"] == {"en": "Letter 3"}


def test_stale_row_is_a_conflict_and_not_applied(filled):
    rows = _table(_export(filled, ["title"]))
    state = filled.records.get("letter-4")
    changed = copy.deepcopy(state.data)
    changed["extent"] = "1 leaf"
    filled.records.update("letter-4", changed, state.revision, "carol")
    edited = [rows[0]] + [r for r in rows[1:] if r[0] == "letter-4"]
    edited[1][2] = "Overwritten@en"
    plan = _plan(filled, edited)
    assert plan[0].status == "conflict" and "changed since the export" in plan[0].message
    spreadsheet.apply(filled.records, plan, "bob", "f.csv")
    assert filled.records.get("letter-4").data["title"] == {"en": "Letter 4"}
    assert filled.records.get("letter-4").revision == 2


def test_conflict_between_plan_and_apply_is_reported(filled):
    plan = _plan(filled, [["identifier", "revision", "extent"], ["letter-5", "1", "3 leaves"]])
    state = filled.records.get("letter-5")
    filled.records.update("letter-5", {**state.data, "extent": "2 leaves"}, 1, "carol")
    done = spreadsheet.apply(filled.records, plan, "bob", "f.csv")
    assert done[0].status == "conflict"
    assert describe.extent(filled.records.get("letter-5").data) == "2 leaves"


def test_invalid_row_stores_nothing_and_names_row_and_column(filled):
    plan = _plan(filled, [["identifier", "revision", "title", "created", "language"],
                          ["letter-1", "1", "Fine@en", "1950", "en"],
                          ["letter-2", "1", "New title@en", "the day after", "Qwertyish"],
                          ["letter-3", "1", "", "1950", "en"]])
    assert [r.status for r in plan] == ["changed", "invalid", "invalid"]
    messages = {(r.number, p.column): p.message for r in plan for p in r.problems}
    assert "write a date such as 18 July 1949" in messages[(3, "created")]
    assert "write a language name" in messages[(3, "language")]
    assert "needs a title" in messages[(4, "title")]
    assert all("^" not in m and "/" not in m.split(":")[0] for m in messages.values())
    spreadsheet.apply(filled.records, plan, "bob", "f.csv")
    assert filled.records.get("letter-2").data["title"] == {"en": "Letter 2"}
    assert filled.records.get("letter-2").revision == 1
    assert filled.records.get("letter-1").revision == 2


def test_reformatted_cells_are_reported_not_stored(filled):
    plan = _plan(filled, [["identifier", "revision", "created", "referenceCode"],
                          ["letter-1", "1", "18/07/1949", "MSA/LIB/1"],
                          ["0012", "1", "1949-07-18", "42"],
                          ["12", "1", "1949-07-18", "0042"]])
    assert [r.status for r in plan] == ["invalid", "invalid", "invalid"]
    assert "reformatted" in plan[0].problems[0].message and plan[0].problems[0].column == "created"
    assert plan[1].problems[0].column == "referenceCode" and "leading zeros" in plan[1].problems[0].message
    assert "there is no record 12; is it 0012? a spreadsheet may have dropped leading zeros" in plan[2].problems[0].message
    spreadsheet.apply(filled.records, plan, "bob", "f.csv")
    assert filled.records.get("0012").data["referenceCode"] == "0042"


def test_row_without_identifier_creates_a_draft(filled):
    plan = _plan(filled, [["identifier", "revision", "title", "created", "referenceCode"],
                          ["", "", "A new letter@en", "c. 1955", "MSA/LIB/9/2"]])
    assert plan[0].status == "new" and plan[0].identifier == "MSA-LIB-9-2"
    spreadsheet.apply(filled.records, plan, "bob", "f.csv")
    state = filled.records.get("MSA-LIB-9-2")
    assert not state.published and state.data["created"] == "1955~"


def test_files_as_spreadsheets_save_them():
    comma = "identifier,revision,title\r\nletter-1,1,\"Hello, world@en\"\r\n".encode()
    columns, table = spreadsheet.read_table(comma)
    assert table == [(2, {"identifier": "letter-1", "revision": "1", "title": "Hello, world@en"})]
    semicolon = "\ufeffidentifier;revision;title\r\nletter-1;1;\"Two\r\nlines@en\"\r\n".encode()
    _, table = spreadsheet.read_table(semicolon)
    assert table[0][1]["title"] == "Two\r\nlines@en"
    with pytest.raises(SpreadsheetError, match=r"edits.csv, line 2: the file is not UTF-8 text.*UTF-8"):
        spreadsheet.read_table("identifier;revision;title\r\nx;1;Café@fr\r\n".encode("cp1252"), "edits.csv")
    with pytest.raises(SpreadsheetError, match="unknown column"):
        spreadsheet.read_table(b"identifier,revision,colour\r\n")
    with pytest.raises(SpreadsheetError, match="revision"):
        spreadsheet.read_table(b"identifier,title\r\n")


def test_export_filters(filled):
    states = list(filled.records.iter_records())
    assert {s.id for s in states if spreadsheet.matches(s, year_from=1950)} == {
        s.id for s in states if s.data["created"][:4] >= "1950"}
    assert not [s for s in states if spreadsheet.matches(s, set_spec="no-such-set")]
    assert [s.id for s in states if spreadsheet.matches(s, identifiers={"letter-1"})] == ["letter-1"]


def test_unchanged_export_of_every_field_plans_no_change(store):
    from metadata.importers import files as importer
    from tests.support.paths import REPO
    for path in importer.expand_paths([REPO / "samples"]):
        list(store.records.save_many(importer.read_file(path, "auto"), "import"))
    text = spreadsheet.write_csv(store.records.iter_records(), spreadsheet.FIELDS)
    _, table = spreadsheet.read_table(text.encode("utf-8"))
    plan = spreadsheet.plan(store.records, table)
    assert len(plan) >= 5 and {r.status for r in plan} == {"unchanged"}


def test_schema_problems_are_told_in_words(filled):
    plan = _plan(filled, [["identifier", "revision", "levelOfDescription", "page", "rights"],
                          ["letter-1", "1", "box", "not a web page", "free to use"]])
    messages = {p.column: p.message for p in plan[0].problems}
    assert messages == {"levelOfDescription": "write fonds, series, file or item",
                        "page": "write a web address starting with https://",
                        "rights": "write a rights statement or Creative Commons licence URL, such as "
                                  "http://rightsstatements.org/vocab/InC/1.0/"}


def test_five_hundred_records_corrected_in_a_spreadsheet_load_back_safely(store):
    """The issue's "done when": 500 records exported, corrected in a spreadsheet (BOM, ';', CRLF) and loaded
    back. Every corrected row becomes one new revision; a row whose record changed since the export is a
    conflict and a row with a bad cell stores nothing, while the 498 others are applied."""
    saved = store.records.save_many((_record(f"bulk-{n:03}", f"Letter {n}", language=["lang:en"])
                                     for n in range(500)), "alice")
    assert [status for status, _ in saved].count("created") == 500
    rows = _table(_export(store, ["title", "created"]))
    assert len(rows) == 501
    for row in rows[1:]:
        row[2] = row[2].replace("Letter", "Corrected letter")
    stale, bad = "bulk-007", "bulk-123"
    next(r for r in rows if r[0] == bad)[3] = "the week after"  # not a date: the whole row is refused
    edited = store.records.get(stale)
    store.records.update(stale, {**edited.data, "title": {"en": "Edited meanwhile"}}, edited.revision, "carol")

    plan = _plan(store, rows)
    assert spreadsheet.summary(plan) == {"changed": 498, "conflict": 1, "invalid": 1}  # the dry run already tells
    done = spreadsheet.apply(store.records, plan, "bob", "bulk.csv")
    assert spreadsheet.summary(done) == {"updated": 498, "conflict": 1, "invalid": 1}

    assert store.records.get(stale).data["title"] == {"en": "Edited meanwhile"}
    assert store.records.get(bad).revision == 1 and store.records.get(bad).data["title"] == {"en": "Letter 123"}
    for n in (0, 250, 499):
        state = store.records.get(f"bulk-{n:03}")
        assert state.revision == 2 and state.data["title"] == {"en": f"Corrected letter {n}"}
        assert store.records.revision(f"bulk-{n:03}", 2).author == "bob"
