"""Helpers for OAI-PMH tests: requests that are always schema-validated, and readers of the answer."""
from __future__ import annotations

import gzip
from pathlib import Path

from lxml import etree

from . import xsd

NS = {"o": "http://www.openarchives.org/OAI/2.0/", "dc": "http://purl.org/dc/elements/1.1/",
      "marc": "http://www.loc.gov/MARC21/slim", "mods": "http://www.loc.gov/mods/v3",
      "dcterms": "http://purl.org/dc/terms/", "qdc": "urn:muniment:schema:qualified-dc:1"}


class Harvester:
    """Talks to /oai through a Flask test client; every response must validate against the XSDs."""

    def __init__(self, client, schema_dir: Path):
        self.client = client
        schema_file = schema_dir / "muniment-qualifieddc.xsd"
        schema_file.write_bytes(client.get("/oai/schemas/qualifieddc.xsd").data)
        self.imports = xsd.oai_response_schema(schema_file)

    def get(self, method: str = "GET", headers: dict | None = None, **params) -> etree._Element:
        params = {k.rstrip("_"): v for k, v in params.items()}
        if method == "POST":
            response = self.client.post("/oai", data=params, headers=headers or {})
        else:
            response = self.client.get("/oai", query_string=params, headers=headers or {})
        assert response.status_code == 200
        assert response.mimetype == "text/xml"
        body = gzip.decompress(response.data) if response.headers.get("Content-Encoding") == "gzip" else response.data
        return xsd.assert_valid(body, *self.imports)

    def raw(self, query: str) -> etree._Element:
        response = self.client.get("/oai?" + query)
        return xsd.assert_valid(response.data, *self.imports)

    def walk(self, verb: str, **params) -> tuple[list[etree._Element], list[etree._Element]]:
        """Every record (or header) of a list, following tokens; also each page's resumptionToken."""
        items, tokens = [], []
        root = self.get(verb=verb, **params)
        while True:
            if error_codes(root):
                return items, tokens
            tag = "o:record" if verb == "ListRecords" else "o:header"
            items += root.findall(f"o:{verb}/{tag}", NS)
            token = root.find(f"o:{verb}/o:resumptionToken", NS)
            if token is None:
                return items, tokens
            tokens.append(token)
            if not token.text:
                return items, tokens
            root = self.get(verb=verb, resumptionToken=token.text)


def error_codes(root) -> list[str]:
    return [e.get("code") for e in root.findall("o:error", NS)]


def request_attributes(root) -> dict:
    return dict(root.find("o:request", NS).attrib)


def identifiers(items) -> list[str]:
    return [(i.find("o:header/o:identifier", NS) if i.tag.endswith("record") else i.find("o:identifier", NS)).text
            for i in items]
