"""Response shapes of the structure endpoints, published in the OpenAPI document."""

from __future__ import annotations

from datetime import date
from typing import Generic, TypeVar

from pydantic import BaseModel

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


class PIDetailOut(PIOut):
    iterations: list[IterationOut]


class Page(BaseModel, Generic[T]):
    data: list[T]
    next_cursor: str | None
