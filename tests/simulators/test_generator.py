"""The generated ART: deterministic, well formed, and with something true for every report."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, timedelta

import pytest

from simulators.generator import STATUSES, generate_art
from simulators.scenario import Scenario, ScenarioItem

TODAY = date(2026, 3, 4)  # a Wednesday


@pytest.fixture(scope="module")
def art() -> Scenario:
    return generate_art(seed=7, items=1000, teams=5, today=TODAY)


def category(scenario: Scenario, item: ScenarioItem, at: datetime | None = None) -> str:
    value = item.current("status") if at is None else item.value_at("status", at)
    return scenario.statuses[str(value)]


def test_same_seed_same_art_other_seed_other_art() -> None:
    one = generate_art(seed=3, items=400, today=TODAY).to_dict()
    assert one == generate_art(seed=3, items=400, today=TODAY).to_dict()
    assert one != generate_art(seed=4, items=400, today=TODAY).to_dict()


def test_calendar_two_finished_pis_a_running_one_and_the_next(art: Scenario) -> None:
    assert [p.name for p in art.pis] == ["PI 25.4", "PI 25.5", "PI 26.1", "PI 26.2"]
    assert [(p.start, p.end) for p in art.pis][2] == (date(2026, 1, 26), date(2026, 4, 5))
    assert art.pis[1].end < TODAY and art.pis[2].start <= TODAY <= art.pis[2].end
    assert art.pis[3].start > TODAY and art.as_of == datetime(2026, 3, 4, tzinfo=UTC)
    assert art.report_pi == "PI 26.1" and art.window == (art.pis[1].start, TODAY)
    names = art.iteration_names()
    assert len(names) == len(set(names)) == 20 and names[10] == "PI 26.1 I1"
    for pi in art.pis:
        assert pi.iterations[0].start == pi.start and pi.iterations[-1].end == pi.end
        for it, nxt in zip(pi.iterations, pi.iterations[1:], strict=False):
            assert (it.end - it.start, nxt.start - it.end) == (timedelta(13), timedelta(1))
    current = art.iteration(names[12])[1]  # today is in the third iteration of the current PI
    assert current.start <= TODAY <= current.end


@pytest.mark.parametrize(("items", "teams"), [(30, 5), (60, 3), (1000, 5), (2500, 8)])
def test_exact_size_and_a_well_formed_history(items: int, teams: int) -> None:
    s = generate_art(seed=1, items=items, teams=teams, today=TODAY)
    assert len(s.items) == items and len(s.teams) == teams
    keys = [i.key for i in s.items] + [o.key for o in s.objectives] + [r.key for r in s.risks]
    assert len(keys) == len(set(keys))
    by_key = {i.key: i for i in s.items}
    names = set(s.iteration_names())
    for item in s.items:
        assert item.key.rsplit("-", 1)[0] == item.team.upper()
        assert item.created < s.as_of
        parent = by_key.get(item.parent) if item.parent else None
        if item.parent:
            assert parent is not None
            assert (item.level, parent.level) in {("story", "feature"), ("feature", "epic")}
        ats = [c.at for c in item.history]
        assert ats == sorted(ats) and all(item.created <= a < s.as_of for a in ats), item.key
        current = dict(item.initial)
        for change in item.history:
            assert change.to != current[change.field], (item.key, change)  # a real change
            current[change.field] = change.to
            if change.field == "status":
                assert change.to in STATUSES
            if change.field == "iteration":
                assert change.to is None or change.to in names
    links = {(k.from_key, k.to_key) for k in s.links}
    assert all(a in by_key and b in by_key and a != b for a, b in links)


def dependency_statuses(s: Scenario) -> Counter[str]:
    """The dependency status rules of docs/metrics.md, at as_of, upstream rule included."""
    items = {i.key: i for i in s.items}
    assert s.as_of is not None
    as_of = s.as_of

    def due(i: ScenarioItem) -> date | None:
        it = i.current("iteration")
        return i.target_date or (s.iteration(str(it))[1].end if it else None)

    def need(i: ScenarioItem) -> date | None:
        it = i.current("iteration")
        return s.iteration(str(it))[1].start if it else None

    status: dict[tuple[str, str], str] = {}
    for link in s.links:
        if link.kind == "relates":
            continue
        p, c = (
            (items[link.from_key], items[link.to_key])
            if link.kind == "blocks"
            else (items[link.to_key], items[link.from_key])
        )
        planned = due(p)
        needed = need(c)
        if "removed" in (category(s, p), category(s, c)):
            result = "removed"
        elif category(s, p) == "done":
            result = "resolved"
        elif planned is None:
            result = "at_risk:unscheduled"
        elif datetime.combine(planned + timedelta(1), datetime.min.time(), UTC) <= as_of:
            result = "late"
        elif needed is None or planned < needed:
            result = "on_track"
        elif c.current("iteration") and s.iteration(str(c.current("iteration")))[1].end >= planned:
            result = "at_risk:same_iteration"
        else:
            result = "conflict"
        status[(p.key, c.key)] = result
    for (p, c), result in list(status.items()):
        if result == "on_track" and any(
            q == p and r in ("late", "conflict") for (_, q), r in status.items()
        ):
            status[(p, c)] = "at_risk:upstream"
    return Counter(status.values())


@pytest.mark.parametrize("items", [30, 1000])
def test_dependencies_in_every_status_even_in_a_small_art(items: int) -> None:
    s = generate_art(seed=2, items=items, teams=5, today=TODAY)
    found = dependency_statuses(s)
    assert set(found) == {
        "removed",
        "resolved",
        "late",
        "at_risk:unscheduled",
        "on_track",
        "at_risk:same_iteration",
        "conflict",
        "at_risk:upstream",
    }, found
    teams = {i.key: i.team for i in s.items}
    assert sum(teams[k.from_key] != teams[k.to_key] for k in s.links) >= len(s.links) - 2


def test_flow_history_has_every_pattern_the_reports_need(art: Scenario) -> None:
    order = {"To Do": 0, "In Progress": 1, "Blocked": 1, "In Review": 2, "Done": 3, "Won't Do": 3}
    seen: Counter[str] = Counter()
    pi = art.pis[2]
    pi_start = datetime.combine(pi.start, datetime.min.time(), UTC)
    for item in art.items:
        status = str(item.initial["status"])
        started = False
        for c in item.history:
            if c.field == "status":
                to = str(c.to)
                seen["backward"] += order[to] < order[status]
                seen["reopened"] += status == "Done" and to != "Done"
                seen["blocked"] += to == "Blocked"
                seen["done without starting"] += to == "Done" and not started
                started = started or art.statuses[to] in ("active", "wait")
                status = to
            seen["flagged"] += c.field == "flagged" and c.to is True
            seen["re-estimated"] += c.field == "points"
            seen["moved iteration"] += c.field == "iteration"
        seen["scope added mid-PI"] += (
            item.level == "story"
            and item.created > pi_start
            and str(item.initial["iteration"]).startswith(pi.name)
        )
        seen["deleted"] += item.deleted
        seen[f"now {category(art, item)}"] += item.level == "story"
    assert all(
        seen[k] >= 5
        for k in (
            "backward",
            "reopened",
            "blocked",
            "done without starting",
            "flagged",
            "re-estimated",
            "moved iteration",
            "scope added mid-PI",
            "now todo",
            "now active",
            "now wait",
            "now done",
            "now removed",
        )
    ), seen
    assert seen["deleted"] >= 1


def test_velocity_and_burnup_have_points_in_every_finished_iteration(art: Scenario) -> None:
    for pi in art.pis[:2]:
        for it in pi.iterations:
            end = datetime.combine(it.end + timedelta(1), datetime.min.time(), UTC)
            for team in art.teams:
                done = [
                    i
                    for i in art.items
                    if i.level == "story"
                    and i.team == team
                    and i.value_at("iteration", end) == it.name
                    and category(art, i, end) == "done"
                ]
                assert sum(float(i.value_at("points", end) or 0) for i in done) > 0, (team, it.name)


def test_objectives_and_risks(art: Scenario) -> None:
    for pi in art.pis[:3]:
        mine = [o for o in art.objectives if o.pi == pi.name]
        assert {o.team for o in mine} == set(art.teams)
        assert {o.committed for o in mine} == {True, False}
        assert all(1 <= float(o.planned_bv or 0) <= 10 for o in mine)
        scored = [o.actual_bv is not None for o in mine]
        assert all(scored) if pi.end < TODAY else (any(scored) and not all(scored))
        assert all(o.items for o in mine if o.committed)
    assert {r.roam for r in art.risks if r.pi == art.report_pi} == {
        "resolved",
        "owned",
        "accepted",
        "mitigated",
        "unroamed",
    }


@pytest.mark.slow
def test_two_hundred_thousand_items_for_the_benchmark() -> None:
    """The size `make bench` uses (its speed is the benchmark's to measure, not a test's)."""
    s = generate_art(seed=1, items=200_000, teams=20, today=TODAY)
    assert len(s.items) == 200_000
