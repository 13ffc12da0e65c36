"""The editor form in Debian's Chromium (Playwright) against a live server, with and without JavaScript: Enter in
the date field and in a note field saves and removes nothing; "Add a subject" keeps the archivist where they
were with focus in the new row with the script (without it the page comes back scrolled to the new row: a
#fragment, which browsers let win over autofocus); a bad date's message
names the accepted forms, beside the field and in the summary; the script runs under the pages' CSP."""
from __future__ import annotations

import pytest
import requests

from tests.support.browser import log_in
from tests.test_editor_browser import PASSWORD, server  # noqa: F401  (shared fixture)

pytestmark = pytest.mark.browser


def _log_in(browser, base: str, javascript: bool = True):  # noqa: F811
    return log_in(browser, base, "ann", PASSWORD, javascript)


def _saved_record(base: str) -> dict:
    return requests.get(base + "records/113439.jsonld").json()


@pytest.mark.parametrize("javascript", [True, False], ids=["script", "no-script"])
def test_enter_in_the_date_field_saves_and_removes_nothing(server, browser, javascript):  # noqa: F811
    page = _log_in(browser, server, javascript)
    page.goto(server + "edit/records/113439")
    title = _saved_record(server)["title"]
    page.locator("#created").fill("c. 1955")
    page.locator("#created").press("Enter")
    page.wait_for_selector("text=Saved as revision 2")
    saved = _saved_record(server)
    # the served JSON-LD types each date (dates.datatype): an approximate year keeps the EDTF datatype
    assert saved["created"] == {"@value": "1955~", "@type": "edtf:EDTF"} and saved["title"] == title
    assert page.locator("#title\\.0\\.text").input_value() == title["en"]


@pytest.mark.parametrize("javascript", [True, False], ids=["script", "no-script"])
def test_enter_in_a_note_saves_and_removes_nothing(server, browser, javascript):  # noqa: F811
    page = _log_in(browser, server, javascript)
    page.goto(server + "edit/records/113439")
    before = _saved_record(server)
    page.get_by_role("button", name="Add a note in another language").click()
    page.locator("#note\\.0\\.text").fill("Signature illegible")
    page.locator("#note\\.0\\.text").press("Enter")
    page.wait_for_selector("text=Saved as revision 2")
    saved = _saved_record(server)
    assert saved["note"] == {"en": "Signature illegible"}
    assert {k: v for k, v in saved.items() if k not in ("note", "modified")} == \
        {k: v for k, v in before.items() if k != "modified"}


def test_add_a_subject_keeps_focus_and_place_with_the_script(server, browser):  # noqa: F811
    page = _log_in(browser, server)
    problems = []
    page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
    page.goto(server + "edit/records/113439")
    add = page.get_by_role("button", name="Add a subject")
    add.scroll_into_view_if_needed()
    where = page.evaluate("window.scrollY")
    assert where > 0
    page.locator("#title\\.0\\.text").fill("Typed before adding")  # kept without saving
    add.click()
    page.wait_for_selector("#subject\\.0\\.label")
    assert page.evaluate("document.activeElement.id") == "subject.0.label"
    assert page.url == server + "edit/records/113439"  # no page load
    assert abs(page.evaluate("window.scrollY") - where) < 400
    page.keyboard.type("Soviet loans")
    page.get_by_role("button", name="Add a subject").click()
    page.wait_for_selector("#subject\\.1\\.label")
    assert page.evaluate("document.activeElement.id") == "subject.1.label"
    assert page.locator("#subject\\.0\\.label").input_value() == "Soviet loans"
    assert page.locator("#title\\.0\\.text").input_value() == "Typed before adding"
    assert problems == []  # nothing refused by the Content-Security-Policy


def test_add_a_subject_without_the_script_returns_to_the_section(server, browser):  # noqa: F811
    page = _log_in(browser, server, javascript=False)
    page.goto(server + "edit/records/113439")
    page.get_by_role("button", name="Add a subject").click()
    page.wait_for_url("**#subject.0.label")  # the browser scrolls to the new row
    assert page.evaluate("window.scrollY") > 0
    top = page.evaluate("document.getElementById('subject.0.label').getBoundingClientRect().top")
    assert 0 <= top < page.viewport_size["height"]


def test_a_bad_date_names_the_accepted_forms(server, browser):  # noqa: F811
    page = _log_in(browser, server)
    page.goto(server + "edit/records/113439")
    page.locator("#created").fill("the day after the war")
    page.get_by_label("What changed").fill("date from the slip")
    page.get_by_role("button", name="Save", exact=True).click()
    page.wait_for_selector("#err-created")
    advice = "write a date such as 18 July 1949, c. 1955 or 1940s"
    assert advice in page.inner_text("#err-created")
    summary = page.inner_text(".errors-summary")
    assert f"Date: cannot read the date 'the day after the war': {advice}" in summary
    assert "/created" not in summary and "edtf" not in summary
    assert page.get_by_label("What changed").input_value() == "date from the slip"
