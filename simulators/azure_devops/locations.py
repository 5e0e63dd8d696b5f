"""The resource locations ``OPTIONS {org}/_apis`` lists, for the SDK's version negotiation.

The azure-devops SDK builds every URL from these route templates (``{project}/_apis/{area}/
{resource}``) and the api-version from min/max/released/resource versions, so the simulator
publishes the same ids as the real service for each resource it serves.
"""

from __future__ import annotations

from typing import Any

# id, area, resource name, route template, resource version
LOCATIONS: list[tuple[str, str, str, str, int]] = [
    (
        "1a9c53f7-f243-4447-b110-35ef023636e4",
        "wit",
        "wiql",
        "{project}/{team}/_apis/{area}/{resource}",
        2,
    ),
    (
        "908509b6-4248-4475-a1cd-829139ba419f",
        "wit",
        "workItemsBatch",
        "{project}/_apis/{area}/{resource}",
        1,
    ),
    (
        "f828fe59-dd87-495d-a17c-7a8d6211ca6c",
        "wit",
        "workItemRevisions",
        "{project}/_apis/{area}/reporting/{resource}",
        2,
    ),
    (
        "a00c85a5-80fa-4565-99c3-bcd2181434bb",
        "wit",
        "revisions",
        "{project}/_apis/{area}/workItems/{id}/{resource}/{revisionNumber}",
        3,
    ),
    (
        "5a172953-1b41-49d3-840a-33f79c3ce89f",
        "wit",
        "classificationNodes",
        "{project}/_apis/{area}/{resource}/{structureGroup}/{*path}",
        2,
    ),
    (
        "7c9d7a76-4a09-43e8-b5df-bd792f4ac6aa",
        "wit",
        "states",
        "{project}/_apis/{area}/workitemtypes/{type}/{resource}",
        1,
    ),
    (
        "b51fd764-e5c2-4b9b-aaf7-3395cf4bdd94",
        "wit",
        "fields",
        "{project}/_apis/{area}/{resource}/{fieldNameOrRefName}",
        3,
    ),
    (
        "f5d33bc9-5b49-4a3c-a9bd-f3cd46dd2165",
        "wit",
        "workItemRelationTypes",
        "_apis/{area}/{resource}/{relation}",
        2,
    ),
    (
        "d30a3dd1-f8ba-442a-b86a-bd0c0c383e59",
        "core",
        "teams",
        "_apis/projects/{projectId}/{resource}/{*teamId}",
        3,
    ),
    (
        "07ced576-58ed-49e6-9c1e-5cb53ab8bf2a",
        "work",
        "teamfieldvalues",
        "{project}/{team}/_apis/{area}/teamsettings/{resource}",
        1,
    ),
    (
        "c9175577-28a1-4b06-9197-8636af9f64ad",
        "work",
        "iterations",
        "{project}/{team}/_apis/{area}/teamsettings/{resource}/{id}",
        1,
    ),
]


def options_body() -> dict[str, Any]:
    """The ``VssJsonCollectionWrapper`` of ApiResourceLocation the SDK deserializes."""
    value = [
        {
            "id": lid,
            "area": area,
            "resourceName": name,
            "routeTemplate": template,
            "resourceVersion": version,
            "minVersion": "1.0",
            "maxVersion": "7.1",
            "releasedVersion": "7.0",
        }
        for lid, area, name, template, version in LOCATIONS
    ]
    return {"count": len(value), "value": value}
