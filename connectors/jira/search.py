"""Paging through a JQL search: Cloud's token cursor, Data Center's offsets made safe.

Both order by ``updated ASC, key ASC`` so a pull can resume from the last ``updated`` seen.
On Data Center, ``startAt`` is a live offset: when an issue already read is updated (it
moves to the end) or deleted, every later issue shifts one place left and a plain offset
loop would skip one. Each page therefore starts one issue early; if that issue sorts after
the last one read, the offset went stale and the loop steps back until the page overlaps
again. Issues that sort at or before the last one read are dropped, so nothing is served
twice unless it changed.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from connectors.jira.client import JiraClient
from connectors.jira.values import parse_time

ORDER = " ORDER BY updated ASC, key ASC"
Rank = tuple[datetime, tuple[str, int, int | str]]


def key_order(key: str) -> tuple[str, int, int | str]:
    """Jira's key order: project, then issue number."""
    project, _, number = key.rpartition("-")
    return (project, 0, int(number)) if number.isdigit() else (project, 1, number)


def rank(issue: dict[str, Any]) -> Rank:
    try:
        at = parse_time((issue.get("fields") or {}).get("updated"))
    except ValueError:
        at = datetime.min.replace(tzinfo=UTC)
    return at, key_order(str(issue.get("key", "")))


def search_pages(
    client: JiraClient, jql: str, fields: list[str], size: int
) -> Iterator[list[dict[str, Any]]]:
    """Pages of issues for ``jql`` (which ends with ORDER); Data Center pages embed changelogs."""
    if client.flavour == "cloud":
        yield from _cloud(client, jql, fields, size)
    else:
        yield from _datacenter(client, jql, fields, size)


def _cloud(
    client: JiraClient, jql: str, fields: list[str], size: int
) -> Iterator[list[dict[str, Any]]]:
    token: str | None = None
    while True:
        body: dict[str, Any] = {"jql": jql, "fields": fields, "maxResults": size}
        if token:
            body["nextPageToken"] = token
        page = client.post("search/jql", body)
        issues = page.get("issues") or []
        if issues:
            yield issues
        token = page.get("nextPageToken")
        if not token or page.get("isLast") is True:
            return


def _datacenter(
    client: JiraClient, jql: str, fields: list[str], size: int
) -> Iterator[list[dict[str, Any]]]:
    pos, last = 0, None  # pos: offset after the last issue read, as of the last page
    while True:
        start = max(0, pos - 1) if last is not None else 0
        page = client.post(
            "search",
            {
                "jql": jql,
                "startAt": start,
                "maxResults": size,
                "fields": fields,
                "expand": ["changelog"],
            },
        )
        issues = page.get("issues") or []
        if last is not None and start > 0 and issues and rank(issues[0]) > last:
            pos = max(1, pos - max(1, len(issues) - 1))  # stale offset: step back, re-read
            continue
        fresh = [i for i in issues if last is None or rank(i) > last]
        if fresh:
            last = rank(fresh[-1])
            yield fresh
        pos = start + len(issues)
        if not issues or pos >= int(page.get("total", pos)):
            return
