"""The ART model's shared vocabulary: levels, categories, link kinds, work types, and how an
iteration is named.

Kept as ``StrEnum`` so that values stored in the database and served by the API are plain
strings, and so that every layer spells them the same way.
"""

from __future__ import annotations

from enum import StrEnum


class Level(StrEnum):
    """Work item level in SAFe's hierarchy, largest first."""

    EPIC = "epic"
    CAPABILITY = "capability"
    FEATURE = "feature"
    STORY = "story"
    TASK = "task"
    OBJECTIVE = "objective"
    RISK = "risk"


class StatusCategory(StrEnum):
    """Normalized status category every tracker status maps to (docs/metrics.md "Status
    categories")."""

    TODO = "todo"
    ACTIVE = "active"
    WAIT = "wait"
    DONE = "done"
    REMOVED = "removed"


class WorkType(StrEnum):
    """Work type used by flow distribution."""

    FEATURE = "feature"
    ENABLER = "enabler"
    DEFECT = "defect"
    RISK = "risk"
    DEBT = "debt"


class LinkKind(StrEnum):
    """Normalized link kind. ``A blocks B`` and ``A depends-on B`` are dependencies."""

    PARENT = "parent"
    DEPENDS_ON = "depends-on"
    BLOCKS = "blocks"
    RELATES = "relates"


class ChangeField(StrEnum):
    """Fields whose history is kept as Change rows."""

    STATUS = "status"
    ITERATION = "iteration"
    PI = "pi"
    TEAM = "team"
    POINTS = "points"
    FLAGGED = "flagged"


class Roam(StrEnum):
    """ROAM state of a PI risk."""

    RESOLVED = "resolved"
    OWNED = "owned"
    ACCEPTED = "accepted"
    MITIGATED = "mitigated"
    UNROAMED = "unroamed"


def iteration_label(name: str | None, key: str) -> str:
    """How every report, list, CSV and chart shows an iteration: its name as the tracker shows
    it (a Jira sprint's name, the last segment of an Azure DevOps path), else its key (a
    sprint id, a full path) when no name is known. The key stays a field of its own."""
    return name or key
