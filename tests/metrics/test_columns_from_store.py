"""The columns of an ART loaded from the store are encoded straight from its history table;
they equal the columns encoded from the same changes as objects, and the per-item lists
made from the table on demand equal the changes stored."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime

import pytest
from random_art import random_art
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from test_columns_refresh import _decoded

from app.reports.loader import snapshot_art
from art.models import Change as ChangeRow
from art.models import WorkItem
from art.vocabulary import StatusCategory
from metrics import columns as columns_module
from metrics.changes import changes_report
from metrics.columns import columns
from metrics.history_table import LazyHistories
from metrics.inputs import ArtData, change_order
from tests.golden_store import store_art

CREATED = datetime(2026, 1, 1, 7, 8, 9, 123457, tzinfo=UTC)


def _as_objects(data: ArtData) -> ArtData:
    """The same ART with its changes as plain objects, grouped on first use."""
    return dataclasses.replace(data, changes=list(data.changes))


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_columns_from_the_history_table_equal_those_from_change_objects(
    sessions: sessionmaker[Session], seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    stored = random_art(60, seed).data()
    with sessions() as session, session.begin():
        store_art(session, stored)
        # the state at creation, as the Jira connector leads a history with: no "from"
        item = session.scalars(select(WorkItem).where(WorkItem.key == "R-0")).one()
        session.add(
            ChangeRow(
                work_item_id=item.id,
                field="status",
                from_value=None,
                to_value="Odd",
                to_category="wait",
                at=CREATED,  # (to the microsecond, read back exactly on each store)
                seq=0,
                dedupe_key="created",
                recorded_at=datetime(2026, 1, 1, tzinfo=UTC),
            )
        )
    with sessions() as session:
        loaded = snapshot_art(session, stored.art or "", definition=stored.definition).data
    by_item = loaded.changes_by_item
    assert isinstance(by_item, LazyHistories) and by_item.pristine()
    read: list[object] = []
    rows_of_table = columns_module._rows_of_table
    monkeypatch.setattr(
        columns_module, "_rows_of_table", lambda t: read.append(t) or rows_of_table(t)
    )
    from_table = _decoded(columns(loaded))
    assert read == [by_item.table]  # the table was encoded, not the lists
    assert not by_item.table._lists  # and no list was made to do it
    assert from_table == _decoded(columns(_as_objects(loaded)))
    expected = {
        k: sorted(lst, key=change_order) for k, lst in _as_objects(stored).changes_by_item.items()
    }
    assert {k: by_item[k] for k in by_item if k != "R-0"} == {
        k: v for k, v in expected.items() if k != "R-0"
    }
    assert by_item["R-0"][1:] == expected.get("R-0", [])
    created = by_item["R-0"][0]  # its own state before it, as the formulas read it
    assert (created.at, created.from_value, created.from_category, created.to_category) == (
        CREATED,
        "Odd",
        StatusCategory.WAIT,
        StatusCategory.WAIT,
    )
    assert by_item["R-0"] is by_item["R-0"]  # made once
    # the status changes of a window, found in the table's rows, as from the objects
    since, as_of = datetime(2026, 3, 1, tzinfo=UTC), datetime(2026, 3, 20, tzinfo=UTC)
    report = changes_report(loaded, since, as_of, None).status_changes
    assert report == changes_report(_as_objects(loaded), since, as_of, None).status_changes
    assert len(report) > 10
