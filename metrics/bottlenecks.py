"""Where delivery gets stuck (docs/metrics.md "Bottlenecks"): time in status, WIP trend,
blocked work and dependency risk ahead.

Four answers over one window [from, to) and one as-of time:

- time in status: each item's flow span (its start to its done, or as_of while in progress,
  by the start and done rules) cut into the statuses it passed through, clipped to the window;
  per team and status the item-days, the p50 and p85 of the items' time there, and the share of
  the team's flow time. Every status inside the span counts (a todo status after the start is
  waiting in the backlog), so a team's shares add up to 100.
- WIP trend: the window's complete days split in two halves of ``n // 2`` days (the middle
  day of an odd count left out); a team's WIP rises when the mean flow load of the second half
  exceeds the first's while its throughput (items done in the half) does not.
- blocked: items in progress and flagged at as_of, since when; and the flagged part of the
  window's flow time. Stalled: items in progress whose status has not changed for a week.
- dependency risk ahead: every open dependency (neither resolved nor removed) whose provider's
  Monte Carlo finish at p85, from the provider team's story throughput, ends after the moment
  the consumer needs it, whatever its planned status says.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import numpy as np

from art.vocabulary import Level, StatusCategory
from metrics.columns import from_us, us
from metrics.dependencies import Dependency, dependencies
from metrics.flow import load
from metrics.forecast import MAX_DAYS, simulate_when, throughput_sample
from metrics.history import ItemHistory
from metrics.inputs import ArtData, ItemFacts, Window
from metrics.output import iso, pct, r4
from metrics.scope import Scope, scope, window_bounds
from metrics.stats import percentile
from metrics.timeline import CLOSED, DAY, day_end, days, last_complete_day_end, local_date

STALLED_DAYS = 7  # in progress with no status change for this many days or more
TRIALS = 10_000
SAMPLE_DAYS = 90
OPEN = ("on_track", "at_risk", "conflict", "late")


@dataclass(frozen=True, slots=True)
class StatusTime:
    """Time one team's items spent in one status within the window."""

    team: str | None
    status: str
    category: StatusCategory
    per_item: list[float]  # days per item that spent time there
    share_pct: float | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "team": self.team,
            "status": self.status,
            "status_category": self.category.value,
            "items": len(self.per_item),
            "item_days": r4(sum(self.per_item)),
            "p50_days": r4(percentile(self.per_item, 50)),
            "p85_days": r4(percentile(self.per_item, 85)),
            "share_pct": r4(self.share_pct),
        }


@dataclass(frozen=True, slots=True)
class Half:
    start: date
    end: date  # exclusive
    mean_load: float | None
    throughput: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "from": self.start.isoformat(),
            "to": self.end.isoformat(),
            "mean_load": r4(self.mean_load),
            "throughput": self.throughput,
        }


@dataclass(frozen=True, slots=True)
class WipTrend:
    team: str
    first: Half | None  # None: fewer than two complete days in the window
    second: Half | None

    @property
    def rising(self) -> bool:
        """Load up from the first half to the second while throughput is not."""
        if self.first is None or self.second is None:
            return False
        a, b = self.first, self.second
        assert a.mean_load is not None and b.mean_load is not None
        return b.mean_load > a.mean_load and b.throughput <= a.throughput

    def to_dict(self) -> dict[str, Any]:
        a, b = self.first, self.second
        change = None
        if a is not None and b is not None and a.mean_load is not None:
            change = r4((b.mean_load or 0.0) - a.mean_load)
        return {
            "team": self.team,
            "first_half": None if a is None else a.to_dict(),
            "second_half": None if b is None else b.to_dict(),
            "load_change": change,
            "rising": self.rising,
        }


@dataclass(frozen=True, slots=True)
class Flagged:
    key: str
    title: str
    team: str | None
    status: str | None
    since: datetime
    days: float

    def to_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "title": self.title,
            "team": self.team,
            "status": self.status,
            "flagged_since": iso(self.since),
            "flagged_days": r4(self.days),
        }


@dataclass(frozen=True, slots=True)
class Stalled:
    key: str
    title: str
    team: str | None
    status: str | None
    since: datetime  # the last status change (or creation)
    days: float

    def to_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "title": self.title,
            "team": self.team,
            "status": self.status,
            "in_status_since": iso(self.since),
            "days_in_status": r4(self.days),
        }


@dataclass(frozen=True, slots=True)
class FlaggedShare:
    team: str | None
    flow_item_days: float
    flagged_item_days: float

    def to_dict(self) -> dict[str, Any]:
        return {
            "team": self.team,
            "flow_item_days": r4(self.flow_item_days),
            "flagged_item_days": r4(self.flagged_item_days),
            "flagged_share_pct": r4(pct(self.flagged_item_days, self.flow_item_days)),
        }


@dataclass(frozen=True, slots=True)
class DependencyRisk:
    dependency: Dependency
    remaining_items: int
    sample_done: int  # provider team's stories done over the sample days
    p50: date | None  # None: not finished within MAX_DAYS in the trials
    p85: date | None
    days_after_need: int | None  # None when the p85 finish is beyond MAX_DAYS

    def to_dict(self) -> dict[str, Any]:
        d = self.dependency
        need = f"{d.consumer.who} needs it ({iso(d.needed_by)})"
        if self.p85 is None:
            when = f"is not done within {MAX_DAYS} days in 85% of trials, and {need}"
        else:
            when = (
                f"is done by the end of {self.p85.isoformat()} with 85% confidence, "
                f"{self.days_after_need} days after {need}"
            )
        return {
            "provider": d.provider.to_dict(),
            "consumer": d.consumer.to_dict(),
            "plan_status": d.status,
            "planned_by": iso(d.planned_by),
            "needed_by": iso(d.needed_by),
            "remaining_items": self.remaining_items,
            "sample_done": self.sample_done,
            "finish_p50": None if self.p50 is None else self.p50.isoformat(),
            "finish_p85": None if self.p85 is None else self.p85.isoformat(),
            "days_after_need": self.days_after_need,
            "reason": (
                f"{d.provider.who} has {self.remaining_items} item(s) left; at team "
                f"{d.provider.team}'s pace ({self.sample_done} stories done in the last "
                f"{SAMPLE_DAYS} days) it {when}; the plan says {d.status}"
            ),
        }


@dataclass(frozen=True, slots=True)
class BottleneckReport:
    window: Window
    as_of: datetime
    level: Level
    team: str | None
    seed: int
    definition: dict[str, Any]
    time_in_status: list[StatusTime]
    wip_trend: list[WipTrend]
    blocked: list[Flagged]
    flagged_share: list[FlaggedShare]
    stalled: list[Stalled]
    dependency_risk: list[DependencyRisk]
    dependencies_assessed: int

    def to_dict(self) -> dict[str, Any]:
        return {
            **self.window.to_dict(),
            "level": self.level.value,
            "team": self.team,
            "as_of": iso(self.as_of),
            "seed": self.seed,
            "definition": self.definition,
            "time_in_status": [s.to_dict() for s in self.time_in_status],
            "wip_trend": [w.to_dict() for w in self.wip_trend],
            "blocked": {
                "items": [b.to_dict() for b in self.blocked],
                "by_team": [f.to_dict() for f in self.flagged_share],
            },
            "stalled": [s.to_dict() for s in self.stalled],
            "dependency_risk": {
                "assessed": self.dependencies_assessed,
                "data": [r.to_dict() for r in self.dependency_risk],
            },
        }


# -- time in status and flagged time ---------------------------------------------------------


def _segments(h: ItemHistory, lo: datetime, hi: datetime) -> list[tuple[int, datetime, datetime]]:
    """(status index, from, to) of the status timeline clipped to [lo, hi)."""
    out = []
    times = h.st_times
    for i in range(len(times)):
        a = max(times[i], lo)
        b = min(times[i + 1] if i + 1 < len(times) else hi, hi)
        if b > a:
            out.append((i, a, b))
    return out


def _overlap(spans: list[tuple[datetime, datetime]], lo: datetime, hi: datetime) -> timedelta:
    return sum((min(b, hi) - max(a, lo) for a, b in spans if min(b, hi) > max(a, lo)), timedelta())


def _time_in_status(
    sc: Scope, lo: datetime, hi: datetime
) -> tuple[list[StatusTime], list[FlaggedShare]]:
    """Per team and status: each item's time there within [lo, hi) of its flow span."""
    spent: dict[tuple[str | None, str], dict[str, timedelta]] = defaultdict(dict)
    cats: dict[tuple[str | None, str], StatusCategory] = {}
    flow_total: dict[str | None, timedelta] = defaultdict(timedelta)
    flagged: dict[str | None, timedelta] = defaultdict(timedelta)
    fa = sc.fa
    end_us = np.where(fa.done >= 0, fa.done_us, us(sc.as_of))
    # only the flow spans that meet the window: [started, done or as_of) against [lo, hi)
    meets = sc.sel & (fa.start >= 0) & (fa.started_us < us(hi)) & (end_us > us(lo))
    for i in np.flatnonzero(meets).tolist():
        item = sc.data.items[i]
        a, b = max(from_us(fa.started_us[i]), lo), min(from_us(end_us[i]), hi)
        h, team = sc.data.history(item.key), item.team
        for k, x, y in _segments(h, a, b):
            key = (team, h.st_status[k])
            per = spent[key]
            per[item.key] = per.get(item.key, timedelta()) + (y - x)
            cats.setdefault(key, h.st_cat[k])
        flow_total[team] += b - a
        flagged[team] += _overlap(h.flagged_spans(b), a, b)
    rows = [
        StatusTime(
            team,
            status,
            cats[(team, status)],
            [days(t) for t in per.values()],
            pct(days(sum(per.values(), timedelta())), days(flow_total[team])),
        )
        for (team, status), per in spent.items()
    ]
    rows.sort(key=lambda s: (_team_order(sc.data, s.team), -sum(s.per_item), s.status))
    shares = [
        FlaggedShare(team, days(flow_total[team]), days(flagged[team]))
        for team in sorted(flow_total, key=lambda t: _team_order(sc.data, t))
    ]
    return rows, shares


def _team_order(data: ArtData, team: str | None) -> tuple[int, str]:
    names = data.team_names
    return (names.index(team), "") if team in names else (len(names), team or "")


# -- WIP trend ---------------------------------------------------------------------------------


def _halves(data: ArtData, window: Window, as_of: datetime) -> tuple[Window, Window] | None:
    """The first and last ``n // 2`` complete days of the window; None when n < 2."""
    tz = data.definition.tz
    end = last_complete_day_end(window.end, as_of, tz)
    n = (end - window.start).days
    if n < 2:
        return None
    half = timedelta(days=n // 2)
    return Window(window.start, window.start + half), Window(end - half, end)


def _wip_trend(data: ArtData, window: Window, as_of: datetime, level: Level, team: str) -> WipTrend:
    halves = _halves(data, window, as_of)
    if halves is None:
        return WipTrend(team, None, None)
    sc = scope(data, as_of, level, team)
    out = []
    for w in halves:
        by_day = load(sc, w).by_day
        lo, hi = window_bounds(data, w)
        mean = sum(n for _, n in by_day) / len(by_day)
        out.append(Half(w.start, w.end, mean, int(sc.done_between(lo, hi).size)))
    return WipTrend(team, out[0], out[1])


# -- blocked -------------------------------------------------------------------------------------


def _blocked(sc: Scope) -> list[Flagged]:
    """Items in progress and flagged at as_of, longest flagged first."""
    out = []
    for row in sc.rows(np.flatnonzero(sc.sel & sc.fa.in_progress)):
        spans = sc.data.history(row.item.key).flagged_spans(sc.as_of)
        if spans and spans[-1][1] == sc.as_of:
            since = spans[-1][0]
            item = row.item
            out.append(
                Flagged(
                    item.key, item.title, item.team, row.flow.status, since, days(sc.as_of - since)
                )
            )
    out.sort(key=lambda f: (f.since, f.key))
    return out


def _stalled(sc: Scope) -> list[Stalled]:
    """Items in progress whose status has not changed for STALLED_DAYS or more, longest first."""
    out = []
    for row in sc.rows(np.flatnonzero(sc.sel & sc.fa.in_progress)):
        h = sc.data.history(row.item.key)
        since = h.st_times[h.status_index(sc.as_of)]
        if sc.as_of - since >= STALLED_DAYS * DAY:
            item = row.item
            out.append(
                Stalled(
                    item.key, item.title, item.team, row.flow.status, since, days(sc.as_of - since)
                )
            )
    out.sort(key=lambda s: (s.since, s.key))
    return out


# -- dependency risk ahead ------------------------------------------------------------------------


def _children(data: ArtData) -> dict[str, list[ItemFacts]]:
    """Each parent's items (deleted ones left out), built once per report."""
    out: dict[str, list[ItemFacts]] = defaultdict(list)
    for it in data.items:
        if it.parent is not None and not it.deleted:
            out[it.parent].append(it)
    return out


def _remaining(data: ArtData, children: list[ItemFacts], as_of: datetime) -> int:
    """Items the provider still needs done: its open children (at least itself)."""
    open_children = 0
    for it in children:
        cat = data.history(it.key).category_at(as_of)
        if cat is not None and cat not in CLOSED:
            open_children += 1
    return max(1, open_children)


def _dependency_risk(
    data: ArtData, as_of: datetime, team: str | None, seed: int
) -> tuple[list[DependencyRisk], int]:
    tz = data.definition.tz
    start = local_date(as_of, tz)
    samples: dict[str, list[int]] = {}
    # every dependency is simulated from the same seed, so a filter never changes another's
    # answer, and a (team, items) question is answered once
    finishes: dict[tuple[str, int], tuple[date | None, date | None]] = {}
    children = _children(data)
    risks, assessed = [], 0
    for d in dependencies(data, as_of):
        if d.status not in OPEN or d.needed_by is None or d.provider.team is None:
            continue
        if team is not None and team not in (d.provider.team, d.consumer.team):
            continue
        assessed += 1
        who = d.provider.team
        counts = samples.get(who)
        if counts is None:
            counts = samples[who] = throughput_sample(data, as_of, Level.STORY, who, SAMPLE_DAYS)
        remaining = _remaining(data, children.get(d.provider.item.key, []), as_of)
        finish = finishes.get((who, remaining))
        if finish is None:
            rng = np.random.default_rng(seed)
            need = simulate_when(np.asarray(counts, dtype=np.int64), remaining, TRIALS, rng)
            finish = finishes[(who, remaining)] = (
                _finish(start, need, 50),
                _finish(start, need, 85),
            )
        p50, p85 = finish
        if p85 is not None and day_end(p85, tz) <= d.needed_by:
            continue
        late = None if p85 is None else math.ceil(days(day_end(p85, tz) - d.needed_by))
        risks.append(DependencyRisk(d, remaining, sum(counts), p50, p85, late))
    risks.sort(key=lambda r: (-(r.days_after_need or MAX_DAYS + 1), r.dependency.provider.item.key))
    return risks, assessed


def _finish(start: date, need: np.ndarray, q: int) -> date | None:
    """The day by whose end the work is done in q% of trials (day 1 is the as-of day)."""
    k = math.ceil(float(np.percentile(need, q)))
    return None if k > MAX_DAYS else start + DAY * (max(k, 1) - 1)


# -- the report -------------------------------------------------------------------------------


def bottleneck_report(
    data: ArtData,
    window: Window,
    as_of: datetime,
    level: Level | None = None,
    team: str | None = None,
    seed: int = 0,
) -> BottleneckReport:
    """Time in status, WIP trend, blocked items and dependency risk for a level and team."""
    sc = scope(data, as_of, level, team)
    lo, hi = window_bounds(data, window)
    statuses, shares = _time_in_status(sc, lo, min(hi, as_of))
    teams = [team] if team is not None else list(data.team_names)
    trend = [_wip_trend(data, window, as_of, sc.level, t) for t in teams]
    risks, assessed = _dependency_risk(data, as_of, team, seed)
    definition = {
        **data.definition.to_dict(),
        "window": window.to_dict(),
        "level": sc.level.value,
        "time_in_status": "each item's flow span (start to done, or to as_of while in progress) "
        "cut by status and clipped to the window; item_days sums the items' time, p50/p85 "
        "are over the items that spent time in the status; share_pct is of the team's flow "
        "time in the window",
        "wip_trend": "complete days of the window split into a first and last half of n // 2 "
        "days each (the middle day of an odd n left out); rising when the second half's mean "
        "flow load is higher and its throughput (items done) is not",
        "blocked": "items in progress and flagged at as_of, since the start of the current "
        "flag; flagged_share_pct is flagged time within the flow time of the window",
        "stalled": f"items in progress at as_of whose status has not changed for "
        f"{STALLED_DAYS} days or more",
        "dependency_risk": f"open dependencies (on_track, at_risk, conflict, late) whose "
        f"provider's Monte Carlo finish at p85 ({TRIALS} trials over the provider team's "
        f"stories done per day in the {SAMPLE_DAYS} complete days before as_of; items: the "
        "provider's open child items, at least 1; day 1 is the as-of day) ends after "
        "needed_by",
    }
    return BottleneckReport(
        window,
        as_of,
        sc.level,
        team,
        seed,
        definition,
        statuses,
        trend,
        _blocked(sc),
        shares,
        _stalled(sc),
        risks,
        assessed,
    )
