"""The part of a record's write that needs no database, done before its transaction (in worker processes for
bulk saves).

A record's write spends most of its time on pure functions of the record: validation, the outputs that do not
depend on when it was stored (the IIIF manifest with its page layout, oai_dc, qualified DC) and its search
tokens. ``prepare`` computes those; ``prepared_records`` runs it in a pool of forked worker processes over a
stream of records while the caller writes the previous batch, so a bulk save uses every core while SQLite's
single writer keeps the one transaction it must.

What happens inside the transaction is unchanged: the record's names are resolved against the entities, its
datestamp is taken, and the outputs that carry the datestamp (MARC 005/008, MODS recordInfo) are made there. A
prepared result is used only for the very content it was computed from: when resolving names changed the
record, everything is derived again in the transaction (``Prepared.fits``).
"""
from __future__ import annotations

import multiprocessing
from collections import deque
from collections.abc import Iterable, Iterator, Mapping
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass

from metadata.record.record_format import upgrade
from metadata.record.text import content_hash
from metadata.record.validation import RecordInvalid, check
from metadata.storage.derivation import Deriver, by_deriver
from metadata.storage.search import index_tiers

CHUNK = 8  # records a worker takes at a time: enough to make the hand-over cheap, few enough to stay busy


@dataclass(frozen=True)
class Prepared:
    """A valid record in stored form, its content hash, its datestamp-free outputs and its search tokens."""
    record: dict
    digest: str
    outputs: dict[str, "str | dict[str, str]"]  # by deriver name, as ``derived_outputs`` takes them ready
    tiers: list[list[str]] | None  # None: not computed

    @classmethod
    def unprepared(cls, record: dict) -> "Prepared":
        """A record with nothing computed ahead: its write derives everything itself."""
        return cls(record, "", {}, None)

    def fits(self, data: dict) -> bool:
        """Whether these results belong to ``data`` (the record as it is finally written)."""
        return data is self.record or (bool(self.digest) and content_hash(data) == self.digest)


def prepare(record: dict, derivers: Mapping[str, Deriver]) -> Prepared:
    """Validate ``record`` (RecordInvalid if it is not) and compute what its write needs from it alone;
    ``derivers`` are those whose output does not depend on the record's stamps."""
    record = check(upgrade(record))
    return Prepared(record, content_hash(record), by_deriver(derivers, record, None), index_tiers(record))


_worker_derivers: Mapping[str, Deriver] = {}


def _start_worker(derivers: Mapping[str, Deriver]) -> None:
    global _worker_derivers
    _worker_derivers = derivers


def _prepare_chunk(records: list[dict]) -> list[Prepared | RecordInvalid]:
    """Each record prepared, or the RecordInvalid it raised (raised again when the caller reaches it, so the
    records before it in the chunk are written first, as in a serial save)."""
    out: list[Prepared | RecordInvalid] = []
    for record in records:
        try:
            out.append(prepare(record, _worker_derivers))
        except RecordInvalid as invalid:
            out.append(invalid)
    return out


def _chunks(records: Iterable[dict]) -> Iterator[list[dict]]:
    chunk: list[dict] = []
    for record in records:
        chunk.append(record)
        if len(chunk) == CHUNK:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def can_fork() -> bool:
    """Worker processes are forked (they inherit the derivers, which are closures, without pickling them)."""
    return "fork" in multiprocessing.get_all_start_methods()


def prepared_records(records: Iterable[dict], derivers: Mapping[str, Deriver], workers: int,
                     ahead: int) -> Iterator[Prepared]:
    """``prepare`` of each record, in order, computed by ``workers`` forked processes at most ``ahead`` records
    before the one the caller is at (memory stays flat in the number of records). An invalid record raises its
    RecordInvalid where it stands in the stream, as a serial save would."""
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(workers, mp_context=context, initializer=_start_worker,
                             initargs=(dict(derivers),)) as pool:
        pending: deque[Future] = deque()
        chunks = _chunks(records)
        for chunk in chunks:
            pending.append(pool.submit(_prepare_chunk, chunk))
            if len(pending) * CHUNK >= ahead:
                break
        while pending:
            done = pending.popleft().result()
            next_chunk = next(chunks, None)
            if next_chunk is not None:
                pending.append(pool.submit(_prepare_chunk, next_chunk))
            for prepared in done:
                if isinstance(prepared, RecordInvalid):
                    raise prepared
                yield prepared
