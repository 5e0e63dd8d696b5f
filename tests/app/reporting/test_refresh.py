"""The worker keeps item_daily incrementally: a changed item's rows are rewritten, a new day
adds one row per live item, a changed structure rewrites everything, and nothing is written
when nothing moved; after each step the SQL figures still equal the API's."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from app.reporting.refresh import refresh_art
from art.models import PI, WorkItem
from art.models import Change as ChangeRow
from art.store.reporting import ItemDay, ItemFacts, Refresh
from art.structure_queries import next_data_version
from tests.app.api.conftest import ART, SCENARIO, WINDOW, Api
from tests.app.reporting.flow_sql import check_flow
from tests.app.reporting.test_item_daily import AS_OF, api_get, refreshed

WINDOW_DAYS = (date.fromisoformat(WINDOW["from"]), date.fromisoformat(WINDOW["to"]))


def _count(session: Session, key: str | None = None) -> int:
    query = select(func.count()).select_from(ItemDay)
    if key is not None:
        query = query.join(WorkItem, WorkItem.id == ItemDay.item_id).where(WorkItem.key == key)
    return session.scalar(query) or 0


def test_nothing_is_written_when_neither_data_nor_day_moved(api: Api) -> None:
    refreshed(api)
    assert refresh_art(api.reports, ART, AS_OF + timedelta(hours=1)) is None


def test_a_new_day_adds_one_row_per_live_item(api: Api) -> None:
    engine = refreshed(api)
    live = sum(1 for it in SCENARIO.items if not it.deleted and it.created <= AS_OF)
    with api.client.app.state.trainyard.sessions() as s:  # type: ignore[attr-defined]
        before = _count(s)
    done = refresh_art(api.reports, ART, AS_OF + timedelta(days=1))
    assert done is not None
    assert (done.full, done.items, done.day_rows) == (False, 0, live)
    assert done.through == date(2026, 2, 11)
    with api.client.app.state.trainyard.sessions() as s:  # type: ignore[attr-defined]
        assert _count(s) == before + live
        assert s.scalar(select(Refresh.through_day)) == date(2026, 2, 11)
    assert engine is not None


def test_a_changed_item_has_its_rows_rewritten(api: Api) -> None:
    engine = refreshed(api)
    state = api.client.app.state.trainyard  # type: ignore[attr-defined]
    done_at = AS_OF + timedelta(hours=2)
    with state.sessions() as s, s.begin():
        item = s.scalars(select(WorkItem).where(WorkItem.key == "BLUE-6")).one()
        rows_before = _count(s, "BLUE-6")
        s.add(
            ChangeRow(
                work_item_id=item.id,
                field="status",
                from_value="In Progress",
                to_value="Done",
                from_category="active",
                to_category="done",
                at=done_at,
                seq=0,
                dedupe_key="bi-test-done",
                recorded_at=done_at,
            )
        )
        version = next_data_version(s, item.art_id)
        s.execute(
            update(WorkItem)
            .where(WorkItem.id == item.id)
            .values(status="Done", status_category="done", art_version=version)
        )
    later = AS_OF + timedelta(days=1)  # the change's day has ended: the CFD counts it
    done = refresh_art(api.reports, ART, later)
    live = sum(1 for it in SCENARIO.items if not it.deleted and it.created <= AS_OF)
    assert done is not None
    # the changed item's rows through the new day, and the new day for the others
    assert (done.full, done.items, done.day_rows) == (False, 1, rows_before + 1 + live - 1)
    with state.sessions() as s:
        last = s.execute(
            select(ItemDay.status, ItemDay.status_category, ItemDay.started)
            .join(WorkItem, WorkItem.id == ItemDay.item_id)
            .where(WorkItem.key == "BLUE-6")
            .order_by(ItemDay.day.desc())
            .limit(1)
        ).one()
        assert tuple(last) == ("Done", "done", True)
        facts = s.execute(
            select(ItemFacts.done_at)
            .join(WorkItem, WorkItem.id == ItemFacts.item_id)
            .where(WorkItem.key == "BLUE-6")
        ).scalar_one()
        assert facts == done_at

    def get(path: str, **params: object) -> dict[str, object]:
        return api_get(api)(path, as_of=later.isoformat(), **params)  # type: ignore[no-any-return]

    window = (date(2026, 2, 1), date(2026, 2, 12))
    assert check_flow(get, engine, ART, later.date(), window, [None, "Blue"], ["story"]) == 20


def test_a_changed_structure_rewrites_every_row(api: Api) -> None:
    refreshed(api)
    state = api.client.app.state.trainyard  # type: ignore[attr-defined]
    with state.sessions() as s, s.begin():
        pi = s.scalars(select(PI).where(PI.name == SCENARIO.pis[0].name)).one()
        pi.end_date = pi.end_date + timedelta(days=7)
        next_data_version(s, pi.art_id)
    done = refresh_art(api.reports, ART, AS_OF + timedelta(minutes=5))
    assert done is not None and done.full
