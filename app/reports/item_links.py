"""Every item object in a report body links back to its tracker.

The formulas name items by key only (they know nothing of trackers); the loader gives each
item its ``url`` and ``display_key`` (art.links), and this walk adds both to every object of a
body that names an item by ``key`` (aging and cycle-time rows, WIP, program-board cards,
baseline entries, dependency providers and consumers), after its other fields, so CSV column
positions stay where they were.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from itertools import chain
from typing import Any

from metrics.inputs import ItemFacts

# the types of a JSON scalar: no object or list below them
_SCALARS = frozenset({str, int, float, bool, type(None)})


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
        _link((value,), items)
    elif isinstance(value, list) and not _walk_rows(value, items):
        for v in value:
            if isinstance(v, dict | list):
                _walk(v, items)


def _walk_rows(rows: list[Any], items: Mapping[str, ItemFacts]) -> bool:
    """A list report's rows (tens of thousands at 200,000 items), walked a level at a time:
    when every row is a plain dict of scalars and plain dicts, the value types of all rows
    are read at once (far cheaper than the walk's test of each value), the dicts below
    walked the same way, then the rows linked. Linking one object never changes another, so
    the order does not matter. False for any other list, with nothing linked."""
    if set(map(type, rows)) != {dict}:
        return False
    types = set(map(type, _values(rows)))
    if not types <= _SCALARS | {dict}:
        return False
    if dict in types and not _walk_rows([v for v in _values(rows) if type(v) is dict], items):
        return False
    _link([r for r in rows if "url" not in r], items)  # rows linked by their report skipped
    return True


def _values(rows: list[dict[str, Any]]) -> Iterator[Any]:
    """The values of all the rows, one after the other (none kept: a list of them all would
    be larger than the rows)."""
    return chain.from_iterable(map(dict.values, rows))


def _link(objects: Iterable[dict[str, Any]], items: Mapping[str, ItemFacts]) -> None:
    """The item's url and display key on each object that names one by ``key``."""
    get = items.get
    for obj in objects:
        key = obj.get("key")
        if isinstance(key, str) and "url" not in obj:
            it = get(key)
            if it is not None:
                obj["url"], obj["display_key"] = it.url, it.shown_key
