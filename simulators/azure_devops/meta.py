"""Metadata endpoints: fields, relation types, teams, team field values, team iterations."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from simulators.azure_devops import render
from simulators.azure_devops.render import guid
from simulators.azure_devops.routes import (
    Answer,
    Call,
    error,
    missing_project,
    project_ok,
)

# reference name, display name, type
FIELDS: list[tuple[str, str, str]] = [
    ("System.Id", "ID", "integer"),
    ("System.Rev", "Rev", "integer"),
    ("System.Title", "Title", "string"),
    ("System.State", "State", "string"),
    ("System.Reason", "Reason", "string"),
    ("System.WorkItemType", "Work Item Type", "string"),
    ("System.TeamProject", "Team Project", "string"),
    ("System.AreaPath", "Area Path", "treePath"),
    ("System.IterationPath", "Iteration Path", "treePath"),
    ("System.Tags", "Tags", "plainText"),
    ("System.Parent", "Parent", "integer"),
    ("System.CreatedDate", "Created Date", "dateTime"),
    ("System.ChangedDate", "Changed Date", "dateTime"),
    ("System.RevisedDate", "Revised Date", "dateTime"),
    ("System.CreatedBy", "Created By", "identity"),
    ("System.ChangedBy", "Changed By", "identity"),
    ("System.AssignedTo", "Assigned To", "identity"),
    ("System.BoardColumn", "Board Column", "string"),
    ("Microsoft.VSTS.Common.Priority", "Priority", "integer"),
    ("Microsoft.VSTS.Scheduling.StoryPoints", "Story Points", "double"),
    ("Microsoft.VSTS.Common.BusinessValue", "Business Value", "integer"),
    ("Microsoft.VSTS.Scheduling.TargetDate", "Target Date", "dateTime"),
    ("Microsoft.VSTS.CMMI.Blocked", "Blocked", "string"),
    ("Custom.PlannedBusinessValue", "Planned Business Value", "double"),
    ("Custom.ActualBusinessValue", "Actual Business Value", "double"),
    ("Custom.Committed", "Committed", "boolean"),
    ("Custom.ROAM", "ROAM", "string"),
]
_TOPOLOGY = {
    "Hierarchy": ("tree", True),
    "Dependency": ("dependency", True),
    "Related": ("network", False),
}


def fields(call: Call) -> Answer:
    if not project_ok(call):
        return missing_project(call)
    value = [
        {
            "name": name,
            "referenceName": ref,
            "description": "",
            "type": kind,
            "usage": "workItem",
            "readOnly": ref.startswith("System.") and ref != "System.Title",
            "canSortBy": True,
            "isQueryable": True,
            "supportedOperations": [],
            "isIdentity": kind == "identity",
            "isPicklist": False,
            "isLocked": False,
            "url": f"{call.base}/_apis/wit/fields/{ref}",
        }
        for ref, name, kind in FIELDS
    ]
    return 200, {"count": len(value), "value": value}


def relation_types(call: Call) -> Answer:
    value = []
    for ref, name in render.RELATION_NAMES.items():
        family = ref.split(".")[-1].split("-")[0]
        topology, directional = _TOPOLOGY[family]
        value.append(
            {
                "attributes": {
                    "usage": "workItemLink",
                    "editable": False,
                    "enabled": True,
                    "acyclic": topology != "network",
                    "directional": directional,
                    "singleTarget": ref.endswith("Hierarchy-Reverse"),
                    "topology": topology,
                },
                "referenceName": ref,
                "name": name,
                "url": f"{call.base}/_apis/wit/workItemRelationTypes/{ref}",
            }
        )
    return 200, {"count": len(value), "value": value}


def _team(call: Call) -> str | None:
    wanted = call.path["team"].lower()
    return next((t for t in call.world.scenario.teams if t.lower() == wanted), None)


def teams(call: Call) -> Answer:
    world = call.world
    if call.path["project"].lower() not in (world.project.lower(), guid(world.project)):
        return error(
            404,
            f"TF200016: The following project does not exist: {call.path['project']}.",
            "ProjectDoesNotExistWithNameException",
        )
    project_id = guid(world.project)
    value = [
        {
            "id": guid(team),
            "name": team,
            "url": f"{call.base}/_apis/projects/{project_id}/teams/{guid(team)}",
            "description": f"The {team} team",
            "identityUrl": f"{call.base}/_apis/Identities/{guid(team)}",
            "projectName": world.project,
            "projectId": project_id,
        }
        for team in world.scenario.teams
    ]
    return 200, {"value": value, "count": len(value)}


def team_field_values(call: Call) -> Answer:
    team = _team(call)
    if team is None:
        return error(
            404, f"VS410007: The team {call.path['team']} does not exist.", "TeamNotFoundException"
        )
    area = call.world.area_path(team)
    url = f"{call.base}/{guid(call.world.project)}/{guid(team)}/_apis/work/teamsettings"
    return 200, {
        "field": {
            "referenceName": "System.AreaPath",
            "url": f"{call.base}/_apis/wit/fields/System.AreaPath",
        },
        "defaultValue": area,
        "values": [{"value": area, "includeChildren": True}],
        "url": f"{url}/teamfieldvalues",
        "_links": {"self": {"href": f"{url}/teamfieldvalues"}},
    }


def team_iterations(call: Call) -> Answer:
    team = _team(call)
    if team is None:
        return error(
            404, f"VS410007: The team {call.path['team']} does not exist.", "TeamNotFoundException"
        )
    today = (call.world.scenario.as_of or datetime.now(UTC)).date()
    timeframe = call.params.get("$timeframe", "").lower()
    value: list[dict[str, Any]] = []
    for pi in call.world.scenario.pis:
        for it in pi.iterations:
            frame = "past" if it.end < today else "future" if it.start > today else "current"
            if timeframe and frame != timeframe:
                continue
            path = call.world.iteration_path(it.name)
            value.append(
                {
                    "id": guid(path),
                    "name": it.name,
                    "path": path,
                    "attributes": {
                        "startDate": render.ado_date(it.start),
                        "finishDate": render.ado_date(it.end),
                        "timeFrame": frame,
                    },
                    "url": f"{call.base}/{guid(call.world.project)}/{guid(team)}/_apis/"
                    f"work/teamsettings/iterations/{guid(path)}",
                }
            )
    return 200, {"count": len(value), "value": value}
