"""Pure mapping from one Jira issue (with its complete changelog) to normalized records.

Input: the issue JSON as search or GET returns it, whose ``changelog.histories`` holds the
whole history (the connector completes it first). Output: the work item, its changes, its
links (issue links through ``link_types`` by type name; the parent from ``parent`` on Cloud
or the Epic Link field on Data Center), the team, and the objective or risk it stands for.
Nothing here does I/O, so a stored raw issue can be mapped again after a config change.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from art.errors import BadPayload
from art.records import (
    ChangeRecord,
    IterationRecord,
    LinkRecord,
    ObjectiveRecord,
    RiskRecord,
    TeamRecord,
    WorkItemRecord,
)
from art.vocabulary import Level, LinkKind, Roam, WorkType
from connectors.jira.context import Context
from connectors.jira.history import Current, change_records
from connectors.jira.teams import pi_in, team_record
from connectors.jira.values import (
    number,
    option,
    parse_date,
    parse_time,
    sprint_refs,
    truthy,
)


@dataclass
class Mapped:
    item: WorkItemRecord
    changes: list[ChangeRecord]
    links: list[LinkRecord]
    team: TeamRecord | None
    objective: ObjectiveRecord | None = None
    risk: RiskRecord | None = None
    new_iterations: list[IterationRecord] = field(default_factory=list)


def _need(fields: dict[str, Any], name: str) -> dict[str, Any]:
    value = fields.get(name)
    if not isinstance(value, dict):
        raise BadPayload(f"field '{name}' is missing or not an object")
    return value


def _first(fields: dict[str, Any], ids: tuple[str, ...]) -> Any:
    return next((fields[i] for i in ids if fields.get(i) not in (None, "", [])), None)


def _team(fields: dict[str, Any], ctx: Context, board: str | None) -> TeamRecord | None:
    rule, src = ctx.source.team_rule, ctx.source
    project = fields.get("project") or {}
    if rule.by == "component":
        name = option(fields.get("components"))
        return team_record(src, name) if name else None
    if rule.by == "field":
        value = option(fields.get(ctx.fields.team)) if ctx.fields.team else None
        return team_record(src, value) if value else None
    if rule.by == "board" and board is not None:
        return team_record(src, board)
    key = project.get("key")
    return team_record(src, str(key), project.get("name")) if key else None


def map_issue(issue: dict[str, Any], ctx: Context) -> Mapped:
    """Map one issue; BadPayload (naming the key and the problem) when it cannot be read."""
    key = issue.get("key")
    if not isinstance(key, str) or not isinstance(issue.get("fields"), dict):
        raise BadPayload(f"issue {issue.get('id', '?')}: no key or no fields")
    try:
        return _map(key, issue, ctx)
    except BadPayload as exc:
        raise BadPayload(f"{key}: {exc}") from None
    except (KeyError, TypeError, ValueError) as exc:
        raise BadPayload(f"{key}: unreadable value ({type(exc).__name__}: {exc})") from None


def _map(key: str, issue: dict[str, Any], ctx: Context) -> Mapped:
    f, ids, src = issue["fields"], ctx.fields, ctx.source
    status, itype = _need(f, "status"), _need(f, "issuetype")
    type_name, status_name = str(itype.get("name")), str(status.get("name"))
    category = ctx.category(
        status_name, status.get("id"), (status.get("statusCategory") or {}).get("key")
    )
    if category is None:
        raise BadPayload(f"status '{status_name}' has no category; map it in [statuses]")
    try:
        created, updated = parse_time(f.get("created")), parse_time(f.get("updated"))
    except ValueError as exc:
        raise BadPayload(f"created/updated is not a timestamp ({exc})") from None
    refs = sprint_refs(f.get(ids.sprint)) if ids.sprint else []
    fresh = [rec for r in refs if (rec := ctx.sprints.learn(r, src, ctx.pis, None))]
    iteration = ctx.sprints.current([r.id for r in refs])
    team = _team(f, ctx, ctx.sprints.boards.get(iteration) if iteration else None)
    if team is not None and fresh:  # sprints of boards out of scope take the item's team
        fresh = [replace(rec, team=team.key) for rec in fresh]
        ctx.sprints.records.update((rec.key, rec) for rec in fresh)
    labels = [str(x) for x in f.get("labels") or []]
    versions = [str(v.get("name")) for v in f.get("fixVersions") or [] if isinstance(v, dict)]
    pi = _pi(ctx, iteration, versions, f)
    parent = (f.get("parent") or {}).get("key") or (f.get(ids.epic_link) if ids.epic_link else None)
    points = number(_first(f, ids.story_points))
    flagged = bool(f.get(ids.flagged)) if ids.flagged else bool(f.get("flagged"))
    work_type = next(
        (src.work_type_labels[x] for x in labels if x in src.work_type_labels),
        src.work_types.get(type_name, WorkType.FEATURE),
    )
    level = src.levels.get(type_name) or (Level.TASK if itype.get("subtask") else Level.STORY)
    item = WorkItemRecord(
        key=key,
        tracker_id=str(issue.get("id")),
        title=str(f.get("summary") or ""),
        item_type=type_name,
        level=level,
        work_type=work_type,
        status=status_name,
        status_category=category,
        created_at=created,
        updated_at=updated,
        team=team.key if team else None,
        iteration=iteration,
        pi=pi,
        parent=str(parent) if parent else None,
        story_points=points,
        business_value=number(_first(f, ids.business_value)),
        target_date=parse_date(_first(f, ids.target_date)),
        flagged=flagged,
        raw=issue,
    )
    now = Current(status_name, status.get("id"), category, iteration, points, flagged)
    histories = (issue.get("changelog") or {}).get("histories") or []
    changes = change_records(key, created, histories, now, ctx)
    links, linked = _links(key, type_name, f, ctx)
    if item.parent:
        links.append(
            LinkRecord(
                key, item.parent, LinkKind.PARENT, "Parent" if f.get("parent") else "Epic Link"
            )
        )
    out = Mapped(item, changes, links, team, new_iterations=fresh)
    if type_name == src.objectives.item_type:
        out.objective = _objective(item, f, labels, linked, ctx)
    elif type_name == src.risks.item_type:
        roam = (option(f.get(ids.roam)) or "unroamed").lower() if ids.roam else "unroamed"
        owner = (f.get("assignee") or {}).get("displayName")
        known = {r.value for r in Roam}
        out.risk = RiskRecord(
            key, pi, item.title, owner, Roam(roam) if roam in known else Roam.UNROAMED
        )
    return out


def _pi(ctx: Context, iteration: str | None, versions: list[str], f: dict[str, Any]) -> str | None:
    rule = ctx.source.pi_rule
    if rule.by == "field":
        return option(f.get(ctx.fields.pi)) if ctx.fields.pi else None
    rec = ctx.sprints.records.get(iteration) if iteration else None
    if rule.by != "fix_version" and rec is not None and rec.pi:
        return rec.pi
    return pi_in(ctx.source, ctx.pis, versions)


def _links(
    key: str, own_type: str, f: dict[str, Any], ctx: Context
) -> tuple[list[LinkRecord], list[str]]:
    """Dependency links, and the keys linked to an objective or risk (which are not links)."""
    special = {ctx.source.objectives.item_type, ctx.source.risks.item_type}
    links: list[LinkRecord] = []
    linked: list[str] = []
    for link in f.get("issuelinks") or []:
        ltype = (link.get("type") or {}).get("name")
        outward = "outwardIssue" in link
        other = link.get("outwardIssue" if outward else "inwardIssue") or {}
        other_key = other.get("key")
        if not other_key or not ltype:
            raise BadPayload(f"issue link {link.get('id')} has no type or no other issue")
        other_type = ((other.get("fields") or {}).get("issuetype") or {}).get("name")
        if own_type in special or other_type in special:
            linked.append(str(other_key))
            continue
        kind = ctx.source.link_types.get(str(ltype))
        if kind is None:
            continue  # Duplicate, Cloners...: not a relation the ART model keeps
        a, b = (key, str(other_key)) if outward else (str(other_key), key)
        links.append(LinkRecord(a, b, kind, str(ltype)))
    return links, linked


def _objective(
    item: WorkItemRecord, f: dict[str, Any], labels: list[str], linked: list[str], ctx: Context
) -> ObjectiveRecord:
    ids, cfg = ctx.fields, ctx.source.objectives
    raw = f.get(ids.committed) if ids.committed else None
    committed = truthy(raw) if raw is not None else cfg.uncommitted_label not in labels
    return ObjectiveRecord(
        key=item.key,
        team=item.team,
        pi=item.pi,
        text=item.title,
        committed=committed,
        planned_bv=number(f.get(ids.planned_bv)) if ids.planned_bv else None,
        actual_bv=number(f.get(ids.actual_bv)) if ids.actual_bv else None,
        items=tuple(sorted(set(linked))),
    )
