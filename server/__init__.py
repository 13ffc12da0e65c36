"""Muniment's web server: the Flask app factory wiring configuration, storage and one blueprint per interface."""
from __future__ import annotations

from datetime import timedelta

from flask import Flask

from metadata.storage import Store, make_engine
from metadata.record.urls import UrlBuilder

from . import config as config_module
from .lazy_rules import LazyBuilderRule
from .outputs import derivers, stamp_free
from .template_code import TEMPLATE_CODE


def create_app(config: dict | None = None) -> Flask:
    """Build the app. ``config`` overrides ``MUNIMENT_*`` settings (keys like ``DATABASE_URL``)."""
    app = Flask(__name__, instance_relative_config=True)
    app.url_rule_class = LazyBuilderRule  # rules added from here on: a quicker start (see lazy_rules)
    app.jinja_options = {**app.jinja_options, "bytecode_cache": TEMPLATE_CODE}
    settings = config_module.load(app.instance_path, config)
    app.config.update(SECRET_KEY=settings.secret_key, MAX_CONTENT_LENGTH=settings.max_request_bytes,
                      JSON_SORT_KEYS=False, MUNIMENT=settings,
                      SESSION_COOKIE_HTTPONLY=True, SESSION_COOKIE_SAMESITE="Lax",
                      SESSION_COOKIE_SECURE=settings.base.startswith("https://"),
                      PERMANENT_SESSION_LIFETIME=timedelta(hours=8))
    urls = UrlBuilder(settings.base)
    clock = config_module.clock(config)
    outputs = derivers(settings)
    store = Store(make_engine(settings.database_url), outputs, clock=clock, stamp_free=stamp_free(outputs))
    app.extensions["muniment"] = {"settings": settings, "store": store, "urls": urls, "overrides": config,
                                  "clock": clock, "password_method": config_module.password_method(config)}

    from .cors import allow_public_reads
    from .problems import register_error_handlers
    from .security import add_security_headers, refuse_unstorable_input, trust_proxies
    from .views import api, crawlers, editor, entities, health, iiif, oai, records
    from .views import entities_api, entities_editor  # noqa: F401  (their routes join the api and editor blueprints)
    from .auth import dummy_hash

    dummy_hash(app.extensions["muniment"]["password_method"])  # now: a method Werkzeug lacks stops the start
    trust_proxies(app, settings.trusted_proxies, settings.proxy_addresses)
    register_error_handlers(app)
    app.before_request(refuse_unstorable_input)
    app.after_request(add_security_headers)
    app.after_request(allow_public_reads)
    app.register_blueprint(health.blueprint)
    app.register_blueprint(records.blueprint)
    app.register_blueprint(oai.blueprint)
    app.register_blueprint(iiif.blueprint)
    app.register_blueprint(api.blueprint)
    app.register_blueprint(editor.blueprint)
    app.register_blueprint(crawlers.blueprint)
    app.register_blueprint(entities.blueprint)
    return app
