"""WIQL text for the source's scope, id windows and id lists (pure).

WIQL answers at most 20,000 ids (VS402337), so the full id list is read in windows ordered by
``[System.Id]``: ``[System.Id] > last`` with ``$top``, and, where the service counts before
``$top`` applies, a bounded ``last < [System.Id] <= last + window`` range (a range that wide
cannot hold more ids than the cap).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from art.config import SourceConfig

WIQL_CAP = 20_000
IN_LIST_MAX = 1_000  # ids per IN (...) list: well under the 32,000-character query limit
_WHERE = re.compile(r"\bWHERE\b(?P<cond>.*?)(?:\bORDER\s+BY\b.*)?$", re.IGNORECASE | re.DOTALL)


def quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def user_condition(wiql: str) -> str:
    """The condition of a configured ``wiql``: a bare condition or a full SELECT statement."""
    text = wiql.strip()
    if text.upper().startswith("SELECT"):
        m = _WHERE.search(text)
        return m.group("cond").strip() if m else ""
    return text


def item_types(source: SourceConfig) -> list[str]:
    """Work item types the ART model maps: levels, objectives and risks."""
    return list(
        dict.fromkeys([*source.levels, source.objectives.item_type, source.risks.item_type])
    )


def scope(source: SourceConfig, types: Iterable[str] | None = None) -> str:
    """The WHERE condition selecting the source's items (project, areas, wiql or types)."""
    parts = ["[System.TeamProject] = @project"]
    if source.area_paths:
        areas = " OR ".join(f"[System.AreaPath] UNDER {quote(a)}" for a in source.area_paths)
        parts.append(f"({areas})")
    condition = user_condition(source.wiql) if source.wiql else ""
    if condition:
        parts.append(f"({condition})")
    if types is not None or not condition:
        names = list(types) if types is not None else item_types(source)
        parts.append(f"[System.WorkItemType] IN ({', '.join(quote(t) for t in names)})")
    return " AND ".join(parts)


def select(condition: str) -> str:
    return f"SELECT [System.Id] FROM WorkItems WHERE {condition} ORDER BY [System.Id]"


def window(scope_condition: str, after: int, upto: int | None = None) -> str:
    """Ids above ``after`` (and at most ``upto``), ascending."""
    bound = f" AND [System.Id] <= {upto}" if upto is not None else ""
    return select(f"{scope_condition} AND [System.Id] > {after}{bound}")


def among(scope_condition: str, ids: list[int]) -> str:
    """Which of ``ids`` are (still) in scope."""
    return select(f"{scope_condition} AND [System.Id] IN ({', '.join(map(str, ids))})")
