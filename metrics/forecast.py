"""Monte Carlo forecast from daily throughput (docs/metrics.md "Monte Carlo forecast").

The last ``sample_days`` complete days of throughput (zero days included) are sampled with
replacement. Trials are simulated as NumPy arrays in blocks of days, so 10,000 trials take
milliseconds. The seed is recorded: the same data and seed give the same answer.

Day 1 of a trial is the as-of day. "When": the date by whose end N items are done in p% of
trials (linear percentile of the days needed, rounded up to a whole day). "How many by D":
the number done by the end of D in at least 50/85/95% of trials, i.e. the 50th, 15th and 5th
percentiles of the trials' totals, rounded down.
"""

from __future__ import annotations

import math
import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import numpy as np
import numpy.typing as npt

from art.vocabulary import Level
from metrics.days import ordinals
from metrics.inputs import ArtData, default_level
from metrics.output import iso
from metrics.scope import scope
from metrics.timeline import local_date

MAX_DAYS = 3660
IntArray = npt.NDArray[np.int64]


def throughput_sample(
    data: ArtData, as_of: datetime, level: Level | None, team: str | None, sample_days: int
) -> list[int]:
    """Items done on each of the ``sample_days`` complete days before the as-of day."""
    tz = data.definition.tz
    first = local_date(as_of, tz) - timedelta(days=sample_days)
    sc = scope(data, as_of, level, team)
    done = np.flatnonzero(sc.sel & (sc.fa.done >= 0))
    k = ordinals(tz, sc.fa.done_us[done]) - first.toordinal()
    k = k[(k >= 0) & (k < sample_days)]
    return [int(v) for v in np.bincount(k, minlength=sample_days)]


def simulate_when(sample: IntArray, items: int, trials: int, rng: np.random.Generator) -> IntArray:
    """Days needed per trial to finish ``items`` (MAX_DAYS + 1 when never)."""
    result = np.full(trials, MAX_DAYS + 1, dtype=np.int64)
    if items <= 0:
        return np.zeros(trials, dtype=np.int64)
    mean = float(sample.mean()) if sample.size else 0.0
    if mean <= 0:
        return result
    block = int(min(max(math.ceil(items / mean * 1.5), 16), 1024))
    done = np.zeros(trials, dtype=np.int64)
    open_ = np.arange(trials)
    offset = 0
    while open_.size and offset < MAX_DAYS:
        cum = done[open_, None] + np.cumsum(rng.choice(sample, size=(open_.size, block)), axis=1)
        hit = cum >= items
        reached = hit.any(axis=1)
        result[open_[reached]] = offset + hit[reached].argmax(axis=1) + 1
        done[open_] = cum[:, -1]
        open_ = open_[~reached]
        offset += block
    return result


def simulate_how_many(
    sample: IntArray, n_days: int, trials: int, rng: np.random.Generator
) -> IntArray:
    """Items done per trial over ``n_days`` days."""
    total = np.zeros(trials, dtype=np.int64)
    left = max(0, n_days)
    while left > 0 and sample.size:
        block = min(left, 512)
        total += rng.choice(sample, size=(trials, block)).sum(axis=1)
        left -= block
    return total


@dataclass(frozen=True, slots=True)
class ForecastReport:
    as_of: datetime
    level: Level
    team: str | None
    definition: dict[str, Any]
    seed: int
    trials: int
    sample_days: int
    throughput_sample: list[int]
    start_date: date
    items: int | None
    when: dict[str, date | None] | None
    target_date: date | None
    how_many: dict[str, int] | None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "level": self.level.value,
            "team": self.team,
            "as_of": iso(self.as_of),
            "definition": self.definition,
            "seed": self.seed,
            "trials": self.trials,
            "sample_days": self.sample_days,
            "throughput_sample": self.throughput_sample,
            "start_date": self.start_date.isoformat(),
        }
        if self.when is not None:
            out["items"] = self.items
            out["when"] = {k: None if d is None else d.isoformat() for k, d in self.when.items()}
        if self.how_many is not None:
            out["date"] = None if self.target_date is None else self.target_date.isoformat()
            out["how_many"] = self.how_many
        return out


def forecast_report(
    data: ArtData,
    as_of: datetime,
    items: int | None = None,
    target_date: date | None = None,
    level: Level | None = None,
    team: str | None = None,
    seed: int | None = None,
    trials: int = 10_000,
    sample_days: int = 90,
) -> ForecastReport:
    """ "When will N items be done" (``items``) and/or "how many by date D" (``target_date``)."""
    if items is None and target_date is None:
        raise ValueError("give items= or target_date=")
    lvl = level or default_level(team)
    if seed is None:
        seed = secrets.randbits(32)
    counts = throughput_sample(data, as_of, lvl, team, sample_days)
    sample = np.asarray(counts, dtype=np.int64)
    rng = np.random.default_rng(seed)
    start = local_date(as_of, data.definition.tz)
    when: dict[str, date | None] | None = None
    if items is not None:
        need = simulate_when(sample, items, trials, rng)
        when = {}
        for q in (50, 85, 95):
            k = math.ceil(float(np.percentile(need, q)))
            when[f"p{q}"] = None if k > MAX_DAYS else start + timedelta(days=max(k, 1) - 1)
    how_many: dict[str, int] | None = None
    if target_date is not None:
        got = simulate_how_many(sample, (target_date - start).days + 1, trials, rng)
        how_many = {f"p{c}": math.floor(float(np.percentile(got, 100 - c))) for c in (50, 85, 95)}
    definition = {
        **data.definition.to_dict(),
        "level": lvl.value,
        "sample": f"items done per day over the {sample_days} complete days before as_of",
        "trials": trials,
        "day_1": "the as-of day",
        "when": "percentile of days needed, rounded up",
        "how_many": "p50/p85/p95 = 50th/15th/5th percentile of the trials, rounded down",
    }
    return ForecastReport(
        as_of,
        lvl,
        team,
        definition,
        seed,
        trials,
        sample_days,
        counts,
        start,
        items,
        when,
        target_date,
        how_many,
    )
