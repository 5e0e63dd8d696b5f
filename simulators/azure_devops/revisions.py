"""The history endpoints: the reporting revisions feed and one item's revisions.

The feed lists every revision of the project in watermark order, a page at a time; its
``continuationToken`` (``watermark;id;rev`` of the last revision read) resumes it, and
``isLastBatch`` says the reader has caught up.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from simulators.azure_devops import render
from simulators.azure_devops.routes import (
    BATCH_CAP,
    Answer,
    Call,
    error,
    missing_project,
    not_found,
    project_ok,
)


def reporting_revisions(call: Call) -> Answer:
    if not project_ok(call):
        return missing_project(call)
    body = call.body if isinstance(call.body, dict) else {}
    csv = call.params.get("fields")
    only = list(body.get("fields") or []) or (csv.split(",") if csv else None)
    types_csv = call.params.get("types")
    types = {t.lower() for t in (body.get("types") or (types_csv.split(",") if types_csv else []))}
    deleted = bool(body.get("includeDeleted")) or call.flag("includeDeleted")
    identity_ref = bool(body.get("includeIdentityRef")) or call.flag("includeIdentityRef")
    token = call.params.get("continuationtoken")
    try:
        position = int(token.split(";")[0]) if token else 0
    except ValueError:
        return error(
            400,
            f"VS403488: The continuation token '{token}' is not valid.",
            "InvalidContinuationTokenException",
        )
    since = call.params.get("startdatetime")
    start = datetime.fromisoformat(since.replace("Z", "+00:00")) if since and not token else None
    if start is not None and start.tzinfo is None:
        start = start.replace(tzinfo=UTC)
    size = min(int(call.params.get("$maxpagesize", call.page_cap)), call.page_cap)
    values: list[dict[str, Any]] = []
    with call.world.lock:
        feed = call.world.feed
        last = None
        while position < len(feed) and len(values) < size:
            item_id, index = feed[position]
            position += 1
            last = (item_id, index)
            item = call.world.items[item_id]
            rev = item.revisions[index]
            if (
                (item.deleted and not deleted)
                or (types and item.type.lower() not in types)
                or (start is not None and rev.at <= start)
            ):
                continue
            values.append(render.revision(call.world, item, index, call.base, identity_ref, only))
        is_last = position >= len(feed)
        changed = call.faults.change_during_paging
        if changed and not token and values:  # someone edits an item while we page
            call.faults.change_during_paging = None
            call.world.mutate(changed, flagged=not call.world.current(changed, "flagged"))
    if last is not None:
        item = call.world.items[last[0]]
        token = f"{position};{item.id};{item.revisions[last[1]].rev}"
    token = token or "0;0;0"
    project = call.path.get("project")
    prefix = f"{call.base}/{project}" if project else call.base
    return 200, {
        "values": values,
        "nextLink": f"{prefix}/_apis/wit/reporting/workItemRevisions?"
        f"continuationToken={token}&api-version=7.1-preview.2",
        "continuationToken": token,
        "isLastBatch": is_last,
    }


def item_revisions(call: Call) -> Answer:
    if not project_ok(call):
        return missing_project(call)
    item = call.world.items.get(int(call.path["id"]))
    if item is None or item.deleted:
        return not_found(int(call.path["id"]))
    top = min(int(call.params.get("$top", BATCH_CAP)), call.faults.changelog_cap or BATCH_CAP)
    skip = int(call.params.get("$skip", 0))
    with call.world.lock:
        value = [
            render.revision(call.world, item, i, call.base, True, None)
            for i in range(skip, min(skip + top, len(item.revisions)))
        ]
    return 200, {"count": len(value), "value": value}
