"""What a pull must produce, computed from the Scenario alone (never from the connector's code).

The simulator's own choices (ids, state names, work item types) are read from its world; the
rest (teams, PIs, history, links) comes from the tracker-neutral scenario. Changes are the
scenario's, grouped by timestamp as a tracker stores them (one revision per instant), without
no-op changes, and with the PI change an iteration move across PIs implies.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from simulators.azure_devops import AdoWorld
from simulators.scenario import ChangeValue, Scenario, ScenarioItem

Row = tuple[Any, ...]
FIELDS = ("status", "iteration", "pi", "team", "points", "flagged")


def _points(value: ChangeValue) -> str | None:
    return None if value is None else f"{float(value):g}"


def _pi(scenario: Scenario, iteration: ChangeValue) -> str | None:
    return scenario.iteration(str(iteration))[0].name if iteration else None


def _tracked(world: AdoWorld, item: ScenarioItem, values: dict[str, ChangeValue]) -> Row:
    iteration = values.get("iteration")
    return (
        world.states[str(values["status"])].name,
        world.iteration_path(str(iteration)) if iteration else None,
        _pi(world.scenario, iteration),
        item.team if values.get("team") is None else str(values["team"]),
        _points(values.get("points")),
        "true" if values.get("flagged") else "false",
    )


def live(scenario: Scenario) -> list[ScenarioItem]:
    return [i for i in scenario.items if not i.deleted]


def items(world: AdoWorld) -> dict[str, Row]:
    """key -> (title, type, level, work type, state, category, created, updated, team,
    iteration, pi, parent, points, business value, target date, flagged)."""
    s = world.scenario
    out: dict[str, Row] = {}
    deleted = {i.key for i in s.items if i.deleted}
    for item in live(s):
        status = str(item.current("status"))
        iteration = item.current("iteration")
        points = item.current("points")
        out[str(world.id_of(item.key))] = (
            item.title,
            world.items[world.id_of(item.key)].type,
            item.level,
            item.work_type,
            world.states[status].name,
            s.statuses[status],
            item.created,
            item.updated,
            item.team,
            world.iteration_path(str(iteration)) if iteration else None,
            _pi(s, iteration),
            str(world.id_of(item.parent)) if item.parent and item.parent not in deleted else None,
            None if points is None else float(points),
            item.business_value,
            item.target_date,
            bool(item.current("flagged")),
        )
    return out


def changes(world: AdoWorld) -> set[Row]:
    """(key, field, at, from, to, from category, to category, author) of every change."""
    out: set[Row] = set()
    for item in live(world.scenario):
        key = str(world.id_of(item.key))
        values = {**item.initial, "team": item.team}
        before = _tracked(world, item, values)
        cat_before = world.scenario.statuses[str(values["status"])]
        instants = sorted({c.at for c in item.history})
        for at in instants:
            for c in item.history:
                if c.at == at:
                    values[c.field] = c.to
            after = _tracked(world, item, values)
            cat_after = world.scenario.statuses[str(values["status"])]
            for name, old, new in zip(FIELDS, before, after, strict=True):
                if old != new:
                    cats = (cat_before, cat_after) if name == "status" else (None, None)
                    out.add((key, name, at, old, new, *cats, "Pat Simulator"))
            before, cat_before = after, cat_after
    return out


def links(world: AdoWorld) -> set[Row]:
    """(from, to, kind): child -> parent, A blocks B (depends-on turned around), relates."""
    s = world.scenario
    deleted = {i.key for i in s.items if i.deleted}
    out: set[Row] = set()
    for item in live(s):
        if item.parent and item.parent not in deleted:
            out.add((str(world.id_of(item.key)), str(world.id_of(item.parent)), "parent"))
    for link in s.links:
        if link.from_key in deleted or link.to_key in deleted:
            continue
        a, b = world.id_of(link.from_key), world.id_of(link.to_key)
        if link.kind == "relates":
            out.add((str(min(a, b)), str(max(a, b)), "relates"))
        elif link.kind == "depends-on":
            out.add((str(b), str(a), "blocks"))
        else:
            out.add((str(a), str(b), "blocks"))
    return out


def iterations(world: AdoWorld) -> set[tuple[str, str, date, date, str]]:
    return {
        (world.iteration_path(it.name), it.name, it.start, it.end, pi.name)
        for pi in world.scenario.pis
        for it in pi.iterations
    }


def objectives(world: AdoWorld) -> set[Row]:
    """(key, team, pi, text, committed, planned, actual, delivering item keys)."""
    s = world.scenario
    deleted = {i.key for i in s.items if i.deleted}
    return {
        (
            str(world.id_of(o.key or f"OBJ-{n}")),
            o.team,
            o.pi,
            o.text,
            o.committed,
            None if o.planned_bv is None else float(o.planned_bv),
            None if o.actual_bv is None else float(o.actual_bv),
            tuple(sorted((str(world.id_of(k)) for k in o.items if k not in deleted), key=int)),
        )
        for n, o in enumerate(s.objectives, start=1)
    }


def risks(world: AdoWorld) -> set[Row]:
    return {(str(world.id_of(r.key)), r.pi, r.text, r.owner, r.roam) for r in world.scenario.risks}


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)
