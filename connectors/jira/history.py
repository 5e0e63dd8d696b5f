"""An issue's complete changelog as Change records: status, iteration, points, flagged.

Jira's changelog holds the changes after creation; what an issue was created with is the
``from`` of the first change of each field (or, without any change, its current value). The
records start with that state at ``created`` (``from_value`` None), so a field's value at any
time is the ``to_value`` of its last record at or before that time. Sprint changes name
sprint id lists (``"36, 37"``); the iteration is the latest-starting sprint of each list, and
a list change that leaves it unchanged (a closed sprint kept) is no iteration change.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from art.errors import BadPayload
from art.records import ChangeRecord
from art.vocabulary import ChangeField, StatusCategory
from connectors.jira.context import Context
from connectors.jira.values import number, number_text, parse_time, sprint_ids


@dataclass(frozen=True, slots=True)
class Current:
    """An issue's current values, the fallback for fields that never changed."""

    status: str
    status_id: str | None
    category: StatusCategory | None
    iteration: str | None
    points: float | None
    flagged: bool


def _order(history: dict[str, Any]) -> tuple[datetime, int]:
    hid = str(history.get("id", ""))
    return parse_time(history.get("created")), int(hid) if hid.isdigit() else 0


def _text(item: dict[str, Any], side: str) -> Any:
    text = item.get(f"{side}String")
    return text if text not in (None, "") else item.get(side)


def _flag(item: dict[str, Any], side: str) -> str:
    return "true" if _text(item, side) not in (None, "", "[]") else "false"


def _points(item: dict[str, Any], side: str) -> str | None:
    try:
        return number_text(number(_text(item, side)))
    except ValueError:
        raise BadPayload(f"story points {_text(item, side)!r} are not a number") from None


def change_records(
    key: str, created: datetime, histories: list[dict[str, Any]], now: Current, ctx: Context
) -> list[ChangeRecord]:
    """Every tracked change of issue ``key``, oldest first, led by its state at creation."""
    flat: list[tuple[datetime, str | None, ChangeField, dict[str, Any]]] = []
    for history in sorted(histories, key=_order):
        at = parse_time(history.get("created"))
        author = (history.get("author") or {}).get("displayName")
        for item in history.get("items") or []:
            kind = ctx.fields.kind(item)
            if kind is not None:
                flat.append((at, author, kind, item))
    first: dict[ChangeField, dict[str, Any]] = {}
    for _, _, kind, item in flat:
        first.setdefault(kind, item)
    out: list[ChangeRecord] = []

    def add(
        at: datetime,
        kind: ChangeField,
        old: str | None,
        new: str | None,
        author: str | None = None,
        cats: tuple[StatusCategory | None, ...] = (None, None),
    ) -> None:
        out.append(ChangeRecord(key, kind, at, old, new, cats[0], cats[1], author, len(out)))

    def iteration(item: dict[str, Any], side: str) -> str | None:
        return ctx.sprints.current(sprint_ids(item.get(side)))

    s = first.get(ChangeField.STATUS)
    status = str(_text(s, "from")) if s else now.status
    category = ctx.category(status, s.get("from")) if s else now.category
    add(created, ChangeField.STATUS, None, status, cats=(None, category))
    it = first.get(ChangeField.ITERATION)
    start_iteration = iteration(it, "from") if it else now.iteration
    if start_iteration is not None:
        add(created, ChangeField.ITERATION, None, start_iteration)
    p = first.get(ChangeField.POINTS)
    start_points = _points(p, "from") if p else number_text(now.points)
    if start_points is not None:
        add(created, ChangeField.POINTS, None, start_points)
    f = first.get(ChangeField.FLAGGED)
    if (_flag(f, "from") == "true") if f else now.flagged:
        add(created, ChangeField.FLAGGED, None, "true")

    for at, author, kind, item in flat:
        if kind is ChangeField.STATUS:
            old, new = _text(item, "from"), _text(item, "to")
            cats = (ctx.category(old, item.get("from")), ctx.category(new, item.get("to")))
            add(at, kind, old, new, author, cats)
            continue
        if kind is ChangeField.ITERATION:
            before, after = iteration(item, "from"), iteration(item, "to")
        elif kind is ChangeField.POINTS:
            before, after = _points(item, "from"), _points(item, "to")
        else:
            before, after = _flag(item, "from"), _flag(item, "to")
        if before != after:
            add(at, kind, before, after, author)
    return out
