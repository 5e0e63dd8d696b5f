"""Percentiles (linear interpolation) and the Monte Carlo forecast."""

from __future__ import annotations

import time
from datetime import timedelta

import numpy as np
import pytest
from builder import Art, at, d

from art.vocabulary import Level
from metrics.forecast import MAX_DAYS, forecast_report, simulate_how_many, simulate_when
from metrics.stats import percentile, percentile_rank, summarize


@pytest.mark.parametrize(
    ("values", "q", "expected"),
    [
        ([1.0, 2.0, 3.0, 4.0], 50, 2.5),
        ([1.0, 2.0, 3.0, 4.0], 85, 3.55),  # rank 2.55 -> 3 + 0.55
        ([10.0], 95, 10.0),
        ([5.0, 1.0, 3.0], 50, 3.0),  # unsorted input
        ([0.0, 10.0], 95, 9.5),
    ],
)
def test_percentile_linear(values: list[float], q: float, expected: float) -> None:
    assert percentile(values, q) == pytest.approx(expected)


def test_summary_and_empty_summary() -> None:
    s = summarize([1.0, 2.0, 3.0, 4.0])
    assert (s.count, s.mean, s.p50, s.max) == (4, 2.5, 2.5, 4.0)
    assert s.p95 == pytest.approx(3.85)
    assert summarize([]).to_dict() == {
        "count": 0,
        "mean": None,
        "p50": None,
        "p85": None,
        "p95": None,
        "max": None,
    }
    assert percentile([], 50) is None


def test_percentile_rank_is_strictly_below() -> None:
    ref = np.array([1.0, 2.0, 2.0, 4.0])
    assert percentile_rank(ref, 2.0) == 25.0
    assert percentile_rank(ref, 2.5) == 75.0
    assert percentile_rank(ref, 9.0) == 100.0
    assert percentile_rank(np.array([]), 1.0) is None


def _rng(seed: int = 7) -> np.random.Generator:
    return np.random.default_rng(seed)


def test_simulate_when_constant_throughput() -> None:
    days = simulate_when(np.array([2], dtype=np.int64), 10, 500, _rng())
    assert set(days.tolist()) == {5}


def test_simulate_when_long_horizons_run_in_blocks() -> None:
    days = simulate_when(np.array([1], dtype=np.int64), 2000, 50, _rng())
    assert set(days.tolist()) == {2000}


def test_simulate_when_without_throughput_never_finishes() -> None:
    days = simulate_when(np.zeros(90, dtype=np.int64), 3, 10, _rng())
    assert set(days.tolist()) == {MAX_DAYS + 1}


def test_simulate_how_many_constant() -> None:
    got = simulate_how_many(np.array([3], dtype=np.int64), 700, 20, _rng())
    assert set(got.tolist()) == {2100}


def _daily_art(per_day: dict[int, int]) -> Art:
    """``per_day[k]`` stories done on day k (relative to 2026-03-02)."""
    art = Art()
    n = 0
    for day, count in per_day.items():
        for _ in range(count):
            n += 1
            art.item(
                f"S{n}",
                [(at(day - 1), "status", "In Progress"), (at(day, 12), "status", "Done")],
                created=at(day - 200),
            )
    return art


def test_throughput_sample_covers_complete_days_before_as_of() -> None:
    # as_of 2026-03-02 13:00: sample days are 2025-12-02 .. 2026-03-01
    art = _daily_art({-91: 5, -90: 1, -2: 2, -1: 3, 0: 4})
    rep = forecast_report(art.data(), at(0, 13), items=1, level=Level.STORY, seed=1)
    assert len(rep.throughput_sample) == 90
    assert rep.throughput_sample[0] == 1 and rep.throughput_sample[-2:] == [2, 3]
    assert sum(rep.throughput_sample) == 6  # day -91 too old, day 0 (today) not complete
    assert rep.start_date == d(0)


def test_forecast_when_with_constant_throughput() -> None:
    art = _daily_art({k: 1 for k in range(-90, 0)})
    rep = forecast_report(
        art.data(), at(0, 8), items=5, target_date=d(9), level=Level.STORY, seed=42
    )
    assert rep.when == {"p50": d(4), "p85": d(4), "p95": d(4)}  # day 1 is today
    assert rep.how_many == {"p50": 10, "p85": 10, "p95": 10}


def test_forecast_confidence_takes_the_pessimistic_side() -> None:
    # each day 1 or 2 items: 2 items need 1 day (a 2) or 2 days (a 1 first)
    art = _daily_art({k: 1 + (k % 2) for k in range(-90, 0)})
    rep = forecast_report(
        art.data(), at(0, 8), items=2, target_date=d(0), level=Level.STORY, seed=3
    )
    assert rep.when is not None and rep.when["p85"] == d(1) and rep.when["p95"] == d(1)
    assert rep.how_many is not None
    assert rep.how_many["p85"] == 1 and rep.how_many["p95"] == 1  # 15th and 5th percentiles
    assert rep.how_many["p50"] in (1, 2)


def test_forecast_is_reproducible_with_its_seed() -> None:
    art = _daily_art({k: (k * 7) % 4 for k in range(-90, 0)})
    data = art.data()
    first = forecast_report(data, at(0, 8), items=40, target_date=d(20), level=Level.STORY)
    again = forecast_report(
        data, at(0, 8), items=40, target_date=d(20), level=Level.STORY, seed=first.seed
    )
    assert first.to_dict() == again.to_dict()
    assert first.to_dict()["seed"] == first.seed
    assert first.when is not None and first.when["p50"] is not None
    assert first.when["p50"] <= first.when["p85"] <= first.when["p95"]  # type: ignore[operator]


def test_forecast_without_throughput_has_no_dates() -> None:
    rep = forecast_report(Art().data(), at(0), items=5, level=Level.STORY, seed=1).to_dict()
    assert rep["when"] == {"p50": None, "p85": None, "p95": None}
    assert rep["throughput_sample"] == [0] * 90


def test_forecast_needs_a_question() -> None:
    with pytest.raises(ValueError, match="items"):
        forecast_report(Art().data(), at(0))


def test_ten_thousand_trials_well_under_a_second() -> None:
    sample = np.random.default_rng(0).poisson(3.0, 90).astype(np.int64)
    start = time.perf_counter()
    simulate_when(sample, 500, 10_000, _rng())
    simulate_how_many(sample, 180, 10_000, _rng())
    assert time.perf_counter() - start < 1.0


def test_how_many_by_a_past_date_is_zero() -> None:
    art = _daily_art({k: 1 for k in range(-90, 0)})
    rep = forecast_report(
        art.data(), at(0), target_date=d(0) - timedelta(days=3), level=Level.STORY, seed=1
    )
    assert rep.how_many == {"p50": 0, "p85": 0, "p95": 0}
