"""Accounts that can be cut off (issue 9, items 5 and 6): admins disable and delete users and revoke anyone's
tokens; logout, a password reset and disabling end every session at once; tokens expire; the last admin
stays; login throttling by address and by name that does not lock the owner out; the public history names
authors by an opaque IRI and a display name, kept after the account is deleted."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import update

from metadata.importers import archive_file

from metadata.storage.store import utc_now
from metadata.storage.tables import login_failures, tokens as tokens_table
from server import auth

from tests.conftest import BASE_URL, make_app, password_hash
from tests.support.paths import seed_file

PASSWORD = "correct horse battery staple"


@pytest.fixture
def people(store) -> dict:
    """Bearer headers of an admin (ada) and an editor (eve)."""
    headers = {}
    for name, role in (("ada", "admin"), ("eve", "editor")):
        store.accounts.put_user(name, password_hash(PASSWORD), role)
        secret = auth.new_token()
        store.accounts.add_token(name, auth.token_digest(secret))
        headers[name] = {"Authorization": f"Bearer {secret}"}
    return headers


def _logged_in(app, name, address="10.0.0.1"):
    client = app.test_client()
    response = client.post("/login", data={"name": name, "password": PASSWORD},
                           environ_base={"REMOTE_ADDR": address})
    assert response.status_code == 302, response.data
    return client


def _session_cookie(client) -> str:
    return client.get_cookie("session").value


def _replay(app, cookie: str):
    client = app.test_client()
    client.set_cookie("session", cookie)
    return client.get("/edit")


def test_a_cookie_replayed_after_logout_no_longer_works(app, people):
    client = _logged_in(app, "eve")
    cookie = _session_cookie(client)
    other_browser = _logged_in(app, "eve")
    assert _replay(app, cookie).status_code == 200
    csrf = client.get("/edit/tokens").get_data(as_text=True).split('name="csrf_token" value="')[1].split('"')[0]
    assert client.post("/logout", data={"csrf_token": csrf}).status_code == 302
    assert _replay(app, cookie).status_code == 302  # back to the login page
    assert other_browser.get("/edit").status_code == 302  # every session of the user ended


def test_password_reset_and_disabling_end_sessions_and_tokens(app, client, people):
    session = _logged_in(app, "eve")
    reset = client.put("/api/users/eve", json={"role": "editor", "password": "another long password"},
                       headers=people["ada"])
    assert reset.status_code == 200
    # The app hashes with its own method (the tests' apps: a cheaper work factor, conftest.TEST_PASSWORD_METHOD).
    assert app.extensions["muniment"]["store"].accounts.user("eve")["password_hash"].startswith("scrypt:1024:8:1$")
    assert session.get("/edit").status_code == 302
    session = app.test_client()
    assert session.post("/login", data={"name": "eve", "password": "another long password"}).status_code == 302
    assert client.get("/api/records", headers=people["eve"]).status_code == 200
    disabled = client.put("/api/users/eve", json={"role": "editor", "disabled": True}, headers=people["ada"])
    assert disabled.status_code == 200 and disabled.get_json()["disabled"] is True
    assert session.get("/edit").status_code == 302
    assert client.get("/api/records", headers=people["eve"]).status_code == 401
    assert app.test_client().post("/login", data={"name": "eve", "password": "another long password"}).status_code == 401
    client.put("/api/users/eve", json={"role": "editor", "disabled": False}, headers=people["ada"])
    assert client.get("/api/records", headers=people["eve"]).status_code == 200


def test_admin_revokes_any_token_and_deletes_a_user(app, client, people, store):
    secret = auth.new_token()
    token_id = store.accounts.add_token("eve", auth.token_digest(secret))
    eve = {"Authorization": f"Bearer {secret}"}
    assert client.delete(f"/api/tokens/{token_id}", headers=people["ada"]).status_code == 204
    assert client.get("/api/records", headers=eve).status_code == 401
    # an editor still cannot touch someone else's
    ada_token = store.accounts.list_tokens("ada")[0]["id"]
    assert client.delete(f"/api/tokens/{ada_token}", headers=people["eve"]).status_code == 404
    assert client.get("/api/users", headers=people["ada"]).status_code == 200
    secret = auth.new_token()
    store.accounts.add_token("eve", auth.token_digest(secret))
    assert client.delete("/api/users/eve/tokens", headers=people["ada"]).get_json() == {"revoked": 2}
    assert client.get("/api/records", headers={"Authorization": f"Bearer {secret}"}).status_code == 401
    session = _logged_in(app, "eve")
    assert client.delete("/api/users/eve", headers=people["ada"]).status_code == 204
    assert session.get("/edit").status_code == 302
    assert app.test_client().post("/login", data={"name": "eve", "password": PASSWORD}).status_code == 401
    assert "eve" not in [u["name"] for u in client.get("/api/users", headers=people["ada"]).get_json()]
    taken = client.put("/api/users/eve", json={"role": "editor", "password": PASSWORD}, headers=people["ada"])
    assert taken.status_code == 409  # the deleted user's history stays theirs


def test_admins_cut_users_off_in_the_web_interface(app, people, store):
    admin = _logged_in(app, "ada")
    eve = _logged_in(app, "eve")
    from lxml import html

    page = admin.get("/edit/users").get_data(as_text=True)
    forms = [f for f in html.fromstring(page).forms if dict(f.form_values()).get("name") == "eve"]
    fields = dict(forms[0].form_values())
    assert admin.post("/edit/users", data={**fields, "action": "disable"}).status_code == 200
    assert eve.get("/edit").status_code == 302
    assert admin.post("/edit/users", data={**fields, "action": "enable"}).status_code == 200
    secret = auth.new_token()
    store.accounts.add_token("eve", auth.token_digest(secret))
    assert admin.post("/edit/users", data={**fields, "action": "revoke_tokens"}).status_code == 200
    assert app.test_client().get("/api/records", headers={"Authorization": f"Bearer {secret}"}).status_code == 401
    assert admin.post("/edit/users", data={**fields, "action": "delete"}).status_code == 200
    assert store.accounts.user("eve") is None and "eve" in store.accounts.agents(["eve"])  # its public face stays


def test_the_last_admin_keeps_the_admin_role(app, client, people):
    demoted = client.put("/api/users/ada", json={"role": "editor"}, headers=people["ada"])
    assert demoted.status_code == 409 and "admin" in demoted.get_json()["detail"]
    assert client.put("/api/users/ada", json={"role": "admin", "disabled": True}, headers=people["ada"]).status_code == 409
    assert client.delete("/api/users/ada", headers=people["ada"]).status_code == 409
    assert client.get("/api/users", headers=people["ada"]).status_code == 200  # still admin, still enabled
    client.put("/api/users/eve", json={"role": "admin"}, headers=people["ada"])
    assert client.put("/api/users/ada", json={"role": "editor"}, headers=people["ada"]).status_code == 200


def test_tokens_may_expire(app, client, people, store):
    made = client.post("/api/tokens", json={"label": "ci", "expiresInDays": 30}, headers=people["eve"])
    assert made.status_code == 201 and made.get_json()["expires"]
    secret = {"Authorization": f"Bearer {made.get_json()['token']}"}
    assert client.get("/api/records", headers=secret).status_code == 200
    with store.db.writing() as conn:
        conn.execute(update(tokens_table).where(tokens_table.c.id == made.get_json()["id"])
                     .values(expires_at=utc_now() - timedelta(seconds=1)))
    assert client.get("/api/records", headers=secret).status_code == 401
    for bad in (0, -3, "soon", 10**9, True):
        response = client.post("/api/tokens", json={"expiresInDays": bad}, headers=people["eve"])
        assert response.status_code == 422, bad


def test_throttling_by_address_across_names_and_owner_not_locked_out(app, store):
    store.accounts.put_user("ann", password_hash(PASSWORD), "editor")
    attacker = app.test_client()
    for i in range(20):  # spraying names from one address
        attacker.post("/login", data={"name": f"name{i}", "password": "guess"},
                      environ_base={"REMOTE_ADDR": "203.0.113.9"})
    limited = attacker.post("/login", data={"name": "anyone", "password": "guess"},
                            environ_base={"REMOTE_ADDR": "203.0.113.9"})
    assert limited.status_code == 429 and int(limited.headers["Retry-After"]) > 0
    for _ in range(8):  # hammering the owner's name from elsewhere
        app.test_client().post("/login", data={"name": "ann", "password": "guess"},
                               environ_base={"REMOTE_ADDR": "198.51.100.7"})
    assert app.test_client().post("/login", data={"name": "ann", "password": PASSWORD},
                                  environ_base={"REMOTE_ADDR": "198.51.100.7"}).status_code == 429
    owner = app.test_client().post("/login", data={"name": "ann", "password": PASSWORD},
                                   environ_base={"REMOTE_ADDR": "192.0.2.1"})
    assert owner.status_code == 302  # a clean address with the right password always gets in


def test_head_login_is_not_a_failed_login_and_old_failures_are_pruned(app, store):
    client = app.test_client()
    for _ in range(30):
        assert client.head("/login").status_code == 200
    with store.db.reading() as conn:
        assert conn.execute(login_failures.select()).all() == []
    with store.db.writing() as conn:
        conn.execute(login_failures.insert().values(key="address|old", at=utc_now() - timedelta(days=2)))
    client.post("/login", data={"name": "x", "password": "y"})
    with store.db.reading() as conn:
        keys = [row.key for row in conn.execute(login_failures.select())]
    assert "address|old" not in keys and len(keys) == 2


def test_real_client_address_only_from_trusted_proxies(database_url, tmp_path, store):
    store.accounts.put_user("ann", password_hash(PASSWORD), "editor")
    proxied = make_app(database_url, tmp_path, TRUSTED_PROXIES=1).test_client()
    for i in range(20):
        proxied.post("/login", data={"name": f"n{i}", "password": "x"},
                     headers={"X-Forwarded-For": "203.0.113.50"}, environ_base={"REMOTE_ADDR": "127.0.0.1"})
    # another client behind the same proxy is not punished for the sprayer
    fine = proxied.post("/login", data={"name": "ann", "password": PASSWORD},
                        headers={"X-Forwarded-For": "192.0.2.8"}, environ_base={"REMOTE_ADDR": "127.0.0.1"})
    assert fine.status_code == 302
    direct = make_app(database_url, tmp_path).test_client()  # no proxy trusted: the header is ignored
    for i in range(20):
        direct.post("/login", data={"name": f"m{i}", "password": "x"},
                    headers={"X-Forwarded-For": f"192.0.2.{i}"}, environ_base={"REMOTE_ADDR": "10.9.9.9"})
    assert direct.post("/login", data={"name": "ann", "password": PASSWORD},
                       environ_base={"REMOTE_ADDR": "10.9.9.9"}).status_code == 429


def test_history_names_authors_by_opaque_iri_and_display_name(app, client, people, store):
    client.put("/api/users/eve", json={"role": "editor", "displayName": "Eve Archivist"}, headers=people["ada"])
    record = archive_file.parse_file(seed_file())
    with app.test_request_context():
        from server.documents import public_record
        body = public_record(record)
    assert client.post("/api/records?publish=true", json=body, headers=people["eve"]).status_code == 201
    history = client.get("/records/113439/history.jsonld").get_data(as_text=True)
    public_id = store.accounts.user("eve")["public_id"]
    assert f"{BASE_URL}users/{public_id}" in history and "Eve Archivist" in history
    assert '"eve"' not in history and "users/eve" not in history
    client.delete("/api/users/eve", headers=people["ada"])
    assert "Eve Archivist" in client.get("/records/113439/history.jsonld").get_data(as_text=True)
    agent = client.get(f"/users/{public_id}").get_json(force=True)
    assert agent["name"] == "Eve Archivist" and agent["id"] == f"{BASE_URL}users/{public_id}"
    assert set(agent) == {"@context", "id", "type", "name"}
    assert client.get("/users/eve").status_code == 404


def test_an_app_hashes_at_scrypts_full_work_factor_unless_a_test_says(database_url, tmp_path, monkeypatch):
    """A deployment hashes new passwords, and checks an unknown name's login, with scrypt at N = 32,768; only a
    create_app override (never a MUNIMENT_* variable) changes the method, as the tests' apps do."""
    from server import create_app

    monkeypatch.setenv("MUNIMENT_PASSWORD_METHOD", "scrypt:1024:8:1")  # not a setting: ignored
    deployed = create_app({"DATABASE_URL": database_url, "BASE_URL": BASE_URL, "SECRET_KEY": "test-secret",
                           "DATA_DIR": str(tmp_path / "data")})
    with deployed.app_context():
        assert auth.hash_password(PASSWORD).startswith("scrypt:32768:8:1$")
        assert auth.dummy_hash(deployed.extensions["muniment"]["password_method"]).startswith("scrypt:32768:8:1$")
    with make_app(database_url, tmp_path).app_context():
        assert auth.hash_password(PASSWORD).startswith("scrypt:1024:8:1$")
