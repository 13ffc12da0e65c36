"""Offline XML Schema validation with lxml, resolving schema URLs to the pinned copies in the reference cache."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from lxml import etree

from . import reference


@lru_cache(maxsize=1)
def _catalog() -> dict[str, str]:
    return {url: str(path) for url, path in reference.xml_schemas().items()}


class CatalogResolver(etree.Resolver):
    def resolve(self, url, pubid, context):
        local = _catalog().get(url)
        if local:
            return self.resolve_filename(local, context)
        if url.startswith(("http://", "https://")):
            raise LookupError(f"schema {url} is not in the offline catalog")
        return None


def _parser() -> etree.XMLParser:
    parser = etree.XMLParser(no_network=True, resolve_entities=False)
    parser.resolvers.add(CatalogResolver())
    return parser


@lru_cache(maxsize=None)
def schema(*imports: tuple[str, str]) -> etree.XMLSchema:
    """One schema importing each (namespace, location) in order: dcterms (and so the 2008 dc.xsd) must come
    before oai_dc, as libxml2 keeps the first schema it meets for a namespace."""
    body = "".join(f'<xs:import namespace="{ns}" schemaLocation="{loc}"/>' for ns, loc in imports)
    driver = f'<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema">{body}</xs:schema>'
    document = etree.fromstring(driver.encode(), _parser(), base_url=str(_schema_dir() / "driver.xsd"))
    return etree.XMLSchema(document)


OAI_DC = ("http://www.openarchives.org/OAI/2.0/oai_dc/", "http://www.openarchives.org/OAI/2.0/oai_dc.xsd")


def assert_valid(xml: str | bytes, *imports: tuple[str, str]) -> etree._Element:
    """Parse and validate; the assertion message lists every schema error with its line."""
    data = xml.encode("utf-8") if isinstance(xml, str) else xml
    document = etree.fromstring(data, etree.XMLParser(no_network=True, resolve_entities=False))
    validator = schema(*imports)
    if not validator.validate(document):
        errors = "\n".join(f"line {e.line}: {e.message}" for e in validator.error_log)
        raise AssertionError(f"XML is not schema-valid:\n{errors}")
    return document


def _schema_dir() -> Path:
    """The cache folder the XSDs sit in (the driver schema's base, so relative imports land there)."""
    return Path(_catalog()[OAI_PMH[1]]).parent


DCTERMS = ("http://purl.org/dc/terms/", "http://dublincore.org/schemas/xmls/qdc/2008/02/11/dcterms.xsd")
MARC = ("http://www.loc.gov/MARC21/slim", "http://www.loc.gov/standards/marcxml/schema/MARC21slim.xsd")
MODS = ("http://www.loc.gov/mods/v3", "http://www.loc.gov/standards/mods/v3/mods-3-8.xsd")
OAI_IDENTIFIER = ("http://www.openarchives.org/OAI/2.0/oai-identifier",
                  "http://www.openarchives.org/OAI/2.0/oai-identifier.xsd")
OAI_PMH = ("http://www.openarchives.org/OAI/2.0/", "http://www.openarchives.org/OAI/2.0/OAI-PMH.xsd")


def qualified_dc(schema_file: Path) -> tuple[str, str]:
    """Muniment's qualified DC application schema, as served by the app and saved to ``schema_file``."""
    return ("urn:muniment:schema:qualified-dc:1", str(schema_file))


def oai_response_schema(qdc_schema_file: Path) -> tuple:
    """Everything an OAI-PMH response of ours may contain; dcterms (and so the 2008 dc.xsd) before oai_dc."""
    return (DCTERMS, qualified_dc(qdc_schema_file), MARC, MODS, OAI_DC, OAI_IDENTIFIER, OAI_PMH)
