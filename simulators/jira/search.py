"""Search routes: Cloud's ``/search/jql`` and bulk changelog, Data Center's ``/search``.

Cloud's cursor (``nextPageToken``) continues after the sort position of the last issue served,
so an issue updated while a client pages moves to the end and is served again. Data Center's
``startAt`` is a live offset, as on Jira: an issue updated while a client pages shifts the
others, which a client has to notice.

Two faults make a search less trustworthy than Jira promises, on the same wire format: with
``search_order`` the server sorts its own way, not by the ``ORDER BY`` asked for (the cursor
and offsets follow the server's order); Data Center counts ``unserved`` issues in ``total`` but
leaves them out of its pages, as a search whose index holds entries it cannot load.
"""

from __future__ import annotations

from bisect import bisect_right
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from simulators.jira.jql import JqlError, Query, parse, sort_key
from simulators.jira.platform import platform_routes
from simulators.jira.render import issue_json, render
from simulators.jira.state import JiraState, SimIssue
from simulators.jira.wire import (
    JiraHTTPError,
    decode_token,
    encode_token,
    jira_json,
    listed,
    request_args,
    wanted_fields,
)

UNBOUNDED = (
    "Unbounded JQL queries are not allowed here. Please add a search restriction to your query."
)


def _tuple(value: Any) -> Any:
    return tuple(_tuple(v) for v in value) if isinstance(value, list) else value


class Searcher:
    """Runs JQL over the state, caching the sorted result until the state changes."""

    def __init__(self, state: JiraState) -> None:
        self.state = state

    def query(self, jql: str) -> Query:
        try:
            query = parse(jql, self.state.time_zone)
        except JqlError as exc:
            raise JiraHTTPError(400, str(exc)) from None
        for key in query.keys:
            if self.lookup(key) is None:
                raise JiraHTTPError(
                    400, f"An issue with key '{key}' does not exist for field 'key'."
                )
        return query

    def ranked(self, jql: str, query: Query) -> list[tuple[Any, SimIssue]]:
        st = self.state
        own = st.faults.search_order  # the ``search_order`` fault: the server's own order
        cached = f"{jql}\n{own}" if own else jql
        hit = st.searches.get(cached)
        if hit is not None and hit[0] == st.version:
            return hit[1]
        order = parse(f"ORDER BY {own}").order if own else query.order or [("key", False)]
        pred = query.predicate
        rows = sorted(
            ((sort_key(i, order), i) for i in self.candidates(query) if pred is None or pred(i)),
            key=lambda r: r[0],
        )
        st.searches[cached] = (st.version, rows)
        return rows

    def candidates(self, query: Query) -> list[SimIssue]:
        """The issues the query may match: those its key clauses name (looked up, as Jira's
        index does, not found by reading every issue), else all."""
        if query.bound is None:
            return list(self.state.issues.values())
        found = {i.id: i for k in query.bound if (i := self.lookup(k)) is not None}
        return list(found.values())

    def lookup(self, key_or_id: str) -> SimIssue | None:
        st = self.state
        found = st.issues.get(key_or_id) or st.issues.get(key_or_id.upper())
        if found is None and key_or_id.isdigit():
            found = st.by_id.get(int(key_or_id))
        return found

    def page_size(self, asked: Any, default: int) -> int:
        cap = self.state.faults.page_cap or self.state.page_cap
        return max(1, min(int(asked or default), cap))

    def changed_while_paging(self) -> None:
        """The ``change_during_paging`` fault: change one item once a first page is out."""
        key = self.state.faults.change_during_paging
        if key and key in self.state.issues:
            self.state.faults.change_during_paging = None
            self.state.nudge(key)


def search_routes(router: APIRouter, state: JiraState) -> None:
    """Issues, changelogs and metadata for both flavours, then the flavour's own search."""
    s = Searcher(state)
    platform_routes(router, state, s.lookup)
    if state.catalog.cloud:
        cloud_routes(router, state, s)
    else:
        datacenter_routes(router, state, s)


def cloud_routes(router: APIRouter, state: JiraState, s: Searcher) -> None:
    @router.api_route("/rest/api/{version}/search/jql", methods=["GET", "POST"])
    async def search_jql(request: Request) -> Response:
        args = await request_args(request)
        jql = str(args.get("jql") or "")
        with state.lock:
            query = s.query(jql)
            if query.predicate is None:
                raise JiraHTTPError(400, UNBOUNDED)
            rows = s.ranked(jql, query)
            token = args.get("nextPageToken")
            start = (
                bisect_right(rows, _tuple(decode_token(token)), key=lambda r: r[0]) if token else 0
            )
            page = rows[start : start + s.page_size(args.get("maxResults"), 50)]
            wanted = wanted_fields(args.get("fields"), {"id"})
            expand = "changelog" in (listed(args.get("expand")) or [])
            out: dict[str, Any] = {
                "issues": [issue_json(state, i, wanted, expand) for _, i in page],
                "isLast": start + len(page) >= len(rows),
            }
            if not out["isLast"]:
                out["nextPageToken"] = encode_token(page[-1][0])
            if not token:
                s.changed_while_paging()
        return jira_json(out)

    @router.api_route("/rest/api/{version}/search", methods=["GET", "POST"])
    async def removed_search() -> Response:
        raise JiraHTTPError(
            410,
            "The requested API has been removed. Please migrate to the /rest/api/3/search/jql API.",
        )

    @router.post("/rest/api/{version}/changelog/bulkfetch")
    async def bulkfetch(request: Request) -> Response:
        body = await request_args(request)
        ids = list(body.get("issueIdsOrKeys") or [])
        field_ids = set(body.get("fieldIds") or [])
        if not 1 <= len(ids) <= 1000:
            raise JiraHTTPError(400, "issueIdsOrKeys must hold between 1 and 1000 issues.")
        if len(field_ids) > 10:
            raise JiraHTTPError(400, "fieldIds can hold at most 10 fields.")
        size = max(
            1, min(int(body.get("maxResults") or 1000), 1000, state.faults.changelog_cap or 1000)
        )
        token = body.get("nextPageToken")
        offset = int(decode_token(token)["o"]) if token else 0
        rows: list[tuple[int, int, dict[str, Any]]] = []
        with state.lock:
            for ref in ids:
                found = s.lookup(str(ref))
                if found is None:
                    continue
                _, histories, stamps = render(state, found)
                for history, at in zip(histories, stamps, strict=True):
                    items = [
                        it
                        for it in history["items"]
                        if not field_ids or it.get("fieldId") in field_ids
                    ]
                    if items:
                        rows.append((at, found.id, {**history, "items": items}))
        rows.sort(key=lambda r: (r[0], r[1]))
        grouped: dict[int, list[dict[str, Any]]] = {}
        for _, issue_id, history in rows[offset : offset + size]:
            grouped.setdefault(issue_id, []).append(history)
        more = offset + size < len(rows)
        return jira_json(
            {
                "issueChangeLogs": [
                    {"issueId": str(k), "changeHistories": v} for k, v in grouped.items()
                ],
                "nextPageToken": encode_token({"o": offset + size}) if more else None,
            }
        )


def datacenter_routes(router: APIRouter, state: JiraState, s: Searcher) -> None:
    @router.api_route("/rest/api/{version}/search", methods=["GET", "POST"])
    async def search(request: Request) -> Response:
        args = await request_args(request)
        jql = str(args.get("jql") or "")
        with state.lock:
            query = s.query(jql)
            rows = s.ranked(jql, query)
            start = int(args.get("startAt") or 0)
            size = s.page_size(args.get("maxResults"), 50)
            unserved = state.faults.unserved  # counted in total, left out of the page
            page = [i for _, i in rows[start : start + size] if i.key not in unserved]
            wanted = wanted_fields(args.get("fields"), None)
            expand = "changelog" in (listed(args.get("expand")) or [])
            out = {
                "expand": "schema,names",
                "startAt": start,
                "maxResults": size,
                "total": len(rows),
                "issues": [issue_json(state, i, wanted, expand) for i in page],
            }
            if start == 0:
                s.changed_while_paging()
        return jira_json(out)
