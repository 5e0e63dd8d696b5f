"""Configured field names resolved to Azure DevOps reference names, and value readers.

The configuration names fields by display name ("Story Points") or reference name
(``Microsoft.VSTS.Scheduling.StoryPoints``); work item JSON is keyed by reference name only,
so names are resolved once against ``GET _apis/wit/fields``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from art.config import SourceConfig
from art.errors import BadPayload

BLOCKED = "Microsoft.VSTS.CMMI.Blocked"
BLOCKED_TAG = "blocked"
# Always read from revisions (history) besides the configured point and flag fields.
HISTORY_FIELDS = (
    "System.Id",
    "System.Rev",
    "System.WorkItemType",
    "System.State",
    "System.IterationPath",
    "System.AreaPath",
    "System.ChangedDate",
    "System.ChangedBy",
    "System.Tags",
    "System.IsDeleted",
)


@dataclass(frozen=True, slots=True)
class FieldRefs:
    """Reference names of the fields the mapping reads, in priority order."""

    story_points: tuple[str, ...]
    business_value: tuple[str, ...]
    target_date: tuple[str, ...]
    flagged: tuple[str, ...]
    pi: str | None = None
    planned_bv: str | None = None
    actual_bv: str | None = None
    committed: str | None = None
    roam: str | None = None

    def history_fields(self) -> list[str]:
        """The fields the revisions feed is asked for."""
        return list(
            dict.fromkeys(
                [
                    *HISTORY_FIELDS,
                    *self.story_points,
                    *self.flagged,
                    *([self.pi] if self.pi else []),
                ]
            )
        )


def resolve_fields(source: SourceConfig, known: Iterable[Mapping[str, Any]]) -> FieldRefs:
    """Resolve the source's configured names against the organization's field list."""
    by_name: dict[str, str] = {}
    for f in known:
        ref = str(f.get("referenceName") or "")
        if ref:
            by_name[ref.lower()] = ref
            by_name.setdefault(str(f.get("name") or "").lower(), ref)

    def one(name: str | None) -> str | None:
        if not name:
            return None
        return by_name.get(name.lower()) or (name if "." in name and not by_name else None)

    def many(names: Iterable[str]) -> tuple[str, ...]:
        return tuple(dict.fromkeys(r for r in (one(n) for n in names) if r))

    fm = source.fields
    flagged = many([fm.flagged]) or (BLOCKED,)
    return FieldRefs(
        story_points=many(fm.story_points),
        business_value=many(fm.business_value),
        target_date=many(fm.target_date),
        flagged=flagged,
        pi=one(source.pi_rule.field) if source.pi_rule.by == "field" else None,
        planned_bv=one(source.objectives.planned_bv_field),
        actual_bv=one(source.objectives.actual_bv_field),
        committed=one(source.objectives.committed_field),
        roam=one(source.risks.roam_field),
    )


def parse_time(value: Any, name: str = "date") -> datetime:
    """An ADO timestamp (``2014-12-29T20:49:20.77Z``, up to 7 decimals) as aware UTC."""
    if not isinstance(value, str) or not value:
        raise BadPayload(f"{name} is missing or not a string: {value!r}")
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise BadPayload(f"{name} is not an ISO 8601 timestamp: {value!r}") from None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def parse_day(value: Any) -> date | None:
    """The calendar day of an ADO date field (midnight UTC), None when empty."""
    return parse_time(value).date() if value else None


def first_number(fields: Mapping[str, Any], refs: Iterable[str]) -> float | None:
    for ref in refs:
        value = fields.get(ref)
        if isinstance(value, int | float) and not isinstance(value, bool):
            return float(value)
        if isinstance(value, str) and value.strip():
            try:
                return float(value)
            except ValueError:
                continue
    return None


def tags(fields: Mapping[str, Any]) -> list[str]:
    """``System.Tags`` ("a; b") as a list, in order."""
    raw = fields.get("System.Tags")
    return [t.strip() for t in str(raw).split(";") if t.strip()] if raw else []


def is_flagged(fields: Mapping[str, Any], refs: FieldRefs) -> bool:
    """Flagged: a Blocked-style field says yes, or the item carries a "Blocked" tag."""
    for ref in refs.flagged:
        value = fields.get(ref)
        if value is True or (
            isinstance(value, str) and value.strip().lower() in ("yes", "true", "1", "blocked")
        ):
            return True
    return any(t.lower() == BLOCKED_TAG for t in tags(fields))


def display_name(value: Any) -> str | None:
    """An identity field (``"Name <mail>"`` or an IdentityRef) as a display name."""
    if isinstance(value, Mapping):
        name = value.get("displayName") or value.get("uniqueName")
        return str(name) if name else None
    if isinstance(value, str) and value:
        return value.split(" <", 1)[0].strip()
    return None
