"""Cursor paging: opaque cursors that carry the last row's sort key.

Keyset paging stays fast at any depth and stable while rows are added, which matters to
BI tools that walk 200,000 items a page at a time.
"""

from __future__ import annotations

import base64
import binascii
import json
from datetime import date
from typing import Any, TypeVar

from art.errors import BadRequest

T = TypeVar("T")

DEFAULT_LIMIT = 100
MAX_LIMIT = 1000


def encode_cursor(position: dict[str, Any]) -> str:
    raw = json.dumps(position, separators=(",", ":"), default=str).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> dict[str, Any] | None:
    """The position a cursor carries; BadRequest naming ``cursor`` when it is not ours."""
    if cursor is None or cursor == "":
        return None
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        value = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (binascii.Error, ValueError, UnicodeDecodeError):
        raise BadRequest("cursor is not a cursor this API issued", parameter="cursor") from None
    if not isinstance(value, dict):
        raise BadRequest("cursor is not a cursor this API issued", parameter="cursor")
    return value


def check_limit(limit: int) -> int:
    if not 1 <= limit <= MAX_LIMIT:
        raise BadRequest(f"limit must be between 1 and {MAX_LIMIT}, got {limit}", parameter="limit")
    return limit


def read_cursor(cursor: str | None, **fields: type) -> dict[str, Any] | None:
    """Decode a cursor and convert its named fields; BadRequest naming ``cursor`` if it fails."""
    pos = decode_cursor(cursor)
    if pos is None:
        return None
    try:
        return {
            name: conv(pos[name]) if conv is not date else date.fromisoformat(pos[name])
            for name, conv in fields.items()
        }
    except (KeyError, ValueError, TypeError):
        raise BadRequest("cursor is not a cursor this API issued", parameter="cursor") from None


def split_page(rows: list[T], limit: int) -> tuple[list[T], T | None]:
    """A page of at most ``limit`` rows (fetched as ``limit + 1``) and its last row when more
    rows follow, which the next cursor is made from."""
    if len(rows) > limit:
        page = rows[:limit]
        return page, page[-1]
    return rows, None
