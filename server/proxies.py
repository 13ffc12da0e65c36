"""Trusting a reverse proxy's X-Forwarded-* headers, and only a proxy's.

Behind nginx every connection comes from the proxy, so the client address the app sees (login throttling
counts failures by it) must be taken from X-Forwarded-For. werkzeug's ProxyFix does that for a fixed number of
proxies, but it believes whoever connects; here it is applied only to connections from the configured proxy
addresses. Anyone reaching the app directly keeps their own address and has those headers removed, so they
cannot pick the address they are throttled under.
"""
from __future__ import annotations

from werkzeug.middleware.proxy_fix import ProxyFix

FORWARDED = ("HTTP_X_FORWARDED_FOR", "HTTP_X_FORWARDED_PROTO", "HTTP_X_FORWARDED_HOST",
             "HTTP_X_FORWARDED_PORT", "HTTP_X_FORWARDED_PREFIX")


class TrustedProxies:
    """WSGI middleware: ProxyFix for ``count`` proxies when the peer is one of ``addresses``, else no
    forwarded headers at all."""

    def __init__(self, app, count: int, addresses: frozenset[str]):
        self.app = app
        self.fixed = ProxyFix(app, x_for=count, x_proto=count)
        self.addresses = addresses

    def __call__(self, environ, start_response):
        if environ.get("REMOTE_ADDR") in self.addresses:
            return self.fixed(environ, start_response)
        for name in FORWARDED:
            environ.pop(name, None)
        return self.app(environ, start_response)

