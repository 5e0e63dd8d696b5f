"""The store: migrations on both backends, uniqueness of (source, key), refusal when stale."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, inspect, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from art.db import NotMigrated, check_migrated, current_revision, head_revision, make_engine
from art.models import ART, Source, WorkItem

NOW = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


def test_migrations_reach_head_with_every_table(engine: Engine) -> None:
    assert current_revision(engine) == head_revision()
    tables = set(inspect(engine).get_table_names())
    assert {
        "sources",
        "arts",
        "teams",
        "pis",
        "iterations",
        "work_items",
        "changes",
        "links",
        "pi_objectives",
        "risks",
        "sync_runs",
        "watermarks",
        "inbox_events",
        "subscriptions",
        "deliveries",
        "digests",
        "api_tokens",
        "raw_records",
        "leases",
        "outbox_events",
    } <= tables
    check_migrated(engine)


def test_updated_since_and_report_indexes_exist(engine: Engine) -> None:
    names = {ix["name"] for ix in inspect(engine).get_indexes("work_items")}
    assert {"ix_work_items_synced", "ix_work_items_art_level", "ix_work_items_team"} <= names
    names = {ix["name"] for ix in inspect(engine).get_indexes("changes")}
    assert {"ix_changes_item_at", "ix_changes_recorded"} <= names


def test_unmigrated_database_is_refused_naming_the_fix(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'empty.db'}")
    with pytest.raises(NotMigrated) as err:
        check_migrated(engine)
    assert "none (empty)" in str(err.value)
    assert "run `trainyard db upgrade`" in str(err.value)


def _item(source_id: int, art_id: int, key: str) -> WorkItem:
    return WorkItem(
        source_id=source_id,
        art_id=art_id,
        key=key,
        tracker_id="1",
        title="t",
        item_type="Story",
        level="story",
        work_type="feature",
        status="To Do",
        status_category="todo",
        created_at=NOW,
        updated_at=NOW,
        synced_at=NOW,
    )


def test_work_item_is_unique_per_source_and_key(sessions: sessionmaker[Session]) -> None:
    with sessions() as s, s.begin():
        art = ART(name="Phoenix", timezone="UTC", data_version=0)
        s.add(art)
        s.flush()
        jira = Source(name="jira", kind="jira", url="http://j", art_id=art.id, created_at=NOW)
        ado = Source(name="ado", kind="azure-devops", url="http://a", art_id=art.id, created_at=NOW)
        s.add_all([jira, ado])
        s.flush()
        # the same key in two sources is two items
        s.add_all([_item(jira.id, art.id, "PHX-1"), _item(ado.id, art.id, "PHX-1")])
        ids = (jira.id, art.id)
    with pytest.raises(IntegrityError), sessions() as s, s.begin():
        s.add(_item(ids[0], ids[1], "PHX-1"))
    with sessions() as s:
        assert s.scalars(select(WorkItem.key).order_by(WorkItem.id)).all() == ["PHX-1", "PHX-1"]


def test_timestamps_come_back_in_utc(sessions: sessionmaker[Session]) -> None:
    from zoneinfo import ZoneInfo

    berlin = datetime(2026, 3, 1, 10, 0, tzinfo=ZoneInfo("Europe/Berlin"))
    with sessions() as s, s.begin():
        s.add(Source(name="x", kind="jira", url="u", art_id=None, created_at=berlin))
    with sessions() as s:
        got = s.scalars(select(Source.created_at)).one()
    assert got == datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
    assert got.tzinfo is not None and got.utcoffset() is not None
    assert got.utcoffset().total_seconds() == 0  # type: ignore[union-attr]
