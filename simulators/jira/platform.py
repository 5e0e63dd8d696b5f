"""Platform REST routes both flavours share: the API user, fields, statuses, link types, one
issue and its paged changelog."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from simulators.jira.catalog import LINK_TYPES
from simulators.jira.render import issue_json, render
from simulators.jira.state import JiraState, SimIssue
from simulators.jira.wire import (
    JiraHTTPError,
    jira_json,
    listed,
    request_args,
    wanted_fields,
)

NOT_FOUND = "Issue does not exist or you do not have permission to see it."


def platform_routes(
    router: APIRouter, state: JiraState, lookup: Callable[[str], SimIssue | None]
) -> None:
    cat = state.catalog

    @router.get("/rest/api/{version}/myself")
    async def myself(request: Request) -> Response:
        me = {
            "self": f"{cat.base}/rest/api/2/myself",
            "displayName": "Release Train Engineer",
            "emailAddress": "rte@example.com",
            "active": True,
            "timeZone": state.time_zone,
            "locale": "en_US",
        }
        me.update(
            {"accountId": "5b10a2844c20165700ede21g", "accountType": "atlassian"}
            if cat.cloud
            else {"name": "rte", "key": "rte"}
        )
        return jira_json(me)

    @router.get("/rest/api/{version}/field")
    async def fields() -> Response:
        return jira_json(cat.fields())

    @router.get("/rest/api/{version}/status")
    async def statuses() -> Response:
        return jira_json(
            [cat.status(n, c, state.status_ids[n]) for n, c in state.scenario.statuses.items()]
        )

    @router.get("/rest/api/{version}/issueLinkType")
    async def link_types() -> Response:
        return jira_json({"issueLinkTypes": [cat.link_type(k) for k in LINK_TYPES]})

    @router.get("/rest/api/{version}/issue/{key}")
    async def issue(key: str, request: Request) -> Response:
        args = await request_args(request)
        with state.lock:
            found = lookup(key)
            if found is None:
                raise JiraHTTPError(404, NOT_FOUND)
            expand = listed(args.get("expand")) or []
            return jira_json(
                issue_json(
                    state, found, wanted_fields(args.get("fields"), None), "changelog" in expand
                )
            )

    @router.get("/rest/api/{version}/issue/{key}/changelog")
    async def changelog(key: str, request: Request) -> Response:
        with state.lock:
            found = lookup(key)
            if found is None:
                raise JiraHTTPError(404, NOT_FOUND)
            _, histories, _ = render(state, found)
        start = int(request.query_params.get("startAt") or 0)
        size = max(
            1,
            min(
                int(request.query_params.get("maxResults") or 100),
                100,
                state.faults.changelog_cap or 100,
            ),
        )
        values = histories[start : start + size]
        last = start + len(values) >= len(histories)
        page: dict[str, Any] = {
            "self": f"{cat.base}/rest/api/2/issue/{key}/changelog?startAt={start}",
            "maxResults": size,
            "startAt": start,
            "total": len(histories),
            "isLast": last,
            "values": values,
        }
        if not last:
            page["nextPage"] = (
                f"{cat.base}/rest/api/2/issue/{key}/changelog?"
                f"startAt={start + size}&maxResults={size}"
            )
        return jira_json(page)
