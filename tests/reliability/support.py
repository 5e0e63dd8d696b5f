"""Helpers of the reliability tests: a Jira source configured for a simulator, the store read
back in a comparable form, and the scenario's truth in the same form.

``snapshot`` reads everything a pull writes (items with every column the reports use, every
change with its value and time, links, iterations), normalised so that SQLite and PostgreSQL
give equal snapshots. ``assert_truth`` compares a snapshot with the Scenario the simulator
serves: the items and their current fields, the number of changes of each item (the
connector tests' ``expected_changes``), the links (dependencies and parents) and the
objectives and risks.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased, sessionmaker

from app.demo import ENV, jira_source
from art.config import TrainyardConfig
from art.models import Change, Iteration, Link, Team, WorkItem
from connectors.jira.connector import JiraConnector
from connectors.jira.retry import RetryPolicy
from simulators.faults import Faults
from simulators.generator import generate_art
from simulators.jira import create_jira_simulator, sim_of
from simulators.scenario import Scenario
from simulators.server import serve
from sync.runner import PullResult, PullRunner
from sync.structure import apply_config
from tests.connectors.jira.jira_support import expected_changes, expected_links

JIRA_USERS = {ENV["TRAINYARD_DEMO_JIRA_EMAIL"]: ENV["TRAINYARD_DEMO_JIRA_TOKEN"]}
TODAY = date(2026, 3, 4)  # fixed, so a helper process generates the very same ART
SEED, ITEMS, TEAMS = 21, 150, 3
SCENARIO = generate_art(SEED, ITEMS, TEAMS, today=TODAY)
PAGE = 25  # items per search page: 8 pages, 9 batches with the sprints/teams one, each its
# own commit (commit_items 1), so kills and faults land between commits
RETRIES = 3
TIMEOUT = 0.25  # seconds per request


def tiny_retries() -> RetryPolicy:
    """The client's retry policy with waits of a few milliseconds."""
    return RetryPolicy(max_retries=RETRIES, base_delay=0.001, max_delay=0.01, jitter=0)


def jira_config(url: str, scenario: Scenario, **extra: Any) -> TrainyardConfig:
    """One ART with the scenario's teams and PIs, one Jira Cloud source (app/demo.py's)."""
    return TrainyardConfig.model_validate(
        {
            "arts": [
                {
                    "name": scenario.art,
                    "timezone": scenario.timezone,
                    "teams": [{"name": t} for t in scenario.teams],
                    "pis": [{"name": p.name, "start": p.start, "end": p.end} for p in scenario.pis],
                }
            ],
            "sources": [jira_source("jira", url, scenario, list(scenario.teams), **extra)],
        }
    )


def _order(row: tuple[Any, ...]) -> tuple[str, ...]:
    """A sort key for rows holding None."""
    return tuple("" if v is None else str(v) for v in row)


def _at(value: datetime | None) -> str | None:
    return None if value is None else value.astimezone(UTC).isoformat()


@dataclass(frozen=True)
class Snapshot:
    """The store as the reports see it, in plain values."""

    items: dict[str, tuple[Any, ...]]
    changes: list[tuple[Any, ...]]
    links: list[tuple[str, str, str]]
    iterations: list[tuple[Any, ...]]

    def change_counts(self) -> Counter[str]:
        return Counter(c[0] for c in self.changes)


def snapshot(sessions: sessionmaker[Session]) -> Snapshot:
    it = aliased(Iteration)
    with sessions() as s:
        items = {
            r.key: (
                r.title,
                r.item_type,
                r.level,
                r.work_type,
                r.status,
                r.status_category,
                r.team,
                r.iteration,
                r.parent_key,
                r.story_points,
                r.business_value,
                r.target_date,
                r.flagged,
                _at(r.created_at),
                _at(r.updated_at),
                r.deleted,
            )
            for r in s.execute(
                select(
                    WorkItem.key,
                    WorkItem.title,
                    WorkItem.item_type,
                    WorkItem.level,
                    WorkItem.work_type,
                    WorkItem.status,
                    WorkItem.status_category,
                    Team.name.label("team"),
                    it.key.label("iteration"),
                    WorkItem.parent_key,
                    WorkItem.story_points,
                    WorkItem.business_value,
                    WorkItem.target_date,
                    WorkItem.flagged,
                    WorkItem.created_at,
                    WorkItem.updated_at,
                    WorkItem.deleted,
                )
                .outerjoin(Team, Team.id == WorkItem.team_id)
                .outerjoin(it, it.id == WorkItem.iteration_id)
            )
        }
        changes = sorted(
            [
                (key, field, from_value, to_value, _at(at), seq)
                for key, field, from_value, to_value, at, seq in s.execute(
                    select(
                        WorkItem.key,
                        Change.field,
                        Change.from_value,
                        Change.to_value,
                        Change.at,
                        Change.seq,
                    ).join(WorkItem, WorkItem.id == Change.work_item_id)
                )
            ],
            key=_order,
        )
        links = sorted(
            (a, b, kind) for a, b, kind in s.execute(select(Link.from_key, Link.to_key, Link.kind))
        )
        iterations = sorted(
            [
                (key, name, start, end)
                for key, name, start, end in s.execute(
                    select(Iteration.key, Iteration.name, Iteration.start_date, Iteration.end_date)
                )
            ],
            key=_order,
        )
    return Snapshot(items, changes, links, iterations)


def truth_items(scenario: Scenario) -> dict[str, tuple[Any, ...]]:
    """Live items' (title, status, category, team, points, flagged, parent), as stored."""
    alive = {i.key for i in scenario.items if not i.deleted}
    out: dict[str, tuple[Any, ...]] = {}
    for i in scenario.items:
        if i.deleted:
            continue
        status = str(i.current("status"))
        points = i.current("points")
        out[i.key] = (
            i.title,
            status,
            scenario.statuses[status],
            i.team,
            None if points is None else float(points),
            bool(i.current("flagged")),
            i.parent if i.parent in alive else None,
        )
    return out


def assert_truth(snap: Snapshot, scenario: Scenario) -> None:
    """The store holds exactly the scenario: items, changes per item, links, plans."""
    want = truth_items(scenario)
    planning = {o.key for o in scenario.objectives} | {r.key for r in scenario.risks}
    assert set(snap.items) == set(want) | planning
    got = {
        k: (v[0], v[4], v[5], v[6], v[9], v[12], v[8]) for k, v in snap.items.items() if k in want
    }
    assert got == want
    assert all(v[15] is False for v in snap.items.values())  # nothing soft-deleted
    counts = snap.change_counts()
    assert {k: counts[k] for k in want} == {
        i.key: len(expected_changes(i)) for i in scenario.items if not i.deleted
    }
    assert set(snap.links) == expected_links(scenario)  # dependencies and parents
    assert len(set(snap.changes)) == len(snap.changes)  # no change stored twice


@dataclass
class Tracker:
    """A Jira simulator serving SCENARIO on a loopback port, and pulls of it into a store."""

    url: str
    faults: Faults
    sim: Any
    sessions: sessionmaker[Session]
    connectors: list[JiraConnector] = field(default_factory=list)

    @property
    def config(self) -> TrainyardConfig:
        return jira_config(self.url, SCENARIO, page_size=PAGE, commit_items=1)

    def pull(self, on_batch: Callable[[int], None] | None = None) -> PullResult:
        """One pull through PullRunner (incremental when a watermark is stored)."""
        config = self.config
        source = config.source("jira")
        conn = JiraConnector(
            source, list(config.art(SCENARIO.art).pis), retry=tiny_retries(), timeout=TIMEOUT
        )
        self.connectors.append(conn)
        batches = 0

        def count(*_: object) -> None:
            nonlocal batches
            batches += 1
            if on_batch is not None:
                on_batch(batches)

        return PullRunner(self.sessions, config, source, connector=conn).run(on_batch=count)


@contextmanager
def running(faults: Faults, sessions: sessionmaker[Session]) -> Iterator[Tracker]:
    """The simulator (with a copy of ``faults``: storms count down) over a configured store."""
    faults = replace(faults)
    app = create_jira_simulator(SCENARIO, users=JIRA_USERS, faults=faults)
    with serve(app) as url:
        tracker = Tracker(url, faults, sim_of(app), sessions)
        with sessions() as s, s.begin():
            apply_config(s, tracker.config)
        try:
            yield tracker
        finally:
            for conn in tracker.connectors:
                conn.close()
