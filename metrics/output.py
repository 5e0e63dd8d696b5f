"""Output helpers shared by the reports: rounding, timestamps, the definition block.

Figures are kept at full precision inside; only ``to_dict`` rounds (4 decimals, as the golden
file), so that sums and ratios are never computed from rounded parts.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from metrics.facts import Objective

_UTC = ZoneInfo("UTC")


def r4(x: float | None) -> float | None:
    """Round to 4 decimals at output; None stays None."""
    return None if x is None else round(float(x), 4)


def num(x: float) -> int | float:
    """Points and counts: an int when integral (42, not 42.0), else rounded to 4 decimals."""
    return int(x) if float(x).is_integer() else round(float(x), 4)


def objective_fields(o: Objective) -> dict[str, Any]:
    """A PI objective as every report names it: id, team, text, commitment, planned and actual
    business value (None while not scored)."""
    return {
        "id": o.id,
        "team": o.team,
        "text": o.text,
        "committed": o.committed,
        "planned_bv": None if o.planned_bv is None else num(o.planned_bv),
        "actual_bv": None if o.actual_bv is None else num(o.actual_bv),
    }


def iso(t: datetime | None) -> str | None:
    """ISO 8601 in UTC with its offset (docs/api.md "JSON")."""
    return None if t is None else t.astimezone(_UTC).isoformat()


def pct(part: float, whole: float) -> float | None:
    """100 * part / whole, None when whole is zero."""
    return None if whole == 0 else 100.0 * part / whole


def band(pct: float | None) -> str | None:
    """The predictability band of a percentage: below under 80, within 80-100 inclusive,
    above over 100."""
    if pct is None:
        return None
    if pct < 80.0:
        return "below"
    return "within" if pct <= 100.0 else "above"


def shares(counts: dict[str, int]) -> dict[str, float]:
    """Percentages of a count per key (they sum to 100 before rounding); {} when all zero."""
    total = sum(counts.values())
    return {k: 100.0 * v / total for k, v in counts.items()} if total else {}
