"""Pulls through a misbehaving Jira simulator into SQLite and PostgreSQL.

Each case flips the simulator's fault switches (429 storms, 500/503s, slow answers beyond the
client's timeout, truncated JSON bodies, connections broken mid-body), from the start or once
a few batches are committed. The pull either completes correctly despite them (the client
retries) or fails cleanly: its SyncRun is ``failed`` with an error naming what happened, what
was committed before is intact and exactly as a clean pull writes it, and the next run (the
tracker healthy again) resumes from the watermark and completes. Either way the store ends
equal to a fault-free pull and to the scenario's truth: no item lost, no change stored twice.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from art.models import SyncRun, Watermark
from connectors.simulators.faults import Faults
from tests.reliability.support import (
    RETRIES,
    SCENARIO,
    TIMEOUT,
    Snapshot,
    Tracker,
    assert_truth,
    running,
    snapshot,
)


def _runs(sessions: sessionmaker[Session]) -> list[tuple[str, str, str | None]]:
    with sessions() as s:
        return [
            (r.mode, r.status, r.error) for r in s.scalars(select(SyncRun).order_by(SyncRun.id))
        ]


def _watermark(sessions: sessionmaker[Session]) -> str | None:
    with sessions() as s:
        return s.scalars(select(Watermark.value)).first()


def _on(at_batch: int, **switches: Any) -> Callable[[Tracker], Callable[[int], None]]:
    """Flip ``switches`` once batch ``at_batch`` is committed."""

    def arm(tracker: Tracker) -> Callable[[int], None]:
        def on_batch(n: int) -> None:
            if n == at_batch:
                for name, value in switches.items():
                    setattr(tracker.faults, name, value)

        return on_batch

    return arm


HEALTHY = {
    "rate_limit_every": 0,
    "rate_limit_storm": 0,
    "error_every": 0,
    "unavailable_storm": 0,
    "delay": 0.0,
    "truncate_every": 0,
    "reset_every": 0,
}
WHERE = r"source 'jira' \(http://127\.0\.0\.1:\d+\)"
CALL = r"(GET|POST) [\w/]+"

# faults from the start, which retries overcome
RECOVERED = [
    pytest.param(Faults(retry_after=0, error_every=4), {"500"}, id="every-4th-answer-500"),
    pytest.param(Faults(retry_after=0, rate_limit_every=3), {"429"}, id="every-3rd-answer-429"),
    pytest.param(
        Faults(retry_after=0, truncate_every=3), {"truncated"}, id="every-3rd-body-truncated"
    ),
    pytest.param(Faults(retry_after=0, reset_every=3), {"reset"}, id="every-3rd-connection-reset"),
    pytest.param(
        Faults(
            retry_after=0,
            error_every=5,
            rate_limit_every=7,
            truncate_every=9,
            reset_every=11,
            unavailable_storm=2,
            page_cap=10,
        ),
        {"500", "429", "truncated", "reset", "503"},
        id="all-of-them-with-10-item-pages",
    ),
]
# faults from the start or switched on once a batch is committed, the error they end in
FAILED = [
    pytest.param(
        Faults(retry_after=0),
        _on(3, rate_limit_storm=1000),
        rf"RateLimited: {WHERE}: still rate limited \(HTTP 429\) on {CALL} after {RETRIES} retries",
        id="429-storm-mid-pull",
    ),
    pytest.param(
        Faults(retry_after=0),
        _on(2, unavailable_storm=1000),
        rf"TrackerUnavailable: {WHERE}: HTTP 503 on {CALL}, after {RETRIES} retries",
        id="503-storm-mid-pull",
    ),
    pytest.param(
        Faults(retry_after=0),
        _on(3, error_every=1),
        rf"TrackerUnavailable: {WHERE}: HTTP 500 on {CALL}, after {RETRIES} retries",
        id="500s-from-mid-pull",
    ),
    pytest.param(
        Faults(retry_after=0),
        _on(2, delay=TIMEOUT * 4),
        rf"TrackerUnavailable: {WHERE}: ReadTimeout on {CALL}: .+, after {RETRIES} retries",
        id="timeouts-mid-pull",
    ),
    pytest.param(
        Faults(retry_after=0),
        _on(3, truncate_every=1),
        rf"TrackerUnavailable: {WHERE}: an unreadable \(truncated\?\) JSON body from {CALL}, "
        rf"after {RETRIES} retries",
        id="truncated-bodies-mid-pull",
    ),
    pytest.param(
        Faults(retry_after=0),
        _on(2, reset_every=1),
        rf"TrackerUnavailable: {WHERE}: (ChunkedEncodingError|ConnectionError) on {CALL}: .+, "
        rf"after {RETRIES} retries",
        id="connections-reset-mid-pull",
    ),
    pytest.param(
        Faults(retry_after=0, rate_limit_storm=1000),
        None,
        rf"RateLimited: {WHERE}: still rate limited \(HTTP 429\) on GET serverInfo "
        rf"after {RETRIES} retries",
        id="429-storm-from-the-start",
    ),
]


@pytest.mark.parametrize(("faults", "served"), RECOVERED)
def test_intermittent_faults_are_retried_and_the_pull_completes(
    faults: Faults,
    served: set[str],
    sessions: sessionmaker[Session],
    reference: Snapshot,
) -> None:
    with running(faults, sessions) as tracker:
        result = tracker.pull()
        assert (result.status, result.error, result.item_errors) == ("succeeded", None, [])
        assert set(tracker.sim.log.faults) == served  # the faults did happen
        assert _runs(sessions) == [("full", "succeeded", None)]
        assert snapshot(sessions) == reference
        assert_truth(snapshot(sessions), SCENARIO)


@pytest.mark.parametrize(("faults", "arm", "error"), FAILED)
def test_a_pull_cut_short_fails_cleanly_and_the_next_run_completes_it(
    faults: Faults,
    arm: Callable[[Tracker], Callable[[int], None]] | None,
    error: str,
    sessions: sessionmaker[Session],
    reference: Snapshot,
) -> None:
    with running(faults, sessions) as tracker:
        first = tracker.pull(arm(tracker) if arm else None)
        assert first.status == "failed"
        assert first.error is not None and re.fullmatch(error, first.error), first.error
        assert _runs(sessions) == [("full", "failed", first.error)]

        # what was committed before the failure is there, exactly as a clean pull writes it
        partial = snapshot(sessions)
        assert len(partial.items) < len(reference.items)
        assert {k: reference.items[k] for k in partial.items} == partial.items
        kept = set(partial.items)
        assert partial.changes == [c for c in reference.changes if c[0] in kept]
        mark = _watermark(sessions)
        if partial.items:
            assert mark == max(v[14] for v in partial.items.values())
        else:
            assert mark is None

        for name, value in HEALTHY.items():  # the tracker recovers
            setattr(tracker.faults, name, value)
        second = tracker.pull()
        assert (second.status, second.error, second.item_errors) == ("succeeded", None, [])
        resumed = "incremental" if mark is not None else "full"
        assert _runs(sessions) == [("full", "failed", first.error), (resumed, "succeeded", None)]
        if mark is not None:  # resumed from the watermark, not from scratch
            assert second.counts.fetched < len(reference.items)
        assert snapshot(sessions) == reference
        assert_truth(snapshot(sessions), SCENARIO)


def test_reference_pull_is_not_trivial(reference: Snapshot) -> None:
    """The scenario exercises what the faults could break: pages, histories and links."""
    assert len(reference.items) == 192  # 149 live items, 31 objectives, 12 risks
    assert len(reference.changes) == 968
    assert len(reference.links) == 164  # dependencies and parents
    assert len(reference.iterations) == 60
