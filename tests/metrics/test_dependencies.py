"""Dependency direction, dates, status rules in order, upstream, cycles and reasons.

PI 1 runs 2026-03-02 .. 2026-04-12 with I1 (days 0-13), I2 (14-27), I3 (28-41); as_of is
day 16 (in I2). planned_by of an I1 provider is the end of day 13 = day 14 00:00; needed_by
of an I3 consumer is day 28 00:00.
"""

from __future__ import annotations

from typing import Any

import pytest
from builder import Art, at, d, with_tracker_links

from app.reports.item_links import link_items
from metrics.cycles import find_cycles
from metrics.dependencies import dependencies_report
from metrics.output import iso

AS_OF = at(16)


def _art(timezone: str = "UTC") -> Art:
    art = Art(timezone=timezone).pi("PI 1", 0, 41)
    art.iteration("I1", 0, 13).iteration("I2", 14, 27).iteration("I3", 28, 41)
    f = {"level": "feature"}
    a, b = {"team": "A", **f}, {"team": "B", **f}
    art.item("P-DONE", [(at(5), "status", "Done")], iteration="I1", **a)
    art.item("C1", iteration="I2", **b)
    art.item("P-LATE", [(at(2), "status", "In Progress")], iteration="I1", **a)
    art.item("C2", iteration="I3", **b)
    art.item("D2", pi="PI 1", **a)  # waits on C2, which waits on a late provider
    art.item("P-UNSCHED", **a)
    art.item("C3", iteration="I3", **b)
    art.item("E3", pi="PI 1", **a)  # waits on C3, whose own dependency is only at_risk
    art.item("P-OK", iteration="I2", **a)
    art.item("C4", iteration="I3", **b)
    art.item("P-SAME", iteration="I3", **a)
    art.item("C5", iteration="I3", **b)
    art.item("P-CONF", iteration="I3", **a)
    art.item("C6", iteration="I2", **b)
    art.item("P-REM", [(at(3), "status", "Won't Do")], iteration="I2", **a)
    art.item("C7", iteration="I3", **b)
    art.item("P-TGT", iteration="I3", target_date=d(20), **a)
    art.item("C9", iteration="I3", **b)
    art.item("P10", iteration="I2", **a)
    art.item("C10", iteration="I3", **b)
    art.item("C11", pi="PI 1", **b)
    art.item("OTHER-1", iteration="I3", team="A", art="OTHER", level="feature")
    art.item("SAME-1", iteration="I3", **a)
    art.link("P-DONE", "blocks", "C1").link("P-LATE", "blocks", "C2")
    art.link("C2", "blocks", "D2").link("P-UNSCHED", "blocks", "C3").link("C3", "blocks", "E3")
    art.link("P-OK", "blocks", "C4").link("P-SAME", "blocks", "C5")
    art.link("P-CONF", "blocks", "C6").link("P-REM", "blocks", "C7")
    art.link("P-TGT", "blocks", "C9").link("C10", "depends-on", "P10")
    art.link("P10", "blocks", "C10")  # the same dependency seen from the other end
    art.link("P-OK", "blocks", "C11").link("P-OK", "blocks", "OTHER-1")
    art.link("P-OK", "blocks", "SAME-1").link("P-OK", "relates", "C2")
    return art


def _deps(art: Art, **kw: Any) -> dict[tuple[str, str], dict[str, Any]]:
    rep = dependencies_report(art.data(), "PI 1", AS_OF, **kw).to_dict()
    return {(x["provider"]["key"], x["consumer"]["key"]): x for x in rep["data"]}


# (provider, consumer) -> status, upstream, planned_by day, needed_by day
EXPECTED: dict[tuple[str, str], tuple[str, bool, int | None, int | None]] = {
    ("P-DONE", "C1"): ("resolved", False, 14, 14),
    ("P-LATE", "C2"): ("late", False, 14, 28),
    ("C2", "D2"): ("at_risk", True, 42, 42),
    ("P-UNSCHED", "C3"): ("at_risk", False, None, 28),
    ("C3", "E3"): ("on_track", False, 42, 42),
    ("P-OK", "C4"): ("on_track", False, 28, 28),
    ("P-SAME", "C5"): ("at_risk", False, 42, 28),
    ("P-CONF", "C6"): ("conflict", False, 42, 14),
    ("P-REM", "C7"): ("removed", False, 28, 28),
    ("P-TGT", "C9"): ("on_track", False, 21, 28),
    ("P10", "C10"): ("on_track", False, 28, 28),
    ("P-OK", "C11"): ("on_track", False, 28, 42),
    ("P-OK", "OTHER-1"): ("on_track", False, 28, 28),
    ("P-OK", "SAME-1"): ("on_track", False, 28, 28),
}


def test_status_rules_in_order() -> None:
    got = _deps(_art())
    assert list(got) == list(EXPECTED)  # link order; relates is no dependency; dupes merged
    for pair, (status, upstream, planned, needed) in EXPECTED.items():
        dep = got[pair]
        assert (dep["status"], dep["upstream"]) == (status, upstream), pair
        assert dep["planned_by"] == (None if planned is None else iso(at(planned))), pair
        assert dep["needed_by"] == (None if needed is None else iso(at(needed))), pair


def test_cross_team_and_cross_art() -> None:
    got = _deps(_art())
    assert got[("P-OK", "C4")]["cross_team"] and not got[("P-OK", "C4")]["cross_art"]
    assert not got[("P-OK", "SAME-1")]["cross_team"]
    assert got[("P-OK", "OTHER-1")]["cross_art"]
    assert len(_deps(_art(), cross_team_only=True)) == len(EXPECTED) - 2  # same-team ones


def test_filters() -> None:
    assert list(_deps(_art(), status="conflict")) == [("P-CONF", "C6")]
    assert all(
        "B" in (x["provider"]["team"], x["consumer"]["team"])
        for x in _deps(_art(), team="B").values()
    )
    assert ("P-OK", "SAME-1") not in _deps(_art(), team="B")


def test_reasons_carry_dates_and_iterations() -> None:
    got = _deps(_art())
    assert got[("P-LATE", "C2")]["reason"] == (
        "P-LATE (A) was planned to finish with I1 on 2026-03-15 and is not done"
    )
    assert got[("P-CONF", "C6")]["reason"] == (
        "P-CONF (A) is planned to finish with I3 on 2026-04-12, 28 days after C6 (B) needs it "
        "at the start of I2 on 2026-03-16"
    )
    assert got[("P-SAME", "C5")]["reason"] == (
        "P-SAME (A) is planned to finish with I3 on 2026-04-12, within I3 (2026-03-30 to "
        "2026-04-12), the iteration in which C5 (B) needs it"
    )
    assert got[("P-UNSCHED", "C3")]["reason"] == (
        "P-UNSCHED (A) has neither a target date nor an iteration, and C3 (B) needs it at the "
        "start of I3 on 2026-03-30"
    )
    assert got[("C2", "D2")]["reason"].endswith(
        "; but C2 (B) itself waits on P-LATE (A), which is late"
    )
    assert got[("P-OK", "C11")]["reason"].endswith("needs it by the end of PI 1 on 2026-04-12")
    assert got[("P-TGT", "C9")]["reason"].startswith(
        "P-TGT (A) is planned to finish by its target date 2026-03-22"
    )
    assert got[("P-REM", "C7")]["reason"] == "P-REM (A) was removed"
    assert got[("P-DONE", "C1")]["reason"] == "P-DONE (A) is done since 2026-03-07"


def test_consumer_removed() -> None:
    art = Art().pi("PI 1", 0, 41).iteration("I1", 0, 13)
    art.item("P", iteration="I1", level="feature")
    art.item("C", [(at(1), "status", "Won't Do")], iteration="I1", level="feature", team="B")
    art.link("P", "blocks", "C")
    (dep,) = _deps(art).values()
    assert (dep["status"], dep["reason"]) == ("removed", "C (B) was removed")


def test_planned_by_is_the_end_of_the_local_day() -> None:
    got = _deps(_art("Europe/Berlin"))
    # I1 ends 2026-03-15; its end is midnight in Berlin, 23:00 UTC (winter time)
    assert got[("P-LATE", "C2")]["planned_by"] == "2026-03-15T23:00:00+00:00"
    # I3 starts 2026-03-30, after the switch to summer time: 22:00 UTC
    assert got[("P-LATE", "C2")]["needed_by"] == "2026-03-29T22:00:00+00:00"


def test_cycles_are_reported() -> None:
    art = Art().pi("PI 1", 0, 41).iteration("I1", 0, 13)
    for k in ("X1", "X2", "X3", "Y"):
        art.item(k, iteration="I1", level="feature")
    art.link("X1", "blocks", "X2").link("X2", "blocks", "X3").link("X3", "blocks", "X1")
    art.link("X3", "blocks", "Y")
    rep = dependencies_report(art.data(), "PI 1", AS_OF).to_dict()
    assert rep["cycles"] == [["X1", "X2", "X3"]]
    flags = {(x["provider"]["key"], x["consumer"]["key"]): x["in_cycle"] for x in rep["data"]}
    assert flags == {("X1", "X2"): True, ("X2", "X3"): True, ("X3", "X1"): True, ("X3", "Y"): False}


@pytest.mark.parametrize(
    ("edges", "cycles"),
    [
        ([("a", "b"), ("b", "a")], [["a", "b"]]),
        ([("a", "b"), ("b", "c")], []),
        (
            [("a", "b"), ("b", "a"), ("c", "d"), ("d", "e"), ("e", "c")],
            [["a", "b"], ["c", "d", "e"]],
        ),
        ([("a", "a")], [["a"]]),
    ],
)
def test_find_cycles(edges: list[tuple[str, str]], cycles: list[list[str]]) -> None:
    assert find_cycles(edges) == cycles


def test_links_to_unknown_items_are_skipped() -> None:
    art = Art().pi("PI 1", 0, 41).iteration("I1", 0, 13).item("P", iteration="I1")
    art.link("P", "blocks", "ELSEWHERE-1")
    assert _deps(art) == {}


def test_dependency_ends_linked_by_their_report() -> None:
    """The dependencies body links its own providers and consumers: as link_items would."""
    data = with_tracker_links(_art().data())
    report = dependencies_report(data, "PI 1", AS_OF)
    linked = report.to_dict(linked=True)
    assert len(linked["data"]) == 14
    assert repr(linked) == repr(link_items(report.to_dict(), data.by_key))
