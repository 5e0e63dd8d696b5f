"""Azure DevOps work item JSON -> normalized records. Pure: no I/O, tested on real shapes.

Everything the mapping needs from the tracker (field reference names, state categories per
work item type, teams, iterations) is resolved beforehand into a :class:`Context`.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from art.config import SourceConfig
from art.errors import BadPayload
from art.records import LinkRecord, ObjectiveRecord, RiskRecord, WorkItemRecord
from art.vocabulary import LinkKind, Roam, StatusCategory, WorkType
from connectors.azure_devops.fields import (
    FieldRefs,
    display_name,
    first_number,
    is_flagged,
    parse_day,
    parse_time,
    tags,
)
from connectors.azure_devops.structure import IterationIndex, TeamResolver

log = logging.getLogger(__name__)
ADO_CATEGORIES = {
    "proposed": StatusCategory.TODO,
    "inprogress": StatusCategory.ACTIVE,
    "resolved": StatusCategory.ACTIVE,
    "completed": StatusCategory.DONE,
    "removed": StatusCategory.REMOVED,
}
HIERARCHY, DEPENDENCY, RELATED = (
    "System.LinkTypes.Hierarchy",
    "System.LinkTypes.Dependency",
    "System.LinkTypes.Related",
)


@dataclass(slots=True)
class Context:
    """What was learned from the tracker before mapping: fields, states, teams, iterations."""

    source: SourceConfig
    refs: FieldRefs
    iterations: IterationIndex
    teams: TeamResolver
    # work item type (lower-case) -> state name (lower-case) -> ADO category
    states: dict[str, dict[str, str]] = field(default_factory=dict)
    _categories: dict[tuple[str, str], StatusCategory] = field(default_factory=dict, repr=False)

    def category(self, item_type: str, state: str) -> StatusCategory:
        """Configured ``statuses`` first, else the category of the type's state."""
        known = self._categories.get((item_type, state))
        if known is None:
            known = self._categories[(item_type, state)] = self._category(item_type, state)
        return known

    def _category(self, item_type: str, state: str) -> StatusCategory:
        configured = self.source.statuses.get(state)
        if configured is None:
            configured = next(
                (c for s, c in self.source.statuses.items() if s.lower() == state.lower()), None
            )
        if configured is not None:
            return configured
        ado = self.states.get(item_type.lower(), {}).get(state.lower())
        if ado is None or ado.lower() not in ADO_CATEGORIES:
            log.warning(
                "state %r of %r has no known category; counted as todo (map it in "
                "the source's statuses)",
                state,
                item_type,
            )
            return StatusCategory.TODO
        return ADO_CATEGORIES[ado.lower()]


def require(fields: Mapping[str, Any], name: str) -> str:
    value = fields.get(name)
    if not isinstance(value, str) or not value:
        raise BadPayload(f"{name} is missing")
    return value


def item_id(work_item: Mapping[str, Any]) -> int:
    raw = work_item.get("id", (work_item.get("fields") or {}).get("System.Id"))
    if isinstance(raw, bool) or not isinstance(raw, int | str):
        raise BadPayload(f"work item without a numeric id: {raw!r}")
    try:
        return int(raw)
    except ValueError:
        raise BadPayload(f"work item id is not a number: {raw!r}") from None


def relation_target(relation: Mapping[str, Any]) -> int | None:
    """The work item a relation points at: the last segment of its ``url``."""
    tail = str(relation.get("url") or "").rstrip("/").rsplit("/", 1)[-1]
    return int(tail) if tail.isdigit() else None


def parent_of(work_item: Mapping[str, Any]) -> str | None:
    for rel in work_item.get("relations") or []:
        if rel.get("rel") == f"{HIERARCHY}-Reverse":
            target = relation_target(rel)
            if target is not None:
                return str(target)
    parent = (work_item.get("fields") or {}).get("System.Parent")
    return str(parent) if isinstance(parent, int) else None


def links_of(ctx: Context, work_item: Mapping[str, Any]) -> list[LinkRecord]:
    """Relations as directed links: ``A blocks B`` for A's Successor B, child -> parent."""
    me = str(item_id(work_item))
    out: list[LinkRecord] = []
    for rel in work_item.get("relations") or []:
        name = str(rel.get("rel") or "")
        target_id = relation_target(rel)
        if target_id is None:
            continue  # attachments, hyperlinks, artifact links
        other = str(target_id)
        base, _, direction = (
            name.rpartition("-") if name.endswith(("-Forward", "-Reverse")) else (name, "", "")
        )
        forward = direction != "Reverse"
        if base == HIERARCHY:
            out.append(
                LinkRecord(
                    other if forward else me, me if forward else other, LinkKind.PARENT, HIERARCHY
                )
            )
        elif base == DEPENDENCY:
            out.append(
                LinkRecord(
                    me if forward else other, other if forward else me, LinkKind.BLOCKS, DEPENDENCY
                )
            )
        elif base == RELATED:
            a, b = sorted((me, other), key=int)
            out.append(LinkRecord(a, b, LinkKind.RELATES, RELATED))
        else:
            label = (rel.get("attributes") or {}).get("name")
            types = ctx.source.link_types
            kind = types.get(name) or types.get(base) or (types.get(label) if label else None)
            if kind is not None:
                out.append(
                    LinkRecord(me if forward else other, other if forward else me, kind, base)
                )
    return out


def work_type_of(ctx: Context, item_type: str, item_tags: list[str]) -> WorkType:
    """Tags mapped by ``work_type_labels``, then the type name, then tags by ``work_types``."""
    labels, types = ctx.source.work_type_labels, ctx.source.work_types
    for tag in item_tags:
        if tag in labels:
            return labels[tag]
    if item_type in types:
        return types[item_type]
    return next((types[t] for t in item_tags if t in types), WorkType.FEATURE)


def map_item(
    ctx: Context, work_item: Mapping[str, Any]
) -> WorkItemRecord | ObjectiveRecord | RiskRecord | None:
    """One work item (``workitemsbatch`` / service hook shape); None for unmapped types."""
    fields = work_item.get("fields")
    if not isinstance(fields, Mapping):
        raise BadPayload("work item without fields")
    key = str(item_id(work_item))
    item_type = require(fields, "System.WorkItemType")
    title = str(fields.get("System.Title") or "")
    iteration_path = fields.get("System.IterationPath")
    pi = ctx.iterations.pi_of(iteration_path)
    if ctx.refs.pi and fields.get(ctx.refs.pi):
        pi = str(fields[ctx.refs.pi])
    team = ctx.teams.team_of(fields.get("System.AreaPath"))
    if item_type == ctx.source.objectives.item_type:
        return _objective(ctx, key, fields, work_item, title, team, pi)
    if item_type == ctx.source.risks.item_type:
        roam = str(fields.get(ctx.refs.roam) or "") if ctx.refs.roam else ""
        return RiskRecord(
            key=key,
            pi=pi,
            text=title,
            owner=display_name(fields.get("System.AssignedTo")),
            roam=Roam(roam.lower()) if roam.lower() in set(Roam) else Roam.UNROAMED,
        )
    level = ctx.source.levels.get(item_type)
    if level is None:
        return None
    state = require(fields, "System.State")
    item_tags = tags(fields)
    return WorkItemRecord(
        key=key,
        tracker_id=key,
        title=title,
        item_type=item_type,
        level=level,
        work_type=work_type_of(ctx, item_type, item_tags),
        status=state,
        status_category=ctx.category(item_type, state),
        created_at=parse_time(fields.get("System.CreatedDate"), "System.CreatedDate"),
        updated_at=parse_time(fields.get("System.ChangedDate"), "System.ChangedDate"),
        team=team,
        iteration=ctx.iterations.iteration_of(iteration_path),
        pi=pi,
        parent=parent_of(work_item),
        story_points=first_number(fields, ctx.refs.story_points),
        business_value=first_number(fields, ctx.refs.business_value),
        target_date=next(
            (parse_day(fields[r]) for r in ctx.refs.target_date if fields.get(r)), None
        ),
        flagged=is_flagged(fields, ctx.refs),
        raw=dict(work_item),
    )


def _objective(
    ctx: Context,
    key: str,
    fields: Mapping[str, Any],
    work_item: Mapping[str, Any],
    title: str,
    team: str | None,
    pi: str | None,
) -> ObjectiveRecord:
    refs, mapping = ctx.refs, ctx.source.objectives
    committed_value = fields.get(refs.committed) if refs.committed else None
    if isinstance(committed_value, bool):
        committed = committed_value
    else:
        committed = mapping.uncommitted_label.lower() not in [t.lower() for t in tags(fields)]
    planned = first_number(fields, [refs.planned_bv] if refs.planned_bv else [])
    if planned is None:
        planned = first_number(fields, refs.business_value)
    delivered = sorted(
        {
            str(t)
            for rel in work_item.get("relations") or []
            if rel.get("rel") in (RELATED, f"{HIERARCHY}-Forward")
            and (t := relation_target(rel)) is not None
        },
        key=int,
    )
    return ObjectiveRecord(
        key=key,
        team=team,
        pi=pi,
        text=title,
        committed=committed,
        planned_bv=planned,
        actual_bv=first_number(fields, [refs.actual_bv] if refs.actual_bv else []),
        items=tuple(delivered),
    )
