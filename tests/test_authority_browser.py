"""The record form's picker in Debian's Chromium (Playwright) against a live server: typing part of a variant
spelling offers the existing person once, under the preferred name; choosing with the keyboard fills the name
without saving, and the saved record uses that person's key instead of a new one."""
from __future__ import annotations

import pytest
import requests

from metadata.importers import archive_file
from server import create_app

from tests.conftest import PASSWORD, password_hash, upgrade
from tests.support.browser import log_in
from tests.support.live import app_in_thread
from tests.support.paths import seed_file

pytestmark = pytest.mark.browser


@pytest.fixture
def server(tmp_path):
    url = f"sqlite:///{tmp_path / 'picker.db'}"
    with app_in_thread(create_app, tmp_path, DATABASE_URL=url, SECRET_KEY="x") as (base, app):
        store = app.extensions["muniment"]["store"]
        upgrade(store.engine)
        store.accounts.put_user("ann", password_hash(), "editor")
        store.records.save(archive_file.parse_file(seed_file()), "import")
        store.entities.update("agent", "mao-zedong", {"variants": {"en": ["Mao Tse-tung"]}}, "ann")
        yield base


def test_the_picker_offers_the_existing_person_for_a_variant_spelling(server, browser):  # noqa: F811
    page = log_in(browser, server, "ann", PASSWORD)
    problems = []  # (after the first page: the browser's own favicon request is no concern of ours)
    page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
    page.goto(server + "edit/records/113439")
    page.get_by_role("button", name="Add a creator or signer").click()
    page.wait_for_selector("#creator\\.3\\.name")
    page.keyboard.type("tse-t")
    options = page.get_by_role("listbox", name="Existing names").get_by_role("option")
    options.first.wait_for()
    assert options.count() == 1  # one person, whatever the spelling typed
    assert options.first.inner_text().startswith("Mao Zedong (also Mao Tse-tung)")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")  # chooses; does not save
    assert page.locator("#creator\\.3\\.name").input_value() == "Mao Zedong"
    assert page.locator("input[name='creator.3.entity']").input_value() == "mao-zedong"
    assert page.locator("text=Saved as revision").count() == 0
    page.keyboard.press("Enter")  # now saves
    page.wait_for_selector("text=Saved as revision 2")
    record = requests.get(server + "records/113439.jsonld").json()
    assert record["creator"][3]["id"] == server + "agents/mao-zedong"
    assert record["creator"][3]["name"] == {"en": "Mao Zedong"}
    assert problems == []  # nothing refused by the Content-Security-Policy
