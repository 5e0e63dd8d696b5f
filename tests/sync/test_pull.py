"""Sync engine on SQLite and PostgreSQL: idempotent apply, resumable pulls, reconciliation."""

from __future__ import annotations

import dataclasses
import re
import threading
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import event, func, select
from sqlalchemy.orm import Session, sessionmaker

from art.config import TrainyardConfig
from art.models import (
    ART,
    PI,
    Change,
    Iteration,
    Link,
    OutboxEvent,
    RawRecord,
    Source,
    SyncRun,
    Team,
    Watermark,
    WorkItem,
)
from art.records import RecordBatch
from art.vocabulary import StatusCategory
from sync.apply import ApplyCounts, BatchApplier
from sync.runner import PullRunner
from sync.structure import apply_config
from tests.sync.fake_connector import T0, FakeConnector, FakeItem, make_items

# commit_items 1: each batch in its own transaction, so the tests can stop a pull between them
CONFIG = TrainyardConfig.model_validate(
    {
        "arts": [{"name": "Phoenix", "teams": [{"name": "Blue", "aliases": ["BLUE"]}]}],
        "sources": [
            {
                "name": "fake",
                "kind": "fake",
                "url": "http://fake",
                "art": "Phoenix",
                "commit_items": 1,
            }
        ],
    }
)


ID_LOOKUP = re.compile(r'SELECT work_items\."?key"?, work_items\.id FROM work_items WHERE')
HISTORY_LOOKUP = re.compile(r"SELECT changes\.id, changes\.work_item_id, changes\.dedupe_key, ")


class Killed(BaseException):
    """Stands for SIGKILL: nothing in the pull catches it, so its run stays ``running``."""


class KilledAfter(FakeConnector):
    """Dies once ``batches`` batches are committed (the runner asks for the next one)."""

    def __init__(self, items: list[FakeItem], page: int, batches: int) -> None:
        super().__init__(items, page)
        self.batches = batches

    def pull(self, since: str | None) -> Iterator[RecordBatch]:
        for number, batch in enumerate(super().pull(since), start=1):
            yield batch
            if number == self.batches:
                raise Killed


@pytest.fixture
def ready(sessions: sessionmaker[Session]) -> sessionmaker[Session]:
    with sessions() as s, s.begin():
        apply_config(s, CONFIG)
    return sessions


def _runner(sessions: sessionmaker[Session], conn: FakeConnector) -> PullRunner:
    return PullRunner(sessions, CONFIG, CONFIG.source("fake"), connector=conn)


def _state(sessions: sessionmaker[Session]) -> dict[str, object]:
    """Everything a report could see, in a comparable form."""
    with sessions() as s:
        items = s.execute(
            select(
                WorkItem.key, WorkItem.status, WorkItem.status_category, WorkItem.deleted, Team.name
            )
            .join(Team, Team.id == WorkItem.team_id)
            .order_by(WorkItem.key)
        ).all()
        changes = s.execute(
            select(WorkItem.key, Change.from_value, Change.to_value, Change.at)
            .join(WorkItem, WorkItem.id == Change.work_item_id)
            .order_by(WorkItem.key, Change.at)
        ).all()
        links = s.execute(
            select(Link.from_key, Link.to_key, Link.kind).order_by(Link.from_key, Link.to_key)
        ).all()
    return {
        "items": [tuple(r) for r in items],
        "changes": [tuple(r) for r in changes],
        "links": [tuple(r) for r in links],
    }


def _truth(items: list[FakeItem]) -> dict[str, object]:
    return {
        "items": sorted(
            (
                i.key,
                i.status,
                {"To Do": "todo", "In Progress": "active", "Done": "done"}[i.status],
                False,
                i.team,
            )
            for i in items
            if not i.malformed
        ),
        "changes": sorted(
            ((i.key, f, t, at) for i in items if not i.malformed for at, f, t in i.history),
            key=lambda c: (c[0], c[3]),
        ),
        "links": sorted((i.key, b, "blocks") for i in items if not i.malformed for b in i.blocks),
    }


def test_full_pull_stores_the_truth_and_records_the_run(ready: sessionmaker[Session]) -> None:
    items = make_items(10)
    result = _runner(ready, FakeConnector(items, page=3)).run()
    assert result.status == "succeeded"
    assert (result.counts.fetched, result.counts.created, result.counts.updated) == (10, 10, 0)
    assert result.requests == 4
    assert _state(ready) == _truth(items)
    with ready() as s:
        run = s.scalars(select(SyncRun)).one()
        assert (run.mode, run.status, run.fetched, run.created, run.requests) == (
            "full",
            "succeeded",
            10,
            10,
            4,
        )
        assert run.finished_at is not None
        assert s.scalars(select(Watermark.value)).one() == max(i.updated for i in items).isoformat()
        # structure derived from the records: the PI spans its iteration, teams were created
        pi = s.scalars(select(PI)).one()
        assert (pi.name, str(pi.start_date), str(pi.end_date)) == (
            "PI 26.1",
            "2026-01-05",
            "2026-01-18",
        )
        assert s.scalars(select(Iteration.pi_id)).one() == pi.id
        assert sorted(s.scalars(select(Team.name))) == ["Blue", "Red"]
        assert s.scalars(select(ART.data_version)).one() == 4


def test_rerunning_the_same_pull_changes_nothing(ready: sessionmaker[Session]) -> None:
    items = make_items(7)
    _runner(ready, FakeConnector(items)).run()
    with ready() as s:
        before = s.execute(select(WorkItem.key, WorkItem.synced_at).order_by(WorkItem.key)).all()
        n_changes = s.scalar(select(func.count()).select_from(Change))
        version = s.scalar(select(ART.data_version))
    again = _runner(ready, FakeConnector(items)).run(full=True)
    assert (again.counts.created, again.counts.updated, again.counts.deleted) == (0, 0, 0)
    with ready() as s:
        assert (
            s.execute(select(WorkItem.key, WorkItem.synced_at).order_by(WorkItem.key)).all()
            == before
        )
        assert s.scalar(select(func.count()).select_from(Change)) == n_changes
        assert s.scalar(select(ART.data_version)) == version
    assert _state(ready) == _truth(items)


@pytest.mark.parametrize(
    "sprint",
    [
        ("Sprint 1 (renamed)", date(2026, 1, 5), date(2026, 1, 18)),
        ("Sprint 1", date(2026, 1, 5), date(2026, 1, 19)),
    ],
)
def test_an_iteration_renamed_or_moved_makes_a_new_data_version(
    ready: sessionmaker[Session], sprint: tuple[str, date, date]
) -> None:
    """Reports show iteration names and dates, and are cached by data version: a change to
    an iteration alone (no item changed) must still make a new version."""
    items = make_items(4)
    connector = FakeConnector(items)
    _runner(ready, connector).run()
    with ready() as s:
        version = s.scalar(select(ART.data_version))
    connector.sprint = sprint
    again = _runner(ready, connector).run(full=True)
    assert (again.counts.created, again.counts.updated) == (0, 0)
    with ready() as s:
        row = s.scalars(select(Iteration)).one()
        assert (row.name, row.start_date, row.end_date) == sprint
        assert s.scalar(select(ART.data_version)) == version + 1
        assert s.scalars(select(PI.end_date)).one() == sprint[2]  # the derived PI widens


def test_a_full_pull_after_a_status_mapping_change_recategorizes_the_stored_history(
    ready: sessionmaker[Session],
) -> None:
    """Flow metrics read each history row's categories: when the status mapping changes
    (In Progress becomes a wait status), a full pull must rewrite those of the rows already
    stored, not only the items' current category."""
    items = make_items(4)
    connector = FakeConnector(items, page=4)  # one batch: one data version a pull
    _runner(ready, connector).run()
    with ready() as s:
        version = s.scalar(select(ART.data_version))
        n_changes = s.scalar(select(func.count()).select_from(Change))
    connector.categories["In Progress"] = StatusCategory.WAIT
    again = _runner(ready, connector).run(full=True)
    assert (again.counts.created, again.counts.updated) == (0, 1)  # PHX-3 is In Progress now
    with ready() as s:
        rows = s.execute(
            select(WorkItem.key, Change.from_value, Change.to_value, Change.from_category)
            .add_columns(Change.to_category)
            .join(WorkItem, WorkItem.id == Change.work_item_id)
            .order_by(WorkItem.key, Change.at)
        ).all()
        assert [tuple(r) for r in rows] == [
            ("PHX-1", "To Do", "In Progress", "todo", "wait"),
            ("PHX-1", "In Progress", "Done", "wait", "done"),
            ("PHX-3", "To Do", "In Progress", "todo", "wait"),
        ]
        assert s.scalar(select(func.count()).select_from(Change)) == n_changes == 3
        assert s.scalar(select(ART.data_version)) == version + 1
        stamped = s.execute(
            select(WorkItem.key).where(WorkItem.art_version == version + 1).order_by(WorkItem.key)
        )
        assert list(stamped.scalars()) == ["PHX-1", "PHX-3"]
    unchanged = _runner(ready, connector).run(full=True)  # the same mapping again: no change
    assert unchanged.counts.updated == 0
    with ready() as s:
        assert s.scalar(select(ART.data_version)) == version + 1


def test_incremental_pull_takes_only_what_changed(ready: sessionmaker[Session]) -> None:
    items = make_items(12)
    _runner(ready, FakeConnector(items)).run()
    items[5].move("Done", T0 + timedelta(days=9))
    items[5].blocks = []  # the link was removed in the tracker
    conn = FakeConnector(items)
    result = _runner(ready, conn).run()
    assert (result.counts.fetched, result.counts.updated, result.counts.created) == (1, 1, 0)
    assert conn.requests == 1
    assert _state(ready) == _truth(items)


def test_pull_killed_midway_resumes_without_gaps(ready: sessionmaker[Session]) -> None:
    items = make_items(20)
    applied = 0

    def crash_after_three(*_: object) -> None:
        nonlocal applied
        applied += 1
        if applied == 3:
            raise RuntimeError("killed")

    with pytest.raises(RuntimeError):
        _runner(ready, FakeConnector(items, page=4)).run(on_batch=crash_after_three)
    with ready() as s:
        assert s.scalar(select(func.count()).select_from(WorkItem)) == 12
        in_order = sorted(items, key=lambda i: (i.updated, i.key))
        assert s.scalars(select(Watermark.value)).one() == in_order[11].updated.isoformat()
        assert s.scalars(select(SyncRun.status)).one() == "failed"
    resumed = _runner(ready, FakeConnector(items, page=4)).run()
    assert resumed.counts.fetched == 8  # only the items after the committed watermark
    assert _state(ready) == _truth(items)


class HeldAfterFirst(FakeConnector):
    """Holds its batches after the first until ``go`` is set; ``done`` once all are made."""

    def __init__(self, items: list[FakeItem], page: int) -> None:
        super().__init__(items, page)
        self.go, self.done = threading.Event(), threading.Event()

    def pull(self, since: str | None) -> Iterator[RecordBatch]:
        for number, batch in enumerate(super().pull(since), start=1):
            if number == 2:
                assert self.go.wait(timeout=10)
            yield batch
        self.done.set()


def test_a_pull_commits_the_batches_waiting_together(ready: sessionmaker[Session]) -> None:
    items = make_items(20)
    conn = HeldAfterFirst(items, page=4)  # five batches of four
    source = CONFIG.source("fake").model_copy(update={"commit_items": 1000})
    committed: list[tuple[int, str | None]] = []

    def on_batch(batch: RecordBatch, _counts: ApplyCounts) -> None:
        committed.append((len(batch.items), batch.watermark))
        if len(committed) == 1:  # the store is slower than the tracker from here on
            conn.go.set()
            assert conn.done.wait(timeout=10)

    result = PullRunner(ready, CONFIG, source, connector=conn).run(on_batch=on_batch)
    assert (result.status, result.counts.fetched, result.requests) == ("succeeded", 20, 5)
    in_order = sorted(items, key=lambda i: (i.updated, i.key))
    assert committed == [
        (4, in_order[3].updated.isoformat()),
        (16, in_order[19].updated.isoformat()),  # the four batches waiting, in one commit
    ]
    with ready() as s:
        assert s.scalar(select(ART.data_version)) == 2
        assert s.scalars(select(Watermark.value)).one() == in_order[19].updated.isoformat()
    assert _state(ready) == _truth(items)


def test_a_killed_pull_leaves_its_run_with_the_counts_it_committed(
    ready: sessionmaker[Session],
) -> None:
    items = make_items(20)
    with pytest.raises(Killed):  # three batches of four committed, then the process died
        _runner(ready, KilledAfter(items, 4, 3)).run()
    with ready() as s:
        run = s.scalars(select(SyncRun)).one()
        stored = s.scalar(select(func.count()).select_from(WorkItem))
    assert stored == 12
    assert (run.status, run.finished_at, run.error) == ("running", None, None)
    assert (run.fetched, run.created, run.updated, run.deleted, run.skipped, run.requests) == (
        12,
        12,
        0,
        0,
        0,
        3,
    )


def test_full_pull_soft_deletes_items_gone_from_the_tracker(ready: sessionmaker[Session]) -> None:
    items = make_items(6)
    _runner(ready, FakeConnector(items)).run()
    gone = items.pop(2)
    items[0].malformed = True  # unreadable now: skipped, but must not be deleted
    result = _runner(ready, FakeConnector(items)).run(full=True)
    assert result.counts.deleted == 1
    assert result.item_errors == ["PHX-1: fields.status is missing"]
    with ready() as s:
        deleted = s.execute(
            select(WorkItem.key, WorkItem.deleted_at.is_not(None)).where(WorkItem.deleted.is_(True))
        ).all()
        assert [tuple(r) for r in deleted] == [(gone.key, True)]
        # its history stays
        kept = s.scalar(
            select(func.count())
            .select_from(Change)
            .join(WorkItem, WorkItem.id == Change.work_item_id)
            .where(WorkItem.key == gone.key)
        )
        assert kept == len(gone.history)
        assert s.scalar(select(WorkItem.deleted).where(WorkItem.key == "PHX-1")) is False


def test_team_aliases_map_tracker_values_to_configured_teams(
    ready: sessionmaker[Session],
) -> None:
    items = [FakeItem("PHX-1", "BLUE"), FakeItem("PHX-2", "Blue")]
    _runner(ready, FakeConnector(items)).run()
    with ready() as s:
        teams = s.execute(
            select(WorkItem.key, Team.name)
            .join(Team, Team.id == WorkItem.team_id)
            .order_by(WorkItem.key)
        ).all()
    assert [tuple(r) for r in teams] == [("PHX-1", "Blue"), ("PHX-2", "Blue")]


def test_item_changed_names_source_items_and_their_fields_after(
    ready: sessionmaker[Session],
) -> None:
    """Issue 14: ``item.changed`` names the source, each item's key, display key and URL and
    its fields after the change, beside the counts it always carried."""
    _runner(ready, FakeConnector(make_items(2))).run()
    with ready() as s:
        events = [
            e.payload["data"] for e in s.scalars(select(OutboxEvent)) if e.type == "item.changed"
        ]
    assert len(events) == 1
    data = events[0]
    assert (data["created"], data["keys"], data["source"]) == (2, ["PHX-2", "PHX-1"], "fake")
    assert data["deleted_items"] == []
    assert data["items"][1] == {
        "key": "PHX-1",
        "url": "http://fake/browse/PHX-1",
        "display_key": "PHX-1",
        "fields": {
            "title": "Story PHX-1",
            "item_type": "Story",
            "level": "story",
            "work_type": "feature",
            "status": "Done",
            "status_category": "done",
            "team": "Red",
            "iteration": "S1",
            "pi": None,
            "parent": None,
            "story_points": 3.0,
            "business_value": None,
            "target_date": None,
            "flagged": False,
            "updated_at": "2026-01-08T09:00:00+00:00",
        },
    }


def _applier(sessions: sessionmaker[Session]) -> BatchApplier:
    with sessions() as s:
        source_id, art_id = s.execute(select(Source.id, Source.art_id)).one()
    assert art_id is not None
    return BatchApplier(source_id, art_id, CONFIG.art("Phoenix"))


def _apply_counting(
    sessions: sessionmaker[Session], batch: RecordBatch, statement: re.Pattern[str]
) -> tuple[ApplyCounts, int]:
    """Apply ``batch`` in one transaction; what it did, and how many SQL statements it ran
    that match ``statement``."""
    seen: list[str] = []

    def record(_conn: Any, _cursor: Any, sql: str, *_: Any) -> None:
        if statement.match(" ".join(sql.split())):
            seen.append(sql)

    with sessions() as s, s.begin():
        event.listen(s.get_bind(), "before_cursor_execute", record)
        try:
            counts = _applier(sessions).apply(s, batch, T0)
        finally:
            event.remove(s.get_bind(), "before_cursor_execute", record)
    return counts, len(seen)


STAMP = re.compile(r"UPDATE work_items SET art_version")


def test_items_a_batch_writes_are_stamped_as_written_and_only_the_rest_after(
    ready: sessionmaker[Session],
) -> None:
    items = make_items(12)
    first = next(iter(FakeConnector(items, page=12).pull(None)))
    counts, stamps = _apply_counting(ready, first, STAMP)
    assert (counts.created, stamps) == (12, 0)  # inserted with their data version
    items[4].blocks = ["PHX-9"]  # a new link: neither item's row changes
    items[5].move("Done", T0 + timedelta(days=6))  # a changed item
    second = next(iter(FakeConnector(items, page=12).pull(None)))
    counts, stamps = _apply_counting(ready, second, STAMP)
    assert (counts.updated, stamps) == (1, 1)  # one UPDATE stamps the two linked items
    with ready() as s:
        assert s.scalar(select(ART.data_version)) == 2
        stamped = {k: v for k, v in s.execute(select(WorkItem.key, WorkItem.art_version))}
    assert {k for k, v in stamped.items() if v == 2} == {"PHX-5", "PHX-6", "PHX-9"}
    assert set(stamped.values()) == {1, 2}
    assert _state(ready) == _truth(items)


def test_a_batch_reads_its_items_ids_once_and_files_raws_and_history_under_them(
    ready: sessionmaker[Session],
) -> None:
    items = make_items(12)
    batch = next(iter(FakeConnector(items, page=12).pull(None)))
    batch.items = [dataclasses.replace(r, raw={"key": r.key}) for r in batch.items]
    counts, lookups = _apply_counting(ready, batch, ID_LOOKUP)
    assert counts.created == 12
    assert lookups == 1  # the new items' ids, for their raws; history and stamps reuse them
    with ready() as s:
        raws = s.execute(
            select(WorkItem.key, RawRecord.payload).join(
                WorkItem, WorkItem.id == RawRecord.work_item_id
            )
        ).all()
        assert sorted(tuple(r) for r in raws) == sorted((i.key, {"key": i.key}) for i in items)
        version = s.scalar(select(ART.data_version))
        assert set(s.scalars(select(WorkItem.art_version))) == {version}
    assert _state(ready) == _truth(items)


def test_stored_history_is_read_back_only_for_items_stored_before_the_batch(
    ready: sessionmaker[Session],
) -> None:
    items = make_items(6)
    first = next(iter(FakeConnector(items, page=6).pull(None)))
    counts, lookups = _apply_counting(ready, first, HISTORY_LOOKUP)
    assert (counts.created, lookups) == (6, 0)  # all inserted here: no stored history yet
    items[0].history.pop()  # the tracker lost a change: the pull drops its row
    items.append(FakeItem("PHX-7", "Blue"))
    items[-1].move("In Progress", T0 + timedelta(days=2))
    second = next(iter(FakeConnector(items, page=7).pull(None)))
    counts, lookups = _apply_counting(ready, second, HISTORY_LOOKUP)
    assert (counts.created, lookups) == (1, 1)
    assert _state(ready) == _truth(items)
