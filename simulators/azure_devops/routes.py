"""The endpoint handlers: one function per Azure DevOps resource the connector reads.

Each handler takes a :class:`Call` (the world, the parsed request) and answers
``(status, json body)``. Errors use the service's ``WrappedException`` body
(``message``, ``typeName``, ``typeKey``) so the SDK raises what it raises against the real one.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from simulators.azure_devops import render
from simulators.azure_devops.wiql import WiqlError, compile_wiql
from simulators.azure_devops.world import AdoItem, AdoWorld
from simulators.faults import Faults

WIQL_CAP = 20_000
BATCH_CAP = 200
Answer = tuple[int, Any]


@dataclass(slots=True)
class Call:
    world: AdoWorld
    base: str  # http://host:port/{org}
    params: dict[str, str]  # query parameters, lower-cased names
    body: Any
    path: dict[str, str] = field(default_factory=dict)
    page_cap: int = 200
    faults: Faults = field(default_factory=Faults)
    strict_wiql_cap: bool = False

    def flag(self, name: str) -> bool:
        return self.params.get(name.lower(), "").lower() == "true"


def error(status: int, message: str, type_key: str) -> Answer:
    """A ``WrappedException`` body as the service sends it."""
    return status, {
        "$id": "1",
        "innerException": None,
        "message": message,
        "typeName": f"Microsoft.TeamFoundation.WorkItemTracking.Server.{type_key}, "
        "Microsoft.TeamFoundation.WorkItemTracking.Server",
        "typeKey": type_key,
        "errorCode": 0,
        "eventId": 3200,
    }


def project_ok(call: Call) -> bool:
    project = call.path.get("project")
    return project is None or project.lower() == call.world.project.lower()


def missing_project(call: Call) -> Answer:
    return error(
        404,
        f"TF200016: The following project does not exist: {call.path['project']}.",
        "ProjectDoesNotExistWithNameException",
    )


def _getter(call: Call, item: AdoItem) -> Any:
    """Field values of the current revision for WIQL, computing the full set only if needed."""
    cache: dict[str, Any] = {}
    values = item.current.values
    quick: dict[str, Callable[[], Any]] = {
        "System.Id": lambda: item.id,
        "System.TeamProject": lambda: call.world.project,
        "System.WorkItemType": lambda: item.type,
        "System.AreaPath": lambda: call.world.area_path(_opt(values.get("team"))),
    }

    def get(name: str) -> Any:
        if name in quick:
            return quick[name]()
        if not cache:
            cache.update(
                render.fields_of(
                    call.world, item, len(item.revisions) - 1, call.base, identity_ref=False
                )
            )
        value = cache.get(name)
        if name in ("System.ChangedDate", "System.CreatedDate") and isinstance(value, str):
            return datetime.fromisoformat(value.replace("Z", "+00:00"))
        return value

    return get


def _opt(value: object) -> str | None:
    return None if value is None else str(value)


def wiql(call: Call) -> Answer:
    if not project_ok(call):
        return missing_project(call)
    query = (call.body or {}).get("query") if isinstance(call.body, dict) else None
    if not query:
        return error(400, "VS402362: The query is empty.", "InvalidQueryException")
    try:
        predicate, descending = compile_wiql(query, call.world.project)
    except WiqlError as exc:
        return error(400, str(exc), "QuerySyntaxException")
    with call.world.lock:
        ids = [
            i.id for i in call.world.items.values() if not i.deleted and predicate(_getter(call, i))
        ]
    ids.sort(reverse=descending)
    top = int(call.params["$top"]) if "$top" in call.params else None
    if len(ids) > WIQL_CAP and (top is None or top > WIQL_CAP or call.strict_wiql_cap):
        return error(
            400,
            f"VS402337: The number of work items returned exceeds the size limit "
            f"of {WIQL_CAP}. Change the query to return fewer items.",
            "WorkItemTrackingQueryResultSizeLimitExceededException",
        )
    if top is not None:
        ids = ids[:top]
    column = {
        "referenceName": "System.Id",
        "name": "ID",
        "url": f"{call.base}/_apis/wit/fields/System.Id",
    }
    return 200, {
        "queryType": "flat",
        "queryResultType": "workItem",
        "asOf": render.ado_time(datetime.now(UTC)),
        "columns": [column],
        "sortColumns": [{"field": column, "descending": descending}],
        "workItems": [{"id": i, "url": f"{call.base}/_apis/wit/workItems/{i}"} for i in ids],
    }


def work_items_batch(call: Call) -> Answer:
    if not project_ok(call):
        return missing_project(call)
    body = call.body if isinstance(call.body, dict) else {}
    ids = body.get("ids") or []
    if len(ids) > BATCH_CAP:
        return error(
            400,
            f"VS403474: You requested {len(ids)} work items which exceeds the limit of {BATCH_CAP}",
            "WorkItemTrackingLimitExceededException",
        )
    expand = str(body.get("$expand") or "none").lower()
    fields = body.get("fields")
    if fields and expand not in ("none", "links"):
        return error(
            400,
            "The expand parameter can not be used with the fields parameter.",
            "ConflictingParametersException",
        )
    omit = str(body.get("errorPolicy") or "fail").lower() == "omit"
    value: list[Any] = []
    with call.world.lock:
        for raw in ids:
            item = call.world.items.get(int(raw))
            if item is None or item.deleted:
                if not omit:
                    return not_found(int(raw))
                value.append(None)
                continue
            value.append(
                render.work_item(
                    call.world,
                    item,
                    call.base,
                    relations=expand in ("relations", "all"),
                    only=fields,
                    malformed=item.key in call.faults.malformed,
                )
            )
    return 200, {"count": len(value), "value": value}


def not_found(item_id: int) -> Answer:
    return error(
        404,
        f"TF401232: Work item {item_id} does not exist, or you do not have permissions to read it.",
        "WorkItemUnauthorizedAccessException",
    )


def classification_nodes(call: Call) -> Answer:
    if not project_ok(call):
        return missing_project(call)
    group = call.path["group"].lower()
    if call.path.get("path"):
        return error(
            404,
            f"VS402485: The node {call.path['path']} does not exist.",
            "ClassificationNodeDoesNotExistException",
        )
    depth = int(call.params.get("$depth", 0))
    if group in ("iterations", "iteration"):
        return 200, render.iteration_tree(call.world, f"{call.base}/{call.world.project}", depth)
    if group in ("areas", "area"):
        return 200, render.area_tree(call.world, f"{call.base}/{call.world.project}")
    return error(400, f"Unknown structure group {group}", "ArgumentException")


def type_states(call: Call) -> Answer:
    if not project_ok(call):
        return missing_project(call)
    name = call.path["type"].lower()
    known = {i.type.lower() for i in call.world.items.values()} | {
        "epic",
        "feature",
        "user story",
        "bug",
        "task",
        "objective",
        "risk",
    }
    if name not in known:
        return error(
            404,
            f"VS402323: Work item type {call.path['type']} does not exist.",
            "WorkItemTypeNotFoundException",
        )
    seen: dict[str, dict[str, str]] = {}
    for state in call.world.states.values():
        seen.setdefault(
            state.name, {"name": state.name, "color": "007acc", "category": state.category}
        )
    return 200, {"count": len(seen), "value": list(seen.values())}
