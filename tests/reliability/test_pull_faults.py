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
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from app.demo import ENV
from art.config import TrainyardConfig
from art.models import SyncRun, Watermark, WorkItem
from connectors.jira.connector import JiraConnector
from simulators.faults import Faults
from simulators.generator import generate_art
from simulators.jira import create_jira_simulator, sim_of
from simulators.jira.state import JiraState
from simulators.scenario import Scenario
from simulators.server import serve
from sync.runner import PullResult, PullRunner
from sync.structure import apply_config
from tests.reliability.support import (
    ITEMS,
    PAGE,
    RETRIES,
    SCENARIO,
    SEED,
    TEAMS,
    TIMEOUT,
    TODAY,
    Snapshot,
    Tracker,
    assert_truth,
    jira_config,
    running,
    snapshot,
    tiny_retries,
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


# -- Jira Data Center searches that do not keep the order asked for, or fall short ----------
PAT = ENV["TRAINYARD_DEMO_JIRA_TOKEN"]
ISSUES = 192  # SCENARIO's 149 live items, 31 objectives and 12 risks, each an issue


@dataclass
class DataCenter:
    """A Jira Data Center simulator serving its own copy of SCENARIO (these tests change it)."""

    url: str
    scenario: Scenario
    state: JiraState
    sessions: sessionmaker[Session]

    @property
    def config(self) -> TrainyardConfig:
        return jira_config(  # each page its own commit, so faults land between commits
            self.url,
            self.scenario,
            page_size=PAGE,
            flavour="datacenter",
            email_env=None,
            commit_items=1,
        )

    def pull(self, full: bool = False, on_batch: Callable[[int], None] | None = None) -> PullResult:
        config = self.config
        source = config.source("jira")
        conn = JiraConnector(
            source, list(config.art(self.scenario.art).pis), retry=tiny_retries(), timeout=1.0
        )
        batches = 0

        def count(*_: object) -> None:
            nonlocal batches
            batches += 1
            if on_batch is not None:
                on_batch(batches)

        try:
            return PullRunner(self.sessions, config, source, connector=conn).run(full, count)
        finally:
            conn.close()


@contextmanager
def data_center(sessions: sessionmaker[Session], **faults: Any) -> Iterator[DataCenter]:
    scenario = generate_art(SEED, ITEMS, TEAMS, today=TODAY)
    app = create_jira_simulator(scenario, "datacenter", users=PAT, faults=Faults(**faults))
    with serve(app) as url:
        dc = DataCenter(url, scenario, sim_of(app), sessions)
        with sessions() as s, s.begin():
            apply_config(s, dc.config)
        yield dc


def _newest(scenario: Scenario) -> str:
    return max(i.updated for i in scenario.items if not i.deleted).isoformat()


@pytest.mark.parametrize("order", ["key", "updated DESC"])
def test_a_full_pull_from_a_search_in_another_order_reads_every_issue(
    order: str, sessions: sessionmaker[Session]
) -> None:
    with data_center(sessions, search_order=order) as dc:
        result = dc.pull()
        assert (result.status, result.error, result.item_errors) == ("succeeded", None, [])
        assert result.counts.fetched == ISSUES
        snap = snapshot(sessions)
        assert len(snap.items) == ISSUES
        assert_truth(snap, dc.scenario)
        assert _watermark(sessions) == _newest(dc.scenario)


def test_a_full_pull_short_of_the_search_total_fails_and_deletes_nothing(
    sessions: sessionmaker[Session],
) -> None:
    with data_center(sessions) as dc:
        assert dc.pull().status == "succeeded"
        before = snapshot(sessions)
        hidden = sorted(i.key for i in dc.scenario.items if not i.deleted)[3]
        dc.state.faults.unserved = {hidden}  # counted in the search's total, never served

        result = dc.pull(full=True)

        error = (
            "SearchShortfall: source 'jira': the Jira search reported 192 issues but only 191 "
            "could be read (1 missing), even by key; Jira's search index may be out of date "
            "(a Jira administrator can re-index). Search: project in ("
            + ", ".join(f'"{t.upper()}"' for t in dc.scenario.teams)
            + ")"
        )
        assert (result.status, result.error, result.counts.deleted) == ("failed", error, 0)
        assert _runs(sessions) == [("full", "succeeded", None), ("full", "failed", error)]
        assert snapshot(sessions) == before  # the unread issue is still there, not deleted
        assert before.items[hidden][15] is False
        assert _watermark(sessions) == _newest(dc.scenario)  # read in order: position kept


def test_an_incremental_pull_out_of_order_cut_short_keeps_its_watermark(
    sessions: sessionmaker[Session],
) -> None:
    with data_center(sessions) as dc:
        assert dc.pull().status == "succeeded"
        since = _newest(dc.scenario)
        assert _watermark(sessions) == since
        base = datetime.fromisoformat(since)
        state = dc.state
        pool = sorted(k for k, i in state.issues.items() if i.objective is None and i.risk is None)
        changed = pool[:140]  # six pages of 25, changed a minute apart
        with state.lock:
            for n, key in enumerate(changed, start=1):
                state.nudge(key, at=base + timedelta(minutes=10 + n))
        state.faults.search_order = "updated DESC"  # newest first

        def storm(n: int) -> None:  # the tracker goes away once the first page is committed
            if n == 2:
                state.faults.unavailable_storm = 1000

        first = dc.pull(on_batch=storm)
        # pages are read ahead (the read-ahead threads, offsets asked several at once): some or
        # all of the 140 may be stored before the storm ends the pull, never the watermark
        assert first.status == "failed" and 25 <= first.counts.fetched <= 140
        # the newest changes are stored, older ones are not read yet: the watermark stays put
        assert _watermark(sessions) == since
        with sessions() as s:
            stored = {k: at for k, at in s.execute(select(WorkItem.key, WorkItem.updated_at))}
        assert all(
            stored[k].astimezone(UTC) == base + timedelta(minutes=10 + n)
            for n, k in enumerate(changed, start=1)
            if n > 140 - 25
        )

        state.faults.unavailable_storm = 0
        second = dc.pull()
        assert (second.status, second.error, second.item_errors) == ("succeeded", None, [])
        assert _runs(sessions) == [
            ("full", "succeeded", None),
            ("incremental", "failed", first.error),
            ("incremental", "succeeded", None),
        ]
        assert _watermark(sessions) == (base + timedelta(minutes=150)).isoformat()
        assert_truth(snapshot(sessions), dc.scenario)


def test_a_malformed_issue_is_not_deleted_by_a_full_pull(sessions: sessionmaker[Session]) -> None:
    with data_center(sessions) as dc:
        assert dc.pull().status == "succeeded"
        before = snapshot(sessions)
        bad = sorted(i.key for i in dc.scenario.items if not i.deleted)[5]
        dc.state.faults.malformed = {bad}
        result = dc.pull(full=True)
        assert (result.status, result.counts.deleted) == ("succeeded", 0)
        assert result.item_errors == [f"{bad}: field 'status' is missing or not an object"]
        assert snapshot(sessions) == before
