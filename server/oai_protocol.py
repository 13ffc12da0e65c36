"""OAI-PMH 2.0 request rules: which arguments each verb takes, dates, identifiers and resumption tokens.

Pure functions over the request's arguments, so every error path can be reasoned about (and tested) apart
from HTTP. Tokens are stateless: signed with the app secret, they carry the query, the frozen ``until``, the
last (datestamp, id) served, the list size and the cursor.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from metadata.record import identifiers, timestamps

TOKEN_LIFETIME = timedelta(hours=48)

# verb -> (required arguments, optional arguments); resumptionToken is exclusive where it is allowed.
VERBS: dict[str, tuple[frozenset, frozenset]] = {
    "Identify": (frozenset(), frozenset()),
    "ListMetadataFormats": (frozenset(), frozenset({"identifier"})),
    "ListSets": (frozenset(), frozenset({"resumptionToken"})),
    "GetRecord": (frozenset({"identifier", "metadataPrefix"}), frozenset()),
    "ListIdentifiers": (frozenset({"metadataPrefix"}), frozenset({"from", "until", "set", "resumptionToken"})),
    "ListRecords": (frozenset({"metadataPrefix"}), frozenset({"from", "until", "set", "resumptionToken"})),
}
# ASCII digits only (``\d`` would take any script's digits, which strptime then misreads), whole value.
_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_SECOND = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z")
# Argument syntax from OAI-PMH.xsd, so that every echoed argument is schema-valid.
_SYNTAX = {
    "metadataPrefix": re.compile(r"[A-Za-z0-9\-_.!~*'()]+"),
    "set": re.compile(r"[A-Za-z0-9\-_.!~*'()]+(?::[A-Za-z0-9\-_.!~*'()]+)*"),
    "identifier": re.compile(r"[^\s\x00-\x1f\x7f]+"),
}


class OAIError(Exception):
    """An OAI-PMH error condition; ``code`` is the specification's error code."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class ListQuery:
    verb: str
    prefix: str
    spec: str | None
    since: datetime | None
    until: datetime | None
    after: tuple[datetime, str] | None = None
    total: int | None = None
    cursor: int = 0


def check_arguments(pairs: list[tuple[str, str]]) -> tuple[str, dict[str, str]]:
    """The verb and its arguments; OAIError('badVerb' | 'badArgument') when the request breaks the rules."""
    verbs = [value for key, value in pairs if key == "verb"]
    if not verbs:
        raise OAIError("badVerb", "The request has no verb.")
    if len(verbs) > 1:
        raise OAIError("badVerb", "The verb argument is repeated.")
    verb = verbs[0]
    if verb not in VERBS:
        raise OAIError("badVerb", f"'{verb}' is not an OAI-PMH verb.")
    arguments: dict[str, str] = {}
    for key, value in pairs:
        if key == "verb":
            continue
        if key in arguments:
            raise OAIError("badArgument", f"The argument '{key}' is repeated.")
        arguments[key] = value
    required, optional = VERBS[verb]
    illegal = sorted(set(arguments) - required - optional)
    if illegal:
        raise OAIError("badArgument", f"{verb} does not take the argument(s) {', '.join(illegal)}.")
    if "resumptionToken" in arguments:
        others = sorted(set(arguments) - {"resumptionToken"})
        if others:
            raise OAIError("badArgument", f"resumptionToken is exclusive; it came with {', '.join(others)}.")
        return verb, arguments
    missing = sorted(required - set(arguments))
    if missing:
        raise OAIError("badArgument", f"{verb} requires the argument(s) {', '.join(missing)}.")
    for name, pattern in _SYNTAX.items():
        if name in arguments and not pattern.fullmatch(arguments[name]):
            raise OAIError("badArgument", f"'{arguments[name]}' is not a valid {name}.")
    parse_range(arguments.get("from"), arguments.get("until"))
    return verb, arguments


def parse_range(since: str | None, until: str | None) -> tuple[datetime | None, datetime | None]:
    """``from``/``until`` as inclusive UTC datetimes; a day-only ``until`` covers the whole day."""
    granularities = set()
    parsed = []
    for name, value in (("from", since), ("until", until)):
        if value is None:
            parsed.append(None)
            continue
        if _DAY.fullmatch(value):
            granularities.add("day")
            fmt = "%Y-%m-%d"
        elif _SECOND.fullmatch(value):
            granularities.add("second")
            fmt = timestamps.DATESTAMP
        else:
            raise OAIError("badArgument", f"'{value}' is not a valid {name} date (YYYY-MM-DD or YYYY-MM-DDThh:mm:ssZ).")
        try:
            moment = datetime.strptime(value, fmt)
        except ValueError:
            raise OAIError("badArgument", f"'{value}' is not a valid {name} date.") from None
        if name == "until" and fmt == "%Y-%m-%d":
            moment += timedelta(days=1, seconds=-1)
        parsed.append(moment)
    if len(granularities) > 1:
        raise OAIError("badArgument", "from and until have different granularities.")
    return parsed[0], parsed[1]


class Tokens:
    """Signed, stateless resumption tokens that expire after TOKEN_LIFETIME."""

    def __init__(self, secret: str):
        self.serializer = URLSafeTimedSerializer(secret, salt="muniment-oai-resumption")

    def issue(self, query: ListQuery, last: tuple[datetime, str], cursor: int) -> str:
        payload = {"v": query.verb, "m": query.prefix, "s": query.spec,
                   "f": timestamps.datestamp(query.since) if query.since else None,
                   "u": timestamps.datestamp(query.until), "d": timestamps.datestamp(last[0]), "i": last[1],
                   "n": query.total, "c": cursor}
        return self.serializer.dumps(payload)

    def read(self, token: str, verb: str) -> ListQuery:
        try:
            data = self.serializer.loads(token, max_age=int(TOKEN_LIFETIME.total_seconds()))
        except SignatureExpired:
            raise OAIError("badResumptionToken", "The resumptionToken has expired; start the list again.") from None
        except BadSignature:
            raise OAIError("badResumptionToken", "The resumptionToken is not one this repository issued.") from None
        try:
            if data["v"] != verb:
                raise OAIError("badResumptionToken", f"The resumptionToken belongs to {data['v']}, not {verb}.")
            return ListQuery(
                verb=verb, prefix=data["m"], spec=data["s"],
                since=datetime.strptime(data["f"], timestamps.DATESTAMP) if data["f"] else None,
                until=datetime.strptime(data["u"], timestamps.DATESTAMP),
                after=(datetime.strptime(data["d"], timestamps.DATESTAMP), data["i"]), total=int(data["n"]), cursor=int(data["c"]))
        except (KeyError, TypeError, ValueError):
            raise OAIError("badResumptionToken", "The resumptionToken is malformed.") from None


def parse_identifier(identifier: str, repository_id: str) -> str | None:
    """'oai:{repository}:{id}' -> id, or None if it is not one of ours."""
    prefix = f"oai:{repository_id}:"
    if identifier.startswith(prefix):
        local = identifier[len(prefix):]
        if identifiers.is_identifier(local):
            return local
    return None
