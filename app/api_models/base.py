"""What every documented response body shares: the base model, paging, a report's
``as_of`` and ``definition``, an item's tracker link, flow-time statistics.

Convention for a new endpoint: a model in the family's module of this package, derived from
:class:`ApiModel` (or :class:`Page`, :class:`Report`), each field with a short description of
what the figure means, an example (a real answer, trimmed) in
``model_config = ConfigDict(json_schema_extra={"examples": [...]})``, and
``response_model=TheModel`` on the route's decorator.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from pydantic.config import JsonDict

# Shared by the examples: the as_of and the start of a definition of a real demo answer
EX_AS_OF = "2026-12-02T00:00:00+00:00"
EX_DEFINITION: JsonDict = {
    "start_rule": "first entry into an active or wait status",
    "done_rule": "last entry into a done status, while still done",
    "timezone": "UTC",
}


class ApiModel(BaseModel):
    """Base of every response model. Extra keys are allowed: the model documents a body,
    it is never used to build or check one."""

    model_config = ConfigDict(extra="allow")


class Page(ApiModel):
    """A paged list: ``data`` (declared by each page model) and the cursor of the next page."""

    next_cursor: str | None = Field(
        description="give it as `cursor` to get the next page; null on the last page"
    )


class Report(ApiModel):
    """A computed report: when it was computed for and the rules its figures follow."""

    as_of: datetime = Field(description="the instant the report describes (default: now)")
    definition: dict[str, Any] = Field(
        description="the rules the figures follow, in words (start and done rules, time "
        "zone, percentiles and what each figure counts)"
    )


class Linked(ApiModel):
    """An item with its way back to the tracker."""

    url: str | None = Field(description="the item in Jira or Azure DevOps")
    display_key: str = Field(description="the key as the tracker shows it (`PHX-12`, `#1014`)")


class Stats(ApiModel):
    """Statistics of a set of durations, in the report's unit."""

    count: int = Field(description="how many durations")
    mean: float | None = Field(description="their mean; null when there are none")
    p50: float | None = Field(description="median")
    p85: float | None = Field(description="85th percentile")
    p95: float | None = Field(description="95th percentile")
    max: float | None = Field(description="the longest")


def publish_examples(doc: dict[str, Any]) -> dict[str, Any]:
    """Put each response model's examples into the OpenAPI document as written.

    FastAPI drops every null from the document it builds (examples included) and pydantic
    sorts an example's keys, so a published example would lose its null fields and its key
    order: they are put back from the models here."""
    schemas = doc.get("components", {}).get("schemas", {})
    pending: list[type[ApiModel]] = [ApiModel]
    while pending:
        for model in pending.pop().__subclasses__():
            pending.append(model)
            extra = model.model_config.get("json_schema_extra")
            if isinstance(extra, dict) and model.__name__ in schemas:
                schemas[model.__name__]["examples"] = extra["examples"]
    return doc
