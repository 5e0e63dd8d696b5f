"""link_items against the plain walk it speeds up: every body gets the same links."""

from __future__ import annotations

import copy
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from app.reports.item_links import link_items
from art.vocabulary import Level
from metrics.cycle_time import cycle_time_report
from metrics.facts import ItemFacts
from metrics.inputs import Window
from tests.metrics.builder import Art, at, d, flow_art, with_tracker_links


def _reference(value: Any, items: Mapping[str, ItemFacts]) -> None:
    """The walk as it was: children first, then the object's own key."""
    if isinstance(value, dict):
        for v in value.values():
            if isinstance(v, dict | list):
                _reference(v, items)
        key = value.get("key")
        if isinstance(key, str) and "url" not in value:
            it = items.get(key)
            if it is not None:
                value["url"], value["display_key"] = it.url, it.display_key or it.key
    elif isinstance(value, list):
        for v in value:
            if isinstance(v, dict | list):
                _reference(v, items)


def _bodies() -> list[dict[str, Any]]:
    flat = [{"key": f"S-{k}", "n": k, "x": 0.5, "ok": True, "none": None} for k in range(5)]
    return [
        {"data": flat},
        {"data": [*flat, {"key": "S-1", "more": [{"key": "S-2"}]}]},  # one row with a list
        {"data": [*flat, {"key": "S-1", "more": {"key": "S-3"}}]},  # one with an object
        {"data": [*flat, OrderedDict(key="S-4")]},  # a dict subclass
        {"data": [{"key": "S-0", "url": "kept"}, {"key": 3}, {"key": "unknown"}, {"n": 1}]},
        {"data": [*flat, 7, "S-1", None]},  # scalars among the rows
        {"data": [], "key": "S-2", "rows": [[{"key": "S-0"}], [{"key": "S-1"}]]},
        {"provider": {"key": "S-3"}, "consumer": {"key": "S-4", "title": "t"}},
        {"data": [{"key": "S-0", "provider": {"key": "S-3", "url": None}, "n": 1}] * 2},
        {"data": [{"p": {"key": "S-1", "c": {"key": "S-2"}}}, {"p": {"key": "S-3"}}]},
        {"data": [{"p": {"key": "S-1", "c": {"key": "S-2", "x": [1]}}}, {"key": "S-3"}]},
        {"data": [{"p": {"key": "S-1", "c": OrderedDict(key="S-2")}}, {"key": "S-4"}]},
    ]


def test_links_as_the_plain_walk() -> None:
    art = Art()
    for k in range(5):
        art.item(f"S-{k}", [])
    items = {  # some with a display key of their own, the others shown by key
        k: replace(it, url=f"https://tracker/{k}", display_key=f"#{k}" if k < "S-2" else None)
        for k, it in art.data().by_key.items()
    }
    for body in _bodies():
        want = copy.deepcopy(body)
        _reference(want, items)
        got = link_items(body, items)
        assert repr(got) == repr(want)


def test_cycle_time_rows_linked_by_their_report() -> None:
    """The cycle-time body links its own rows (tens of thousands): as link_items would."""
    data = with_tracker_links(flow_art().data())
    report = cycle_time_report(data, Window(d(0), d(7)), at(10), Level.STORY)
    linked = report.to_dict(linked=True)
    assert linked["data"]
    assert repr(linked) == repr(link_items(report.to_dict(), data.by_key))
    assert repr(link_items(copy.deepcopy(linked), data.by_key)) == repr(linked)
