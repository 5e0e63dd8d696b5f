"""Cutting a long run of values into bounded pieces: one helper for every layer.

Trackers cap how many keys one request may name, and databases how many values one ``IN``
list may bind; connectors and sync both cut with :func:`chunks`.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TypeVar

T = TypeVar("T")

IN_LIST = 500
"""Values per SQL ``IN (...)`` list: well within SQLite's and psycopg's bind limits."""


def chunks(items: Iterable[T], size: int) -> Iterator[list[T]]:
    """``items`` in order, in lists of at most ``size`` (itertools.batched is Python 3.12+)."""
    if size < 1:
        raise ValueError(f"a chunk holds at least one item, not {size}")
    chunk: list[T] = []
    for item in items:
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk
