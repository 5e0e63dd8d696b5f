"""Every item object in a report body links back to its tracker.

The formulas name items by key only (they know nothing of trackers); the loader gives each
item its ``url`` and ``display_key`` (art.links), and this walk adds both to every object of a
body that names an item by ``key`` (aging and cycle-time rows, WIP, program-board cards,
baseline entries, dependency providers and consumers), after its other fields, so CSV column
positions stay where they were.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from metrics.inputs import ItemFacts


def link_items(body: dict[str, Any], items: Iterable[ItemFacts]) -> dict[str, Any]:
    """``body`` with ``url`` and ``display_key`` on each object whose ``key`` is an item."""
    refs = {it.key: (it.url, it.display_key or it.key) for it in items}
    _walk(body, refs)
    return body


def _walk(value: Any, refs: dict[str, tuple[str | None, str]]) -> None:
    if isinstance(value, dict):
        for v in value.values():
            _walk(v, refs)
        key = value.get("key")
        if isinstance(key, str) and key in refs and "url" not in value:
            value["url"], value["display_key"] = refs[key]
    elif isinstance(value, list):
        for v in value:
            _walk(v, refs)
