"""What changed in an ART between two times (docs/metrics.md "What changed"): status changes,
dependencies that turned red, and the PI's scope added and removed.

Everything is read from history at the two times, so asking again later gives the same answer:
status changes are the changes made in (since, as_of]; a dependency turned red when its status
is late or conflict at as_of and was neither at ``since`` (or did not exist then); scope is the
PI's plan (metrics.baseline.plan_at: features and stories in the PI) at both times compared.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from art.vocabulary import ChangeField
from metrics.baseline import plan_at
from metrics.dependencies import Dependency, dependencies
from metrics.history_table import LazyHistories
from metrics.inputs import ArtData
from metrics.output import iso

RED = ("late", "conflict")


@dataclass(frozen=True, slots=True)
class ChangesReport:
    since: datetime
    as_of: datetime
    pi: str | None
    definition: dict[str, Any]
    status_changes: list[dict[str, Any]]
    turned_red: list[dict[str, Any]]
    scope_added: list[dict[str, Any]]
    scope_removed: list[dict[str, Any]]

    def to_dict(self) -> dict[str, Any]:
        return {
            "since": iso(self.since),
            "as_of": iso(self.as_of),
            "pi": self.pi,
            "definition": self.definition,
            "status_changes": self.status_changes,
            "dependencies_turned_red": self.turned_red,
            "scope_added": self.scope_added,
            "scope_removed": self.scope_removed,
        }


def _status_changes(data: ArtData, since: datetime, as_of: datetime) -> list[dict[str, Any]]:
    rows = []
    by_item = data.changes_by_item
    if isinstance(by_item, LazyHistories):  # a loaded ART: only the rows in the window
        made = by_item.changes_between(ChangeField.STATUS, since, as_of)
    else:
        status = ChangeField.STATUS
        made = [c for c in data.changes if c.field == status and since < c.at <= as_of]
    for c in sorted(made, key=lambda c: (c.at, c.item_key, c.seq)):
        item = data.by_key.get(c.item_key)
        if item is None or item.deleted:
            continue
        rows.append(
            {
                "key": item.key,
                "title": item.title,
                "team": item.team,
                "level": item.level.value,
                "from": c.from_value,
                "to": c.to_value,
                "at": iso(c.at),
            }
        )
    return rows


def _edge(d: Dependency) -> tuple[str, str]:
    return d.provider.item.key, d.consumer.item.key


def _turned_red(data: ArtData, since: datetime, as_of: datetime) -> list[dict[str, Any]]:
    before = {_edge(d): d.status for d in dependencies(data, since)}
    return [
        {**d.to_dict(), "status_before": before.get(_edge(d))}
        for d in dependencies(data, as_of)
        if d.status in RED and before.get(_edge(d)) not in RED
    ]


def _item(data: ArtData, key: str) -> dict[str, Any]:
    it = data.by_key[key]
    return {"key": key, "title": it.title, "team": it.team, "level": it.level.value}


def changes_report(
    data: ArtData, since: datetime, as_of: datetime, pi: str | None
) -> ChangesReport:
    """What changed in (since, as_of]; scope only when a PI is named."""
    added: list[dict[str, Any]] = []
    removed: list[dict[str, Any]] = []
    if pi is not None:
        then, now = plan_at(data, pi, since), plan_at(data, pi, as_of)
        was = {*then.features, *then.scope_items}
        is_ = {*now.features, *now.scope_items}
        added = [_item(data, k) for k in sorted(is_ - was)]
        removed = [_item(data, k) for k in sorted(was - is_)]
    definition = {
        **data.definition.to_dict(),
        "status_changes": "status changes made after since and up to as_of, oldest first",
        "dependencies_turned_red": "dependencies late or conflict at as_of that were neither "
        "at since (status_before; null when the dependency did not exist then)",
        "scope": "features and stories in the PI (by iteration, else PI field; not removed) "
        "at as_of and not at since (added), or the reverse (removed)",
    }
    return ChangesReport(
        since,
        as_of,
        pi,
        definition,
        _status_changes(data, since, as_of),
        _turned_red(data, since, as_of),
        added,
        removed,
    )
