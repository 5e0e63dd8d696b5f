"""Normalized records: what a connector produces and what sync applies to the store.

A connector turns tracker JSON into these records and never touches the database; sync turns
them into rows. Keys are the tracker's own keys (``PHX-12`` in Jira, ``"4711"`` in Azure
DevOps); the source they came from is known to sync, so records do not repeat it.

Every timestamp is a timezone-aware ``datetime`` in UTC.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from art.vocabulary import ChangeField, Level, LinkKind, Roam, StatusCategory, WorkType


@dataclass(frozen=True, slots=True)
class TeamRecord:
    """A team as the tracker identifies it (board, project, component, area path...)."""

    key: str
    name: str


@dataclass(frozen=True, slots=True)
class IterationRecord:
    """A sprint (Jira) or an iteration node (Azure DevOps) with its dates.

    ``pi`` is the PI name derived by the source's PI rule, when the rule can tell.
    ``end`` is the iteration's last day (inclusive), as trackers and SAFe plan it.
    """

    key: str
    name: str
    start: date | None
    end: date | None
    state: str | None = None  # future | active | closed (Jira) / past | current | future (ADO)
    team: str | None = None
    pi: str | None = None
    completed_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class WorkItemRecord:
    """One tracker item, normalized, with the tracker's own names kept beside."""

    key: str
    tracker_id: str
    title: str
    item_type: str  # the tracker's own type name: "Story", "User Story", "Feature"...
    level: Level
    work_type: WorkType
    status: str  # the tracker's status / state name
    status_category: StatusCategory
    created_at: datetime
    updated_at: datetime
    team: str | None = None
    iteration: str | None = None  # IterationRecord.key
    pi: str | None = None
    parent: str | None = None  # key of the parent item
    story_points: float | None = None
    business_value: float | None = None
    target_date: date | None = None
    flagged: bool = False
    raw: dict[str, Any] | None = None  # the tracker JSON the record came from


@dataclass(frozen=True, slots=True)
class ChangeRecord:
    """One change of a tracked field (status, iteration, points, flagged, team, PI).

    For status changes ``from_category`` / ``to_category`` carry the normalized categories,
    so metrics never need the mapping again. ``seq`` orders changes sharing a timestamp.
    """

    item_key: str
    field: ChangeField
    at: datetime
    from_value: str | None
    to_value: str | None
    from_category: StatusCategory | None = None
    to_category: StatusCategory | None = None
    author: str | None = None
    seq: int = 0


@dataclass(frozen=True, slots=True)
class LinkRecord:
    """A directed link ``from_key -kind-> to_key`` (``A blocks B``, ``A depends-on B``)."""

    from_key: str
    to_key: str
    kind: LinkKind
    tracker_type: str  # the tracker's own link type name ("Blocks", "Successor"...)


@dataclass(frozen=True, slots=True)
class ObjectiveRecord:
    """A PI objective kept in the tracker as an item of a configured type."""

    key: str
    team: str | None
    pi: str | None
    text: str
    committed: bool
    planned_bv: float | None
    actual_bv: float | None
    items: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class RiskRecord:
    """A PI risk kept in the tracker, with its ROAM state."""

    key: str
    pi: str | None
    text: str
    owner: str | None
    roam: Roam


@dataclass(frozen=True, slots=True)
class Deletion:
    """The tracker says this item no longer exists."""

    key: str


@dataclass(slots=True)
class RecordBatch:
    """One unit of work for sync: applied in one transaction.

    ``complete_history_for`` names items whose whole change history is in ``changes`` (a pull),
    as opposed to a webhook that carries one change; ``complete_links_for`` names items whose
    whole link set is in ``links``, so sync may replace their links. ``watermark`` is the
    position a pull may resume from once this batch is committed (None: do not advance).
    ``errors`` are per-item problems (malformed payloads) that were skipped; ``skipped_keys``
    names those items, so a full reconciliation never deletes an item it merely could not read.
    """

    items: list[WorkItemRecord] = field(default_factory=list)
    changes: list[ChangeRecord] = field(default_factory=list)
    links: list[LinkRecord] = field(default_factory=list)
    iterations: list[IterationRecord] = field(default_factory=list)
    teams: list[TeamRecord] = field(default_factory=list)
    objectives: list[ObjectiveRecord] = field(default_factory=list)
    risks: list[RiskRecord] = field(default_factory=list)
    deletions: list[Deletion] = field(default_factory=list)
    complete_history_for: set[str] = field(default_factory=set)
    complete_links_for: set[str] = field(default_factory=set)
    watermark: str | None = None
    requests: int = 0
    errors: list[str] = field(default_factory=list)
    skipped_keys: set[str] = field(default_factory=set)  # keys of the items behind ``errors``

    def is_empty(self) -> bool:
        """True when the batch carries nothing to apply."""
        return not (
            self.items
            or self.changes
            or self.links
            or self.iterations
            or self.teams
            or self.objectives
            or self.risks
            or self.deletions
        )
