"""The plain facts every formula reads: frozen dataclasses with no database or HTTP in them.

Items as they stand now, their changes, iterations, PIs, objectives and links, the window of a
flow report and the definition a figure is computed with. This module imports nothing else of
metrics, so the replay (history), the rules (timeline), the columnar engine (columns) and the
ART's loaded data (inputs.ArtData) all build on it without an import cycle.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from datetime import date, datetime
from typing import Any, Literal, TypeVar, cast
from zoneinfo import ZoneInfo

from art.vocabulary import ChangeField, Level, LinkKind, StatusCategory, WorkType, iteration_label

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Definition:
    """The rules and configuration a figure is computed with (docs/metrics.md "Start and done"),
    echoed by reports in their ``definition`` block."""

    timezone: str = "UTC"
    start_status: str | None = None  # None: first entry into an active or wait status
    done_rule: Literal["last", "first"] = "last"
    count_start_day: bool = True
    restart_on_backlog: bool = False  # back to todo and started again: the last start counts
    statuses: Mapping[str, StatusCategory] = field(default_factory=dict)

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def to_dict(self) -> dict[str, Any]:
        start = (
            f"first entry into status '{self.start_status}' "
            "(else first entry into an active or wait status)"
            if self.start_status
            else "first entry into an active or wait status"
        )
        if self.restart_on_backlog:
            start += "; an item moved back to a todo status and started again takes its last start"
        done = (
            "first entry into a done status, while still done"
            if self.done_rule == "first"
            else "last entry into a done status, while still done"
        )
        if self.restart_on_backlog and self.done_rule == "first":
            done = "first entry into a done status since the start, while still done"
        return {
            "start_rule": start,
            "done_rule": done,
            "timezone": self.timezone,
            "count_start_day": self.count_start_day,
            "restart_on_backlog": self.restart_on_backlog,
            "flagged": "flagged time in an active status counts as wait",
            "percentiles": "linear interpolation between closest ranks",
        }


@dataclass(frozen=True, slots=True)
class ItemFacts:
    """A work item as it stands now; its past is in its :class:`Change` rows."""

    key: str
    level: Level
    work_type: WorkType
    status: str
    status_category: StatusCategory
    created_at: datetime
    team: str | None = None
    title: str = ""
    art: str | None = None
    iteration: str | None = None  # IterationSpan.key
    pi: str | None = None  # PISpan.name, when set on the item itself
    parent: str | None = None
    story_points: float | None = None
    business_value: float | None = None
    target_date: date | None = None
    flagged: bool = False
    deleted: bool = False
    url: str | None = None  # the item in its tracker (art.links), passed in as data
    display_key: str | None = None  # the key as people read it (``#1014``)

    @property
    def shown_key(self) -> str:
        """The key as people read it: the display key, else the key itself."""
        return self.display_key or self.key


@dataclass(frozen=True, slots=True)
class Change:
    """A change of one field; values are strings as stored (points "5.0", flagged "true").

    For status changes the categories are the mapped ones; when missing, the definition's
    mapping is used. ``seq`` orders changes that share a timestamp.
    """

    item_key: str
    field: ChangeField
    at: datetime
    from_value: str | None
    to_value: str | None
    from_category: StatusCategory | None = None
    to_category: StatusCategory | None = None
    seq: int = 0


def slots_maker(cls: type[T]) -> Callable[..., T]:
    """``cls(...)`` with every field given in order, for a loader making hundreds of
    thousands: a frozen dataclass's ``__init__`` sets each field through
    ``object.__setattr__`` by name (and parses keywords), which costs twice what its slot's
    own setter does. The function is written out field by field, as dataclasses writes
    ``__init__``, so no loop runs per object."""
    names = [f.name for f in fields(cls)]  # type: ignore[arg-type]
    scope: dict[str, Any] = {"new": object.__new__, "cls": cls}
    scope.update({f"set_{n}": cls.__dict__[n].__set__ for n in names})
    body = "".join(f"    set_{n}(obj, {n})\n" for n in names)
    source = f"def make({', '.join(names)}):\n    obj = new(cls)\n{body}    return obj\n"
    exec(source, scope)  # (generated from the class's own field names)
    return cast("Callable[..., T]", scope["make"])


make_change: Callable[
    [
        str,
        ChangeField,
        datetime,
        str | None,
        str | None,
        StatusCategory | None,
        StatusCategory | None,
        int,
    ],
    Change,
] = slots_maker(Change)
make_item = slots_maker(ItemFacts)  # (every field of ItemFacts, in order)


@dataclass(frozen=True, slots=True)
class IterationSpan:
    """An iteration from the start of ``start`` to the end of ``end`` (dates inclusive).

    ``team`` None: ART-wide (every team plans into it). Items and changes refer to it by
    ``key``, the tracker's id or path; reports show it by :attr:`label`.
    """

    key: str
    start: date
    end: date
    pi: str | None = None
    team: str | None = None
    name: str | None = None

    @property
    def label(self) -> str:
        return iteration_label(self.name, self.key)


@dataclass(frozen=True, slots=True)
class PISpan:
    """A Program Increment, dates inclusive."""

    name: str
    start: date
    end: date


@dataclass(frozen=True, slots=True)
class Objective:
    """A team's PI objective; ``actual_bv`` None means not scored yet."""

    id: int | str
    team: str | None
    pi: str
    text: str
    committed: bool
    planned_bv: float | None
    actual_bv: float | None
    items: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Link:
    """``from_key kind to_key``: "A blocks B", "A depends-on B"."""

    from_key: str
    to_key: str
    kind: LinkKind


@dataclass(frozen=True, slots=True)
class Milestone:
    """A dated event shown on the program board (a release, a demo, a customer date)."""

    name: str
    date: date
    team: str | None = None


@dataclass(frozen=True, slots=True)
class Window:
    """Calendar days [start, end) in the ART's time zone (API: ``from`` and ``to``)."""

    start: date
    end: date

    def __post_init__(self) -> None:
        if self.end <= self.start:
            raise ValueError(f"window end {self.end} must be after its start {self.start}")

    def to_dict(self) -> dict[str, str]:
        return {"from": self.start.isoformat(), "to": self.end.isoformat()}


def change_order(c: Change) -> tuple[datetime, int]:
    """The order of one item's changes: by time, then by sequence within a time."""
    return (c.at, c.seq)


def default_level(team: str | None) -> Level:
    """ART-level flow reports default to features, team-level ones to stories (docs/metrics.md
    "Levels and work types")."""
    return Level.STORY if team is not None else Level.FEATURE


make_link: Callable[[str, str, LinkKind], Link] = slots_maker(Link)
