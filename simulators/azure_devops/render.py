"""Azure DevOps JSON for the simulated world, in the shapes of Microsoft's REST samples.

Shapes follow MicrosoftDocs/vsts-rest-api-specs (7.1 httpExamples), captured in the repository's
``tests/fixtures/tracker-samples/microsoft_vsts_rest_api_specs``: work items with ``fields`` keyed
by reference name, relations with a target ``url``, reporting revisions as full snapshots,
classification nodes with ``attributes.startDate/finishDate``.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from functools import cache, lru_cache
from typing import Any

from simulators.azure_devops.world import AdoItem, AdoWorld, Revision

RELATION_NAMES = {
    "System.LinkTypes.Hierarchy-Forward": "Child",
    "System.LinkTypes.Hierarchy-Reverse": "Parent",
    "System.LinkTypes.Dependency-Forward": "Successor",
    "System.LinkTypes.Dependency-Reverse": "Predecessor",
    "System.LinkTypes.Related": "Related",
}
ACTOR = "Pat Simulator"
ACTOR_ID = "d291b0c4-a05c-4ea6-8df1-4b41d5f39eff"


@cache
def ado_time(at: datetime) -> str:
    """``2014-12-29T20:49:20.77Z``: UTC, milliseconds with trailing zeros dropped."""
    at = at.astimezone(UTC)
    text = at.strftime("%Y-%m-%dT%H:%M:%S")
    millis = at.microsecond // 1000
    if millis:
        text += f".{millis:03d}".rstrip("0")
    return text + "Z"


def ado_date(day: date) -> str:
    return f"{day.isoformat()}T00:00:00Z"


@lru_cache(maxsize=1024)
def identity(name: str, base: str, as_ref: bool) -> Any:
    """An identity field: ``"Name <mail>"`` in the reporting feed, an IdentityRef elsewhere."""
    mail = name.lower().replace(" ", ".") + "@example.com"
    if not as_ref:
        return f"{name} <{mail}>"
    return {
        "displayName": name,
        "url": f"{base}/_apis/Identities/{ACTOR_ID}",
        "id": ACTOR_ID,
        "uniqueName": mail,
        "descriptor": "aad.c2ltdWxhdG9y",
    }


def _static(item: AdoItem, world: AdoWorld, base: str, identity_ref: bool) -> dict[str, Any]:
    """The fields no revision changes, rendered once per item and caller kind."""
    key = (base, identity_ref)
    cached = item.rendered.get(key)
    if cached is not None:
        return cached
    actor = identity(ACTOR, base, identity_ref)
    fields: dict[str, Any] = {
        "System.Id": item.id,
        "System.TeamProject": world.project,
        "System.WorkItemType": item.type,
        "System.CreatedDate": ado_time(item.created),
        "System.CreatedBy": actor,
        "System.ChangedBy": actor,
        "System.Title": item.title,
        "Microsoft.VSTS.Common.Priority": 2,
    }
    parent = next(
        (
            t
            for rel, t in item.relations
            if rel == "System.LinkTypes.Hierarchy-Reverse" and not world.items[t].deleted
        ),
        None,
    )
    if parent is not None:
        fields["System.Parent"] = parent
    for name, value in item.static.items():
        if value is None:
            continue
        if name == "System.AssignedTo":
            value = identity(str(value), base, identity_ref)
        elif isinstance(value, datetime):
            value = ado_time(value)
        fields[name] = value
    item.rendered[key] = fields
    return fields


def fields_of(
    world: AdoWorld,
    item: AdoItem,
    index: int,
    base: str,
    identity_ref: bool,
) -> dict[str, Any]:
    """Every field of revision ``index`` of ``item``, keyed by reference name."""
    revision: Revision = item.revisions[index]
    values = revision.values
    status = values.get("status")
    state = world.states.get(str(status))
    flagged = bool(values.get("flagged"))
    fields = dict(_static(item, world, base, identity_ref))
    fields["System.AreaPath"] = world.area_path(_str(values.get("team")))
    fields["System.IterationPath"] = world.iteration_path(
        _str(values.get("iteration")), _str(values.get("pi"))
    )
    fields["System.Rev"] = revision.rev
    fields["System.RevisedDate"] = (
        ado_time(item.revisions[index + 1].at)
        if index + 1 < len(item.revisions)
        else "9999-01-01T00:00:00Z"
    )
    fields["System.State"] = state.name if state else str(status)
    fields["System.Reason"] = "Moved to state" if revision.rev > 1 else "New"
    fields["System.ChangedDate"] = ado_time(revision.at)
    if state:
        fields["System.BoardColumn"] = state.name
    if values.get("points") is not None:
        fields["Microsoft.VSTS.Scheduling.StoryPoints"] = values["points"]
    tags = list(item.tags)
    if item.flag_as_tag:
        tags += ["Blocked"] if flagged else []
    else:
        fields["Microsoft.VSTS.CMMI.Blocked"] = "Yes" if flagged else "No"
    if tags:
        fields["System.Tags"] = "; ".join(tags)
    if revision.deleted:
        fields["System.IsDeleted"] = True
    return fields


MALFORMED = {"System.CreatedDate": "last Tuesday"}  # what a faults.malformed item is served with


def work_item(
    world: AdoWorld,
    item: AdoItem,
    base: str,
    relations: bool,
    only: list[str] | None = None,
    malformed: bool = False,
) -> dict[str, Any]:
    """The current revision as ``workitemsbatch`` / ``workitems`` return it."""
    fields = fields_of(world, item, len(item.revisions) - 1, base, identity_ref=True)
    if malformed:
        fields.update(MALFORMED)
    if only:
        fields = {k: v for k, v in fields.items() if k in only}
    body: dict[str, Any] = {"id": item.id, "rev": item.current.rev, "fields": fields}
    if relations:
        body["relations"] = [
            {
                "rel": rel,
                "url": f"{base}/_apis/wit/workItems/{target}",
                "attributes": {"isLocked": False, "name": RELATION_NAMES.get(rel, rel)},
            }
            for rel, target in item.relations
            if not world.items[target].deleted  # links go with a deleted item
        ]
    body["url"] = f"{base}/_apis/wit/workItems/{item.id}"
    return body


def revision(
    world: AdoWorld,
    item: AdoItem,
    index: int,
    base: str,
    identity_ref: bool,
    only: list[str] | None,
) -> dict[str, Any]:
    """One entry of the reporting revisions feed or of ``workItems/{id}/revisions``."""
    fields = fields_of(world, item, index, base, identity_ref)
    if only:
        fields = {k: v for k, v in fields.items() if k in only}
    return {"id": item.id, "rev": item.revisions[index].rev, "fields": fields}


def iteration_tree(world: AdoWorld, base: str, depth: int) -> dict[str, Any]:
    """``classificationNodes/Iterations``: project root, PI nodes, iteration nodes."""
    next_id = iter(range(100_000, 200_000))

    def node(
        name: str,
        path: str,
        start: date | None,
        end: date | None,
        children: list[dict[str, Any]] | None,
    ) -> dict[str, Any]:
        n: dict[str, Any] = {
            "id": next(next_id),
            "identifier": guid(path),
            "name": name,
            "structureType": "iteration",
            "hasChildren": bool(children),
            "path": path,
        }
        if start and end:
            n["attributes"] = {"startDate": ado_date(start), "finishDate": ado_date(end)}
        if children:
            n["children"] = children
        n["url"] = f"{base}/_apis/wit/classificationNodes/Iterations"
        return n

    root_path = f"\\{world.project}\\Iteration"
    pis = [
        node(
            pi.name,
            f"{root_path}\\{pi.name}",
            pi.start,
            pi.end,
            [
                node(it.name, f"{root_path}\\{pi.name}\\{it.name}", it.start, it.end, None)
                for it in pi.iterations
            ]
            if depth >= 2
            else None,
        )
        for pi in world.scenario.pis
    ]
    return node(world.project, root_path, None, None, pis if depth >= 1 else None)


def area_tree(world: AdoWorld, base: str) -> dict[str, Any]:
    root = f"\\{world.project}\\Area"
    children = [
        {
            "id": 300_000 + i,
            "identifier": guid(team),
            "name": team,
            "structureType": "area",
            "hasChildren": False,
            "path": f"{root}\\{team}",
        }
        for i, team in enumerate(world.scenario.teams)
    ]
    return {
        "id": 299_999,
        "identifier": guid(world.project),
        "name": world.project,
        "structureType": "area",
        "hasChildren": bool(children),
        "path": root,
        "children": children,
        "url": f"{base}/_apis/wit/classificationNodes/Areas",
    }


def guid(text: str) -> str:
    """A stable GUID for a name, so ids survive a simulator restart."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, text))


def _str(value: object) -> str | None:
    return None if value is None else str(value)
