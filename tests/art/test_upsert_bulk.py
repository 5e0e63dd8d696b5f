"""Bulk paths of the upserts: the rows they store are the statement path's, value for value.

Each case writes the same rows twice, once for each of two sources: on the statement path
(``BULK_MIN_ROWS`` out of reach) and on the bulk path under test (SQLite's executemany;
PostgreSQL's unnest, or COPY when ``COPY_MIN_ROWS`` is brought down). The stored values are
read back as the driver returns them (SQLite: the stored text) and compared.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from art.models import ART, Lease, PIObjective, Source, WorkItem
from art.store import upsert as upsert_module
from art.store.upsert import fold_rows, insert_ignore, upsert

T0 = datetime(2026, 3, 4, 9, 0, tzinfo=UTC)
ROWS = 25  # between BULK_MIN_ROWS and COPY_MIN_ROWS
PATHS = ["bulk", "copy"]  # copy: PostgreSQL's COPY (SQLite has one bulk path)


@pytest.fixture(params=PATHS)
def path(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    assert upsert_module.BULK_MIN_ROWS <= ROWS < upsert_module.COPY_MIN_ROWS
    if request.param == "copy":
        monkeypatch.setattr(upsert_module, "COPY_MIN_ROWS", upsert_module.BULK_MIN_ROWS)
    return str(request.param)


def _sources(sessions: sessionmaker[Session]) -> tuple[int, int, int]:
    """An ART and two sources of it: the statement path's and the bulk path's."""
    with sessions() as s, s.begin():
        art = ART(name="Phoenix", timezone="UTC", data_version=0)
        s.add(art)
        s.flush()
        ids = []
        for name in ("statement", "bulk"):
            source = Source(name=name, kind="jira", url="http://j", art_id=art.id, created_at=T0)
            s.add(source)
            s.flush()
            ids.append(source.id)
        return art.id, ids[0], ids[1]


def _item(art_id: int, source_id: int, n: int, title: str = "") -> dict[str, Any]:
    """A work item row with values of every type; ``flagged`` and ``art_version`` left to
    their defaults, some values None."""
    return {
        "source_id": source_id,
        "art_id": art_id,
        "key": f"P-{n}",
        "tracker_id": str(1000 + n),
        "title": title or f'Item {n} — "quoted", {{braced}}, back\\slash',
        "item_type": "Story",
        "level": "story",
        "work_type": "feature",
        "status": "Done" if n % 2 else "In Progress",
        "status_category": "done" if n % 2 else "in_progress",
        "team_id": None,
        "iteration_id": None,
        "pi_id": None,
        "parent_key": None if n % 3 else "P-0",
        "story_points": None if n % 4 == 0 else n / 2,
        "business_value": None,
        "target_date": None if n % 2 else date(2026, 5, n % 28 + 1),
        "created_at": T0 + timedelta(hours=n, microseconds=0 if n % 5 else 123456),
        "updated_at": (T0 + timedelta(days=n)).astimezone(UTC),
        "deleted": n == 7,
        "deleted_at": None,
        "synced_at": T0,
    }


def _objective(art_id: int, source_id: int, n: int) -> dict[str, Any]:
    """A PI objective row: a JSON document (None once), ``committed`` left to its default."""
    return {
        "art_id": art_id,
        "source_id": source_id,
        "key": f"O-{n}",
        "text": f"Objective {n}",
        "planned_bv": float(n),
        "actual_bv": None,
        "items": None if n == 3 else [f"P-{n}", {"nested": [n, None, "ü"]}],
        "deleted": False,
        "updated_at": T0,
    }


def _stored(sessions: sessionmaker[Session], table: str, source_id: int) -> list[tuple[Any, ...]]:
    """The rows of ``source_id`` in ``table`` as the driver reads them, without their id and
    source."""
    with sessions() as s:
        result = s.connection().exec_driver_sql(
            f"SELECT * FROM {table} WHERE source_id = {source_id} ORDER BY key"
        )
        names = list(result.keys())
        return [
            tuple(v for name, v in zip(names, row, strict=True) if name not in ("id", "source_id"))
            for row in result
        ]


def _both_paths(
    sessions: sessionmaker[Session],
    monkeypatch: pytest.MonkeyPatch,
    write: Any,
    source_ids: tuple[int, int],
) -> list[Any]:
    """``write(session, source_id)`` for the statement path's source then the bulk path's;
    what each returned."""
    out = []
    with monkeypatch.context() as patched:
        patched.setattr(upsert_module, "BULK_MIN_ROWS", 10**9)
        with sessions() as s, s.begin():
            out.append(write(s, source_ids[0]))
    with sessions() as s, s.begin():
        out.append(write(s, source_ids[1]))
    return out


def test_bulk_insert_ignore_stores_and_counts_what_the_statement_path_does(
    sessions: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch, path: str
) -> None:
    art_id, statement, bulk = _sources(sessions)

    def write(s: Session, source_id: int) -> tuple[int, int]:
        first = [_item(art_id, source_id, n) for n in range(0, ROWS, 2)]
        again = [_item(art_id, source_id, n, title="ignored") for n in range(ROWS)]
        again.append(_item(art_id, source_id, ROWS, title="twice: the first one stays"))
        again.append(_item(art_id, source_id, ROWS))
        return insert_ignore(s, WorkItem, first, ["source_id", "key"]), insert_ignore(
            s, WorkItem, again, ["source_id", "key"]
        )

    assert _both_paths(sessions, monkeypatch, write, (statement, bulk)) == [(13, 13), (13, 13)]
    stored = _stored(sessions, "work_items", bulk)
    assert stored == _stored(sessions, "work_items", statement)
    assert len(stored) == ROWS + 1
    with sessions() as s:
        item = s.scalars(select(WorkItem).where(WorkItem.key == "P-25", WorkItem.source_id == bulk))
        row = item.one()
        assert (row.title, row.flagged, row.art_version) == ("twice: the first one stays", False, 0)


def test_bulk_upsert_stores_what_the_statement_path_does_rows_applied_in_turn(
    sessions: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch, path: str
) -> None:
    art_id, statement, bulk = _sources(sessions)
    update = ["text", "items", "updated_at"]

    def write(s: Session, source_id: int) -> None:
        upsert(
            s,
            PIObjective,
            [_objective(art_id, source_id, n) for n in range(ROWS)],
            ["source_id", "key"],
            update,
        )
        later = [
            {**_objective(art_id, source_id, n), "text": f"new {n}", "planned_bv": -1.0}
            for n in range(ROWS - 5, ROWS + 5)
        ]
        later.append({**_objective(art_id, source_id, ROWS), "text": "last", "planned_bv": -2.0})
        upsert(s, PIObjective, later, ["source_id", "key"], update)

    _both_paths(sessions, monkeypatch, write, (statement, bulk))
    stored = _stored(sessions, "pi_objectives", bulk)
    assert stored == _stored(sessions, "pi_objectives", statement)
    with sessions() as s:
        rows = s.execute(
            select(PIObjective.key, PIObjective.text, PIObjective.planned_bv, PIObjective.committed)
            .where(PIObjective.source_id == bulk, PIObjective.key.in_(["O-0", "O-24", "O-25"]))
            .order_by(PIObjective.key)
        ).all()
    # O-24: updated, planned_bv not an update column; O-25: new, its first row's planned_bv
    assert [tuple(r) for r in rows] == [
        ("O-0", "Objective 0", 0.0, True),
        ("O-24", "new 24", 24.0, True),
        ("O-25", "last", -1.0, True),
    ]


def test_rows_lacking_a_column_with_a_computed_default_take_the_statement_path(
    sessions: sessionmaker[Session],
) -> None:
    art_id, _, bulk = _sources(sessions)
    rows = [_objective(art_id, bulk, n) for n in range(ROWS)]
    for row in rows:
        del row["items"]  # default=list: SQLAlchemy calls it for each row
    with sessions() as s, s.begin():
        upsert(s, PIObjective, rows, ["source_id", "key"], ["text"])
    with sessions() as s:
        assert list(s.scalars(select(PIObjective.items))) == [[]] * ROWS


def test_fold_rows_leaves_each_key_as_upserting_its_rows_in_turn() -> None:
    rows = [
        {"k": 1, "a": "first", "b": 1},
        {"k": 2, "a": "only", "b": 2},
        {"k": 1, "a": "second", "b": 3},
        {"k": 1, "a": "third", "b": 4},
    ]
    assert fold_rows(rows, ["k"], ["b"]) == [
        {"k": 1, "a": "first", "b": 4},
        {"k": 2, "a": "only", "b": 2},
    ]
    assert fold_rows(rows, ["k"], []) == [rows[0], rows[1]]


def test_an_over_long_string_fails_or_is_stored_on_the_bulk_path_as_on_the_statement_path(
    sessions: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch, path: str
) -> None:
    art_id, statement, bulk = _sources(sessions)
    outcomes = []
    for source_id, threshold in ((statement, 10**9), (bulk, upsert_module.BULK_MIN_ROWS)):
        rows = [_item(art_id, source_id, n) for n in range(ROWS)]
        rows[3]["level"] = "x" * 25  # a VARCHAR(20) column
        with monkeypatch.context() as patched:
            patched.setattr(upsert_module, "BULK_MIN_ROWS", threshold)
            try:
                with sessions() as s, s.begin():
                    insert_ignore(s, WorkItem, rows, ["source_id", "key"])
                with sessions() as s:
                    level = select(WorkItem.level).where(
                        WorkItem.source_id == source_id, WorkItem.key == "P-3"
                    )
                    outcomes.append(s.scalars(level).one())
            except Exception as exc:  # the driver's error, wrapped by SQLAlchemy or not (COPY)
                outcomes.append(type(exc.orig if isinstance(exc, DBAPIError) else exc).__name__)
    assert outcomes[0] == outcomes[1]
    if sessions.kw["bind"].dialect.name == "postgresql":
        assert outcomes == ["StringDataRightTruncation"] * 2
    else:
        assert outcomes == ["x" * 25] * 2


def test_bulk_upsert_without_json_folds_a_keys_rows_as_the_statement_path_applies_them(
    sessions: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch, path: str
) -> None:
    later = T0 + timedelta(hours=1)
    stored = []
    for prefix, threshold in (("statement", 10**9), ("bulk", upsert_module.BULK_MIN_ROWS)):
        first = [{"name": f"{prefix}-{n}", "holder": "h1", "expires_at": T0} for n in range(ROWS)]
        again = [
            {"name": f"{prefix}-{n}", "holder": "h2", "expires_at": later} for n in range(20, 30)
        ]
        again.append({"name": f"{prefix}-25", "holder": "h3", "expires_at": T0})
        with monkeypatch.context() as patched:
            patched.setattr(upsert_module, "BULK_MIN_ROWS", threshold)
            with sessions() as s, s.begin():
                upsert(s, Lease, first, ["name"], ["holder"])
                upsert(s, Lease, again, ["name"], ["holder"])
        with sessions() as s:
            rows = s.execute(
                select(Lease.name, Lease.holder, Lease.expires_at).where(
                    Lease.name.like(f"{prefix}-%")
                )
            )
            stored.append(sorted((n.split("-")[1], h, at) for n, h, at in rows))
    assert stored[0] == stored[1]
    by_number = {n: (h, at) for n, h, at in stored[1]}
    assert by_number["24"] == ("h2", T0)  # stored before: its expires_at kept
    assert by_number["25"] == ("h3", later)  # new: its first row, holder from its last
    assert by_number["29"] == ("h2", later)
