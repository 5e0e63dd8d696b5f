"""Agile REST routes (``/rest/agile/1.0``): boards, their sprints and configuration, sprints.

Every page is offset-paged (startAt/maxResults/total/isLast) as in Jira Software's API.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from simulators.jira.render import agile_sprint
from simulators.jira.state import JiraState, Project
from simulators.jira.wire import JiraHTTPError, jira_json, listed

AGILE = "/rest/agile/1.0"


def _page(values: list[dict[str, Any]], request: Request, default: int = 50) -> dict[str, Any]:
    start = int(request.query_params.get("startAt") or 0)
    size = max(1, min(int(request.query_params.get("maxResults") or default), default))
    chunk = values[start : start + size]
    return {
        "maxResults": size,
        "startAt": start,
        "total": len(values),
        "isLast": start + len(chunk) >= len(values),
        "values": chunk,
    }


def agile_routes(router: APIRouter, state: JiraState) -> None:
    base = state.catalog.base
    by_id = {p.board: p for p in state.projects.values()}

    def board(p: Project) -> dict[str, Any]:
        return {
            "id": p.board,
            "self": f"{base}{AGILE}/board/{p.board}",
            "name": f"{p.key} board",
            "type": "scrum",
            "location": {
                "projectId": int(p.id),
                "displayName": f"{p.team} ({p.key})",
                "projectName": p.team,
                "projectKey": p.key,
                "projectTypeKey": "software",
                "name": f"{p.team} ({p.key})",
            },
        }

    def project(board_id: int) -> Project:
        if board_id not in by_id:
            raise JiraHTTPError(
                404, f"Board {board_id} does not exist or you do not have permission to see it."
            )
        return by_id[board_id]

    @router.get(AGILE + "/board")
    async def boards(request: Request) -> Response:
        wanted = request.query_params.get("projectKeyOrId")
        values = [
            board(p)
            for p in sorted(state.projects.values(), key=lambda p: p.board)
            if wanted in (None, p.key, p.id)
        ]
        return jira_json(_page(values, request))

    @router.get(AGILE + "/board/{board_id}")
    async def one_board(board_id: int) -> Response:
        return jira_json(board(project(board_id)))

    @router.get(AGILE + "/board/{board_id}/sprint")
    async def board_sprints(board_id: int, request: Request) -> Response:
        project(board_id)
        states = set(listed(request.query_params.get("state")) or ())
        now = state.now()
        values = [
            agile_sprint(state, sp)
            for sp in state.sprints.values()
            if sp.board == board_id and (not states or sp.state(now) in states)
        ]
        return jira_json(_page(values, request))

    @router.get(AGILE + "/board/{board_id}/configuration")
    async def configuration(board_id: int) -> Response:
        p = project(board_id)
        points = "Story point estimate" if p.team_managed else "Story Points"
        ids = state.status_ids
        columns = [
            {
                "name": name,
                "statuses": [{"id": ids[name], "self": f"{base}/rest/api/2/status/{ids[name]}"}],
            }
            for name in state.scenario.statuses
        ]
        return jira_json(
            {
                "id": p.board,
                "name": f"{p.key} board",
                "self": f"{base}{AGILE}/board/{p.board}/configuration",
                "location": {"type": "project", "key": p.key, "id": p.id, "name": p.team},
                "filter": {
                    "id": str(10000 + p.board),
                    "self": f"{base}/rest/api/2/filter/{p.board}",
                },
                "columnConfig": {"columns": columns, "constraintType": "issueCount"},
                "estimation": {
                    "type": "field",
                    "field": {"fieldId": state.catalog.field_id(points), "displayName": points},
                },
                "ranking": {"rankCustomFieldId": 10019},
            }
        )

    @router.get(AGILE + "/sprint/{sprint_id}")
    async def sprint(sprint_id: int) -> Response:
        if sprint_id not in state.sprints:
            raise JiraHTTPError(404, f"Sprint {sprint_id} does not exist.")
        return jira_json(agile_sprint(state, state.sprints[sprint_id]))
