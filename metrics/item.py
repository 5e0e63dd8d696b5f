"""One item as an RTE asks about it: its facts at as_of, flow times, history, dependencies
and links (docs/metrics.md "One item"), all replayed from history as of that time."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from art.errors import NotFound
from art.vocabulary import ChangeField
from metrics.dependencies import dependencies
from metrics.inputs import ArtData, ItemFacts
from metrics.output import iso, r4
from metrics.timeline import days, flows_of


def find_item(data: ArtData, ref: str) -> ItemFacts:
    """The item by key (``PHX-12``) or display key (``#1014``); NotFound naming the ART."""
    found = data.by_key.get(ref) or next((it for it in data.items if it.display_key == ref), None)
    if found is None:
        raise NotFound(f"no item '{ref}' in {data.art or 'this ART'}")
    return found


def _shown(data: ArtData, field: ChangeField, value: str | None) -> str | None:
    return data.iteration_label(value) if field == ChangeField.ITERATION else value


def item_report(data: ArtData, ref: str, as_of: datetime) -> dict[str, Any]:
    """The item's facts, flow, history, dependencies and links as of ``as_of``."""
    it = find_item(data, ref)
    h = data.history(it.key)
    (flow,) = flows_of(data, [it], as_of)
    in_progress = flow.in_progress and flow.started_at is not None
    return {
        "key": it.key,
        "as_of": iso(as_of),
        "definition": {
            **data.definition.to_dict(),
            "history": "every change made by as_of, oldest first",
            "age_days": "as_of minus started_at while in progress",
            "dependencies": "as the dependencies report rules them at as_of",
        },
        "title": it.title,
        "level": it.level.value,
        "work_type": it.work_type.value,
        "team": h.value_at(ChangeField.TEAM, as_of),
        "status": flow.status,
        "status_category": None if flow.category is None else flow.category.value,
        "iteration": data.iteration_label(h.value_at(ChangeField.ITERATION, as_of)),
        "pi": h.value_at(ChangeField.PI, as_of),
        "parent": it.parent,
        "story_points": h.points_at(as_of),
        "target_date": None if it.target_date is None else it.target_date.isoformat(),
        "created_at": iso(it.created_at),
        "started_at": iso(flow.started_at),
        "done_at": iso(flow.done_at),
        "flow_days": r4(flow.flow_days),
        "active_days": r4(flow.active_days),
        "wait_days": r4(flow.wait_days),
        "age_days": r4(days(as_of - flow.started_at)) if in_progress and flow.started_at else None,
        "history": [
            {
                "field": c.field.value,
                "from": _shown(data, c.field, c.from_value),
                "to": _shown(data, c.field, c.to_value),
                "at": iso(c.at),
            }
            for c in data.changes_by_item.get(it.key, ())
            if c.at <= as_of
        ],
        "children": [
            {"key": ch.key, "title": ch.title, "status": data.history(ch.key).status_at(as_of)}
            for ch in data.items
            if ch.parent == it.key and not ch.deleted
        ],
        "dependencies": [
            d.to_dict()
            for d in dependencies(data, as_of)
            if it.key in (d.provider.item.key, d.consumer.item.key)
        ],
        "links": [
            {"from": {"key": lk.from_key}, "kind": lk.kind.value, "to": {"key": lk.to_key}}
            for lk in data.links
            if it.key in (lk.from_key, lk.to_key)
        ],
    }
