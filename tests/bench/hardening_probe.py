"""Issue 9 over HTTP: one cheap probe for each item that a client can observe, against any running server.

Run: `python tests/bench/hardening_probe.py BASE_URL --admin NAME [--password PW]` (or the password in
`MUNIMENT_PROBE_PASSWORD`) against a `muniment serve` with published records (the samples) whose only admin
is NAME. It prints one line per probe: item, what was sent, the status answered, PASS or FAIL; exits 1 if any
probe failed. It speaks HTTP only (requests and one raw socket per slow client), never the database or
Muniment's code, so the same script runs against the version before the fixes and after them.

It writes: users `probe-…`, records `probe-…` (published and a draft), a few tokens; and its last probe asks
the admin to give up the admin role (refused when the fixes are in; the version before them obeys).
Login probes speak for other client addresses with `X-Forwarded-For`: serve with `MUNIMENT_TRUSTED_PROXIES=1`
(as behind nginx) for them to count; a server that trusts no proxy sees every login from the probe's address.
Items 1, 2, 4 and 9 (worker memory, disk, backups, per-worker caches) are not observable over HTTP here:
`tests/bench/serving_bench.py`, tests/test_serving.py and tests/test_backup.py measure them.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import secrets
import socket
import sys
import threading
import time
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import requests

PASSWORD = "probe password, long enough"
EVIL = "evil.example"
TIMEOUT = 30


class Probe:
    def __init__(self, base: str, admin: str, password: str):
        self.base = base if base.endswith("/") else base + "/"
        self.admin, self.password = admin, password
        self.tag = secrets.token_hex(3)
        self.failures = 0
        self.token: dict = {}
        self.sample: dict = {}

    # ------------------------------------------------------------------------------------------ output
    def report(self, item: str, sent: str, status, passed: bool, note: str = "") -> None:
        self.failures += not passed
        print(f"{item:<4} {sent:<78} {str(status):<5} {'PASS' if passed else 'FAIL'}{'  ' + note if note else ''}",
              flush=True)

    def skip(self, item: str, why: str) -> None:
        print(f"{item:<4} {why:<78} {'-':<5} NOT PROBED", flush=True)

    # ------------------------------------------------------------------------------------------ HTTP helpers
    def url(self, path: str) -> str:
        return urljoin(self.base, path.lstrip("/"))

    def request(self, method: str, path: str, session=None, **kwargs) -> requests.Response:
        kwargs.setdefault("timeout", TIMEOUT)
        kwargs.setdefault("allow_redirects", False)
        return (session or requests).request(method, self.url(path), **kwargs)

    def api(self, method: str, path: str, token: dict | None = None, **kwargs) -> requests.Response:
        headers = {**(token if token is not None else self.token), **kwargs.pop("headers", {})}
        return self.request(method, "api/" + path.lstrip("/"), headers=headers, **kwargs)

    def login(self, name: str, password: str, forwarded: str | None = None, **extra) -> requests.Response:
        headers = {"X-Forwarded-For": forwarded} if forwarded else {}
        session = requests.Session()
        response = self.request("POST", "login", session, data={"name": name, "password": password, **extra},
                                headers=headers)
        response.session = session
        return response

    def logged_in(self, name: str, password: str) -> tuple[requests.Session, str]:
        """A browser session of ``name`` and its CSRF token (read from the tokens page's form)."""
        response = self.login(name, password)
        assert response.status_code in (302, 303), f"cannot log in as {name}: {response.status_code}"
        page = self.request("GET", "edit/tokens", response.session)
        return response.session, form_values(page.text)["csrf_token"]

    def new_user(self, role: str = "editor") -> tuple[str, dict]:
        """A new user and a Bearer header for one of its tokens (made through its own session)."""
        name = f"probe-{role}-{self.tag}-{secrets.token_hex(2)}"
        made = self.api("PUT", f"users/{name}", json={"role": role, "password": PASSWORD})
        assert made.status_code in (200, 201), f"cannot create {name}: {made.status_code} {made.text[:200]}"
        session, csrf = self.logged_in(name, PASSWORD)
        token = self.request("POST", "api/tokens", session, json={"label": "probe"}, headers={"X-CSRF-Token": csrf})
        assert token.status_code == 201, token.text[:200]
        return name, {"Authorization": f"Bearer {token.json()['token']}", "_id": str(token.json()["id"])}

    def record_body(self, identifier: str, **changes) -> dict:
        """A copy of a published sample under a new identifier, with ``changes``."""
        source = self.sample["identifier"]
        text = json.dumps(self.sample).replace(f"records/{source}", f"records/{identifier}")
        body = json.loads(text)
        body["identifier"] = identifier
        body.update(changes)
        return body

    def post_record(self, body, publish: bool = True, raw: str | None = None) -> requests.Response:
        data = raw if raw is not None else json.dumps(body, ensure_ascii=True)
        return self.api("POST", "records" + ("?publish=true" if publish else ""), data=data.encode("utf-8"),
                        headers={"Content-Type": "application/json"})

    # ------------------------------------------------------------------------------------------ set-up
    def start(self) -> None:
        session, csrf = self.logged_in(self.admin, self.password)
        made = self.request("POST", "api/tokens", session, json={"label": "hardening probe"},
                            headers={"X-CSRF-Token": csrf})
        assert made.status_code == 201, made.text[:300]
        self.token = {"Authorization": f"Bearer {made.json()['token']}"}
        listing = self.api("GET", "records").json()
        items = listing.get("items") or listing.get("records") or []
        for item in items:  # a published record with a text version, to copy
            if item.get("published") and not item.get("deleted") and not item["identifier"].startswith("probe-"):
                self.sample = self.api("GET", f"records/{item['identifier']}").json()
                if self.sample.get("hasVersion"):
                    return
        raise SystemExit("the server needs a published record with a text (import the samples)")

    # ------------------------------------------------------------------------------------------ the items
    def item_3_slow_clients(self, count: int = 6, seconds: float = 8) -> None:
        """Slow clients hold connections open by sending one header line at a time; /healthz must answer."""
        host, port = urlsplit(self.base).hostname, urlsplit(self.base).port or 80
        stop = threading.Event()
        sockets = []
        for _ in range(count):
            s = socket.create_connection((host, port), timeout=5)
            s.sendall(b"GET /healthz HTTP/1.1\r\nHost: probe\r\n")
            sockets.append(s)

        def drip():
            while not stop.wait(2):
                for s in sockets:
                    try:
                        s.sendall(b"X-Slow: 1\r\n")
                    except OSError:
                        pass

        thread = threading.Thread(target=drip, daemon=True)
        thread.start()
        time.sleep(1)
        worst, status = 0.0, None
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            started = time.monotonic()
            try:
                status = requests.get(self.url("healthz"), timeout=3).status_code
                worst = max(worst, time.monotonic() - started)
            except requests.RequestException:
                status, worst = "none", float("inf")
                break
            time.sleep(0.5)
        stop.set()
        thread.join()
        for s in sockets:
            s.close()
        note = f"slowest {worst * 1000:.0f} ms" if worst != float("inf") else "no answer in 3 s"
        self.report("3", f"GET /healthz with {count} connections sending a header line every 2 s",
                    status, worst < 1, note)

    def item_5_accounts(self) -> None:
        name, token = self.new_user()
        token_id = token.pop("_id")
        revoked = self.api("DELETE", f"tokens/{token_id}")
        after = self.api("GET", "records", token=token).status_code
        self.report("5", f"admin DELETE /api/tokens/{token_id} (another user's token), then that token",
                    f"{revoked.status_code}", revoked.status_code == 204 and after == 401, f"token then {after}")

        other, other_token = self.new_user()
        other_token.pop("_id")
        session, csrf = self.logged_in(other, PASSWORD)
        cookie = session.cookies.get("session")
        self.request("POST", "logout", session, data={"csrf_token": csrf})
        replay = self.request("GET", "edit", cookies={"session": cookie})
        self.report("5", "GET /edit replaying the session cookie after POST /logout", replay.status_code,
                    replay.status_code != 200, "302 to the login page expected")

        disabled = self.api("PUT", f"users/{other}", json={"role": "editor", "password": PASSWORD, "disabled": True})
        after = self.api("GET", "records", token=other_token).status_code
        self.report("5", "admin PUT /api/users/{name} {disabled: true}, then that user's token",
                    disabled.status_code, after == 401, f"token then {after}")

    def item_6_throttling(self) -> None:
        written = self.post_record(self.record_body(f"probe-history-{self.tag}"))
        history = self.request("GET", f"records/probe-history-{self.tag}/history.jsonld").text
        leaked = f"users/{self.admin}" in history or f'"{self.admin}"' in history
        self.report("6", "GET /records/{id}/history.jsonld of a record the admin wrote: login name?",
                    written.status_code, written.status_code == 201 and not leaked,
                    "login name published" if leaked else "")

        head = self.request("HEAD", "login")
        self.report("6", "HEAD /login", head.status_code, head.status_code == 200)

        victim, _ = self.new_user()
        for _ in range(8):
            self.login(victim, "wrong password", forwarded="198.51.100.7")
        owner = self.login(victim, PASSWORD, forwarded="192.0.2.1")
        self.report("6", "8 wrong passwords for a name (X-Forwarded-For A), then the right one (from B)",
                    owner.status_code, owner.status_code in (302, 303), "the owner must get in")

    def item_6_spraying(self) -> None:
        statuses = [self.login(f"probe-spray-{self.tag}-{i}", "guess", forwarded="203.0.113.9").status_code
                    for i in range(25)]
        self.report("6", "25 wrong logins for 25 different names (X-Forwarded-For C)", statuses[-1],
                    429 in statuses, f"first 429 at attempt {statuses.index(429) + 1}" if 429 in statuses else
                    "never limited")

    def item_7_redirect(self) -> None:
        name, _ = self.new_user()
        for target in ("/\t/evil.example/x", "//evil.example/x", "/\\evil.example/x", "/\n/evil.example"):
            response = self.login(name, PASSWORD, next=target)
            location = response.headers.get("Location", "")
            where = urlsplit(urljoin(self.url("login"), location)).netloc
            passed = response.status_code in (302, 303) and where == urlsplit(self.base).netloc
            self.report("7", f"POST /login next={target!r}", response.status_code, passed,
                        f"Location: {location[:60]}")

    def item_8_no_500(self) -> None:
        for date in ("1950/..", "../1950", "[..1950]", "XXXX", "0000", "-0100", "Y12345"):
            identifier = f"probe-date-{self.tag}-{secrets.token_hex(2)}"
            response = self.post_record(self.record_body(identifier, created=date))
            self.report("8", f"POST /api/records created={date!r}", response.status_code,
                        response.status_code == 201, "must be accepted")
        invalid = [("language ['lang:zz']", {"language": ["lang:zz"]}),
                   ("title key en_US", {"title": {"en_US": "A title"}}),
                   ("title with NUL", {"title": {"en": "NUL \x00 inside"}}),
                   ("title with a lone surrogate", {"title": {"en": "lone \ud800 surrogate"}})]
        for what, change in invalid:
            response = self.post_record(self.record_body(f"probe-bad-{self.tag}-{secrets.token_hex(2)}", **change))
            self.report("8", f"POST /api/records {what}", response.status_code, response.status_code == 422)
        identifier = f"probe-nl-{self.tag}"
        body = self.record_body(identifier)
        body.pop("hasVersion", None)  # its versions would name the id without the newline
        body["identifier"], body["id"] = identifier + "\n", body["id"] + "\n"
        response = self.post_record(body)
        reachable = self.request("GET", f"records/{identifier}").status_code if response.status_code == 201 else ""
        self.report("8", "POST /api/records identifier with a trailing newline", response.status_code,
                    response.status_code == 422, f"then GET /records/{{id}}: {reachable}" if reachable else "")
        for what, raw in (("[]", "[]"), ('"s"', '"s"'), ("JSON nested 5,000 deep", "[" * 5000 + "]" * 5000)):
            response = self.post_record(None, raw=raw)
            self.report("8", f"POST /api/records body {what}", response.status_code, response.status_code == 400)
        long_name = "n" * 300
        response = self.api("PUT", f"users/{long_name}", json={"role": "editor", "password": PASSWORD})
        self.report("8", "PUT /api/users/<300 characters>", response.status_code, response.status_code == 422)
        response = self.request("GET", "records?q=a%00b")
        self.report("8", "GET /records?q=a%00b (NUL in a query)", response.status_code, response.status_code == 400)
        response = self.login("a\x00b", "whatever")
        self.report("8", "POST /login name='a\\x00b'", response.status_code, response.status_code == 400)
        name, _ = self.new_user()
        session, csrf = self.logged_in(name, PASSWORD)
        response = self.request("POST", "edit/tokens", session, data={"csrf_token": csrf, "revoke": "99999999999"})
        self.report("8", "POST /edit/tokens revoke=99999999999", response.status_code, response.status_code == 404)
        response = self.request("POST", "edit/tokens", session, data={"csrf_token": "ä-not-ascii", "label": "x"})
        self.report("8", "POST /edit/tokens csrf_token='ä-not-ascii'", response.status_code,
                    response.status_code == 403)
        response = self.request("POST", f"edit/records/{self.sample['identifier']}/publish", session,
                                data={"csrf_token": csrf, "revision": "abc", "published": "yes"})
        self.report("8", "POST /edit/records/{id}/publish revision=abc", response.status_code,
                    response.status_code == 400)

    def item_10_browser(self) -> None:
        for path in ("records", "login", f"records/{self.sample['identifier']}"):
            response = self.request("GET", path)
            policy = response.headers.get("Content-Security-Policy", "")
            passed = all(d in policy for d in ("script-src 'self'", "style-src 'self'", "frame-ancestors")) \
                and response.headers.get("X-Content-Type-Options") == "nosniff"
            self.report("10", f"GET /{path.split('/')[0]}{'/{id}' if '/' in path else ''}: CSP and nosniff headers",
                        response.status_code, passed, f"CSP: {policy[:50] or 'none'}")
        identifier = f"probe-img-{self.tag}"
        body = self.record_body(identifier)
        body["hasVersion"][0]["text"] = "A text ![pixel](https://tracker.example/p.png) with a picture."
        written = self.post_record(body)
        page = self.request("GET", f"records/{identifier}").text
        remote = re.search(r"<img[^>]*src=[\"']?https://tracker\.example", page) is not None
        self.report("10", "text '![pixel](https://tracker.example/p.png)': remote <img> on its page?",
                    written.status_code, written.status_code == 201 and not remote, "remote image" if remote else "")
        identifier = f"probe-html-{self.tag}"
        written = self.post_record(self.record_body(identifier, title={"en": "<b>Draft</b> of a cable"}))
        manifest = self.request("GET", f"iiif/{identifier}/manifest")
        label = manifest.json()["label"]["en"][0] if manifest.status_code == 200 else ""
        self.report("10", "title '<b>Draft</b> of a cable': manifest label", manifest.status_code,
                    written.status_code == 201 and "<b>" not in label, f"label {label[:40]!r}")

    def item_11_draft_sets(self) -> None:
        spec = f"probe-draft-only-{self.tag}"
        body = self.record_body(f"probe-draft-{self.tag}", isPartOf=[self.url(f"sets/{spec}")])
        written = self.post_record(body, publish=False)
        sets = self.request("GET", "oai?verb=ListSets").text
        top = self.request("GET", "iiif/collection/top").text
        self.report("11", "a draft in a set of its own: set in ListSets or the top IIIF collection?",
                    written.status_code, written.status_code == 201 and spec not in sets and spec not in top,
                    f"in ListSets: {spec in sets}, in top collection: {spec in top}")

    def item_12_small(self) -> None:
        name = f"probe-spaces-{self.tag}"
        response = self.api("PUT", f"users/{name}", json={"role": "editor", "password": " " * 12})
        self.report("12", "PUT /api/users/{name} password of 12 spaces", response.status_code,
                    response.status_code == 422)
        name = f"probe-padded-{self.tag}"
        padded = "  padded password  "
        self.api("PUT", f"users/{name}", json={"role": "editor", "password": padded})
        stripped = self.login(name, padded.strip()).status_code
        whole = self.login(name, padded).status_code
        self.report("12", "password '  padded password  ': log in with it stripped, then whole", stripped,
                    stripped == 401 and whole in (302, 303), f"stripped {stripped}, whole {whole}")
        identifier = self.sample["identifier"]
        current = self.api("GET", f"records/{identifier}").json()
        current["title"] = {"en": "Blind overwrite"}
        response = self.api("PUT", f"records/{identifier}", json=current, headers={"If-Match": "*"})
        self.report("12", "PUT /api/records/{id} with If-Match: * (a blind overwrite)", response.status_code,
                    response.status_code == 428)
        response = self.request("GET", "oai", params={"verb": "ListIdentifiers", "metadataPrefix": "oai_dc",
                                                      "from": "２０２０-01-01"})
        self.report("12", "GET /oai ListIdentifiers from=２０２０-01-01 (full-width digits)", response.status_code,
                    'code="badArgument"' in response.text)
        get, head = self.request("GET", "edit"), self.request("HEAD", "edit")
        self.report("12", "HEAD /edit against GET /edit", head.status_code,
                    head.status_code == get.status_code and head.headers.get("Location") == get.headers.get("Location"),
                    f"GET {get.status_code}")

    def item_5_last_admin(self) -> None:
        response = self.api("PUT", f"users/{self.admin}", json={"role": "editor", "password": self.password})
        self.report("5", "the only admin PUT /api/users/{self} role=editor", response.status_code,
                    response.status_code == 409)

    def run(self) -> int:
        print(f"{'item':<4} {'sent':<78} {'status':<5} result")
        self.skip("1", "reading PDF memory: not over HTTP (serving_bench.py measures worker RSS)")
        self.skip("2", "image cache on disk: not over HTTP (serving_bench.py, tests/test_serving.py)")
        self.start()
        for probe in (self.item_3_slow_clients, self.item_5_accounts, self.item_6_throttling, self.item_7_redirect,
                      self.item_8_no_500, self.item_10_browser, self.item_11_draft_sets, self.item_12_small,
                      self.item_6_spraying, self.item_5_last_admin):
            try:
                probe()
            except Exception as error:  # one broken exchange must not hide the other items' lines
                self.report(probe.__name__.split("_")[1], f"{probe.__name__} stopped: {error!r}"[:78], "-", False)
        self.skip("4", "backup and restore: command line (tests/test_backup.py)")
        self.skip("9", "per-worker caches in bytes: not over HTTP (tests/test_serving.py)")
        print(f"{self.failures} failed")
        return 1 if self.failures else 0


class _Forms(HTMLParser):
    """The named inputs of a page's last form (enough for the tokens page's CSRF token)."""

    def __init__(self):
        super().__init__()
        self.values: dict[str, str] = {}

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "form":
            self.values = {}
        elif tag == "input" and attributes.get("name"):
            self.values[attributes["name"]] = attributes.get("value") or ""


def form_values(page: str) -> dict[str, str]:
    parser = _Forms()
    parser.feed(page)
    return parser.values


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("base_url")
    parser.add_argument("--admin", required=True, help="login name of the server's only admin")
    parser.add_argument("--password", default=os.environ.get("MUNIMENT_PROBE_PASSWORD"))
    arguments = parser.parse_args()
    if not arguments.password:
        parser.error("give the admin's password with --password or MUNIMENT_PROBE_PASSWORD")
    return Probe(arguments.base_url, arguments.admin, arguments.password).run()


if __name__ == "__main__":
    sys.exit(main())
