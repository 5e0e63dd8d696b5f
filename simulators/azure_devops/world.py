"""A Scenario as Azure DevOps holds it: numbered work items, revisions, watermarks, relations.

The simulator decides on its own how the tracker-neutral truth looks in Azure DevOps (ids,
work item types, state names, area and iteration paths). It never imports the connector, so
the connector cannot pass by agreeing with an invented format. Tests read the mapping back
through :meth:`AdoWorld.id_of`, :meth:`AdoWorld.key_of` and :data:`AdoWorld.states`.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from simulators.azure_devops.naming import (
    WORK_TYPE_TAGS,
    AdoState,
    state_map,
    work_item_type,
)
from simulators.scenario import ChangeValue, Scenario, ScenarioItem

__all__ = ["AdoItem", "AdoState", "AdoWorld", "Revision", "state_map"]


@dataclass(slots=True)
class Revision:
    """One revision: the scenario values (status, iteration, points, flagged, team) after it."""

    rev: int
    at: datetime
    values: dict[str, ChangeValue]
    watermark: int = 0
    deleted: bool = False


@dataclass(slots=True)
class AdoItem:
    """One work item with everything needed to render any of its revisions."""

    id: int
    key: str
    type: str
    title: str
    created: datetime
    revisions: list[Revision]
    tags: tuple[str, ...] = ()
    static: dict[str, Any] = field(default_factory=dict)  # fields that never change
    relations: list[tuple[str, int]] = field(default_factory=list)  # (rel, target id)
    flag_as_tag: bool = False
    deleted: bool = False
    rendered: dict[tuple[str, bool], dict[str, Any]] = field(default_factory=dict, repr=False)

    @property
    def current(self) -> Revision:
        return self.revisions[-1]


class AdoWorld:
    """The simulated organization: items by id, the revision feed in watermark order, counters."""

    def __init__(self, scenario: Scenario, org: str, project: str) -> None:
        # a copy of the item list: items added later must not leak into the caller's scenario
        self.scenario = replace(scenario, items=list(scenario.items))
        self.org = org
        self.project = project
        self.states = state_map(scenario.statuses)
        self._iteration_paths = {
            it.name: f"{project}\\{pi.name}\\{it.name}"
            for pi in scenario.pis
            for it in pi.iterations
        }
        self.items: dict[int, AdoItem] = {}
        self._ids: dict[str, int] = {}
        self.feed: list[tuple[int, int]] = []  # (item id, revision index) in watermark order
        self.lock = threading.RLock()
        self._build()

    # -- the mapping tests read ------------------------------------------------------------
    def id_of(self, key: str) -> int:
        """The work item id the scenario key was given."""
        return self._ids[key]

    def key_of(self, item_id: int) -> str:
        return self.items[item_id].key

    def area_path(self, team: str | None) -> str:
        return f"{self.project}\\{team}" if team else self.project

    def iteration_path(self, iteration: str | None, pi: str | None = None) -> str:
        """``Project\\PI\\Iteration`` for an iteration name, ``Project\\PI`` for a PI alone."""
        if iteration:
            return self._iteration_paths[iteration]
        return f"{self.project}\\{pi}" if pi else self.project

    # -- building --------------------------------------------------------------------------
    def _build(self) -> None:
        next_id = 1
        for item in self.scenario.items:
            self._ids[item.key] = next_id
            next_id += 1
        for obj_index, obj in enumerate(self.scenario.objectives, start=1):
            self._ids[obj.key or f"OBJ-{obj_index}"] = next_id
            next_id += 1
        for risk in self.scenario.risks:
            self._ids[risk.key] = next_id
            next_id += 1
        for item in self.scenario.items:
            self._add(self._from_item(item))
        for obj_index, obj in enumerate(self.scenario.objectives, start=1):
            key = obj.key or f"OBJ-{obj_index}"
            created = _pi_start(self.scenario, obj.pi)
            static: dict[str, Any] = {
                "Custom.PlannedBusinessValue": obj.planned_bv,
                "Custom.ActualBusinessValue": obj.actual_bv,
                "Custom.Committed": obj.committed,
                "Microsoft.VSTS.Common.BusinessValue": obj.planned_bv,
            }
            related = [
                ("System.LinkTypes.Related", self._ids[k]) for k in obj.items if k in self._ids
            ]
            self._add(
                self._plain(key, "Objective", obj.text, created, obj.team, obj.pi, static, related)
            )
        for risk in self.scenario.risks:
            static = {"Custom.ROAM": risk.roam.capitalize(), "System.AssignedTo": risk.owner}
            self._add(
                self._plain(
                    risk.key,
                    "Risk",
                    risk.text,
                    _pi_start(self.scenario, risk.pi),
                    risk.team,
                    risk.pi,
                    static,
                    [],
                )
            )
        self._add_scenario_relations()
        revisions = [
            (r.at, item.id, r.rev, item.id, i)
            for item in self.items.values()
            for i, r in enumerate(item.revisions)
        ]
        revisions.sort()
        for watermark, (_, item_id, _, _, index) in enumerate(revisions, start=1):
            self.items[item_id].revisions[index].watermark = watermark
            self.feed.append((item_id, index))

    def _add(self, item: AdoItem) -> None:
        self.items[item.id] = item

    def _from_item(self, item: ScenarioItem) -> AdoItem:
        values = {
            name: item.initial.get(name) for name in ("status", "iteration", "points", "flagged")
        }
        values["team"] = item.team
        revisions = [Revision(1, item.created, dict(values))]
        for change in sorted(item.history, key=lambda c: c.at):
            last = revisions[-1]
            if change.at != last.at or last.rev == 1:
                last = Revision(len(revisions) + 1, change.at, dict(last.values))
                revisions.append(last)
            last.values[change.field] = change.to
        static: dict[str, Any] = {"Microsoft.VSTS.Common.BusinessValue": item.business_value}
        if item.target_date:
            static["Microsoft.VSTS.Scheduling.TargetDate"] = datetime(
                item.target_date.year, item.target_date.month, item.target_date.day, tzinfo=UTC
            )
        tag = WORK_TYPE_TAGS.get(item.work_type) if item.level != "risk" else None
        item_id = self._ids[item.key]
        return AdoItem(
            id=item_id,
            key=item.key,
            type=work_item_type(item.level, item.work_type),
            title=item.title,
            created=item.created,
            revisions=revisions,
            tags=(tag,) if tag else (),
            static=static,
            flag_as_tag=item_id % 2 == 1,
            deleted=item.deleted,
        )

    def _plain(
        self,
        key: str,
        type_name: str,
        title: str,
        created: datetime,
        team: str,
        pi: str,
        static: dict[str, Any],
        relations: list[tuple[str, int]],
    ) -> AdoItem:
        first_status = next(iter(self.scenario.statuses))
        values: dict[str, ChangeValue] = {
            "status": first_status,
            "iteration": None,
            "pi": pi,
            "points": None,
            "flagged": False,
            "team": team,
        }
        return AdoItem(
            id=self._ids[key],
            key=key,
            type=type_name,
            title=title,
            created=created,
            revisions=[Revision(1, created, values)],
            static=static,
            relations=relations,
        )

    def _add_scenario_relations(self) -> None:
        for item in self.scenario.items:
            if item.parent and item.parent in self._ids:
                child, parent = self._ids[item.key], self._ids[item.parent]
                self.items[child].relations.append(("System.LinkTypes.Hierarchy-Reverse", parent))
                self.items[parent].relations.append(("System.LinkTypes.Hierarchy-Forward", child))
        for link in self.scenario.links:
            a, b = self._ids[link.from_key], self._ids[link.to_key]
            if link.kind == "depends-on":  # "a depends on b": b must finish first
                a, b = b, a
            if link.kind == "relates":
                pair = ("System.LinkTypes.Related", "System.LinkTypes.Related")
            else:  # a is b's predecessor
                pair = (
                    "System.LinkTypes.Dependency-Forward",
                    "System.LinkTypes.Dependency-Reverse",
                )
            self.items[a].relations.append((pair[0], b))
            self.items[b].relations.append((pair[1], a))
        for obj in self.items.values():
            if obj.type == "Objective":
                for rel, target in obj.relations:
                    self.items[target].relations.append((rel, obj.id))

    # -- mutations (incremental tests) ----------------------------------------------------
    @property
    def watermark(self) -> int:
        return len(self.feed)

    def current(self, key: str, name: str) -> ChangeValue:
        """The value of scenario field ``name`` of ``key`` in its latest revision."""
        return self.items[self._ids[key]].current.values.get(name)

    def mutate(self, key: str, at: datetime | None = None, **changes: ChangeValue) -> int:
        """Change fields of ``key`` now (one new revision); returns the new revision number.

        ``changes`` name scenario fields: status, iteration, points, flagged, team.
        """
        with self.lock:
            item = self.items[self._ids[key]]
            last = item.current
            when = at or max(datetime.now(UTC), last.at + timedelta(milliseconds=1))
            revision = Revision(last.rev + 1, when, {**last.values, **changes})
            item.revisions.append(revision)
            revision.watermark = len(self.feed) + 1
            self.feed.append((item.id, len(item.revisions) - 1))
            return revision.rev

    def add(self, item: ScenarioItem) -> int:
        """Create ``item`` now (appended to the scenario); returns its new id."""
        with self.lock:
            self.scenario.items.append(item)
            new_id = max(self.items) + 1
            self._ids[item.key] = new_id
            ado = self._from_item(item)
            self.items[new_id] = ado
            if item.parent in self._ids:
                parent = self.items[self._ids[str(item.parent)]]
                ado.relations.append(("System.LinkTypes.Hierarchy-Reverse", parent.id))
                parent.relations.append(("System.LinkTypes.Hierarchy-Forward", new_id))
            for index, revision in enumerate(ado.revisions):
                revision.watermark = len(self.feed) + 1
                self.feed.append((new_id, index))
            return new_id

    def delete(self, key: str) -> None:
        """Send ``key`` to the recycle bin (the feed reports it when includeDeleted is set)."""
        with self.lock:
            self.mutate(key)
            item = self.items[self._ids[key]]
            item.deleted = True
            item.current.deleted = True
            for other in self.items.values():  # its links (and parent fields) go with it
                other.rendered.clear()


def _pi_start(scenario: Scenario, pi: str) -> datetime:
    for p in scenario.pis:
        if p.name == pi:
            return datetime(p.start.year, p.start.month, p.start.day, tzinfo=UTC) - timedelta(
                days=7
            )
    return datetime(2000, 1, 1, tzinfo=UTC)
