"""Replay of one item's changes: its status, iteration, points, team or flag at any time.

Every flow figure is computed from history, never from the current status alone (docs/metrics.md
"Reading history at a point in time"). The value of a field before its first change is that change's
``from`` value; with no change it is the item's current value. Lookups are binary searches over
per-field timelines that start at creation.

Time convention: ``value_at(t)`` sees the changes made at or before ``t``;
``value_before(t)`` those made strictly before ``t`` (the state at the end of the day that
ends at ``t``, where a change at exactly midnight belongs to the next day).
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from datetime import datetime

from art.vocabulary import ChangeField, StatusCategory
from metrics.facts import Change, Definition, ItemFacts

_FALSE = frozenset({"", "false", "0", "no", "none", "null"})


def parse_flag(value: str | None) -> bool:
    """A stored flag value: Jira stores "Impediment" when set, nothing when cleared."""
    return value is not None and value.strip().lower() not in _FALSE


def parse_points(value: str | None) -> float | None:
    if value is None or value.strip() == "":
        return None
    try:
        return float(value)
    except ValueError:
        return None


class ItemHistory:
    """Per-field timelines of one item, built once from its changes sorted by (at, seq)."""

    __slots__ = ("_fields", "changes", "created", "item", "st_cat", "st_status", "st_times")

    def __init__(self, item: ItemFacts, changes: Sequence[Change], definition: Definition) -> None:
        self.item = item
        self.created = item.created_at
        self.changes = changes
        mapping = definition.statuses
        status_changes = [c for c in changes if c.field == ChangeField.STATUS]
        if status_changes:
            first = status_changes[0]
            status0 = first.from_value or item.status
            cat0 = first.from_category or mapping.get(status0) or guess_category(status0, item)
        else:
            status0, cat0 = item.status, item.status_category
        times = [self.created]
        statuses = [status0]
        cats = [cat0]
        for c in status_changes:
            status = c.to_value or ""
            cat = c.to_category or mapping.get(status) or guess_category(status, item)
            times.append(max(c.at, self.created))
            statuses.append(status)
            cats.append(cat)
        self.st_times = times
        self.st_status = statuses
        self.st_cat = cats
        self._fields: dict[ChangeField, tuple[list[datetime], list[str | None]]] = {}

    # -- status ---------------------------------------------------------------------------
    def status_index(self, t: datetime, *, inclusive: bool = True) -> int:
        """Index into the status timeline in force at ``t``; -1 before creation."""
        if inclusive:
            return bisect_right(self.st_times, t) - 1
        return bisect_left(self.st_times, t) - 1

    def category_at(self, t: datetime, *, inclusive: bool = True) -> StatusCategory | None:
        i = self.status_index(t, inclusive=inclusive)
        return self.st_cat[i] if i >= 0 else None

    def status_at(self, t: datetime, *, inclusive: bool = True) -> str | None:
        i = self.status_index(t, inclusive=inclusive)
        return self.st_status[i] if i >= 0 else None

    # -- other fields -----------------------------------------------------------------------
    def timeline(self, name: ChangeField) -> tuple[list[datetime], list[str | None]]:
        """(times, values) of a non-status field, starting at creation."""
        got = self._fields.get(name)
        if got is not None:
            return got
        own = [c for c in self.changes if c.field == name]
        current = _current(self.item, name)
        times = [self.created]
        values: list[str | None] = [own[0].from_value if own else current]
        for c in own:
            times.append(max(c.at, self.created))
            values.append(c.to_value)
        got = (times, values)
        self._fields[name] = got
        return got

    def value_at(self, name: ChangeField, t: datetime, *, inclusive: bool = True) -> str | None:
        """The field's value at ``t`` (None before creation)."""
        times, values = self.timeline(name)
        i = bisect_right(times, t) - 1 if inclusive else bisect_left(times, t) - 1
        return values[i] if i >= 0 else None

    def points_at(self, t: datetime, *, inclusive: bool = True) -> float | None:
        return parse_points(self.value_at(ChangeField.POINTS, t, inclusive=inclusive))

    def flagged_spans(self, until: datetime) -> list[tuple[datetime, datetime]]:
        """Intervals during which the item was flagged, cut at ``until``."""
        times, values = self.timeline(ChangeField.FLAGGED)
        spans: list[tuple[datetime, datetime]] = []
        opened: datetime | None = None
        for t, v in zip(times, values, strict=True):
            if t > until:
                break
            on = parse_flag(v)
            if on and opened is None:
                opened = t
            elif not on and opened is not None:
                if t > opened:
                    spans.append((opened, t))
                opened = None
        if opened is not None and until > opened:
            spans.append((opened, until))
        return spans


def _current(item: ItemFacts, name: ChangeField) -> str | None:
    if name == ChangeField.ITERATION:
        return item.iteration
    if name == ChangeField.TEAM:
        return item.team
    if name == ChangeField.PI:
        return item.pi
    if name == ChangeField.POINTS:
        return None if item.story_points is None else repr(float(item.story_points))
    if name == ChangeField.FLAGGED:
        return "true" if item.flagged else "false"
    if name == ChangeField.STATUS:
        return item.status
    raise ValueError(f"unknown field {name}")


def guess_category(status: str, item: ItemFacts) -> StatusCategory:
    """Category of a status missing from the mapping: the item's own if it is its current
    status, else todo (the data-quality report lists such statuses)."""
    return item.status_category if status == item.status else StatusCategory.TODO
