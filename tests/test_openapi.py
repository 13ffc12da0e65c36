"""The API's OpenAPI 3.1 description is valid, and schema-driven fuzzing (schemathesis) against the running
app finds no server error and no response that breaks the description.

schemathesis is imported by the fixture that uses it, not here: every test process imports every test module
to collect it, and schemathesis took three quarters of a second of that in each.
"""
from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from openapi_spec_validator import validate

from metadata.importers import archive_file
from server import auth

from tests.conftest import make_app, password_hash
from tests.support.paths import seed_file


@pytest.fixture(scope="module")
def fuzz_app(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("fuzz")
    app = make_app(f"sqlite:///{tmp / 'fuzz.db'}", tmp)
    store = app.extensions["muniment"]["store"]
    store.accounts.put_user("ada", password_hash("ada-password-long"), "admin")
    store.accounts.add_token("ada", auth.token_digest("fuzz-token"))
    store.records.save(archive_file.parse_file(seed_file()), "import")
    yield app
    store.engine.dispose()


@pytest.fixture(scope="module")
def api_schema(fuzz_app):
    import schemathesis

    return schemathesis.openapi.from_wsgi("/api/openapi.json", fuzz_app)


def test_openapi_document_is_valid(fuzz_app):
    document = fuzz_app.test_client().get("/api/openapi.json").get_json()
    validate(document)
    assert document["openapi"] == "3.1.0"
    assert "/api/records/{identifier}" in document["paths"]
    assert document["components"]["schemas"]["Record"]["additionalProperties"] is False


def test_fuzzing_finds_no_server_error(api_schema):
    """Every operation, a dozen generated requests each (derandomized, so a failure reproduces)."""
    from schemathesis.checks import not_a_server_error
    from schemathesis.specs.openapi.checks import (content_type_conformance, response_schema_conformance,
                                                   status_code_conformance)

    checks = (not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance)
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) >= 18
    for operation in operations:
        @given(case=operation.as_strategy())
        @settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True,
                  database=None)
        def run(case):
            response = case.call(headers={"Authorization": "Bearer fuzz-token"})
            case.validate_response(response, checks=checks)

        run()
