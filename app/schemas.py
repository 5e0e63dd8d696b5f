"""Response shapes of the structure endpoints, published in the OpenAPI document, and the
rule every PATCH body follows."""

from __future__ import annotations

from datetime import date
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, Field, field_validator

T = TypeVar("T")


class ArtOut(BaseModel):
    name: str
    timezone: str
    data_version: int


class TeamOut(BaseModel):
    name: str
    items: int


class IterationOut(BaseModel):
    name: str
    team: str | None
    start: date | None
    end: date | None
    state: str | None


class PIOut(BaseModel):
    name: str
    start: date
    end: date
    current: bool = Field(description="the PI contains today in the ART's time zone")


class PIDetailOut(PIOut):
    iterations: list[IterationOut]


class Page(BaseModel, Generic[T]):
    data: list[T]
    next_cursor: str | None


def not_null(*names: str) -> Any:
    """A PATCH body validator: fields ``names`` may be left out (they keep their value) but not
    be null, because the row cannot be without them (a 422 naming the field, not a 500)."""

    def check(cls: type[BaseModel], value: Any) -> Any:
        if value is None:
            raise ValueError("may be left out to keep the current value, but not be null")
        return value

    return field_validator(*names, mode="before")(check)
