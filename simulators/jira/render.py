"""Issues in Jira's wire format: the ``fields`` object, issue links, sprints and changelogs.

Cloud serves ``parent`` and Sprint objects; Data Center serves the Epic Link custom field and
the legacy ``com.atlassian.greenhopper.service.sprint.Sprint@…[…]`` strings. A rendered issue
is cached until something it shows changes (itself or an issue it links to).
"""

from __future__ import annotations

import zlib
from datetime import datetime
from typing import Any

from simulators.jira.catalog import FLAG_OPTION, RESOLUTIONS
from simulators.jira.history import HistoryWriter, jira_time
from simulators.jira.state import JiraState, SimIssue, Sprint

PRIORITY = {"id": "3", "name": "Medium"}


def sprint_time(at: datetime) -> str:
    return at.strftime("%Y-%m-%dT%H:%M:%S.000Z")


def agile_sprint(state: JiraState, sprint: Sprint) -> dict[str, Any]:
    """A sprint as ``/rest/agile/1.0`` serves it."""
    now = state.now()
    out: dict[str, Any] = {
        "id": sprint.id,
        "self": f"{state.catalog.base}/rest/agile/1.0/sprint/{sprint.id}",
        "state": sprint.state(now),
        "name": sprint.name,
        "startDate": sprint_time(sprint.start),
        "endDate": sprint_time(sprint.end),
        "originBoardId": sprint.board,
        "goal": "",
    }
    if sprint.complete <= now:
        out["completeDate"] = sprint_time(sprint.complete)
    return out


def field_sprint(state: JiraState, sprint: Sprint) -> dict[str, Any] | str:
    """A sprint as the Sprint custom field holds it (Cloud object, Data Center string)."""
    key = (sprint.id, sprint.state(state.now()))
    if key not in state.sprint_views:
        state.sprint_views[key] = _field_sprint(state, sprint)
    return state.sprint_views[key]  # type: ignore[no-any-return]


def _field_sprint(state: JiraState, sprint: Sprint) -> dict[str, Any] | str:
    now = state.now()
    if state.catalog.cloud:
        out = agile_sprint(state, sprint)
        del out["self"], out["originBoardId"]
        out["boardId"] = sprint.board
        return out
    done = sprint_time(sprint.complete) if sprint.complete <= now else "<null>"
    return (
        f"com.atlassian.greenhopper.service.sprint.Sprint@{sprint.id * 7919:x}[id={sprint.id},"
        f"rapidViewId={sprint.board},state={sprint.state(now).upper()},name={sprint.name},"
        f"startDate={sprint_time(sprint.start)},endDate={sprint_time(sprint.end)},"
        f"completeDate={done},activatedDate={sprint_time(sprint.start)},"
        f"sequence={sprint.id},goal=,autoStartStop=false,synced=false]"
    )


def _status(state: JiraState, name: str) -> dict[str, Any]:
    return state.catalog.status(name, state.scenario.statuses[name], state.status_ids[name])


def _stub(state: JiraState, issue: SimIssue) -> dict[str, Any]:
    """How an issue appears inside another one (issuelinks, parent)."""
    return {
        "id": str(issue.id),
        "key": issue.key,
        "self": f"{state.catalog.base}/rest/api/2/issue/{issue.id}",
        "fields": {
            "summary": issue.item.title,
            "status": _status(state, str(issue.item.current("status"))),
            "priority": PRIORITY,
            "issuetype": state.catalog.issuetype(issue.issuetype),
        },
    }


def _option(value: str, option_id: str, base: str) -> dict[str, Any]:
    return {
        "self": f"{base}/rest/api/2/customFieldOption/{option_id}",
        "value": value,
        "id": option_id,
    }


Rendered = tuple[dict[str, Any], list[dict[str, Any]], list[int]]


def render(state: JiraState, issue: SimIssue) -> Rendered:
    """All fields of ``issue``, its whole changelog (oldest first) and each history's time
    in epoch milliseconds (cached)."""
    cached = state.cache.get(issue.key)
    if cached is not None:
        return cached  # type: ignore[no-any-return]
    cat, item, tz, base = state.catalog, issue.item, state.time_zone, state.catalog.base
    writer = HistoryWriter(state, issue)
    histories = writer.write()
    status = str(item.current("status"))
    resolution = RESOLUTIONS.get(state.scenario.statuses[status])
    pi = (
        issue.objective.pi
        if issue.objective
        else issue.risk.pi
        if issue.risk
        else writer.sprints[-1].pi
        if writer.sprints
        else None
    )
    fields: dict[str, Any] = {
        "summary": item.title,
        "status": _status(state, status),
        "issuetype": cat.issuetype(issue.issuetype),
        "project": {
            "self": f"{base}/rest/api/2/project/{issue.project.id}",
            "id": issue.project.id,
            "key": issue.project.key,
            "name": item.team,
            "projectTypeKey": "software",
            "simplified": issue.project.team_managed,
        },
        "created": jira_time(item.created, tz),
        "updated": jira_time(issue.updated, tz),
        "labels": list(issue.labels),
        "priority": PRIORITY,
        "components": [],
        "issuelinks": [
            {
                "id": str(lid),
                "self": f"{base}/rest/api/2/issueLink/{lid}",
                "type": cat.link_type(kind),
                ("outwardIssue" if out else "inwardIssue"): _stub(state, state.issues[other]),
            }
            for lid, kind, other, out in issue.links
            if other in state.issues
        ],
        "fixVersions": []
        if pi is None
        else [
            {
                "self": f"{base}/rest/api/2/version/{zlib.crc32(pi.encode()) % 10**5}",
                "id": str(zlib.crc32(pi.encode()) % 10**5),
                "description": "",
                "name": pi,
                "archived": False,
                "released": state.pi_end(pi) < state.now().date(),
                "releaseDate": state.pi_end(pi).isoformat(),
            }
        ],
        "duedate": item.target_date.isoformat() if item.target_date else None,
        "assignee": cat.user(issue.risk.owner) if issue.risk and issue.risk.owner else None,
        "resolution": {"id": resolution[0], "name": resolution[1]} if resolution else None,
    }
    parent = state.issues.get(item.parent) if item.parent else None
    if cat.cloud:
        fields["parent"] = _stub(state, parent) if parent else None
    custom: dict[str, Any] = {
        "Sprint": [field_sprint(state, s) for s in writer.sprints] or None,
        "Epic Link": parent.key if parent and not cat.cloud else None,
        writer.points_field[0]: _points(item.current("points")),
        "Flagged": [_option(FLAG_OPTION["value"], FLAG_OPTION["id"], base)]
        if item.current("flagged")
        else None,
        "Team": {
            "id": f"team-{issue.project.id}",
            "name": item.team,
            "title": item.team,
            "isShared": True,
            "isVisible": True,
            "isVerified": False,
        },
        "Business Value": item.business_value,
    }
    if issue.objective is not None:
        obj = issue.objective
        custom["Planned Business Value"] = _points(obj.planned_bv)
        custom["Actual Business Value"] = _points(obj.actual_bv)
        custom["Committed"] = (
            _option("Yes", "10100", base) if obj.committed else _option("No", "10101", base)
        )
    if issue.risk is not None and issue.risk.roam != "unroamed":
        custom["ROAM"] = _option(issue.risk.roam.capitalize(), "10200", base)
    for name in (
        "Planned Business Value",
        "Actual Business Value",
        "Committed",
        "ROAM",
        "Story Points",
        "Story point estimate",
    ):
        custom.setdefault(name, None)
    for name, value in custom.items():
        fid = cat.field_id(name)
        if fid is not None:
            fields[fid] = value
    stamps = [int(at.timestamp() * 1000) for at in writer.stamps]
    state.cache[issue.key] = (fields, histories, stamps)
    return fields, histories, stamps


def _points(value: Any) -> float | None:
    return None if value is None else float(value)


def issue_json(
    state: JiraState, issue: SimIssue, wanted: set[str] | None, changelog: bool
) -> dict[str, Any]:
    """The issue envelope with the ``wanted`` fields (None: all) and maybe its changelog."""
    fields, histories, _ = render(state, issue)
    chosen = dict(fields) if wanted is None else {k: fields[k] for k in wanted if k in fields}
    if issue.key in state.faults.malformed:
        chosen.update({"status": None, "created": "yesterday-ish"})
    out: dict[str, Any] = {
        "expand": "operations,versionedRepresentations,editmeta,changelog,renderedFields",
        "id": str(issue.id),
        "self": f"{state.catalog.base}/rest/api/2/issue/{issue.id}",
        "key": issue.key,
        "fields": chosen,
    }
    if changelog:
        cap = state.faults.changelog_cap or 100
        out["changelog"] = {
            "startAt": 0,
            "maxResults": min(cap, len(histories)),
            "total": len(histories),
            "histories": histories[:cap],
        }
    return out
