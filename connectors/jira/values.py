"""Parsing of Jira's value shapes: timestamps, options, numbers and the two sprint encodings.

Jira writes one thing several ways: timestamps as ``2020-06-12T08:15:36.123+0800`` or as
epoch numbers (the bulk changelog example), sprints as objects (Cloud) or as
``com.atlassian.greenhopper.service.sprint.Sprint@…[id=…,name=…]`` strings (Data Center and
old webhooks), select fields as ``{"value": …}`` objects, arrays of them, or plain strings.
Every parser raises ``ValueError`` on a shape it cannot read; the mapping names the field.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import lru_cache
from typing import Any

_LEGACY_SPRINT = re.compile(r"Sprint@[0-9a-fA-F]*\[(?P<body>.*)\]\s*$", re.S)
_LEGACY_PAIR = re.compile(r"(?:^|,)(\w+)=(.*?)(?=,\w+=|$)", re.S)


def parse_time(value: Any) -> datetime:
    """A Jira timestamp (ISO with or without offset, or epoch seconds/ms) as aware UTC."""
    if isinstance(value, bool):
        raise ValueError(f"not a timestamp: {value!r}")
    if isinstance(value, int | float):
        seconds = value / 1000 if value > 10**11 else value
        return datetime.fromtimestamp(seconds, UTC)
    if not isinstance(value, str) or not value:
        raise ValueError(f"not a timestamp: {value!r}")
    at = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return (at if at.tzinfo else at.replace(tzinfo=UTC)).astimezone(UTC)


def parse_date(value: Any) -> date | None:
    """A Jira date (``2026-02-20``) or the date of a timestamp; None when empty."""
    if value in (None, ""):
        return None
    if isinstance(value, str) and len(value) == 10:
        return date.fromisoformat(value)
    return parse_time(value).date()


def number(value: Any) -> float | None:
    """A number field: float, int or numeric string; None when empty."""
    if value in (None, ""):
        return None
    if isinstance(value, bool):
        raise ValueError(f"not a number: {value!r}")
    return float(value)


def number_text(value: float | None) -> str | None:
    """How a number is kept in a Change row: ``3`` or ``2.5``."""
    if value is None:
        return None
    return str(int(value)) if float(value).is_integer() else str(value)


def option(value: Any) -> str | None:
    """The text of a select, radio, checkbox, user or team value."""
    if value is None:
        return None
    if isinstance(value, list):
        return option(value[0]) if value else None
    if isinstance(value, dict):
        for k in ("value", "name", "title", "displayName", "key"):
            if isinstance(value.get(k), str):
                return str(value[k])
        return None
    return str(value)


def truthy(value: Any) -> bool:
    """A yes/no field in any of its shapes (boolean, "Yes", ``[{"value": "Yes"}]``)."""
    if isinstance(value, bool):
        return value
    text = option(value)
    return text is not None and text.strip().lower() in {"yes", "true", "y", "1", "committed"}


@dataclass(frozen=True, slots=True)
class SprintRef:
    """What an issue's Sprint field says about one sprint."""

    id: str
    name: str | None = None
    state: str | None = None
    board: str | None = None
    start: datetime | None = None
    end: datetime | None = None
    complete: datetime | None = None


def _maybe_time(value: Any) -> datetime | None:
    return None if value in (None, "", "<null>") else parse_time(value)


def sprint_refs(value: Any) -> list[SprintRef]:
    """The Sprint field (array of objects or of legacy strings) as references."""
    if value in (None, ""):
        return []
    if not isinstance(value, list):
        value = [value]
    out = []
    for entry in value:
        if isinstance(entry, dict):
            board = entry.get("boardId", entry.get("originBoardId"))
            out.append(
                SprintRef(
                    str(entry["id"]),
                    entry.get("name"),
                    entry.get("state"),
                    None if board is None else str(board),
                    _maybe_time(entry.get("startDate")),
                    _maybe_time(entry.get("endDate")),
                    _maybe_time(entry.get("completeDate")),
                )
            )
            continue
        out.append(_legacy_sprint(str(entry)))
    return out


@lru_cache(maxsize=4096)
def _legacy_sprint(text: str) -> SprintRef:
    """A sprint in Jira Server's legacy ``...Sprint@1a2b[id=36,rapidViewId=3,...]`` text.
    A project's issues name the same few sprints, each in the same text: each is parsed once
    (its pattern was a twentieth of a Data Center pull's mapping)."""
    match = _LEGACY_SPRINT.search(text)
    if match is None:
        raise ValueError(f"unreadable sprint {text[:80]!r}")
    pairs = dict(_LEGACY_PAIR.findall(match.group("body")))
    return SprintRef(
        pairs["id"],
        pairs.get("name"),
        pairs.get("state", "").lower() or None,
        pairs.get("rapidViewId"),
        _maybe_time(pairs.get("startDate")),
        _maybe_time(pairs.get("endDate")),
        _maybe_time(pairs.get("completeDate")),
    )


def sprint_ids(text: Any) -> list[str]:
    """Sprint ids from a changelog ``from``/``to`` value (``"36, 37"``, ``""`` or None)."""
    if text in (None, ""):
        return []
    return [part.strip() for part in str(text).split(",") if part.strip()]
