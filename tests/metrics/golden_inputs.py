"""Scenario (the golden file's tracker-neutral format) -> metrics inputs.

Lives with the tests: metrics may not import connectors, and the store loader builds the same
inputs from database rows. Change rows carry ``from`` values, as a tracker changelog does, so
the initial state at creation is recovered the way the loader's rows recover it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from art.vocabulary import ChangeField, Level, LinkKind, StatusCategory, WorkType
from metrics.inputs import (
    ArtData,
    Change,
    Definition,
    ItemFacts,
    IterationSpan,
    Link,
    Objective,
    PISpan,
)
from simulators.scenario import ChangeValue, Scenario, load_scenario

# The repository's own golden ART: a small hand-built ART and every figure it must produce.
GOLDEN = Path(__file__).resolve().parents[1] / "fixtures" / "golden" / "reference-art.json"


def _text(field: str, value: ChangeValue) -> str | None:
    if value is None:
        return None
    if field == "flagged":
        return "true" if value else "false"
    if field == "points":
        return repr(float(value))
    return str(value)


def scenario_data(sc: Scenario) -> ArtData:
    """Build ArtData from a Scenario exactly as the store would hold it."""
    mapping = {name: StatusCategory(cat) for name, cat in sc.statuses.items()}
    definition = Definition(timezone=sc.timezone, statuses=mapping)
    iterations = [
        IterationSpan(key=i.name, start=i.start, end=i.end, pi=p.name)
        for p in sc.pis
        for i in p.iterations
    ]
    it_pi = {i.key: i.pi for i in iterations}
    items: list[ItemFacts] = []
    changes: list[Change] = []
    for s in sc.items:
        status = str(s.current("status"))
        iteration = s.current("iteration")
        points = s.current("points")
        items.append(
            ItemFacts(
                key=s.key,
                level=Level(s.level),
                work_type=WorkType(s.work_type),
                status=status,
                status_category=mapping[status],
                created_at=s.created,
                team=s.team,
                title=s.title,
                art=sc.art,
                iteration=None if iteration is None else str(iteration),
                pi=None if iteration is None else it_pi.get(str(iteration)),
                parent=s.parent,
                story_points=None if points is None else float(points),
                business_value=s.business_value,
                target_date=s.target_date,
                flagged=bool(s.current("flagged")),
                deleted=s.deleted,
            )
        )
        state: dict[str, ChangeValue] = dict(s.initial)
        for seq, h in enumerate(s.history):
            before = state.get(h.field)
            state[h.field] = h.to
            f = ChangeField(h.field)
            frm, to = _text(h.field, before), _text(h.field, h.to)
            changes.append(
                Change(
                    item_key=s.key,
                    field=f,
                    at=h.at,
                    from_value=frm,
                    to_value=to,
                    from_category=mapping.get(frm) if f == ChangeField.STATUS and frm else None,
                    to_category=mapping.get(to) if f == ChangeField.STATUS and to else None,
                    seq=seq,
                )
            )
    return ArtData(
        definition=definition,
        items=items,
        changes=changes,
        iterations=iterations,
        pis=[PISpan(p.name, p.start, p.end) for p in sc.pis],
        links=[Link(k.from_key, k.to_key, LinkKind(k.kind)) for k in sc.links],
        objectives=[
            Objective(
                id=k + 1,
                team=o.team,
                pi=o.pi,
                text=o.text,
                committed=o.committed,
                planned_bv=o.planned_bv,
                actual_bv=o.actual_bv,
                items=tuple(o.items),
            )
            for k, o in enumerate(sc.objectives)
        ],
        teams=list(sc.teams),
        art=sc.art,
    )


def golden() -> tuple[Scenario, dict[str, Any]]:
    """The golden scenario and its expected figures."""
    return load_scenario(GOLDEN), json.loads(GOLDEN.read_text(encoding="utf-8"))["expected"]
