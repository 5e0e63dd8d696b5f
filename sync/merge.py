"""Merge a pull's consecutive batches into one, applied in one transaction.

Each batch of a pull costs the store a fixed set of statements and a commit besides its rows
(ids, the data version, the watermark, the run's counts). When batches arrive faster than the
store takes them, the runner applies those already waiting as one: fewer, larger statements.

The merged batch leaves the store as applying its parts in turn would (``BatchApplier``'s
rules): the last record of an item wins; a later part that carries an item's whole history
or link set replaces what earlier parts said of it; the watermark is the last one given. A
batch with deletions must be the last part (its deletions are applied after the items of
every part, which would delete what a later part brought back): :func:`merges` cuts there.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from art.records import LinkRecord, RecordBatch
from art.vocabulary import LinkKind


def merges(batches: Sequence[RecordBatch]) -> Iterator[RecordBatch]:
    """``batches`` merged for applying in turn: one merge per run of them, each run ending
    at a batch with deletions (module docstring)."""
    run: list[RecordBatch] = []
    for batch in batches:
        run.append(batch)
        if batch.deletions:
            yield merged(run)
            run = []
    if run:
        yield merged(run)


def merged(batches: Sequence[RecordBatch]) -> RecordBatch:
    """One batch that applies as ``batches`` applied in turn (module docstring)."""
    if len(batches) == 1:
        return batches[0]
    out = RecordBatch()
    for batch in batches:
        if batch.complete_history_for:
            history = batch.complete_history_for
            out.changes = [c for c in out.changes if c.item_key not in history]
        if batch.complete_links_for:
            out.links = _kept_links(out.links, batch)
        out.items += batch.items
        out.changes += batch.changes
        out.links += batch.links
        out.iterations += batch.iterations
        out.teams += batch.teams
        out.objectives += batch.objectives
        out.risks += batch.risks
        out.deletions += batch.deletions
        out.errors += batch.errors
        out.complete_history_for |= batch.complete_history_for
        out.complete_links_for |= batch.complete_links_for
        out.skipped_keys |= batch.skipped_keys
        out.requests += batch.requests
        if batch.watermark is not None:
            out.watermark = batch.watermark
    first: dict[tuple[str, str, LinkKind], LinkRecord] = {}
    for link in out.links:  # one record per link: the first (a later one adds no row)
        first.setdefault((link.from_key, link.to_key, link.kind), link)
    out.links = list(first.values())
    return out


def _kept_links(links: list[LinkRecord], later: RecordBatch) -> list[LinkRecord]:
    """The earlier parts' links that ``later`` leaves stored: it replaces the link sets of
    its complete items (each link from one, and each but a parent link to one)."""
    complete = later.complete_links_for
    wanted = {(k.from_key, k.to_key, k.kind) for k in later.links}
    return [
        k
        for k in links
        if (k.from_key, k.to_key, k.kind) in wanted
        or not (k.from_key in complete or (k.to_key in complete and k.kind is not LinkKind.PARENT))
    ]
