"""A tiny ART builder for hand-computed metric tests.

Times are given as (day, hour) offsets from Monday 2026-03-02 00:00 UTC, so that expected
values can be worked out on paper. History entries are (time, field, new value); change rows
get their ``from`` values by replay, as a tracker changelog gives them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

from art.vocabulary import ChangeField, Level, LinkKind, StatusCategory, WorkType
from metrics.inputs import (
    ArtData,
    Change,
    Definition,
    ItemFacts,
    IterationSpan,
    Link,
    Milestone,
    Objective,
    PISpan,
)

__all__ = ["Art", "Milestone", "at", "d", "flow_art", "with_tracker_links"]

MONDAY = datetime(2026, 3, 2, tzinfo=UTC)
STATUSES = {
    "To Do": StatusCategory.TODO,
    "In Progress": StatusCategory.ACTIVE,
    "In Review": StatusCategory.ACTIVE,
    "Blocked": StatusCategory.WAIT,
    "Done": StatusCategory.DONE,
    "Closed": StatusCategory.DONE,
    "Won't Do": StatusCategory.REMOVED,
}

Value = str | float | bool | None


def at(day: float, hour: float = 0.0) -> datetime:
    """``day`` days and ``hour`` hours after Monday 2026-03-02 00:00 UTC."""
    return MONDAY + timedelta(days=day, hours=hour)


def d(day: int) -> date:
    """The calendar date ``day`` days after 2026-03-02."""
    return MONDAY.date() + timedelta(days=day)


def _text(name: str, v: Value) -> str | None:
    if v is None:
        return None
    if name == "flagged":
        return "true" if v else "false"
    if name == "points":
        return repr(float(v))  # type: ignore[arg-type]
    return str(v)


@dataclass
class Art:
    timezone: str = "UTC"
    statuses: dict[str, StatusCategory] = field(default_factory=lambda: dict(STATUSES))
    definition_kw: dict[str, Any] = field(default_factory=dict)
    items: list[ItemFacts] = field(default_factory=list)
    changes: list[Change] = field(default_factory=list)
    iterations: list[IterationSpan] = field(default_factory=list)
    pis: list[PISpan] = field(default_factory=list)
    links: list[Link] = field(default_factory=list)
    objectives: list[Objective] = field(default_factory=list)
    teams: list[str] = field(default_factory=list)
    milestones: list[Milestone] = field(default_factory=list)

    def item(
        self,
        key: str,
        history: Sequence[tuple[datetime, str, Value]] = (),
        *,
        created: datetime | None = None,
        status: str = "To Do",
        team: str | None = "A",
        level: str = "story",
        work_type: str = "feature",
        iteration: str | None = None,
        pi: str | None = None,
        points: float | None = None,
        flagged: bool = False,
        target_date: date | None = None,
        business_value: float | None = None,
        deleted: bool = False,
        art: str | None = "ART",
        parent: str | None = None,
    ) -> Art:
        state: dict[str, Value] = {
            "status": status,
            "iteration": iteration,
            "points": points,
            "flagged": flagged,
            "team": team,
            "pi": pi,
        }
        for seq, (t, name, to) in enumerate(history):
            before = state[name]
            state[name] = to
            frm, new = _text(name, before), _text(name, to)
            is_status = name == "status"
            self.changes.append(
                Change(
                    key,
                    ChangeField(name),
                    t,
                    frm,
                    new,
                    self.statuses.get(frm or "") if is_status else None,
                    self.statuses.get(new or "") if is_status else None,
                    seq,
                )
            )
        now = str(state["status"])
        pts = state["points"]
        self.items.append(
            ItemFacts(
                key=key,
                level=Level(level),
                work_type=WorkType(work_type),
                status=now,
                status_category=self.statuses.get(now, StatusCategory.TODO),
                created_at=created or at(-7),
                team=state["team"],  # type: ignore[arg-type]
                title=f"{key} title",
                art=art,
                iteration=state["iteration"],  # type: ignore[arg-type]
                pi=state["pi"],  # type: ignore[arg-type]
                story_points=None if pts is None else float(pts),  # type: ignore[arg-type]
                business_value=business_value,
                target_date=target_date,
                flagged=bool(state["flagged"]),
                deleted=deleted,
                parent=parent,
            )
        )
        return self

    def iteration(
        self,
        key: str,
        start: int,
        end: int,
        pi: str | None = "PI 1",
        team: str | None = None,
        name: str | None = None,
    ) -> Art:
        """An iteration ``key`` (a sprint id, a path) shown as ``name`` when given."""
        self.iterations.append(IterationSpan(key, d(start), d(end), pi=pi, team=team, name=name))
        return self

    def pi(self, name: str, start: int, end: int) -> Art:
        self.pis.append(PISpan(name, d(start), d(end)))
        return self

    def link(self, a: str, kind: str, b: str) -> Art:
        self.links.append(Link(a, b, LinkKind(kind)))
        return self

    def objective(
        self,
        team: str | None,
        committed: bool,
        planned: float | None,
        actual: float | None,
        pi: str = "PI 1",
        items: Sequence[str] = (),
    ) -> Art:
        n = len(self.objectives) + 1
        self.objectives.append(
            Objective(n, team, pi, f"objective {n}", committed, planned, actual, tuple(items))
        )
        return self

    def data(self) -> ArtData:
        definition = Definition(
            timezone=self.timezone, statuses=self.statuses, **self.definition_kw
        )
        return ArtData(
            definition=definition,
            items=self.items,
            changes=self.changes,
            iterations=self.iterations,
            pis=self.pis,
            links=self.links,
            objectives=self.objectives,
            teams=self.teams,
            milestones=self.milestones,
            art="ART",
        )


def flow_art(timezone: str = "UTC") -> Art:
    """Eight stories and a feature around the window [2026-03-02, 2026-03-09), as_of day 10.

    S1 2 days active; S2 with a blocked day; S3 todo -> done; S4 removed after starting;
    S5 done then reopened; S6 created after the window; S7 done exactly at the window's end;
    S8 started then sent back to todo. Expected values are worked out in the tests.
    """
    s, ip, done = "status", "In Progress", "Done"
    art = Art(timezone=timezone)
    art.item("S1", [(at(0, 9), s, ip), (at(2, 9), s, done)], points=3)
    art.item(
        "S2",
        [(at(1, 12), s, ip), (at(2, 12), s, "Blocked"), (at(3, 12), s, ip), (at(4), s, done)],
        points=5,
        work_type="defect",
    )
    art.item("S3", [(at(3, 10), s, done)], points=2)
    art.item("S4", [(at(2), s, ip), (at(3), s, "Won't Do")], points=8)
    art.item(
        "S5", [(at(4), s, ip), (at(5), s, done), (at(6), s, ip)], points=1, work_type="enabler"
    )
    art.item("S6", [(at(8, 12), s, ip)], created=at(8), work_type="debt")
    art.item("S7", [(at(-3), s, ip), (at(7), s, done)], points=13)
    art.item("S8", [(at(-2), s, ip), (at(1), s, "To Do")])
    art.item("F1", [(at(0), s, ip)], level="feature")
    return art


def with_tracker_links(data: ArtData) -> ArtData:
    """``data`` with a tracker URL on every item and a display key on every other one (the
    rest shown by key), as the loader gives them."""
    items = [
        replace(it, url=f"https://tracker/{it.key}", display_key=f"#{k}" if k % 2 else None)
        for k, it in enumerate(data.items)
    ]
    return replace(data, items=items)
