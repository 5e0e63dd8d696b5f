"""The tracker-neutral truth a simulator renders: one ART with its full history.

The format is the one of the golden ART, ``tests/fixtures/golden/reference-art.json``
(``scenario``), extended with optional fields a generated ART needs (titles, parents, business
value, objectives' items, risks, deleted items). The generator builds one; the golden file is read
as one; the Jira and Azure DevOps simulators render the same instance, so a pull through either
connector can be compared with the same truth.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

ChangeValue = str | float | int | bool | None


@dataclass(slots=True)
class ScenarioChange:
    """A change after creation: ``field`` is status, iteration, points or flagged."""

    at: datetime
    field: str
    to: ChangeValue


@dataclass(slots=True)
class ScenarioItem:
    """One work item with its state at creation and every change after."""

    key: str
    team: str
    level: str  # epic | feature | story | objective | risk
    work_type: str
    created: datetime
    initial: dict[str, ChangeValue]  # status, iteration, points, flagged
    history: list[ScenarioChange] = field(default_factory=list)
    target_date: date | None = None
    title: str = ""
    parent: str | None = None
    business_value: float | None = None
    deleted: bool = False

    def value_at(self, name: str, at: datetime) -> ChangeValue:
        """The value of field ``name`` at ``at`` (None before creation)."""
        if at < self.created:
            return None
        value = self.initial.get(name)
        for change in self.history:
            if change.field == name and change.at <= at:
                value = change.to
        return value

    def current(self, name: str) -> ChangeValue:
        """The value of field ``name`` after every change."""
        value = self.initial.get(name)
        for change in self.history:
            if change.field == name:
                value = change.to
        return value

    @property
    def updated(self) -> datetime:
        """The time of the last change (or creation)."""
        return max([self.created, *(c.at for c in self.history)])


@dataclass(slots=True)
class ScenarioIteration:
    name: str
    start: date
    end: date  # inclusive


@dataclass(slots=True)
class ScenarioPI:
    name: str
    start: date
    end: date  # inclusive
    iterations: list[ScenarioIteration] = field(default_factory=list)


@dataclass(slots=True)
class ScenarioLink:
    """``from_key kind to_key``: "A blocks B", "A depends-on B", "A relates B"."""

    from_key: str
    to_key: str
    kind: str


@dataclass(slots=True)
class ScenarioObjective:
    team: str
    pi: str
    text: str
    committed: bool
    planned_bv: float | None
    actual_bv: float | None
    items: list[str] = field(default_factory=list)
    key: str | None = None


@dataclass(slots=True)
class ScenarioRisk:
    key: str
    team: str
    pi: str
    text: str
    owner: str | None
    roam: str  # resolved | owned | accepted | mitigated | unroamed


@dataclass(slots=True)
class Scenario:
    """One ART as the trackers should serve it."""

    art: str
    timezone: str
    teams: list[str]
    statuses: dict[str, str]  # status name -> category
    pis: list[ScenarioPI]
    items: list[ScenarioItem]
    links: list[ScenarioLink] = field(default_factory=list)
    objectives: list[ScenarioObjective] = field(default_factory=list)
    risks: list[ScenarioRisk] = field(default_factory=list)
    as_of: datetime | None = None
    window: tuple[date, date] | None = None
    report_pi: str | None = None

    def item(self, key: str) -> ScenarioItem:
        for it in self.items:
            if it.key == key:
                return it
        raise KeyError(key)

    def iteration_names(self) -> list[str]:
        return [it.name for pi in self.pis for it in pi.iterations]

    def iteration(self, name: str) -> tuple[ScenarioPI, ScenarioIteration]:
        for pi in self.pis:
            for it in pi.iterations:
                if it.name == name:
                    return pi, it
        raise KeyError(name)

    # -- serialization -------------------------------------------------------------------
    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Scenario:
        """Read the golden format (``scenario`` object)."""
        window = data.get("window")
        return cls(
            art=data["art"]["name"],
            timezone=data["art"].get("timezone", "UTC"),
            teams=list(data["teams"]),
            statuses=dict(data["statuses"]),
            pis=[
                ScenarioPI(
                    name=p["name"],
                    start=date.fromisoformat(p["start"]),
                    end=date.fromisoformat(p["end"]),
                    iterations=[
                        ScenarioIteration(
                            i["name"], date.fromisoformat(i["start"]), date.fromisoformat(i["end"])
                        )
                        for i in p.get("iterations", [])
                    ],
                )
                for p in data["pis"]
            ],
            items=[_item_from(d) for d in data["items"]],
            links=[ScenarioLink(d["from"], d["to"], d["kind"]) for d in data.get("links", [])],
            objectives=[
                ScenarioObjective(
                    team=d["team"],
                    pi=d["pi"],
                    text=d["text"],
                    committed=bool(d["committed"]),
                    planned_bv=d.get("planned_bv"),
                    actual_bv=d.get("actual_bv"),
                    items=list(d.get("items", [])),
                    key=d.get("key"),
                )
                for d in data.get("objectives", [])
            ],
            risks=[
                ScenarioRisk(d["key"], d["team"], d["pi"], d["text"], d.get("owner"), d["roam"])
                for d in data.get("risks", [])
            ],
            as_of=datetime.fromisoformat(data["as_of"]) if data.get("as_of") else None,
            window=(
                (date.fromisoformat(window["from"]), date.fromisoformat(window["to"]))
                if window
                else None
            ),
            report_pi=data.get("report_pi"),
        )

    def to_dict(self) -> dict[str, Any]:
        """Write the golden format back (used to save a generated scenario to a file)."""
        return {
            "art": {"name": self.art, "timezone": self.timezone},
            "teams": self.teams,
            "statuses": self.statuses,
            "pis": [
                {
                    "name": p.name,
                    "start": p.start.isoformat(),
                    "end": p.end.isoformat(),
                    "iterations": [
                        {"name": i.name, "start": i.start.isoformat(), "end": i.end.isoformat()}
                        for i in p.iterations
                    ],
                }
                for p in self.pis
            ],
            "items": [_item_to(i) for i in self.items],
            "links": [{"from": k.from_key, "to": k.to_key, "kind": k.kind} for k in self.links],
            "objectives": [
                {
                    "key": o.key,
                    "team": o.team,
                    "pi": o.pi,
                    "text": o.text,
                    "committed": o.committed,
                    "planned_bv": o.planned_bv,
                    "actual_bv": o.actual_bv,
                    "items": o.items,
                }
                for o in self.objectives
            ],
            "risks": [
                {
                    "key": r.key,
                    "team": r.team,
                    "pi": r.pi,
                    "text": r.text,
                    "owner": r.owner,
                    "roam": r.roam,
                }
                for r in self.risks
            ],
            "as_of": self.as_of.isoformat() if self.as_of else None,
            "window": (
                {"from": self.window[0].isoformat(), "to": self.window[1].isoformat()}
                if self.window
                else None
            ),
            "report_pi": self.report_pi,
        }


def _item_from(d: dict[str, Any]) -> ScenarioItem:
    return ScenarioItem(
        key=d["key"],
        team=d["team"],
        level=d["level"],
        work_type=d["work_type"],
        created=datetime.fromisoformat(d["created"]),
        initial=dict(d["initial"]),
        history=[
            ScenarioChange(datetime.fromisoformat(h["at"]), h["field"], h["to"])
            for h in d.get("history", [])
        ],
        target_date=date.fromisoformat(d["target_date"]) if d.get("target_date") else None,
        title=d.get("title") or f"{d['key']} {d['level']}",
        parent=d.get("parent"),
        business_value=d.get("business_value"),
        deleted=bool(d.get("deleted", False)),
    )


def _item_to(i: ScenarioItem) -> dict[str, Any]:
    return {
        "key": i.key,
        "team": i.team,
        "level": i.level,
        "work_type": i.work_type,
        "created": i.created.isoformat(),
        "target_date": i.target_date.isoformat() if i.target_date else None,
        "title": i.title,
        "parent": i.parent,
        "business_value": i.business_value,
        "deleted": i.deleted,
        "initial": i.initial,
        "history": [{"at": h.at.isoformat(), "field": h.field, "to": h.to} for h in i.history],
    }


def load_scenario(path: Path) -> Scenario:
    """Read a scenario file: the golden format, with or without its ``expected`` part."""
    data = json.loads(path.read_text(encoding="utf-8"))
    return Scenario.from_dict(data.get("scenario", data))
