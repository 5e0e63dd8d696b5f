"""The plain inputs every formula takes: frozen dataclasses with no database or HTTP in them.

A loader (or a test) builds an :class:`ArtData` once; the report functions read it and never
write to it, except for its private caches of per-item histories, so several reports over the
same data replay each item's changes once.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cached_property
from typing import TYPE_CHECKING, Any, Literal
from zoneinfo import ZoneInfo

from art.vocabulary import ChangeField, Level, LinkKind, StatusCategory, WorkType

if TYPE_CHECKING:
    from art.config import ArtConfig
    from metrics.columns import Columns
    from metrics.history import ItemHistory
    from metrics.timeline import ItemFlow


@dataclass(frozen=True, slots=True)
class Definition:
    """The rules and configuration a figure is computed with (METRICS.md), echoed by reports."""

    timezone: str = "UTC"
    start_status: str | None = None  # None: first entry into an active or wait status
    done_rule: Literal["last", "first"] = "last"
    count_start_day: bool = True
    restart_on_backlog: bool = False  # back to todo and started again: the last start counts
    statuses: Mapping[str, StatusCategory] = field(default_factory=dict)

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @classmethod
    def from_config(
        cls, art: ArtConfig, statuses: Mapping[str, StatusCategory] | None = None
    ) -> Definition:
        """The definition an ART's configuration asks for; ``statuses`` is the mapping in force."""
        return cls(
            timezone=art.timezone,
            start_status=art.start_status,
            done_rule=art.done_rule,
            count_start_day=art.count_start_day,
            restart_on_backlog=art.restart_on_backlog,
            statuses=dict(statuses or {}),
        )

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


def iteration_label(name: str | None, key: str) -> str:
    """How every report, list, CSV and chart shows an iteration: its name as the tracker shows
    it (a Jira sprint's name, the last segment of an Azure DevOps path), else its key (a
    sprint id, a full path) when no name is known. The key stays a field of its own."""
    return name or key


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


@dataclass(frozen=True, eq=False)
class ArtData:
    """Everything a report of one ART reads. Build once, query many times.

    ``changes`` may come in any order; they are grouped per item and sorted once. The
    per-item histories and the columnar engine (metrics.columns) are built on first use and
    cached here, so the API should keep one ArtData per ART and data version.
    """

    definition: Definition
    items: Sequence[ItemFacts]
    changes: Sequence[Change] = ()
    iterations: Sequence[IterationSpan] = ()
    pis: Sequence[PISpan] = ()
    links: Sequence[Link] = ()
    objectives: Sequence[Objective] = ()
    teams: Sequence[str] = ()
    milestones: Sequence[Milestone] = ()
    art: str | None = None
    _histories: dict[str, ItemHistory] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )
    _flows: dict[tuple[str, datetime], ItemFlow] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )
    _columns: list[Columns] = field(default_factory=list, init=False, repr=False, compare=False)

    @cached_property
    def by_key(self) -> dict[str, ItemFacts]:
        return {it.key: it for it in self.items}

    @cached_property
    def changes_by_item(self) -> dict[str, list[Change]]:
        grouped: dict[str, list[Change]] = {}
        for c in self.changes:
            lst = grouped.get(c.item_key)
            if lst is None:
                grouped[c.item_key] = [c]
            else:
                lst.append(c)
        for lst in grouped.values():
            lst.sort(key=change_order)
        return grouped

    @cached_property
    def iteration_by_key(self) -> dict[str, IterationSpan]:
        return {it.key: it for it in self.iterations}

    def iteration_label(self, key: str | None) -> str | None:
        """The display name of the iteration an item or change names by ``key``."""
        if key is None:
            return None
        span = self.iteration_by_key.get(key)
        return span.label if span is not None else iteration_label(None, key)

    @cached_property
    def pi_by_name(self) -> dict[str, PISpan]:
        return {p.name: p for p in self.pis}

    @cached_property
    def team_names(self) -> list[str]:
        """Configured teams first, then any other team an item or objective names."""
        seen = dict.fromkeys(self.teams)
        for it in self.items:
            if it.team is not None:
                seen.setdefault(it.team)
        for o in self.objectives:
            if o.team is not None:
                seen.setdefault(o.team)
        return list(seen)

    def prime(
        self, changes_by_item: dict[str, list[Change]], previous: ArtData | None = None
    ) -> None:
        """Take the per-item grouping of ``changes`` a loader already holds (each list in
        :func:`change_order`), and the item histories ``previous`` built for items whose facts
        and changes are the very same objects here, instead of rebuilding them on first use."""
        self.__dict__["changes_by_item"] = changes_by_item
        if previous is None or previous.definition != self.definition:
            return
        for key, h in previous._histories.items():
            facts = self.by_key.get(key)
            if facts is h.item and changes_by_item.get(key) is previous.changes_by_item.get(key):
                self._histories[key] = h

    def history(self, key: str) -> ItemHistory:
        """The replayable history of one item (built on first use, then cached)."""
        h = self._histories.get(key)
        if h is None:
            from metrics.history import ItemHistory

            h = ItemHistory(self.by_key[key], self.changes_by_item.get(key, ()), self.definition)
            self._histories[key] = h
        return h

    def select(
        self, level: Level | None = None, team: str | None = None, *, keep_deleted: bool = False
    ) -> list[ItemFacts]:
        """Items of a level and team (current values), deleted ones left out."""
        return [
            it
            for it in self.items
            if (keep_deleted or not it.deleted)
            and (level is None or it.level == level)
            and (team is None or it.team == team)
        ]

    def iterations_for(self, team: str | None, pi: str | None = None) -> list[IterationSpan]:
        """Iterations a team plans into (its own and ART-wide ones), ordered by start.

        With no team: the ART-wide iterations, or when there are none, one per distinct
        (name, start, end) among team iterations.
        """
        its = [i for i in self.iterations if pi is None or i.pi == pi]
        if team is not None:
            chosen = [i for i in its if i.team is None or i.team == team]
        else:
            chosen = [i for i in its if i.team is None]
            if not chosen:
                uniq: dict[tuple[str, date, date], IterationSpan] = {}
                for i in its:
                    uniq.setdefault((i.label, i.start, i.end), i)
                chosen = list(uniq.values())
        return sorted(chosen, key=lambda i: (i.start, i.end, i.label))

    def pi_containing(self, day: date) -> PISpan | None:
        for p in self.pis:
            if p.start <= day <= p.end:
                return p
        return None


def change_order(c: Change) -> tuple[datetime, int]:
    """The order of one item's changes: by time, then by sequence within a time."""
    return (c.at, c.seq)


def default_level(team: str | None) -> Level:
    """ART-level flow reports default to features, team-level ones to stories (METRICS.md)."""
    return Level.STORY if team is not None else Level.FEATURE
