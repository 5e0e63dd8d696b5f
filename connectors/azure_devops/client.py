"""The only module that touches the azure-devops SDK (whose msrest transport is deprecated).

It builds WorkItemTrackingClient / WorkClient / CoreClient directly (no Connection resource-area
lookup), keeps the SDK's OPTIONS negotiation, auth and routing, and hands back the service's
own JSON: the mapping works on the wire shapes Microsoft documents, the same ones the samples
and the service hooks carry, and skips msrest's slow model building. Calls go through ``_send``
with the SDK's location ids and versions; ``read_reporting_revisions_get`` in particular is
unusable as is (its model is empty; docs/trackers.md "Client-library pitfalls Trainyard
handles"), so its page is read here.

``AZURE_DEVOPS_CACHE_DIR`` is set before the SDK is imported: importing it creates its cache
folder (and caches OPTIONS answers on disk) under ``~/.azure-devops`` otherwise.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

os.environ.setdefault(
    "AZURE_DEVOPS_CACHE_DIR",
    str(Path(os.environ.get("TRAINYARD_DATA_DIR", "data")).resolve() / "azure-devops-cache"),
)

from azure.devops.v7_1.core.core_client import CoreClient
from azure.devops.v7_1.work.work_client import WorkClient
from azure.devops.v7_1.work_item_tracking.work_item_tracking_client import (
    WorkItemTrackingClient,
)
from msrest.authentication import BasicAuthentication
from msrest.exceptions import ClientException

from art.errors import ConnectorError
from connectors.azure_devops.transport import Guard, GuardedClientMixin

BATCH_MAX = 200  # workitemsbatch refuses more ids (VS403474)
# the resources read, by location id: an error names the one the server does not offer
RESOURCES = {
    "b51fd764-e5c2-4b9b-aaf7-3395cf4bdd94": "wit/fields",
    "7c9d7a76-4a09-43e8-b5df-bd792f4ac6aa": "wit/workitemtypes/{type}/states",
    "5a172953-1b41-49d3-840a-33f79c3ce89f": "wit/classificationNodes",
    "d30a3dd1-f8ba-442a-b86a-bd0c0c383e59": "projects/{project}/teams",
    "07ced576-58ed-49e6-9c1e-5cb53ab8bf2a": "work/teamsettings/teamfieldvalues",
    "1a9c53f7-f243-4447-b110-35ef023636e4": "wit/wiql",
    "908509b6-4248-4475-a1cd-829139ba419f": "wit/workItemsBatch",
    "f828fe59-dd87-495d-a17c-7a8d6211ca6c": "wit/reporting/workItemRevisions",
    "a00c85a5-80fa-4565-99c3-bcd2181434bb": "wit/workItems/{id}/revisions",
}


class _Wit(GuardedClientMixin, WorkItemTrackingClient):  # type: ignore[misc]
    pass


class _Work(GuardedClientMixin, WorkClient):  # type: ignore[misc]
    pass


class _Core(GuardedClientMixin, CoreClient):  # type: ignore[misc]
    pass


def _no_transport_retries(client: Any) -> None:
    """The Guard retries; msrest's own urllib3 retries would hide 429s and sleep 90 s.

    The Retry object is changed in place: sessions (one per thread) share it, and msrest reads
    attributes of its own when a new thread's session is made.
    """
    client.config.retry_policy.retries = 0
    policy = client.config.retry_policy.policy
    policy.status_forcelist = frozenset()
    policy.respect_retry_after_header = False
    policy.raise_on_status = False


@dataclass(frozen=True, slots=True)
class RevisionsPage:
    """One page of the reporting revisions feed."""

    values: list[dict[str, Any]]
    continuation_token: str | None
    is_last_batch: bool


class AdoClient:
    """Typed access to the few Azure DevOps resources the connector reads; JSON out."""

    def __init__(
        self, org_url: str, project: str, pat: str, guard: Guard, timeout: float = 60.0
    ) -> None:
        creds = BasicAuthentication("", pat)
        self.project = project
        self.guard = guard
        self.wit = _Wit(org_url, creds)
        self.work = _Work(org_url, creds)
        self.core = _Core(org_url, creds)
        for client in (self.wit, self.work, self.core):
            client.trainyard_guard = guard
            _no_transport_retries(client)
            client.config.connection.timeout = timeout
            client.config.keep_alive = True

    def close(self) -> None:
        for client in (self.wit, self.work, self.core):
            client._client.close()

    # -- plumbing --------------------------------------------------------------------------
    def _call(
        self,
        client: Any,
        method: str,
        location: str,
        version: str,
        route: dict[str, Any],
        query: dict[str, tuple[Any, str]] | None = None,
        content: Any = None,
    ) -> Any:
        routes = {k: client._serialize.url(k, v, "str") for k, v in route.items()}
        params = {
            k: client._serialize.query(k, v, t)
            for k, (v, t) in (query or {}).items()
            if v is not None
        }
        try:
            response = client._send(
                http_method=method,
                location_id=location,
                version=version,
                route_values=routes,
                query_parameters=params,
                content=content,
            )
        except (ValueError, TypeError, ClientException) as exc:
            # the SDK found no such resource (or version) in the server's OPTIONS answer
            resource = RESOURCES.get(location, f"resource {location}")
            raise ConnectorError(
                f"Azure DevOps source '{self.guard.source}' cannot call {method} {resource} "
                f"(api-version {version}) at {self.guard.org_url}: {type(exc).__name__}: {exc}"
            ) from None
        return response.trainyard_json

    # -- metadata --------------------------------------------------------------------------
    def fields(self) -> list[dict[str, Any]]:
        body = self._call(
            self.wit,
            "GET",
            "b51fd764-e5c2-4b9b-aaf7-3395cf4bdd94",
            "7.1-preview.3",
            {"project": self.project},
        )
        return list(body.get("value") or [])

    def type_states(self, type_name: str) -> list[dict[str, Any]]:
        body = self._call(
            self.wit,
            "GET",
            "7c9d7a76-4a09-43e8-b5df-bd792f4ac6aa",
            "7.1-preview.1",
            {"project": self.project, "type": type_name},
        )
        return list(body.get("value") or [])

    def iterations(self, depth: int = 10) -> dict[str, Any]:
        body: dict[str, Any] = self._call(
            self.wit,
            "GET",
            "5a172953-1b41-49d3-840a-33f79c3ce89f",
            "7.1-preview.2",
            {"project": self.project, "structureGroup": "iterations"},
            {"$depth": (depth, "int")},
        )
        return body

    def teams(self) -> list[dict[str, Any]]:
        teams: list[dict[str, Any]] = []
        while True:
            body = self._call(
                self.core,
                "GET",
                "d30a3dd1-f8ba-442a-b86a-bd0c0c383e59",
                "7.1-preview.3",
                {"projectId": self.project},
                {"$top": (100, "int"), "$skip": (len(teams), "int")},
            )
            page = list(body.get("value") or [])
            teams.extend(page)
            if len(page) < 100:
                return teams

    def team_field_values(self, team: str) -> dict[str, Any]:
        body: dict[str, Any] = self._call(
            self.work,
            "GET",
            "07ced576-58ed-49e6-9c1e-5cb53ab8bf2a",
            "7.1-preview.1",
            {"project": self.project, "team": team},
        )
        return body

    # -- work items ------------------------------------------------------------------------
    def wiql(self, query: str, top: int) -> list[int]:
        """Ids matching a flat WIQL query, at most ``top`` of them."""
        body = self._call(
            self.wit,
            "POST",
            "1a9c53f7-f243-4447-b110-35ef023636e4",
            "7.1-preview.2",
            {"project": self.project},
            {"$top": (top, "int")},
            {"query": query},
        )
        return [int(w["id"]) for w in body.get("workItems") or []]

    def work_items(self, ids: list[int]) -> list[dict[str, Any] | None]:
        """Current work items with relations; None where an id is gone (errorPolicy omit)."""
        if len(ids) > BATCH_MAX:
            raise ValueError(f"at most {BATCH_MAX} ids per batch")
        body = self._call(
            self.wit,
            "POST",
            "908509b6-4248-4475-a1cd-829139ba419f",
            "7.1-preview.1",
            {"project": self.project},
            None,
            {"ids": ids, "$expand": "relations", "errorPolicy": "omit"},
        )
        return list(body.get("value") or [])

    def revisions_page(
        self, token: str | None, page_size: int, fields: list[str] | None
    ) -> RevisionsPage:
        """One page of ``reporting/workItemRevisions`` (deleted items included)."""
        body = self._call(
            self.wit,
            "GET",
            "f828fe59-dd87-495d-a17c-7a8d6211ca6c",
            "7.1-preview.2",
            {"project": self.project},
            {
                "continuationToken": (token, "str"),
                "$maxPageSize": (page_size, "int"),
                "fields": (",".join(fields) if fields else None, "str"),
                "includeDeleted": (True, "bool"),
            },
        )
        return RevisionsPage(
            values=list(body.get("values") or []),
            continuation_token=body.get("continuationToken"),
            is_last_batch=bool(body.get("isLastBatch", True)),
        )

    def revisions_feed(
        self, token: str | None, page_size: int, fields: list[str] | None
    ) -> Iterator[RevisionsPage]:
        """Every page from ``token`` up to ``isLastBatch``."""
        while True:
            page = self.revisions_page(token, page_size, fields)
            yield page
            if (
                page.is_last_batch
                or not page.continuation_token
                or (page.continuation_token == token and not page.values)
            ):
                return
            token = page.continuation_token

    def item_revisions(self, item_id: int) -> list[dict[str, Any]]:
        """Every revision of one work item (full snapshots), oldest first."""
        out: list[dict[str, Any]] = []
        while True:
            body = self._call(
                self.wit,
                "GET",
                "a00c85a5-80fa-4565-99c3-bcd2181434bb",
                "7.1-preview.3",
                {"project": self.project, "id": item_id},
                {"$top": (BATCH_MAX, "int"), "$skip": (len(out), "int")},
            )
            page = list(body.get("value") or [])
            out.extend(page)
            if len(page) < BATCH_MAX:
                return out
