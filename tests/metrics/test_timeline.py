"""Start and done rules, the active/wait split and calendar days, case by case (docs/metrics.md
"Start and done", "Flow time, active and wait time, lead time").

Each case: one item's history (days and hours after Monday 2026-03-02 00:00 UTC) and the
figures worked out by hand.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import numpy as np
import pytest
from builder import Art, at

from art.vocabulary import Level, StatusCategory
from metrics.inputs import ArtData
from metrics.scope import scope
from metrics.timeline import ItemFlow, day_end, day_start, flows_of, local_date

IP, DONE, TODO, BLOCKED = "In Progress", "Done", "To Do", "Blocked"
S = "status"

# name: (history, item kwargs, started, done, category, flow, active, wait, calendar incl.)
CASES: dict[str, tuple[list[Any], dict[str, Any], Any, Any, str, Any, Any, Any, Any]] = {
    "simple": (
        [(at(1, 9), S, IP), (at(3, 9), S, DONE)],
        {},
        at(1, 9),
        at(3, 9),
        "done",
        2.0,
        2.0,
        0.0,
        3,
    ),
    "todo straight to done never started": (
        [(at(2, 12), S, DONE)],
        {},
        None,
        at(2, 12),
        "done",
        None,
        None,
        None,
        None,
    ),
    "reopened and still open is not done": (
        [(at(1), S, IP), (at(2), S, DONE), (at(3), S, IP)],
        {},
        at(1),
        None,
        "active",
        None,
        None,
        None,
        None,
    ),
    "reopened and done again: last entry, done time is wait": (
        [(at(1), S, IP), (at(2), S, DONE), (at(4), S, IP), (at(5, 12), S, DONE)],
        {},
        at(1),
        at(5, 12),
        "done",
        4.5,
        2.5,
        2.0,
        5,
    ),
    "skips to a wait status: started": (
        [(at(1), S, BLOCKED), (at(3), S, DONE)],
        {},
        at(1),
        at(3),
        "done",
        2.0,
        0.0,
        2.0,
        3,
    ),
    "created in progress starts at creation": (
        [(at(2, 6), S, DONE)],
        {"status": IP, "created": at(1, 6)},
        at(1, 6),
        at(2, 6),
        "done",
        1.0,
        1.0,
        0.0,
        2,
    ),
    "done then closed: entry into the done category": (
        [(at(1), S, IP), (at(2), S, DONE), (at(3), S, "Closed")],
        {},
        at(1),
        at(2),
        "done",
        1.0,
        1.0,
        0.0,
        2,
    ),
    "back to todo after start is wait": (
        [(at(1), S, IP), (at(2), S, TODO), (at(4), S, IP), (at(5), S, DONE)],
        {},
        at(1),
        at(5),
        "done",
        4.0,
        2.0,
        2.0,
        5,
    ),
    "flagged while active is wait": (
        [(at(1), S, IP), (at(2), "flagged", True), (at(2, 12), "flagged", False), (at(3), S, DONE)],
        {},
        at(1),
        at(3),
        "done",
        2.0,
        1.5,
        0.5,
        3,
    ),
    "flagged during a wait status is not counted twice": (
        [
            (at(1), S, IP),
            (at(2), S, BLOCKED),
            (at(2, 6), "flagged", True),
            (at(3), S, IP),
            (at(3, 12), "flagged", False),
            (at(4), S, DONE),
        ],
        {},
        at(1),
        at(4),
        "done",
        3.0,
        1.5,
        1.5,
        4,
    ),
    "flagged before start, cleared after": (
        [(at(1), S, IP), (at(1, 12), "flagged", False), (at(2), S, DONE)],
        {"flagged": True},
        at(1),
        at(2),
        "done",
        1.0,
        0.5,
        0.5,
        2,
    ),
    "removed after start": (
        [(at(1), S, IP), (at(2), S, "Won't Do")],
        {},
        at(1),
        None,
        "removed",
        None,
        None,
        None,
        None,
    ),
    "created done": (
        [],
        {"status": DONE, "created": at(1)},
        None,
        at(1),
        "done",
        None,
        None,
        None,
        None,
    ),
    "change stamped before creation counts at creation": (
        [(at(-8), S, IP), (at(1), S, DONE)],
        {"created": at(-7)},
        at(-7),
        at(1),
        "done",
        8.0,
        8.0,
        0.0,
        9,
    ),
    "done after as_of is still in progress": (
        [(at(1), S, IP), (at(40), S, DONE)],
        {},
        at(1),
        None,
        "active",
        None,
        None,
        None,
        None,
    ),
}


def _flow(art: Art, key: str, as_of: datetime | None = None) -> ItemFlow:
    data: ArtData = art.data()
    (f,) = flows_of(data, [data.by_key[key]], as_of or at(30))
    return f


@pytest.mark.parametrize("name", list(CASES))
def test_rules(name: str) -> None:
    history, kw, started, done, cat, flow, active, wait, cal = CASES[name]
    f = _flow(Art().item("X-1", history, **kw), "X-1")
    assert f.started_at == started
    assert f.done_at == done
    assert f.category == StatusCategory(cat)
    assert f.flow_days == (None if flow is None else pytest.approx(flow, abs=1e-12))
    assert f.active_days == (None if active is None else pytest.approx(active, abs=1e-12))
    assert f.wait_days == (None if wait is None else pytest.approx(wait, abs=1e-12))
    assert f.calendar_days == cal
    if f.flow_days is not None:
        assert f.active_days is not None and f.wait_days is not None
        assert f.active_days + f.wait_days == pytest.approx(f.flow_days, abs=1e-12)


def test_in_progress_counts_items_back_in_todo() -> None:
    f = _flow(Art().item("X", [(at(1), S, IP), (at(2), S, TODO)]), "X")
    assert f.in_progress and f.category == StatusCategory.TODO


def test_removed_and_done_items_are_not_in_progress() -> None:
    art = Art().item("R", [(at(1), S, IP), (at(2), S, "Won't Do")])
    art.item("D", [(at(1), S, IP), (at(2), S, DONE)])
    assert not _flow(art, "R").in_progress and not _flow(art, "D").in_progress


def test_done_rule_first_takes_the_first_entry() -> None:
    art = Art(definition_kw={"done_rule": "first"})
    art.item("X", [(at(1), S, IP), (at(2), S, DONE), (at(4), S, IP), (at(5, 12), S, DONE)])
    f = _flow(art, "X")
    assert (f.done_at, f.flow_days, f.active_days, f.wait_days) == (at(2), 1.0, 1.0, 0.0)


def test_done_rule_first_still_requires_the_item_to_be_done() -> None:
    art = Art(definition_kw={"done_rule": "first"})
    art.item("X", [(at(1), S, IP), (at(2), S, DONE), (at(4), S, IP)])
    assert _flow(art, "X").done_at is None


def test_named_start_status() -> None:
    art = Art(definition_kw={"start_status": "In Review"})
    art.item("X", [(at(1), S, IP), (at(2), S, "In Review"), (at(3), S, DONE)])
    f = _flow(art, "X")
    assert (f.started_at, f.flow_days) == (at(2), 1.0)


def test_named_start_status_skipped_falls_back_to_first_active() -> None:
    art = Art(definition_kw={"start_status": "In Review"})
    art.item("X", [(at(1), S, IP), (at(3), S, DONE)])
    assert _flow(art, "X").started_at == at(1)


def test_as_of_before_start_is_not_started() -> None:
    f = _flow(Art().item("X", [(at(5), S, IP)]), "X", as_of=at(4))
    assert (f.started_at, f.category, f.in_progress) == (None, StatusCategory.TODO, False)


def test_before_creation_there_is_no_item() -> None:
    f = _flow(Art().item("X", [], created=at(5)), "X", as_of=at(4))
    assert (f.category, f.status) == (None, None)


def test_lead_time_from_creation() -> None:
    f = _flow(Art().item("X", [(at(1), S, IP), (at(3), S, DONE)], created=at(0, 12)), "X")
    assert f.lead_days == 2.5


@pytest.mark.parametrize(
    ("tz", "count_start_day", "expected"),
    [("Europe/Berlin", True, 1), ("Europe/Berlin", False, 0), ("UTC", True, 2), ("UTC", False, 1)],
)
def test_calendar_days_in_the_art_time_zone(tz: str, count_start_day: bool, expected: int) -> None:
    # 2026-03-02 23:30 UTC is 2026-03-03 00:30 in Berlin; 2026-03-03 22:30 UTC is 23:30 there.
    art = Art(timezone=tz, definition_kw={"count_start_day": count_start_day})
    art.item("X", [(at(0, 23.5), S, IP), (at(1, 22.5), S, DONE)])
    f = _flow(art, "X")
    assert f.calendar_days == expected
    assert f.flow_days == pytest.approx(23 / 24)


def test_durations_across_dst_are_elapsed_time() -> None:
    # Berlin moves to summer time on 2026-03-29: noon to noon UTC is still 1.0 day elapsed.
    art = Art(timezone="Europe/Berlin")
    art.item("X", [(at(26, 12), S, IP), (at(27, 12), S, DONE)])
    f = _flow(art, "X")
    assert (f.flow_days, f.calendar_days) == (1.0, 2)


def test_day_bounds_in_berlin() -> None:
    import zoneinfo

    tz = zoneinfo.ZoneInfo("Europe/Berlin")
    day = at(0).date()
    assert day_start(day, tz).isoformat() == "2026-03-01T23:00:00+00:00"
    assert day_end(day, tz).isoformat() == "2026-03-02T23:00:00+00:00"
    # the day summer time starts is 23 hours long
    summer = at(27).date()
    assert (day_end(summer, tz) - day_start(summer, tz)).total_seconds() == 23 * 3600
    assert local_date(at(0, 23), tz).isoformat() == "2026-03-03"


# restart_on_backlog (docs/metrics.md "Start and done"): name -> (history, definition, as_of,
# started, done, flow, active, wait, calendar days incl.); both engines must give these figures.
RESTARTS: dict[str, tuple[list[Any], dict[str, Any], Any, Any, Any, Any, Any, Any, Any]] = {
    "back to todo and started again: the last start": (
        [(at(1), S, IP), (at(2), S, TODO), (at(4), S, IP), (at(5), S, DONE)],
        {},
        at(30),
        at(4),
        at(5),
        1.0,
        1.0,
        0.0,
        2,
    ),
    "started again into a wait status": (
        [(at(1), S, IP), (at(2), S, TODO), (at(3), S, BLOCKED), (at(4, 12), S, DONE)],
        {},
        at(30),
        at(3),
        at(4, 12),
        1.5,
        0.0,
        1.5,
        2,
    ),
    "two restarts: the last one": (
        [
            (at(1), S, IP),
            (at(2), S, TODO),
            (at(3), S, IP),
            (at(4), S, TODO),
            (at(6), S, IP),
            (at(7, 6), S, DONE),
        ],
        {},
        at(30),
        at(6),
        at(7, 6),
        1.25,
        1.25,
        0.0,
        2,
    ),
    "back to todo, not started again: keeps its start": (
        [(at(1), S, IP), (at(2), S, TODO), (at(3), S, DONE)],
        {},
        at(30),
        at(1),
        at(3),
        2.0,
        1.0,
        1.0,
        3,
    ),
    "reopened from done is no restart": (
        [(at(1), S, IP), (at(2), S, DONE), (at(4), S, IP), (at(5, 12), S, DONE)],
        {},
        at(30),
        at(1),
        at(5, 12),
        4.5,
        2.5,
        2.0,
        5,
    ),
    "as it stood before the restart": (
        [(at(1), S, IP), (at(2), S, TODO), (at(4), S, IP), (at(5), S, DONE)],
        {},
        at(3),
        at(1),
        None,
        None,
        None,
        None,
        None,
    ),
    "first done rule reads from the last start": (
        [(at(1), S, IP), (at(2), S, DONE), (at(3), S, TODO), (at(4), S, IP), (at(5), S, DONE)],
        {"done_rule": "first"},
        at(30),
        at(4),
        at(5),
        1.0,
        1.0,
        0.0,
        2,
    ),
    "named start status after the restart": (
        [
            (at(1), S, IP),
            (at(2), S, "In Review"),
            (at(3), S, TODO),
            (at(4), S, IP),
            (at(5), S, "In Review"),
            (at(6), S, DONE),
        ],
        {"start_status": "In Review"},
        at(30),
        at(5),
        at(6),
        1.0,
        1.0,
        0.0,
        2,
    ),
}


@pytest.mark.parametrize("name", list(RESTARTS))
def test_restart_on_backlog(name: str) -> None:
    history, kw, as_of, started, done, flow, active, wait, cal = RESTARTS[name]
    art = Art(definition_kw={"restart_on_backlog": True, **kw}).item("X", history)
    data = art.data()
    (ref,) = flows_of(data, data.items, as_of)
    sc = scope(data, as_of, Level.STORY, None)
    (row,) = sc.rows(np.flatnonzero(sc.sel))
    for f in (ref, row.flow):
        assert (f.started_at, f.done_at) == (started, done)
        assert (f.flow_days, f.active_days, f.wait_days, f.calendar_days) == (
            flow,
            active,
            wait,
            cal,
        )
        assert f.in_progress == (done is None)


def test_restart_on_backlog_off_keeps_the_first_start() -> None:
    history = RESTARTS["back to todo and started again: the last start"][0]
    f = _flow(Art().item("X", history), "X")
    assert (f.started_at, f.flow_days, f.active_days, f.wait_days) == (at(1), 4.0, 2.0, 2.0)
