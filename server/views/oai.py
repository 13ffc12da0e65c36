"""OAI-PMH 2.0 data provider at /oai (GET and POST), assembled from per-record XML stored at write time.

Responses are streamed: the envelope, then each record's stored payload, so memory does not grow with the
page, and optionally gzip-compressed. Every string that reaches the response passes through ``esc``
(XML escaping, characters illegal in XML 1.0 dropped), so the output is always well-formed.
"""
from __future__ import annotations

import functools
import zlib
from collections.abc import Iterable, Iterator
from datetime import timedelta
from xml.sax.saxutils import escape

from flask import Blueprint, Response, request, stream_with_context

from metadata.formats import FORMATS
from metadata.record import timestamps
from metadata.formats.qualified_dc import schema_text
from metadata.storage import HarvestItem
from metadata.formats.xml import clean

from .. import state
from ..http import digest, packaged_file_modified, representation
from ..oai_protocol import TOKEN_LIFETIME, ListQuery, OAIError, Tokens, check_arguments, \
    parse_identifier, parse_range
from ..signposting import Link

blueprint = Blueprint("oai", __name__)

OAI_NS = "http://www.openarchives.org/OAI/2.0/"
ENVELOPE = ('<?xml version="1.0" encoding="UTF-8"?>\n'
            f'<OAI-PMH xmlns="{OAI_NS}" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
            f'xsi:schemaLocation="{OAI_NS} http://www.openarchives.org/OAI/2.0/OAI-PMH.xsd">')
ATTRIBUTE_ESCAPES = {'"': "&quot;", "\n": "&#10;", "\r": "&#13;", "\t": "&#9;"}


def esc(text: str, attribute: bool = False) -> str:
    return escape(clean(text), ATTRIBUTE_ESCAPES if attribute else None)


@blueprint.route("/oai", methods=["GET", "POST"])
def oai():
    pairs = list((request.form if request.method == "POST" else request.args).items(multi=True))
    now = state.now()
    try:
        verb, arguments = check_arguments(pairs)
    except OAIError as error:
        return _respond(now, None, {}, _error_body([error]))
    try:
        body = HANDLERS[verb](arguments, now)
    except OAIError as error:
        return _respond(now, verb, arguments, _error_body([error]))
    response = _respond(now, verb, arguments, body)
    if verb == "GetRecord":  # a record's metadata in one format: Signposting's way back to the record's page
        identifier = arguments["identifier"].rsplit(":", 1)[-1]
        response.headers["Link"] = Link(state.urls().record(identifier), "describes", "text/html").header_value()
    return response


@blueprint.get("/oai/schemas/qualifieddc.xsd")
def qualified_dc_schema():
    text = schema_text()
    return representation(text, "application/xml", f"qdc-xsd-{digest(text)}",
                          packaged_file_modified("metadata.formats", "schemas/qualifieddc.xsd"), max_age=86400)


def _respond(now, verb: str | None, arguments: dict, body: Iterable[str]) -> Response:
    """The envelope around ``body``; the request element echoes arguments unless the verb or arguments were bad."""
    base = state.urls().oai()
    if verb is None:
        request_element = f"<request>{esc(base)}</request>"
    else:
        attributes = "".join(f' {key}="{esc(value, True)}"' for key, value in [("verb", verb), *arguments.items()])
        request_element = f"<request{attributes}>{esc(base)}</request>"

    def generate() -> Iterator[str]:
        yield f"{ENVELOPE}<responseDate>{timestamps.datestamp(now)}</responseDate>{request_element}"
        yield from body
        yield "</OAI-PMH>"

    chunks = _blocks(generate())
    gzip = "gzip" in request.headers.get("Accept-Encoding", "")
    response = Response(stream_with_context(_gzip(chunks) if gzip else chunks), mimetype="text/xml")
    response.charset = "utf-8"
    response.vary.add("Accept-Encoding")
    if gzip:
        response.headers["Content-Encoding"] = "gzip"
    return response


def _blocks(pieces: Iterable[str], size: int = 65536) -> Iterator[bytes]:
    """Pieces gathered into blocks of about ``size`` bytes: streaming without a socket write per record."""
    block: list[str] = []
    length = 0
    for piece in pieces:
        block.append(piece)
        length += len(piece)
        if length >= size:
            yield "".join(block).encode("utf-8")
            block, length = [], 0
    if block:
        yield "".join(block).encode("utf-8")


def _gzip(chunks: Iterable[bytes]) -> Iterator[bytes]:
    compressor = zlib.compressobj(6, zlib.DEFLATED, 31)
    for chunk in chunks:
        data = compressor.compress(chunk)
        if data:
            yield data
    yield compressor.flush()


def _error_body(errors: list[OAIError]) -> list[str]:
    return [f'<error code="{e.code}">{esc(e.message)}</error>' for e in errors]


# ------------------------------------------------------------------------------------------- verbs
def identify(arguments: dict, now) -> list[str]:
    settings = state.settings()
    urls = state.urls()
    earliest = state.store().harvest.earliest_datestamp() or now
    sample = f"oai:{settings.oai_repository_id}:113439"
    return [
        "<Identify>",
        f"<repositoryName>{esc(settings.repository_name)}</repositoryName>",
        f"<baseURL>{esc(urls.oai())}</baseURL>",
        "<protocolVersion>2.0</protocolVersion>",
        f"<adminEmail>{esc(settings.admin_email)}</adminEmail>",
        f"<earliestDatestamp>{timestamps.datestamp(earliest)}</earliestDatestamp>",
        "<deletedRecord>persistent</deletedRecord>",
        "<granularity>YYYY-MM-DDThh:mm:ssZ</granularity>",
        "<compression>gzip</compression>",
        "<description>"
        '<oai-identifier xmlns="http://www.openarchives.org/OAI/2.0/oai-identifier" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
        'xsi:schemaLocation="http://www.openarchives.org/OAI/2.0/oai-identifier '
        'http://www.openarchives.org/OAI/2.0/oai-identifier.xsd">'
        "<scheme>oai</scheme>"
        f"<repositoryIdentifier>{esc(settings.oai_repository_id)}</repositoryIdentifier>"
        "<delimiter>:</delimiter>"
        f"<sampleIdentifier>{esc(sample)}</sampleIdentifier>"
        "</oai-identifier></description>",
        "</Identify>",
    ]


def list_metadata_formats(arguments: dict, now) -> list[str]:
    if "identifier" in arguments:
        _local_item(arguments["identifier"], "oai_dc")
    urls = state.urls()
    parts = ["<ListMetadataFormats>"]
    for fmt in FORMATS.values():
        parts.append(f"<metadataFormat><metadataPrefix>{fmt.prefix}</metadataPrefix>"
                     f"<schema>{esc(urls.publish(fmt.schema))}</schema>"
                     f"<metadataNamespace>{esc(fmt.namespace)}</metadataNamespace></metadataFormat>")
    parts.append("</ListMetadataFormats>")
    return parts


def list_sets(arguments: dict, now) -> list[str]:
    if "resumptionToken" in arguments:
        raise OAIError("badResumptionToken", "ListSets is answered in one response; no token is valid.")
    sets = state.store().sets.public()
    if not sets:
        raise OAIError("noSetHierarchy", "This repository has no sets.")
    parts = ["<ListSets>"]
    for item in sets:
        parts.append(f"<set><setSpec>{esc(item['spec'])}</setSpec><setName>{esc(item['name'])}</setName>")
        if item["description"]:
            parts.append(
                '<setDescription><oai_dc:dc xmlns:oai_dc="http://www.openarchives.org/OAI/2.0/oai_dc/" '
                'xmlns:dc="http://purl.org/dc/elements/1.1/" '
                'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
                'xsi:schemaLocation="http://www.openarchives.org/OAI/2.0/oai_dc/ '
                'http://www.openarchives.org/OAI/2.0/oai_dc.xsd">'
                f"<dc:description>{esc(item['description'])}</dc:description></oai_dc:dc></setDescription>")
        parts.append("</set>")
    parts.append("</ListSets>")
    return parts


def get_record(arguments: dict, now) -> Iterator[str]:
    prefix = _format(arguments["metadataPrefix"])
    item = _local_item(arguments["identifier"], prefix)
    return iter(["<GetRecord>", _renderer()(item, True), "</GetRecord>"])


def list_identifiers(arguments: dict, now) -> Iterator[str]:
    return _list("ListIdentifiers", arguments, now)


def list_records(arguments: dict, now) -> Iterator[str]:
    return _list("ListRecords", arguments, now)


def _list(verb: str, arguments: dict, now) -> Iterator[str]:
    settings = state.settings()
    store = state.store()
    tokens = Tokens(settings.secret_key)
    if "resumptionToken" in arguments:
        query = tokens.read(arguments["resumptionToken"], verb)
    else:
        prefix = _format(arguments["metadataPrefix"])
        since, until = parse_range(arguments.get("from"), arguments.get("until"))
        spec = arguments.get("set")
        if spec is not None and not store.sets.public():
            raise OAIError("noSetHierarchy", "This repository has no sets.")
        # Freeze the list's upper bound a second before now: a record changed during the harvest moves
        # past it, so it is never served twice and comes with the next incremental harvest.
        frozen = now - timedelta(seconds=1)
        until = frozen if until is None or until > frozen else until
        total = store.harvest.count(spec=spec, since=since, until=until)
        query = ListQuery(verb, prefix, spec, since, until, None, total, 0)
    page_size = settings.oai_page_size
    items = store.harvest.page(query.prefix, spec=query.spec, since=query.since, until=query.until, after=query.after,
                          limit=page_size + 1, with_content=verb == "ListRecords")
    if not items:
        # Also on a later page, when the records that were left all changed after the harvest began (they
        # come with the next incremental harvest): a list element with no record would not be valid XML.
        raise OAIError("noRecordsMatch", "No records match the request.")
    more = len(items) > page_size
    items = items[:page_size]
    token_element = ""
    if more or query.after is not None:
        expires = timestamps.datestamp(now + TOKEN_LIFETIME)
        attributes = f'completeListSize="{query.total}" cursor="{query.cursor}"'
        if more:
            token = tokens.issue(query, (items[-1].datestamp, items[-1].id), query.cursor + len(items))
            token_element = f'<resumptionToken expirationDate="{expires}" {attributes}>{token}</resumptionToken>'
        else:
            token_element = f"<resumptionToken {attributes}/>"

    def generate() -> Iterator[str]:
        yield f"<{verb}>"
        render = _renderer()
        for item in items:
            yield render(item, verb == "ListRecords")
        yield token_element
        yield f"</{verb}>"

    return generate()


# ------------------------------------------------------------------------------------------- pieces
def _format(prefix: str) -> str:
    if prefix not in FORMATS:
        raise OAIError("cannotDisseminateFormat", f"'{prefix}' is not a metadata format of this repository.")
    return prefix


def _local_item(identifier: str, prefix: str) -> HarvestItem:
    local = parse_identifier(identifier, state.settings().oai_repository_id)
    item = state.store().harvest.item(local, prefix) if local else None
    if item is None:
        raise OAIError("idDoesNotExist", f"'{identifier}' is not an identifier in this repository.")
    return item


def _renderer():
    """A function writing one record (or header) as XML, with the per-request settings looked up once."""
    prefix = f"oai:{state.settings().oai_repository_id}:"
    publish = state.urls().publish
    # Records changed together (an import, a batch edit) share their second: format each datestamp once.
    datestamp = functools.lru_cache(maxsize=256)(timestamps.datestamp)

    def render(item: HarvestItem, with_metadata: bool) -> str:
        status = ' status="deleted"' if item.deleted else ""
        specs = "".join(f"<setSpec>{esc(spec)}</setSpec>" for spec in item.specs) if item.specs else ""
        header = (f"<header{status}><identifier>{prefix}{item.id}</identifier>"
                  f"<datestamp>{datestamp(item.datestamp)}</datestamp>{specs}</header>")
        if not with_metadata:
            return header
        if item.deleted or item.content is None:
            return f"<record>{header}</record>"
        return f"<record>{header}<metadata>{publish(item.content)}</metadata></record>"

    return render


HANDLERS = {
    "Identify": identify,
    "ListMetadataFormats": list_metadata_formats,
    "ListSets": list_sets,
    "GetRecord": get_record,
    "ListIdentifiers": list_identifiers,
    "ListRecords": list_records,
}
