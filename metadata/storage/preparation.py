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
record (its content hash), everything is derived again in the transaction (``Prepared.fits``).
"""
from __future__ import annotations

import multiprocessing
import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass

from metadata.record.record_format import upgrade
from metadata.record.text import content_hash
from metadata.record.validation import RecordInvalid, check
from metadata.storage.derivation import Deriver, by_deriver
from metadata.storage.search import index_tiers

CHUNK = 8  # items a worker takes at a time: enough to make the hand-over cheap, few enough to stay busy


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

    def digest_of(self, data: dict) -> str:
        """The content hash of ``data``: the one computed ahead when ``data`` is this very record."""
        return self.digest if self.digest and data is self.record else content_hash(data)

    def fits(self, digest: str) -> bool:
        """Whether these results belong to the record as it is finally written, whose hash is ``digest``."""
        return bool(self.digest) and digest == self.digest


def prepare(record: dict, derivers: Mapping[str, Deriver]) -> Prepared:
    """Validate ``record`` (RecordInvalid if it is not) and compute what its write needs from it alone;
    ``derivers`` are those whose output does not depend on the record's stamps."""
    record = check(upgrade(record))
    return Prepared(record, content_hash(record), by_deriver(derivers, record, None), index_tiers(record))


_worker_derivers: Mapping[str, Deriver] = {}


def _start_worker(derivers: Mapping[str, Deriver]) -> None:
    global _worker_derivers
    _worker_derivers = derivers


def prepare_or_invalid(record: dict) -> Prepared | Exception:
    """``prepare`` in a worker, its failure (RecordInvalid, or an output builder's error) returned rather than
    raised: the writer raises it when it reaches that record, so the records before it are written first, as in
    a serial save."""
    try:
        return prepare(record, _worker_derivers)
    except Exception as failure:  # noqa: BLE001 (handed to the writer, which raises it in its place)
        return failure


def _run_chunk(work: Callable, items: list) -> list:
    return [work(item) for item in items]


def _chunks(items: Iterable, size: int) -> Iterator[list]:
    chunk: list = []
    for item in items:
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def available_cores() -> int:
    """The cores this process may run on (its CPU affinity, which containers and taskset narrow), not the
    machine's: how many workers are worth starting."""
    try:
        return len(os.sched_getaffinity(0)) or 1
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def can_fork() -> bool:
    """Worker processes are forked (they inherit the derivers, which are closures, without pickling them)."""
    return "fork" in multiprocessing.get_all_start_methods()


def in_workers(work: Callable, items: Iterable, derivers: Mapping[str, Deriver], workers: int,
               ahead: int, chunk: int = CHUNK) -> Iterator:
    """``work(item)`` for each item, in order, computed by ``workers`` forked processes (started with ``derivers``,
    which ``prepare_or_invalid`` uses) at most ``ahead`` items before the one the caller is at, so memory stays flat in
    the number of items; ``chunk`` items are handed over at a time. ``work`` is a module-level function that
    returns its failures rather than raising. If a worker dies, the rest is computed in this process."""
    context = multiprocessing.get_context("fork")
    chunks = _chunks(items, chunk)
    with ProcessPoolExecutor(workers, mp_context=context, initializer=_start_worker,
                             initargs=(dict(derivers),)) as pool:
        pending: deque[tuple[list, Future | None]] = deque()
        for items_ in chunks:
            pending.append((items_, _submit(pool, work, items_)))
            if len(pending) * chunk >= ahead:
                break
        while pending:
            items_, future = pending[0]
            try:
                done = future.result() if future is not None else None
            except BrokenProcessPool:
                done = None
            if done is None:  # a worker died (killed for memory, say): go on in this process
                break
            pending.popleft()
            next_items = next(chunks, None)
            if next_items is not None:
                pending.append((next_items, _submit(pool, work, next_items)))
            yield from done
        else:
            return
    # Without workers from here, in order: the chunk that was lost, those still pending, and the rest.
    _start_worker(dict(derivers))
    for items_, _ in pending:
        yield from _run_chunk(work, items_)
    for items_ in chunks:
        yield from _run_chunk(work, items_)


def _submit(pool: ProcessPoolExecutor, work: Callable, items: list) -> Future | None:
    """The future of ``work`` on a chunk, or None when the pool is already broken (a worker died after the last
    result came back): the caller then computes the chunk itself."""
    try:
        return pool.submit(_run_chunk, work, items)
    except BrokenProcessPool:
        return None


def prepared_records(records: Iterable[dict], derivers: Mapping[str, Deriver], workers: int,
                     ahead: int) -> Iterator[Prepared]:
    """``prepare`` of each record, in order, computed by ``workers`` forked processes (see ``in_workers``). An
    invalid record raises its RecordInvalid where it stands in the stream, as a serial save would."""
    for prepared in in_workers(prepare_or_invalid, records, derivers, workers, ahead):
        if isinstance(prepared, Exception):
            raise prepared
        yield prepared
