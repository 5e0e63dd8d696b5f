"""Iterations, PIs and teams from Azure DevOps' classification trees and team settings (pure).

Iteration paths look like ``Phoenix\\PI 26.1\\I1``. The PI rule names the PI of a path: by
default (``iteration_parent``) the node above the iteration, or the node itself for a
two-level path such as ``Phoenix\\PI 26.1`` (where PI objectives are planned). Teams come
from area paths: the deepest configured (or team-owned) area path containing the item's wins.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from art.config import PIConfig, SourceConfig
from art.records import IterationRecord, TeamRecord
from connectors.azure_devops.fields import parse_day


def pi_rule_of(source: SourceConfig) -> str:
    """The PI rule in force: ``iteration_parent`` unless the configuration names one."""
    return source.pi_rule.by if "by" in source.pi_rule.model_fields_set else "iteration_parent"


def team_rule_of(source: SourceConfig) -> str:
    """``area_leaf`` when configured, else ``area_path`` (Jira's rules mean nothing here)."""
    return "area_leaf" if source.team_rule.by == "area_leaf" else "area_path"


def _segments(path: str) -> list[str]:
    return [s for s in path.split("\\") if s]


@dataclass(slots=True)
class IterationIndex:
    """Every iteration node by path, with its dates and PI; answers the PI of any path."""

    rule: str
    pattern: re.Pattern[str]
    pis: list[PIConfig]
    records: dict[str, IterationRecord] = field(default_factory=dict)
    dates: dict[str, tuple[date | None, date | None]] = field(default_factory=dict)
    _pi_cache: dict[str, str | None] = field(default_factory=dict, repr=False)

    @classmethod
    def build(
        cls, source: SourceConfig, pis: list[PIConfig], tree: Mapping[str, Any] | None
    ) -> IterationIndex:
        index = cls(pi_rule_of(source), re.compile(source.pi_rule.pattern), pis)
        if tree:
            index._walk(tree, str(tree.get("name") or ""))
        return index

    def _walk(self, node: Mapping[str, Any], path: str) -> None:
        attributes = node.get("attributes") or {}
        start, end = parse_day(attributes.get("startDate")), parse_day(attributes.get("finishDate"))
        self.dates[path] = (start, end)
        children = node.get("children") or []
        for child in children:
            self._walk(child, f"{path}\\{child.get('name')}")
        if not children and len(_segments(path)) >= self.min_depth:
            self.records[path] = IterationRecord(
                key=path, name=_segments(path)[-1], start=start, end=end, pi=self.pi_of(path)
            )

    @property
    def min_depth(self) -> int:
        """Sprints sit below PI nodes with ``iteration_parent``, anywhere below the root else."""
        return 3 if self.rule == "iteration_parent" else 2

    def iteration_of(self, path: str | None) -> str | None:
        """The iteration key of an item's iteration path (None: project root or a PI node).

        A path missing from the tree (created after it was read) counts when deep enough.
        """
        if not path or (path in self.dates and path not in self.records):
            return None
        return path if path in self.records or len(_segments(path)) >= self.min_depth else None

    def pi_of(self, path: str | None) -> str | None:
        """The PI an iteration path belongs to, by the source's PI rule."""
        if not path:
            return None
        if path not in self._pi_cache:
            self._pi_cache[path] = self._pi_of(path)
        return self._pi_cache[path]

    def _pi_of(self, path: str) -> str | None:
        parts = _segments(path)
        if self.rule == "iteration_parent":
            return parts[-2] if len(parts) >= 3 else parts[-1] if len(parts) == 2 else None
        if self.rule in ("iteration_pattern", "sprint_name"):
            m = self.pattern.search(path if self.rule == "iteration_pattern" else parts[-1])
            return m.group("pi") if m and "pi" in m.groupdict() else None
        if self.rule == "dates":
            start = self.dates.get(path, (None, None))[0]
            return next((p.name for p in self.pis if start and p.start <= start <= p.end), None)
        return None


@dataclass(slots=True)
class TeamResolver:
    """Area path -> team name: deepest owning area path wins (includeChildren respected)."""

    rule: str
    names: dict[str, str]
    owners: list[tuple[str, bool, str]] = field(default_factory=list)  # (area, children, team)
    _cache: dict[str, str | None] = field(default_factory=dict, repr=False)

    @classmethod
    def build(
        cls, source: SourceConfig, team_areas: Mapping[str, Iterable[Mapping[str, Any]]]
    ) -> TeamResolver:
        """``team_areas``: ADO team name -> its team field values (area path values)."""
        rule = team_rule_of(source)
        resolver = cls(rule, dict(source.team_rule.names))
        if rule == "area_path":
            if resolver.names:
                resolver.owners = [(a, True, t) for a, t in resolver.names.items()]
            else:
                resolver.owners = [
                    (str(v.get("value")), bool(v.get("includeChildren")), team)
                    for team, values in team_areas.items()
                    for v in values
                ]
            resolver.owners.sort(key=lambda o: -len(_segments(o[0])))
        return resolver

    @property
    def needs_team_settings(self) -> bool:
        return self.rule == "area_path" and not self.names

    def team_of(self, area: str | None) -> str | None:
        if not area:
            return None
        if area not in self._cache:
            self._cache[area] = self._team_of(area)
        return self._cache[area]

    def _team_of(self, area: str) -> str | None:
        if self.rule == "area_leaf":
            leaf = _segments(area)[-1]
            return self.names.get(area) or self.names.get(leaf) or leaf
        low = area.lower()
        for owner, children, team in self.owners:
            own = owner.lower()
            if low == own or (children and low.startswith(own + "\\")):
                return team
        return None

    def records(self) -> list[TeamRecord]:
        """The teams known up front (area_path rule); area_leaf teams come with items."""
        names = dict.fromkeys(team for _, _, team in self.owners)
        return [TeamRecord(key=n, name=n) for n in names]
