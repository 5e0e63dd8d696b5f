"""The store loader: rows written for the golden ART load back as the same inputs, and every
report computed from them equals the report computed from the scenario directly."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime

import numpy as np
import pytest
from sqlalchemy import event, select, update
from sqlalchemy.orm import Session, sessionmaker

from app.reports.loader import _history_table, _refs, _row_order, load_art, snapshot_art
from art.config import SourceConfig
from art.errors import NotFound
from art.models import Change as ChangeRow
from art.models import Team, WorkItem
from art.vocabulary import Level
from metrics.aging import aging_report
from metrics.burnup import burnup_report
from metrics.cfd import cfd_report
from metrics.columns import Columns, ItemBasics, columns
from metrics.cycle_time import cycle_time_report
from metrics.dependencies import dependencies_report
from metrics.flow import flow_report
from metrics.inputs import ArtData, Window
from metrics.predictability import predictability_history
from metrics.velocity import velocity_report
from tests.golden_store import NOW
from tests.golden_store import store_art as _store
from tests.metrics.golden_inputs import golden, scenario_data

SCENARIO, _ = golden()
assert SCENARIO.as_of is not None and SCENARIO.window is not None
AS_OF = SCENARIO.as_of
WINDOW = Window(*SCENARIO.window)


@pytest.fixture
def stored(sessions: sessionmaker[Session]) -> tuple[ArtData, sessionmaker[Session]]:
    data = scenario_data(SCENARIO)
    with sessions() as session, session.begin():
        _store(session, data)
    return data, sessions


def _load(sessions: sessionmaker[Session], data: ArtData, **kw: object) -> ArtData:
    with sessions() as session:
        return load_art(session, SCENARIO.art, definition=data.definition, **kw)  # type: ignore[arg-type]


def test_inputs_round_trip(stored: tuple[ArtData, sessionmaker[Session]]) -> None:
    data, sessions = stored
    got = _load(sessions, data)
    assert list(got.items) == list(data.items)
    assert sorted(got.changes, key=lambda c: (c.item_key, c.at, c.seq)) == sorted(
        data.changes, key=lambda c: (c.item_key, c.at, c.seq)
    )
    assert list(got.iterations) == [
        type(i)(i.key, i.start, i.end, pi=i.pi, team=i.team, name=i.label) for i in data.iterations
    ]
    assert list(got.pis) == sorted(data.pis, key=lambda p: p.start)
    assert list(got.links) == list(data.links)
    assert [(o.team, o.pi, o.committed, o.planned_bv, o.actual_bv) for o in got.objectives] == [
        (o.team, o.pi, o.committed, o.planned_bv, o.actual_bv) for o in data.objectives
    ]
    assert list(got.teams) == list(data.team_names)


def test_reports_from_the_store_equal_the_golden_ones(
    stored: tuple[ArtData, sessionmaker[Session]],
) -> None:
    data, sessions = stored
    got = _load(sessions, data)
    for lvl in (Level.FEATURE, Level.STORY):
        assert (
            flow_report(got, WINDOW, AS_OF, lvl).to_dict()
            == flow_report(data, WINDOW, AS_OF, lvl).to_dict()
        )
        assert (
            cfd_report(got, WINDOW, AS_OF, lvl).to_dict()
            == cfd_report(data, WINDOW, AS_OF, lvl).to_dict()
        )
        assert aging_report(got, AS_OF, lvl).to_dict() == aging_report(data, AS_OF, lvl).to_dict()
        assert (
            cycle_time_report(got, WINDOW, AS_OF, lvl).to_dict()
            == cycle_time_report(data, WINDOW, AS_OF, lvl).to_dict()
        )
    assert velocity_report(got, AS_OF).to_dict() == velocity_report(data, AS_OF).to_dict()
    assert (
        burnup_report(got, "PI 26.1", AS_OF).to_dict()
        == burnup_report(data, "PI 26.1", AS_OF).to_dict()
    )
    assert (
        dependencies_report(got, "PI 26.1", AS_OF).to_dict()
        == dependencies_report(data, "PI 26.1", AS_OF).to_dict()
    )
    # objectives get store ids: compare the figures
    assert (
        predictability_history(got, AS_OF).to_dict()["data"]
        == predictability_history(data, AS_OF).to_dict()["data"]
    )


def test_filters(stored: tuple[ArtData, sessionmaker[Session]]) -> None:
    data, sessions = stored
    blue = _load(sessions, data, team="Blue")
    assert {it.key for it in blue.items} == {it.key for it in data.items if it.team == "Blue"}
    assert {c.item_key for c in blue.changes} <= {it.key for it in blue.items}
    pi = _load(sessions, data, pi="PI 26.1")
    # GREEN-F2 and GREEN-F4 have neither iteration nor PI, but provide to PI features
    assert len(pi.items) == 26
    with sessions() as session, session.begin():
        blue_f1 = session.scalars(select(WorkItem).where(WorkItem.key == "BLUE-F1")).one()
        session.add(
            WorkItem(
                source_id=blue_f1.source_id,
                art_id=blue_f1.art_id,
                key="OLD-1",
                tracker_id="OLD-1",
                title="old",
                item_type="Story",
                level="story",
                work_type="feature",
                status="Done",
                status_category="done",
                created_at=NOW,
                updated_at=NOW,
                synced_at=NOW,
            )
        )
    assert "OLD-1" not in {it.key for it in _load(sessions, data, pi="PI 26.1").items}
    assert "OLD-1" in {it.key for it in _load(sessions, data).items}
    late = _load(sessions, data, window=Window(date(2026, 2, 5), date(2026, 2, 9)))
    keys = {it.key for it in late.items}
    assert "BLUE-6" in keys and "RED-5" in keys  # open items
    assert all(it.created_at < datetime(2026, 2, 10, tzinfo=UTC) for it in late.items)


def test_pi_filter_keeps_items_moved_out_of_the_pi(
    stored: tuple[ArtData, sessionmaker[Session]],
) -> None:
    data, sessions = stored
    with sessions() as session, session.begin():
        item = session.scalars(select(WorkItem).where(WorkItem.key == "BLUE-F3")).one()
        item.iteration_id = None  # moved out of the PI...
        session.add(
            ChangeRow(
                work_item_id=item.id,
                field="iteration",
                from_value="I3",
                to_value=None,
                at=NOW,
                seq=0,
                dedupe_key="moved",
                recorded_at=NOW,
            )
        )
    assert "BLUE-F3" in {it.key for it in _load(sessions, data, pi="PI 26.1").items}


def test_a_handful_of_queries(stored: tuple[ArtData, sessionmaker[Session]]) -> None:
    """One query per table, never one per item: the ART, the names items refer to (teams,
    iterations, PIs, sources in one), items, changes, links, teams, PIs, iterations,
    objectives."""
    data, sessions = stored
    with sessions() as session:
        count = 0

        def _count(*_: object) -> None:
            nonlocal count
            count += 1

        event.listen(session.get_bind(), "before_cursor_execute", _count)
        try:
            load_art(session, SCENARIO.art, definition=data.definition, pi="PI 26.1")
        finally:
            event.remove(session.get_bind(), "before_cursor_execute", _count)
    assert count == 9


def test_unknown_art(stored: tuple[ArtData, sessionmaker[Session]]) -> None:
    _, sessions = stored
    with sessions() as session, pytest.raises(NotFound):
        load_art(session, "Nope")


def test_items_carry_their_tracker_url_and_display_key(
    stored: tuple[ArtData, sessionmaker[Session]],
) -> None:
    """Issue 14: the loader gives each item its URL and display key from its source."""
    data, sessions = stored
    golden_source = SourceConfig.model_validate(
        {"name": "golden", "kind": "jira", "url": "https://acme.atlassian.net", "art": "A"}
    )
    got = _load(sessions, data, sources={"golden": golden_source})
    blue4 = next(i for i in got.items if i.key == "BLUE-4")
    assert (blue4.url, blue4.display_key) == ("https://acme.atlassian.net/browse/BLUE-4", "BLUE-4")
    unlinked = next(i for i in _load(sessions, data).items if i.key == "BLUE-4")
    assert (unlinked.url, unlinked.display_key) == (None, None)


def test_changes_sharing_a_time_load_in_sequence_order(
    stored: tuple[ArtData, sessionmaker[Session]],
) -> None:
    """The history is read in the store's (item, time) index order, with no sort by
    sequence in SQL: changes stored at one instant in reverse sequence still load in
    sequence order."""
    data, sessions = stored
    at = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    with sessions() as session, session.begin():
        item = session.scalars(select(WorkItem).where(WorkItem.key == "BLUE-4")).one()
        for seq, (frm, to) in ((7, ("Review", "Done")), (6, ("In Progress", "Review"))):
            session.add(
                ChangeRow(
                    work_item_id=item.id,
                    field="status",
                    from_value=frm,
                    to_value=to,
                    at=at,
                    seq=seq,
                    dedupe_key=f"tie-{seq}",
                    recorded_at=NOW,
                )
            )
    with sessions() as session:  # the service's load: its per-item lists are used as read
        snapshot = snapshot_art(session, SCENARIO.art, definition=data.definition)
    for got in (snapshot.data, _load(sessions, data)):
        tied = [(c.seq, c.to_value) for c in got.changes_by_item["BLUE-4"] if c.at == at]
        assert tied == [(6, "Review"), (7, "Done")]


def test_a_full_load_builds_the_item_basics_and_the_links_by_item_while_it_reads(
    stored: tuple[ArtData, sessionmaker[Session]],
) -> None:
    """What the items and links alone give is built before the history is taken in, and
    the columns read it: they equal columns built from scratch."""
    data, sessions = stored
    with sessions() as session:
        snapshot = snapshot_art(session, SCENARIO.art, definition=data.definition)
    loaded = snapshot.data
    basics = loaded.derived_if_built(ItemBasics)
    assert basics is not None and basics.items is loaded.items
    assert basics.keys == [it.key for it in loaded.items]
    ends = snapshot.__dict__["link_ends"]  # set by the load, not built on first use
    assert ends == {
        key: [i for i, lk in snapshot.links.items() if key in (lk.from_key, lk.to_key)]
        for key in {k for lk in snapshot.links.values() for k in (lk.from_key, lk.to_key)}
    }
    seeded, scratch = columns(loaded), Columns(dataclasses.replace(loaded))
    assert seeded.keys == scratch.keys and seeded.statuses.values == scratch.statuses.values
    for name in ("key_rank", "created", "level", "status", "iteration", "cat", "t", "kind"):
        assert getattr(seeded, name).tolist() == getattr(scratch, name).tolist(), name


def test_team_rows_take_their_aliases_and_other_rows_keep_their_values() -> None:
    """A tracker's team value becomes its configured team's name in team rows only: a
    status that happens to read like a team alias stays as it is."""
    status, team = 0, 3  # metrics.history_table.FIELDS codes
    values = ["BLUE", "Red-x", "Doing", ""]
    got = _history_table(
        owner=np.array([1, 1, 1, 1], dtype=np.int64),
        field=np.array([team, status, team, team], dtype=np.int8),
        t=np.array([1, 2, 3, 4], dtype=np.int64),
        seq=np.zeros(4, dtype=np.int64),
        frm=np.array([0, 2, 1, -1], dtype=np.int32),
        to=np.array([1, 0, 3, 0], dtype=np.int32),
        values=values,
        fc=np.full(4, -1, dtype=np.int8),
        tc=np.full(4, -1, dtype=np.int8),
        aliases={"BLUE": "Blue", "Red-x": "Doing", "": "Nobody"},
    ).table
    made = [(c.from_value, c.to_value) for c in got.made(0, 4, "A-1")]
    assert made == [("Blue", "Doing"), ("Doing", "BLUE"), ("Doing", ""), (None, "Blue")]
    assert values == ["BLUE", "Red-x", "Doing", ""]  # (the read's own list is not changed)


def test_items_of_an_art_of_several_sources_each_take_their_own_sources_references() -> None:
    jira = SourceConfig.model_validate(
        {"name": "j", "kind": "jira", "url": "https://acme.atlassian.net", "art": "A"}
    )
    ado = SourceConfig.model_validate(
        {"name": "a", "kind": "azure-devops", "url": "https://dev.azure.com/o", "art": "A",
         "project": "P"}
    )  # fmt: skip
    got = _refs(["B-1", "12", "C-3"], ["j", "a", "gone"], {"j": jira, "a": ado})
    assert got == (
        [
            "https://acme.atlassian.net/browse/B-1",
            "https://dev.azure.com/o/P/_workitems/edit/12",
            None,
        ],
        ["B-1", "#12", None],
    )
    assert _refs(["B-1"], ["j"], {"j": jira}) == (
        ["https://acme.atlassian.net/browse/B-1"],
        ["B-1"],
    )
    assert _refs([], [], {"j": jira}) == ([], [])


@pytest.mark.parametrize("seed", range(5))
def test_rows_read_by_item_and_time_are_put_in_sequence_order_as_a_full_sort_would(
    seed: int,
) -> None:
    """PostgreSQL gives rows sharing an item and a time in any order: only those runs are
    put in sequence order, and the rows end as a stable sort of every row puts them."""
    rng = np.random.default_rng(seed)
    n = 2_000
    owner = np.sort(rng.integers(0, 300, n))
    t = np.zeros(n, dtype=np.int64)
    for item in np.unique(owner).tolist():
        rows = np.flatnonzero(owner == item)
        t[rows] = np.sort(rng.integers(0, 4, rows.size))  # many ties
    seq = rng.integers(0, 3, n)  # equal sequences too: the order read is kept among them
    order = _row_order(owner, t, seq)
    assert isinstance(order, np.ndarray)
    assert order.tolist() == np.lexsort((seq, t, owner)).tolist()
    in_order = np.lexsort((seq, t, owner))
    assert _row_order(owner[in_order], t[in_order], seq[in_order]) == slice(None)
    shuffled = rng.permutation(n)  # read in another order: every row sorted
    assert (
        _row_order(owner[shuffled], t[shuffled], seq[shuffled]).tolist()  # type: ignore[union-attr]
        == np.lexsort((seq[shuffled], t[shuffled], owner[shuffled])).tolist()
    )


def test_a_team_committed_with_its_items_just_before_the_items_are_read_is_named(
    stored: tuple[ArtData, sessionmaker[Session]],
) -> None:
    """Items carry their team's id and the names are read after them: a sync that commits a
    new team and moves an item to it just before the load reads the items gives that item
    the team's name (names read before the items would not know the id)."""
    data, sessions = stored
    moved = False

    def commit_a_new_team(_c: object, _cur: object, statement: str, *_: object) -> None:
        nonlocal moved
        if moved or "work_items.title" not in statement:
            return
        moved = True
        with sessions() as other, other.begin():
            art_id = other.scalar(select(WorkItem.art_id).where(WorkItem.key == "BLUE-4"))
            team = Team(art_id=art_id, name="Teal")
            other.add(team)
            other.flush()
            other.execute(update(WorkItem).where(WorkItem.key == "BLUE-4").values(team_id=team.id))

    with sessions() as session:
        event.listen(session.get_bind(), "before_cursor_execute", commit_a_new_team)
        try:
            got = load_art(session, SCENARIO.art, definition=data.definition)
        finally:
            event.remove(session.get_bind(), "before_cursor_execute", commit_a_new_team)
    assert moved
    assert next(i.team for i in got.items if i.key == "BLUE-4") == "Teal"
