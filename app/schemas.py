"""The rule every PATCH body follows (response models are in app/api_models/)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, field_validator


def not_null(*names: str) -> Any:
    """A PATCH body validator: fields ``names`` may be left out (they keep their value) but not
    be null, because the row cannot be without them (a 422 naming the field, not a 500)."""

    def check(cls: type[BaseModel], value: Any) -> Any:
        if value is None:
            raise ValueError("may be left out to keep the current value, but not be null")
        return value

    return field_validator(*names, mode="before")(check)
