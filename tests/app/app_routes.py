"""Every operation the app serves, enumerated from its routes, for tests that must hold for
all of them (a new route is covered without being listed), with its parameters as the
OpenAPI document publishes them."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from fastapi import FastAPI
from fastapi.routing import APIRoute, iter_route_contexts

from app.main import create_app
from app.settings import Settings

# Path values that exist in a store holding the ART of tests/conftest.py's app_config
PATH_VALUES: dict[str, str] = {
    "art": "Phoenix",
    "pi": "PI 26.1",
    "fmt": "svg",
    "name": "nothing",  # the catch-all chart route: any other name is a 404
    "source": "jira",
}
ROW_ID = "2147483647"  # a row id no test row has: an operation on it changes nothing


@dataclass(frozen=True)
class Operation:
    method: str
    path: str  # the template, as in the OpenAPI document
    route: APIRoute
    published: bool  # in the OpenAPI document
    query: tuple[str, ...]  # the query parameters the document publishes (none if unpublished)
    body: dict[str, Any] | None  # the JSON body schema the document publishes, $refs resolved

    @property
    def path_params(self) -> tuple[str, ...]:
        return tuple(self.route.param_convertors)

    def url(self, values: Mapping[str, str] | None = None) -> str:
        """The path with each parameter from ``values``, else PATH_VALUES, else ROW_ID."""
        given = {**PATH_VALUES, **(values or {})}
        url = self.route.path_format
        for name in self.path_params:
            url = url.replace("{" + name + "}", quote(given.get(name, ROW_ID), safe=""))
        return url

    def __str__(self) -> str:
        return f"{self.method} {self.path}"


def _resolve(doc: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    ref = schema.get("$ref")
    if ref is None:
        return schema
    target: dict[str, Any] = doc
    for part in ref.removeprefix("#/").split("/"):
        target = target[part]
    return target


def operations(app: FastAPI) -> list[Operation]:
    """Each method of each FastAPI route of ``app`` (those left out of the document too)."""
    doc = app.openapi()
    found = []
    for context in iter_route_contexts(app.routes):
        route = context.route
        if not isinstance(route, APIRoute):
            continue
        for method in sorted(route.methods):
            published = doc["paths"].get(route.path, {}).get(method.lower(), {})
            query = tuple(p["name"] for p in published.get("parameters", []) if p["in"] == "query")
            content = published.get("requestBody", {}).get("content", {})
            body = content.get("application/json", {}).get("schema")
            schema = _resolve(doc, body) if body else None
            found.append(Operation(method, route.path, route, bool(published), query, schema))
    return found


OPERATIONS = operations(create_app(Settings(scheduler=False)))
API_OPERATIONS = [op for op in OPERATIONS if op.path.startswith("/api/v1/")]
