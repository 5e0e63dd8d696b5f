"""The column-wise output (rounding, timestamps, row order, cycle-time rows) against the
per-value and per-row reference it replaces, on random values and histories with edge cases."""

from __future__ import annotations

import math
import random
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import pytest
from builder import at
from random_art import random_art
from test_engine_equivalence import CONFIGS

from art.vocabulary import Level
from metrics.columns import DAY_US, NEVER, from_us, key_ranks
from metrics.cycle_time import by_time_then_key, cycle_time_report
from metrics.days import DayBounds
from metrics.inputs import Window
from metrics.output import civil_dates, iso, iso_all, pct, r4, r4_all
from metrics.scope import scope, window_bounds


def _same(got: list[Any], want: list[Any]) -> None:
    """Equal value by value, -0.0 and nan included (repr tells them apart)."""
    assert [repr(v) for v in got] == [repr(v) for v in want]


def _values(rnd: random.Random) -> list[float]:
    days = [
        rnd.randrange(10**9) / rnd.choice([86_400, 3_600, 7, 3, 1e4, 2e4, 4e4])
        for _ in range(20_000)
    ]
    scaled = [rnd.random() * 10 ** rnd.randint(-7, 9) * rnd.choice([1, -1]) for _ in range(20_000)]
    ties = [k / 20_000 for k in range(-4_000, 4_000)] + [(k + 0.5) / 1e4 for k in range(-999, 999)]
    edges = [0.0, -0.0, 0.03125, 0.00005, 2.675e-2, 1.00005, 5e-324, 2.0**52 / 1e4, 2.0**53]
    edges += [1e300, -1e300, math.inf, -math.inf, math.nan, 100.0, 99.99995, 33.33335]
    return days + scaled + ties + edges


def test_r4_all_rounds_as_python() -> None:
    values = _values(random.Random(7))
    keep = np.array([k % 7 != 3 for k in range(len(values))])
    got = r4_all(np.array(values), keep)
    _same(got, [r4(v) if k else None for v, k in zip(values, keep.tolist(), strict=True)])


def test_iso_all_formats_as_isoformat() -> None:
    rnd = np.random.default_rng(3)
    t = rnd.integers(0, 4 * 10**15, 30_000)
    t[::3] -= t[::3] % 1_000_000  # whole seconds
    t[::5] -= t[::5] % 1_000  # whole milliseconds
    edges = [0, 1, 999_999, 1_000_000, 86_400_000_000 - 1, 951_782_400_000_000]  # 2000-02-29
    t = np.concatenate([t, np.array([*edges, 253_402_300_799_999_999], dtype=np.int64)])
    keep = np.arange(t.size) % 11 != 4
    got = iso_all(t, keep)
    assert got == [iso(from_us(v)) if k else None for v, k in zip(t.tolist(), keep, strict=True)]
    assert iso_all(t, np.ones(t.size, dtype=np.bool_)) == [iso(from_us(v)) for v in t.tolist()]
    assert iso_all(t[:0], keep[:0]) == []


def test_civil_dates_of_every_day_from_year_1_to_9999() -> None:
    first, last = date(1, 1, 1).toordinal(), date(9999, 12, 31).toordinal()
    epoch = date(1970, 1, 1).toordinal()
    year, month, day = civil_dates(np.arange(first - epoch, last - epoch + 1, dtype=np.int64))
    dates = [date.fromordinal(n) for n in range(first, last + 1)]
    assert year.tolist() == [d.year for d in dates]
    assert month.tolist() == [d.month for d in dates]
    assert day.tolist() == [d.day for d in dates]


def test_iso_all_before_1970_and_up_to_year_9999() -> None:
    t = np.array([-62_135_596_800_000_000, -1, -86_400_000_000, 253_402_300_799_999_999])
    assert iso_all(t, np.ones(4, dtype=np.bool_)) == [
        "0001-01-01T00:00:00+00:00",
        "1969-12-31T23:59:59.999999+00:00",
        "1969-12-31T00:00:00+00:00",
        "9999-12-31T23:59:59.999999+00:00",
    ]


def test_rows_by_time_then_key() -> None:
    rnd = random.Random(5)
    keys = [f"K-{rnd.randrange(10_000)}{rnd.choice(['', 'a', 'Ä', ' '])}" for _ in range(3_000)]
    keys = list(dict.fromkeys(keys))
    t = np.array([rnd.choice([10, 20, 30, rnd.randrange(10**6)]) for _ in keys], np.int64)
    want = sorted(range(len(keys)), key=lambda k: (int(t[k]), keys[k]))
    assert by_time_then_key(t, key_ranks(keys)).tolist() == want
    assert by_time_then_key(t[:0], key_ranks([])).tolist() == []


def test_key_ranks_order_keys_as_python_does() -> None:
    keys = ["b", "a\x00", "a", "Ä", "B", "a "]
    assert key_ranks(keys).tolist() == [4, 2, 1, 5, 0, 3]
    # without a NUL (ranked by NumPy): a key twice keeps its items' order, and characters
    # beyond the first 65,536 order by code point
    plain = ["b", "a", "😀", "a", "Ä", "B", "a ", "\uffff", "", "a"]
    assert key_ranks(plain).tolist() == [6, 2, 9, 3, 7, 1, 5, 8, 0, 4]


def _reference_rows(data: Any, window: Window, as_of: datetime, team: str | None) -> list:
    """The cycle-time rows as they were built before: one Flowing per row, formatted one by
    one, sorted by (done_at, key)."""
    sc = scope(data, as_of, Level.STORY, team)
    lo, hi = window_bounds(data, window)
    rows = sorted(
        sc.rows(sc.done_between(lo, hi)), key=lambda r: (r.flow.done_at or lo, r.item.key)
    )
    out = []
    for r in rows:
        it, f = r.item, r.flow
        eff = pct(f.active_days or 0.0, f.flow_days) if f.flow_days is not None else None
        out.append(
            {
                "key": it.key,
                "team": it.team,
                "level": it.level.value,
                "work_type": it.work_type.value,
                "started_at": iso(f.started_at),
                "done_at": iso(f.done_at),
                "flow_time_days": r4(f.flow_days),
                "flow_time_calendar_days": f.calendar_days,
                "active_days": r4(f.active_days),
                "wait_days": r4(f.wait_days),
                "lead_time_days": r4(f.lead_days),
                "efficiency_pct": r4(eff),
            }
        )
    return out


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize(("tz", "kw"), CONFIGS)
def test_cycle_time_rows_agree(seed: int, tz: str, kw: dict[str, object]) -> None:
    data = random_art(80, seed, tz, **kw).data()
    as_of = at(seed * 5 % 40 + 1, 7.5)
    window = Window(at(-10).date(), at(45).date())
    for team in (None, "A"):
        got = cycle_time_report(data, window, as_of, Level.STORY, team).to_dict()["data"]
        assert repr(got) == repr(_reference_rows(data, window, as_of, team))


@pytest.mark.parametrize("tz", ["UTC", "Europe/Berlin"])
def test_day_spans_keep_the_spans_that_count(tz: str) -> None:
    """day_spans drops exactly the spans whose day range is empty (they add nothing)."""
    db = DayBounds(ZoneInfo(tz), at(0).date(), at(20).date())
    rnd = np.random.default_rng(11)
    start = rnd.integers(int(db.bounds[0]) - 10 * DAY_US, int(db.bounds[-1]) + 5 * DAY_US, 5_000)
    start = np.concatenate([start, db.bounds, db.bounds - 1])
    end = start + rnd.integers(0, 8 * DAY_US, start.size)
    end[::9] = NEVER
    end[1::9] = start[1::9]
    near, lo, hi = db.day_spans(start, end)
    want_lo, want_hi = db.index(start), db.index(end)
    assert near.tolist() == np.flatnonzero(want_lo < want_hi).tolist()
    assert (lo == want_lo[near]).all() and (hi == want_hi[near]).all()
    assert DayBounds(ZoneInfo(tz), at(3).date(), at(3).date()).day_spans(start, end)[0].size == 0
