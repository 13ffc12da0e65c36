"""Login throttling that slows guessing without locking the owner out.

Two limits, both counted in the database so every app server shares them:

* per client address, across names: an address with ``ADDRESS_ATTEMPTS`` failures in the window gets 429
  whatever name it tries (spraying many names is no way round);
* per name, a delay that doubles with each failure past ``NAME_FREE_FAILURES``; it applies only to addresses
  that have failed themselves, so the owner typing the right password from a clean address always gets in
  while someone else hammers the name.

The address is the real client's only when ``MUNIMENT_TRUSTED_PROXIES`` says how many proxies to trust
(ProxyFix); otherwise it is the peer's.
"""
from __future__ import annotations

from datetime import timedelta

from metadata.storage.accounts import Accounts


from . import state
from .problems import Problem

WINDOW = timedelta(minutes=15)
ADDRESS_ATTEMPTS = 20
NAME_FREE_FAILURES = 3
MAX_DELAY_SECONDS = 300


def name_delay(failures: int) -> int:
    """Seconds a name must rest after its latest failure: 0, then 2, 4, 8 … up to five minutes."""
    if failures < NAME_FREE_FAILURES:
        return 0
    return min(2 ** (failures - NAME_FREE_FAILURES + 1), MAX_DELAY_SECONDS)


def _too_many(seconds: int) -> Problem:
    return Problem(429, "Too many failed logins; wait a little and try again.", "Too Many Requests",
                   headers={"Retry-After": str(max(int(seconds), 1))})


def check(access: Accounts, address_key: str, name_key: str) -> None:
    """429 when this address, or this name tried from an address that has failed, must wait."""
    now = state.now()
    since = now - WINDOW
    address_failures, address_latest = access.failures(address_key, since)
    if address_failures >= ADDRESS_ATTEMPTS:
        raise _too_many((address_latest + WINDOW - now).total_seconds())
    if address_failures == 0:
        return
    name_failures, name_latest = access.failures(name_key, since)
    delay = name_delay(name_failures)
    if delay and name_latest is not None:
        remaining = (name_latest + timedelta(seconds=delay) - now).total_seconds()
        if remaining > 0:
            raise _too_many(remaining)


def failed(access: Accounts, address_key: str, name_key: str) -> None:
    access.add_failure([address_key, name_key], forget_before=state.now() - WINDOW)
