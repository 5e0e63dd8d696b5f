"""Each item's state at the end of each day (metrics.daily): the end of a day excludes a
change stamped at the next midnight, as-of's own day reads the state at as_of, the flow
load's "started" never reverts, and blocked is wait time (a wait status, or flagged while
active)."""

from __future__ import annotations

from dataclasses import replace

from art.vocabulary import StatusCategory
from metrics.daily import daily_states, flow_facts, structure_fingerprint
from tests.metrics.builder import Art, at, d


def _art() -> Art:
    art = Art().pi("PI 1", 0, 13).iteration("S1", 0, 6, name="Sprint 1").iteration("S2", 7, 13)
    art.item(
        "A-1",
        [
            (at(1), "status", "In Progress"),  # exactly Tuesday midnight: Tuesday's
            (at(1, 12), "flagged", True),
            (at(2, 9), "flagged", False),
            (at(2, 10), "status", "To Do"),  # sent back: still started for the flow load
            (at(3, 8), "iteration", "S2"),
            (at(3, 9), "points", 5.0),
            (at(3, 10), "status", "Blocked"),
            (at(4, 16), "status", "Done"),
        ],
        created=at(0, 10),
        iteration="S1",
        points=3.0,
    )
    art.item("A-2", created=at(2, 23))
    art.item("A-3", created=at(9))  # after as_of: no rows
    art.item("A-4", created=at(0), deleted=True)  # deleted: no rows
    return art


def test_one_row_per_day_with_the_state_at_its_end() -> None:
    data = _art().data()
    rows = daily_states(data, ["A-1", "A-2", "A-3", "A-4"], at(5, 12))
    a1 = [
        (r.day, r.status, r.iteration, r.pi, r.points, r.flagged, r.blocked, r.started)
        for r in rows
        if r.key == "A-1"
    ]
    assert a1 == [
        (d(0), "To Do", "Sprint 1", "PI 1", 3.0, False, False, False),
        (d(1), "In Progress", "Sprint 1", "PI 1", 3.0, True, True, True),
        (d(2), "To Do", "Sprint 1", "PI 1", 3.0, False, False, True),
        (d(3), "Blocked", "S2", "PI 1", 5.0, False, True, True),
        (d(4), "Done", "S2", "PI 1", 5.0, False, False, True),
        (d(5), "Done", "S2", "PI 1", 5.0, False, False, True),
    ]
    assert [(r.day, r.category) for r in rows if r.key == "A-2"] == [
        (d(day), StatusCategory.TODO) for day in (2, 3, 4, 5)
    ]
    assert {r.key for r in rows} == {"A-1", "A-2"}
    since = daily_states(data, ["A-1"], at(5, 12), since=d(4))
    assert [r.day for r in since] == [d(4), d(5)]


def test_as_ofs_own_day_is_the_state_at_as_of() -> None:
    data = _art().data()
    rows = daily_states(data, ["A-1"], at(4, 12))
    assert (rows[-1].day, rows[-1].status) == (d(4), "Blocked")  # done only at 16:00


def test_flow_facts_follow_the_start_and_done_rules() -> None:
    (facts,) = flow_facts(_art().data(), ["A-1", "A-3"], at(5, 12))
    assert (facts.key, facts.pi, facts.started_at, facts.done_at) == (
        "A-1",
        "PI 1",
        at(1),
        at(4, 16),
    )
    assert (facts.done_date, facts.flow_days) == (d(4), 3.6666666666666665)


def test_the_fingerprint_moves_with_the_rules_and_structure_only() -> None:
    data = _art().data()
    same = _art().data()
    assert structure_fingerprint(data) == structure_fingerprint(same)
    remapped = replace(
        data.definition, statuses={**data.definition.statuses, "Blocked": StatusCategory.ACTIVE}
    )
    moved = _art().pi("PI 2", 14, 27).data()
    assert structure_fingerprint(replace(data, definition=remapped)) != structure_fingerprint(data)
    assert structure_fingerprint(moved) != structure_fingerprint(data)
