"""Complete changelogs: bulk fetch on Cloud, per-issue paging on Data Center.

Search results either carry no changelog (Cloud's ``/search/jql``) or a truncated one (Data
Center embeds at most 100 histories, with ``total`` telling how many exist). Cloud's
``POST /rest/api/3/changelog/bulkfetch`` returns the histories of up to 1000 issues, filtered
to the tracked fields (at most 10), paged by ``nextPageToken``; Data Center pages
``GET /rest/api/2/issue/{key}/changelog`` for the issues whose embedded changelog is short.
Either way each issue leaves with ``changelog = {startAt, maxResults, total, histories}``
holding everything.
"""

from __future__ import annotations

from typing import Any

from art.chunks import chunks
from connectors.jira.client import JiraClient, JiraRequestError
from connectors.jira.fields import FieldIds


def _store(issue: dict[str, Any], histories: list[dict[str, Any]]) -> None:
    n = len(histories)
    issue["changelog"] = {"startAt": 0, "maxResults": n, "total": n, "histories": histories}


def complete_changelogs(client: JiraClient, issues: list[dict[str, Any]], fields: FieldIds) -> None:
    """Give every issue its whole changelog, in place."""
    if not issues:
        return
    if client.flavour == "cloud":
        _bulkfetch(client, issues, fields)
        return
    for issue in issues:
        log = issue.get("changelog")
        histories = (log or {}).get("histories") or []
        if log is not None and int(log.get("total", len(histories))) <= len(histories):
            continue
        _store(issue, _paged(client, str(issue.get("key") or issue.get("id"))))


def _bulkfetch(client: JiraClient, issues: list[dict[str, Any]], fields: FieldIds) -> None:
    by_id = {str(issue.get("id")): issue for issue in issues}
    found: dict[str, dict[str, dict[str, Any]]] = {iid: {} for iid in by_id}
    for chunk in chunks(by_id, 1000):
        token: str | None = None
        while True:
            body: dict[str, Any] = {
                "issueIdsOrKeys": chunk,
                "fieldIds": fields.tracked(),
                "maxResults": 1000,
            }
            if token:
                body["nextPageToken"] = token
            page = client.post("changelog/bulkfetch", body)
            for log in page.get("issueChangeLogs") or []:
                bucket = found.setdefault(str(log.get("issueId")), {})
                for history in log.get("changeHistories") or []:
                    bucket[str(history.get("id"))] = history
            token = page.get("nextPageToken")
            if not token:
                break
    for iid, issue in by_id.items():
        _store(issue, list(found.get(iid, {}).values()))


def _paged(client: JiraClient, key: str) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    start = 0
    try:
        while True:
            page = client.get(f"issue/{key}/changelog", {"startAt": start, "maxResults": 100})
            values = page.get("values") or []
            out += values
            start += len(values)
            if page.get("isLast") or not values or start >= int(page.get("total", start)):
                return out
    except JiraRequestError as exc:
        if exc.status != 404 or out:
            raise
    # An older Data Center without the changelog resource: the issue's own expansion.
    issue = client.get(f"issue/{key}", {"expand": "changelog", "fields": "created"})
    return list((issue.get("changelog") or {}).get("histories") or [])
