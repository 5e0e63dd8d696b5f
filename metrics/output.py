"""Output helpers shared by the reports: rounding, timestamps, the definition block.

Figures are kept at full precision inside; only ``to_dict`` rounds (4 decimals, as the golden
file), so that sums and ratios are never computed from rounded parts.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import numpy.typing as npt

from metrics.facts import Objective

_UTC = ZoneInfo("UTC")
_DAY_US = 86_400_000_000
_ISO_WIDTH = len("2026-01-02T03:04:05.000006+00:00\n")


def r4(x: float | None) -> float | None:
    """Round to 4 decimals at output; None stays None."""
    return None if x is None else round(float(x), 4)


def r4_all(x: npt.NDArray[np.float64], keep: npt.NDArray[np.bool_]) -> list[float | None]:
    """``r4`` of each value where ``keep`` holds (None elsewhere), for a column of thousands.

    Python rounds the exact binary value half to even, then takes the float nearest that
    decimal: that is ``rint(x * 1e4) / 1e4`` (one correctly rounded division), except where
    the product's rounding error (half an ulp) could move it across a half; those values, and
    huge or non-finite ones, go through ``round`` itself. ``np.round`` skips that check."""
    with np.errstate(all="ignore"):  # inf and nan are left to round()
        m = x * 1e4
        out: list[float | None] = (np.rint(m) / 1e4).tolist()
        frac = np.abs(m - np.trunc(m))
        sure = (np.abs(m) < 2.0**52) & (np.abs(frac - 0.5) > np.abs(m) * 2.0**-52)
    for k in np.flatnonzero(~sure & keep).tolist():
        out[k] = round(float(x[k]), 4)
    for k in np.flatnonzero(~keep).tolist():
        out[k] = None
    return out


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


def iso_all(t_us: npt.NDArray[np.int64], keep: npt.NDArray[np.bool_]) -> list[str | None]:
    """``iso`` of each epoch-microsecond time where ``keep`` holds (None elsewhere), for a
    column of thousands: as ``isoformat``, microseconds only when there are some. The digits
    are written into one byte buffer and split, as str objects one by one cost ten times more
    (``np.datetime_as_string`` included)."""
    t = t_us[keep]
    days = t // _DAY_US  # its UTC date (floor), as days since the epoch
    in_day = t - days * _DAY_US
    year, month, day = civil_dates(days)
    sec = in_day // 1_000_000
    fields = (
        (year, 0, 4),
        (month, 5, 2),
        (day, 8, 2),
        (sec // 3600, 11, 2),
        (sec // 60 % 60, 14, 2),
        (sec % 60, 17, 2),
        (in_day % 1_000_000, 20, 6),
    )
    buf = np.frombuffer(b"0000-00-00T00:00:00.000000+00:00\n" * t.size, np.uint8).copy()
    rows = buf.reshape(t.size, _ISO_WIDTH)
    for value, at, width in fields:
        rest = value.astype(np.int32)  # (32-bit division: about twice as fast)
        for k in range(width):
            rest, digit = np.divmod(rest, 10)
            rows[:, at + width - 1 - k] += digit.astype(np.uint8)
    shown = np.ones_like(rows, dtype=np.bool_)
    shown[in_day % 1_000_000 == 0, 19:26] = False  # whole seconds: no ".000000"
    text = rows[shown].tobytes().decode("ascii").split("\n")[:-1]
    return list(text) if bool(keep.all()) else kept(text, keep)


def civil_dates(days: npt.NDArray[np.int64]) -> tuple[npt.NDArray[np.int64], ...]:
    """Year, month and day of each count of days since 1970-01-01 (proleptic Gregorian, years
    1 to 9999), in integer arithmetic: NumPy's conversions between datetime64 units cost
    three times as much. The days are counted from 0000-03-01 in 400-year eras, so that the
    leap day ends each year (H. Hinnant's ``civil_from_days``)."""
    z = days + 719_468
    era = z // 146_097
    day_of_era = z - era * 146_097
    year_of_era = (
        day_of_era - day_of_era // 1_460 + day_of_era // 36_524 - day_of_era // 146_096
    ) // 365
    day_of_year = day_of_era - (365 * year_of_era + year_of_era // 4 - year_of_era // 100)
    from_march = (5 * day_of_year + 2) // 153  # months since March
    day = day_of_year - (153 * from_march + 2) // 5 + 1
    month = np.where(from_march < 10, from_march + 3, from_march - 9)
    return year_of_era + era * 400 + (month <= 2), month, day


def kept(values: list[Any] | npt.NDArray[Any], keep: npt.NDArray[np.bool_]) -> list[Any]:
    """The values (one per true ``keep``, in order) spread over ``keep``: None elsewhere."""
    out = np.full(keep.size, None, dtype=object)
    out[keep] = values
    result: list[Any] = out.tolist()
    return result


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
