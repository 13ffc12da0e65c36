"""Cataloguing a new letter from a paper slip in Debian's Chromium (Playwright) against a live server, counting the
archivist's actions: log in, a new record, its title, "c. 1955", "Russian", the reference code "MSA/LIB/4/2" (the
identifier follows it), a summary and a creator, "Save and publish", then find it on the public site. At most 15
actions (each click, each field filled, each key chord, each address typed), no error shown, and the stored
record says what was meant. Also: the live hint beside the date field, the language suggestions, and a reference
code typed as the identifier offered as the reference code, all under the pages' Content-Security-Policy."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.support.browser import log_in
from tests.test_editor_browser import PASSWORD, server  # noqa: F401  (shared fixture; `browser` is in conftest)

pytestmark = pytest.mark.browser
MOST_ACTIONS = 15


class Archivist:
    """The archivist's hands on a page: every click, field filled, key chord and address typed is one action,
    written down (what and where) so a failing count says where the actions went."""

    def __init__(self, page):
        self.page = page
        self.actions: list[str] = []

    def go(self, url: str) -> None:
        self.actions.append(f"go to {url}")
        self.page.goto(url)

    def fill(self, locator, text: str) -> None:
        self.actions.append(f"type {text!r}")
        locator.fill(text)

    def press(self, locator, chord: str) -> None:
        self.actions.append(f"press {chord}")
        locator.press(chord)

    def click(self, locator) -> None:
        self.actions.append("click " + (locator.text_content() or "").strip())
        locator.click()


def _watch_console(page) -> list[str]:
    """Script errors and refusals by the Content-Security-Policy. Chromium also logs every 4xx answer as an error:
    /api/dates answering 422 for text that is not a date is the hint working, and the site has no favicon, so
    those two are left out."""
    problems: list[str] = []

    def noted(message) -> None:
        expected = "status of 422" in message.text or message.location.get("url", "").endswith("/favicon.ico")
        if message.type == "error" and not expected:
            problems.append(message.text)

    page.on("console", noted)
    page.on("pageerror", lambda error: problems.append(str(error)))
    return problems


def _logged_in_page(browser, base: str, javascript: bool = True):  # noqa: F811
    return log_in(browser, base, "ann", PASSWORD, javascript, start="login")


def test_a_new_letter_from_a_paper_slip_in_at_most_15_actions(server, browser):  # noqa: F811
    page = browser.new_context().new_page()
    problems = _watch_console(page)
    archivist = Archivist(page)
    archivist.go(server + "edit")
    archivist.fill(page.get_by_label("Name"), "ann")
    archivist.fill(page.get_by_label("Password"), PASSWORD)
    archivist.press(page.get_by_label("Password"), "Enter")
    page.wait_for_url("**/edit")
    archivist.click(page.get_by_role("link", name="New record"))
    page.wait_for_url("**/edit/new")

    archivist.fill(page.locator("#title\\.0\\.text"), "Letter to the Librarian about the Sokolov notebooks")
    archivist.fill(page.locator("#created"), "c. 1955")
    archivist.fill(page.locator("#language\\.0\\.code"), "Russian")
    archivist.fill(page.locator("#referenceCode"), "MSA/LIB/4/2")
    archivist.fill(page.locator("#abstract\\.0\\.text"), "Asks that two notebooks lent in 1953 be returned.")
    archivist.fill(page.locator("#creator\\.0\\.name"), "Vera Sokolova")
    expect(page.locator("#identifier")).to_have_value("MSA-LIB-4-2")  # suggested from the reference code
    expect(page.locator("#created-words")).to_have_text("Read as: circa 1955 — stored as 1955~")
    archivist.click(page.get_by_role("button", name="Save and publish"))

    page.wait_for_url("**/edit/records/MSA-LIB-4-2?saved=1")
    assert page.locator(".errors-summary, .error").count() == 0
    assert "Published, revision 1." in page.inner_text("main")
    stored = page.request.get(server + "api/records/MSA-LIB-4-2").json()  # the test looking, not the archivist
    assert stored["created"] == "1955~" and stored["language"] == ["lang:ru"]
    assert stored["identifier"] == "MSA-LIB-4-2" and stored["referenceCode"] == "MSA/LIB/4/2"
    assert [next(iter(c["name"].values())) for c in stored["creator"]] == ["Vera Sokolova"]

    archivist.go(server + "records?q=Sokolov+notebooks")
    archivist.click(page.get_by_role("link", name="Letter to the Librarian about the Sokolov notebooks"))
    page.wait_for_url("**/records/MSA-LIB-4-2")
    shown = page.inner_text("main")
    assert "circa 1955" in shown and "Russian" in shown and "Vera Sokolova" in shown

    assert len(archivist.actions) <= MOST_ACTIONS, archivist.actions
    assert problems == []  # nothing refused by the Content-Security-Policy, no script error


def test_the_date_hint_follows_the_typing(server, browser):  # noqa: F811
    page = _logged_in_page(browser, server)
    problems = _watch_console(page)
    page.goto(server + "edit/records/113439")
    hint = page.locator("#created-words")
    assert hint.get_attribute("aria-live") == "polite"
    for typed, shown in [("c. 1955", "Read as: circa 1955 — stored as 1955~"),
                         ("18–20 July 1949", "Read as: 18–20 July 1949 — stored as 1949-07-18/1949-07-20"),
                         ("before 1950", "Read as: before 1950 — stored as ../1950")]:
        page.locator("#created").fill(typed)
        expect(hint).to_have_text(shown)
    page.locator("#created").fill("the day after the war")
    expect(hint).to_have_text("Cannot read the date 'the day after the war': write a date such as 18 July 1949, "
                              "c. 1955 or 1940s")
    expect(hint).to_have_class(re.compile(r"\berror\b"))
    page.locator("#source\\.issued").fill("ca. 1930")
    expect(page.locator("#source\\.issued-words")).to_have_text("Read as: circa 1930 — stored as 1930~")
    page.locator("#created").fill("")
    expect(hint).to_have_text("")
    assert page.url == server + "edit/records/113439"  # no page load, nothing saved
    assert problems == []


def test_language_suggestions_as_the_archivist_types(server, browser):  # noqa: F811
    page = _logged_in_page(browser, server)
    problems = _watch_console(page)
    page.goto(server + "edit/new")
    field = page.locator("#language\\.0\\.code")

    def offered(typed: str) -> list[tuple[str, str]]:
        field.fill(typed)
        expect(page.locator("#language-suggestions")).to_have_attribute("data-query", typed)
        return [tuple(pair) for pair in page.evaluate(
            "[...document.getElementById('language-suggestions').options].map(o => [o.value, o.label])")]

    assert field.get_attribute("list") is None  # no script has run on it yet: a plain text field
    russian = offered("Russ")
    assert russian[0] == ("Russian", "Russian · русский · ru")
    assert field.get_attribute("list") == "language-suggestions"
    assert offered("рус")[0] == ("русский", "Russian · русский · ru")
    assert offered("中")[0] == ("中文", "Chinese · 中文 · zh")
    assert offered("zh")[0] == ("zh", "Chinese · 中文 · zh")
    assert offered("Chinese")[0][1] == "Chinese · 中文 · zh"
    assert problems == []


def test_a_reference_code_typed_as_the_identifier_is_offered_as_one(server, browser):  # noqa: F811
    page = _logged_in_page(browser, server)
    problems = _watch_console(page)
    page.goto(server + "edit/new")
    page.locator("#title\\.0\\.text").fill("A cable")
    expect(page.locator("#identifier")).to_have_value("A-cable")  # from the title
    page.locator("#identifier").fill("MSA/LIB/4/2")
    use = page.get_by_role("button", name="Use as reference code")
    use.wait_for()
    assert "“MSA/LIB/4/2” looks like a reference code." in page.inner_text("#identifier-offer")
    use.click()
    expect(page.locator("#identifier")).to_have_value("MSA-LIB-4-2")
    assert page.locator("#referenceCode").input_value() == "MSA/LIB/4/2"
    assert page.inner_text("#identifier-offer") == ""
    assert page.url == server + "edit/new"  # done in place
    page.locator("#identifier").fill("my-own-id")
    page.locator("#referenceCode").fill("MSA/LIB/4/3")
    page.wait_for_timeout(800)
    assert page.locator("#identifier").input_value() == "my-own-id"  # the archivist's own is left alone
    assert problems == []


def test_without_script_the_reference_code_offer_is_a_button_that_posts(server, browser):  # noqa: F811
    page = _logged_in_page(browser, server, javascript=False)
    page.goto(server + "edit/new")
    page.locator("#identifier").fill("MSA/LIB/4/2")
    page.locator("#title\\.0\\.text").fill("A cable")
    page.locator("#created").fill("1955")
    page.get_by_role("button", name="Save as draft").click()
    page.get_by_role("button", name="Use as reference code").click()
    page.wait_for_selector("#referenceCode[value='MSA/LIB/4/2']")
    assert page.locator("#identifier").input_value() == "MSA-LIB-4-2"
    page.get_by_role("button", name="Save and publish").click()
    page.wait_for_url(re.compile(r".*/edit/records/MSA-LIB-4-2\?saved=1(#identifier)?$"))
    assert "Published, revision 1." in page.inner_text("main")
