"""Every item object in a report body links back to its tracker.

The formulas name items by key only (they know nothing of trackers); the loader gives each
item its ``url`` and ``display_key`` (art.links), and this walk adds both to every object of a
body that names an item by ``key`` (aging and cycle-time rows, WIP, program-board cards,
baseline entries, dependency providers and consumers), after its other fields, so CSV column
positions stay where they were.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from metrics.inputs import ItemFacts


def link_items(body: dict[str, Any], items: Mapping[str, ItemFacts]) -> dict[str, Any]:
    """``body`` with ``url`` and ``display_key`` on each object whose ``key`` is an item of
    ``items`` (by key: the loaded ART's own index, built once per data version)."""
    _walk(body, items)
    return body


def _walk(value: Any, items: Mapping[str, ItemFacts]) -> None:
    if isinstance(value, dict):
        for v in value.values():
            if isinstance(v, dict | list):
                _walk(v, items)
        key = value.get("key")
        if isinstance(key, str) and "url" not in value:
            it = items.get(key)
            if it is not None:
                value["url"], value["display_key"] = it.url, it.display_key or it.key
    elif isinstance(value, list):
        for v in value:
            if isinstance(v, dict | list):
                _walk(v, items)
