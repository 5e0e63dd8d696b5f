"""PI outlook (docs/metrics.md "PI outlook"): where the PI's predictability will land.

Each team's recent daily story throughput (metrics.forecast's sample and simulation, the one
implementation) is drawn for every day left in the PI, 10,000 seeded trials as NumPy arrays.
A trial's capacity C fills, in a team's share of it, its objectives' remaining stories in
order (committed first, higher planned BV, then id); its features' queue is filled by C whole.

The remaining work is read at as_of from the columnar engine (category, team and PI of each
item at that time). A story an objective shares with another is one unit, placed once in the
team's queue; a linked feature counts its child stories (or itself when it has none). Filling
a queue of units by a capacity is a clip per run of consecutive positions, so a trial costs
nothing per story: ``done = clip(C, a, b) - a`` for the run [a, b).

Without a seed one is derived from what the trials read (ART, PI, as_of's day, throughput
samples, remaining work), so one data version always answers the same, on every surface.
"""

from __future__ import annotations

import re
import threading
import zlib
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from typing import Any

import numpy as np
import numpy.typing as npt

from art.vocabulary import Level
from metrics.columns import DONE, LEVELS, REMOVED, columns
from metrics.forecast import simulate_how_many, throughput_sample
from metrics.inputs import ArtData, Objective
from metrics.output import band, iso, objective_fields, r4
from metrics.timeline import local_date

TRIALS = 10_000
SAMPLE_DAYS = 90
IN_BAND = 80.0
EPS = 1e-9  # a share of capacity is fractional: finished to within rounding counts
F64 = npt.NDArray[np.float64]
_STORY = LEVELS.index(Level.STORY)
_FEATURE = LEVELS.index(Level.FEATURE)
_QUEUES = ("committed", "uncommitted", "other")


@dataclass(frozen=True, slots=True)
class Figures:
    """The outlook of a team or the ART: median, 15th percentile, chance of >= 80."""

    projected_pct: float | None
    projected_pct_85: float | None
    chance_in_band_pct: float | None
    unprojectable: int

    @staticmethod
    def of(numerator: F64, denominator: float, unprojectable: int) -> Figures:
        """Figures of per-trial projected BV over planned BV (None when nothing is planned)."""
        if denominator <= 0 or numerator.size == 0:
            return Figures(None, None, None, unprojectable)
        pct = 100.0 * numerator / denominator
        p50, p15 = (float(v) for v in np.percentile(pct, [50, 15]))
        return Figures(p50, p15, 100.0 * float(np.mean(pct >= IN_BAND)), unprojectable)

    def to_dict(self) -> dict[str, Any]:
        return {
            "projected_pct": r4(self.projected_pct),
            "projected_pct_85": r4(self.projected_pct_85),
            "chance_in_band_pct": r4(self.chance_in_band_pct),
            "projected_band": band(self.projected_pct),
            "unprojectable": self.unprojectable,
        }


@dataclass(frozen=True, slots=True)
class ObjectiveOutlook:
    objective: Objective
    total_work: int  # units of linked work (stories; a feature without stories is one)
    remaining_work: int
    projected_bv: float | None  # median over the trials; the actual BV when scored
    chance_complete_pct: float | None  # None: no linked work to complete

    def to_dict(self) -> dict[str, Any]:
        o = self.objective
        return {
            **objective_fields(o),
            "total_work": self.total_work,
            "remaining_work": self.remaining_work,
            "projected_bv": r4(self.projected_bv),
            "chance_complete_pct": r4(self.chance_complete_pct),
        }


@dataclass(frozen=True, slots=True)
class FeatureOutlook:
    key: str
    title: str
    team: str
    queue: str  # committed / uncommitted / other: the objectives it is linked to
    position: int  # 1-based place in the team's feature queue
    remaining_stories: int
    chance_done_by_pi_end_pct: float

    def to_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "title": self.title,
            "team": self.team,
            "queue": self.queue,
            "position": self.position,
            "remaining_stories": self.remaining_stories,
            "chance_done_by_pi_end_pct": r4(self.chance_done_by_pi_end_pct),
        }


@dataclass(frozen=True, slots=True)
class TeamOutlook:
    team: str | None
    figures: Figures
    throughput_sample: list[int]
    objective_work: int  # remaining units of its objectives
    other_work: int  # its other remaining stories in the PI
    capacity_p50: float  # stories the median trial finishes by the PI's end

    def to_dict(self) -> dict[str, Any]:
        return {
            "team": self.team,
            **self.figures.to_dict(),
            "objective_work": self.objective_work,
            "other_work": self.other_work,
            "capacity_p50": r4(self.capacity_p50),
        }


@dataclass(frozen=True, slots=True)
class Outlook:
    pi: str
    as_of: datetime
    definition: dict[str, Any]
    seed: int
    trials: int
    first_day: date  # the first day sampled: the day after as_of's day
    last_day: date | None  # the PI's last day
    days: int
    art: Figures
    teams: list[TeamOutlook]
    objectives: list[ObjectiveOutlook]
    features: list[FeatureOutlook]

    def team(self, name: str | None) -> TeamOutlook | None:
        return next((t for t in self.teams if t.team == name), None)

    def to_dict(self) -> dict[str, Any]:
        return {
            "pi": self.pi,
            "as_of": iso(self.as_of),
            "definition": self.definition,
            "seed": self.seed,
            "trials": self.trials,
            "first_day": self.first_day.isoformat(),
            "last_day": None if self.last_day is None else self.last_day.isoformat(),
            "days": self.days,
            "art": self.art.to_dict(),
            "teams": [t.to_dict() for t in self.teams],
            "throughput_samples": {t.team or "": t.throughput_sample for t in self.teams},
            "objectives": [o.to_dict() for o in self.objectives],
            "features": [f.to_dict() for f in self.features],
        }


@lru_cache(maxsize=1 << 16)
def natural_key(key: str) -> tuple[Any, ...]:
    """Project, then number: ``ABC-9`` before ``ABC-10``. Kept per key: each outlook sorts
    its ART's open features again, the same keys from one data version to the next."""
    return tuple(int(p) if p.isdigit() else p.lower() for p in re.split(r"(\d+)", key))


def objective_order(o: Objective) -> tuple[Any, ...]:
    """Committed first, then higher planned BV, then id (numbers before names)."""
    oid = (0, o.id, "") if isinstance(o.id, int) else (1, 0, str(o.id))
    return (not o.committed, -(o.planned_bv or 0.0), oid)


@dataclass(frozen=True, slots=True)
class _Work:
    """What the trials read at as_of, per item index of the columnar engine."""

    keys: list[str]
    index: dict[str, int]
    alive: npt.NDArray[np.bool_]  # created by as_of, not deleted, not removed
    done: npt.NDArray[np.bool_]
    team: npt.NDArray[np.int32]  # team code at as_of
    in_pi: npt.NDArray[np.bool_]  # planned in the PI (its iteration's PI, else its PI field)
    level: npt.NDArray[np.int8]
    children: dict[str, list[int]]  # parent key -> child indices (alive or not)

    def units(self, key: str) -> dict[str, bool]:
        """Units of a linked item (unit key -> done): its alive children, else itself."""
        i = self.index.get(key)
        if i is None or not self.alive[i]:
            return {}
        kids = [k for k in self.children.get(key, ()) if self.alive[k]]
        if not kids:
            return {key: bool(self.done[i])}
        whole = bool(self.done[i])  # a done feature's stories are all done
        return {self.keys[k]: whole or bool(self.done[k]) for k in kids}


def _work(data: ArtData, pi: str, as_of: datetime) -> _Work:
    c = columns(data)
    fa = c.flows(data, as_of)
    last = np.maximum(fa.last, 0)
    alive = (fa.last >= 0) & ~c.deleted & (fa.cat != REMOVED)
    team = np.where(fa.last >= 0, c.team_at[last], -1).astype(np.int32)
    event_pi = c.event_pi(data)  # codes the iterations' PIs: before looking up ``pi``
    pi_code = c.pis.get(pi)
    in_pi = (fa.last >= 0) & (event_pi[last] == pi_code) & (pi_code >= 0)
    children = data.derived(_children)
    return _Work(c.keys, c.index, alive, fa.cat == DONE, team, in_pi, c.level, children)


def _children(data: ArtData) -> dict[str, list[int]]:
    """Parent key -> indices of its child items: made once per loaded ART, and taken from the
    version before when every item kept its position and no changed one changed parent."""
    kept = data.carried(_children, lambda now, before: now.parent == before.parent)
    if kept is not None:
        return kept
    out: dict[str, list[int]] = {}
    for i, it in enumerate(data.items):
        if it.parent is not None:
            out.setdefault(it.parent, []).append(i)
    return out


def _runs(positions: Sequence[int]) -> list[tuple[int, int]]:
    """Sorted positions as [start, end) runs of consecutive ones."""
    runs: list[tuple[int, int]] = []
    for p in sorted(positions):
        if runs and runs[-1][1] == p:
            runs[-1] = (runs[-1][0], p + 1)
        else:
            runs.append((p, p + 1))
    return runs


def _filled(capacity: F64, runs: list[tuple[int, int]]) -> F64:
    """Per trial, the units of ``runs`` a queue filled up to ``capacity`` has finished."""
    out = np.zeros(capacity.size)
    for a, b in runs:
        out += np.clip(capacity, a, b) - a
    return out


KEPT_OUTLOOKS = 8  # per version of the data: the PIs and as-of minutes asked for lately
_kept_lock = threading.Lock()


def _kept_outlooks(_: ArtData) -> OrderedDict[tuple[Any, ...], Outlook]:
    """The outlooks computed over one version of the data, by their arguments."""
    return OrderedDict()


def outlook_report(
    data: ArtData,
    pi: str,
    as_of: datetime,
    seed: int | None = None,
    trials: int = TRIALS,
    sample_days: int = SAMPLE_DAYS,
) -> Outlook:
    """The PI outlook of ``pi`` at ``as_of`` (docs/metrics.md "PI outlook"), computed once
    per version of the data and arguments: a running PI's flow report, its predictability
    report and the outlook itself all ask for it, and a console page showing two of them
    computed it twice for each new version (the outlook is a function of its arguments:
    ``seed`` None derives one from the data). The result is shared: it is frozen, and no
    caller changes it."""
    kept = data.derived(_kept_outlooks)
    key = (pi, as_of, seed, trials, sample_days)
    with _kept_lock:
        got = kept.get(key)
        if got is not None:
            kept.move_to_end(key)
            return got
    got = _outlook(data, pi, as_of, seed, trials, sample_days)
    with _kept_lock:
        kept[key] = got
        while len(kept) > KEPT_OUTLOOKS:
            kept.popitem(last=False)
    return got


def _outlook(
    data: ArtData, pi: str, as_of: datetime, seed: int | None, trials: int, sample_days: int
) -> Outlook:
    tz = data.definition.tz
    today = local_date(as_of, tz)
    span = data.pi_by_name.get(pi)
    days = max(0, (span.end - today).days) if span is not None else 0
    objs = sorted((o for o in data.objectives if o.pi == pi), key=objective_order)
    w = _work(data, pi, as_of)
    c = columns(data)
    names: list[str | None] = [
        t for t in data.team_names if any(o.team == t for o in objs) or t in data.teams
    ]
    feature_teams = {c.teams.values[k] for k in np.unique(w.team[w.in_pi]).tolist() if k >= 0}
    names += [t for t in data.team_names if t in feature_teams and t not in names]
    if any(o.team is None for o in objs):
        names.append(None)
    units: dict[int | str, dict[str, bool]] = {}
    for o in objs:
        u: dict[str, bool] = {}
        for k in o.items:
            u.update(w.units(k))
        units[o.id] = u
    in_objectives = np.zeros(len(w.keys), dtype=np.bool_)
    for k in {k for u in units.values() for k in u} | {k for o in objs for k in o.items}:
        if k in w.index:
            in_objectives[w.index[k]] = True
    other_stories = w.alive & ~w.done & w.in_pi & (w.level == _STORY) & ~in_objectives
    samples = {  # objectives of no team have no throughput to draw from
        t: throughput_sample(data, as_of, Level.STORY, t, sample_days) if t is not None else []
        for t in names
    }
    if seed is None:
        basis = (data.art, pi, today, days, sorted(samples.items(), key=lambda kv: str(kv[0])))
        work = sorted((str(oid), sorted(u.items())) for oid, u in units.items())
        seed = zlib.crc32(repr((basis, work)).encode())
    rng = np.random.default_rng(seed)
    linked: dict[str, int] = {}  # feature key -> queue (0 committed, 1 uncommitted)
    for o in objs:
        for k in o.items:
            linked[k] = min(linked.get(k, 2), 0 if o.committed else 1)

    open_units = _open_units(data, w)
    team_rows: list[TeamOutlook] = []
    obj_rows: dict[int | str, ObjectiveOutlook] = {}
    feature_rows: list[FeatureOutlook] = []
    art_num, art_den, art_unprojectable = np.zeros(trials), 0.0, 0
    for name in names:
        code = c.teams.get(name) if name is not None else -2
        sample = np.asarray(samples[name], dtype=np.int64)
        capacity = simulate_how_many(sample, days, trials, rng).astype(np.float64)
        other = int(np.count_nonzero(other_stories & (w.team == code)))
        mine = [o for o in objs if o.team == name]
        team = _team(mine, units, capacity, other)
        obj_rows.update({o.objective.id: o for o in team.objectives})
        art_num += team.numerator
        art_den += team.denominator
        art_unprojectable += team.figures.unprojectable
        team_rows.append(
            TeamOutlook(
                name,
                team.figures,
                samples[name],
                team.queued,
                other,
                float(np.median(capacity)),
            )
        )
        feature_rows += _features(data, w, code, name, linked, np.sort(capacity), open_units)
    definition = {
        **data.definition.to_dict(),
        "work": "remaining linked stories of each objective (a linked feature: its child "
        "stories, or itself without any); a story shared by objectives is one unit",
        "capacity": f"stories done per day over the {sample_days} complete days before as_of's "
        "day, sampled for each day from the day after as_of's day to the PI's last day",
        "share": "objective work / (objective work + the team's other stories in the PI)",
        "order": "committed, then higher planned BV, then objective id",
        "projected_bv": "actual BV when scored, else planned BV x linked work done by the end",
        "projected_pct": "median of the trials; projected_pct_85 their 15th percentile",
        "chance_in_band_pct": f"share of trials at {IN_BAND:g} or above",
        "features": "queue: linked to committed objectives, uncommitted, the rest; then key",
    }
    return Outlook(
        pi,
        as_of,
        definition,
        seed,
        trials,
        date.fromordinal(today.toordinal() + 1),
        span.end if span is not None else None,
        days,
        Figures.of(art_num, art_den, art_unprojectable),
        team_rows,
        [obj_rows[o.id] for o in sorted(objs, key=lambda o: names.index(o.team))],
        feature_rows,
    )


@dataclass(frozen=True, slots=True)
class _TeamTrials:
    """One team's objectives over the trials: projected BV per trial (numerator) and the
    planned BV of its projectable committed objectives (denominator)."""

    numerator: F64
    denominator: float
    figures: Figures
    objectives: list[ObjectiveOutlook]
    queued: int  # remaining objective units


def _team(
    mine: list[Objective],
    units: dict[int | str, dict[str, bool]],
    capacity: F64,
    other: int,
) -> _TeamTrials:
    """Allocate the team's share of each trial's capacity to its objectives (``mine``, in
    allocation order), a queue of distinct remaining units filled from the front."""
    queue: dict[str, int] = {}
    for o in mine:
        for k, done in units[o.id].items():
            if not done:
                queue.setdefault(k, len(queue))
    share = len(queue) / (len(queue) + other) if queue else 0.0
    obj_capacity = capacity * share
    numerator = np.zeros(capacity.size)
    denominator = 0.0
    unprojectable = 0
    rows: list[ObjectiveOutlook] = []
    for o in mine:
        u = units[o.id]
        left = [queue[k] for k, done in u.items() if not done]
        finished = _filled(obj_capacity, _runs(left)) + (len(u) - len(left))
        chance = 100.0 * float(np.mean(finished >= len(u) - EPS)) if u else None
        if o.actual_bv is not None:
            bv: F64 = np.full(capacity.size, float(o.actual_bv))
        elif u:
            bv = (o.planned_bv or 0.0) * finished / len(u)
        else:
            unprojectable += 1
            rows.append(ObjectiveOutlook(o, 0, 0, None, None))
            continue
        numerator += bv
        denominator += (o.planned_bv or 0.0) if o.committed else 0.0
        rows.append(ObjectiveOutlook(o, len(u), len(left), float(np.median(bv)), chance))
    figures = Figures.of(numerator, denominator, unprojectable)
    return _TeamTrials(numerator, denominator, figures, rows, len(queue))


def _features(
    data: ArtData,
    w: _Work,
    code: int,
    team: str | None,
    linked: dict[str, int],
    sorted_capacity: npt.NDArray[Any],
    open_units: npt.NDArray[np.int64],
) -> list[FeatureOutlook]:
    """The team's features in the PI not done, queued, with the chance the capacity covers
    the stories queued up to and including each: the stories queued so far are a running
    sum, and the chances one search of the sorted capacity for them all (a 50,000-item ART
    has about 1,800 such features, and one search each was half of the outlook)."""
    if team is None:
        return []
    mask = w.alive & ~w.done & w.in_pi & (w.team == code) & (w.level == _FEATURE)
    rows = np.flatnonzero(mask).tolist()
    rows.sort(key=lambda i: (linked.get(w.keys[i], 2), natural_key(w.keys[i])))
    left = open_units[rows]
    n = sorted_capacity.size
    covered = n - np.searchsorted(sorted_capacity, np.cumsum(left), side="left")
    chances = (100.0 * covered / n).tolist()
    return [
        FeatureOutlook(
            w.keys[i],
            data.by_key[w.keys[i]].title,
            team,
            _QUEUES[linked.get(w.keys[i], 2)],
            pos,
            stories,
            chance,
        )
        for pos, (i, stories, chance) in enumerate(
            zip(rows, left.tolist(), chances, strict=True), start=1
        )
    ]


def _open_units(data: ArtData, w: _Work) -> npt.NDArray[np.int64]:
    """Per item alive and not done, its units not done (:meth:`_Work.units`): its alive
    children not done, or itself when it has no alive child; counted for all items at once."""
    parents, kids = data.derived(_child_pairs)
    alive = w.alive[kids]
    n = len(w.keys)
    with_kids = np.bincount(parents[alive], minlength=n)
    kids_open = np.bincount(parents[alive & ~w.done[kids]], minlength=n)
    return np.where(with_kids > 0, kids_open, 1).astype(np.int64)


def _child_pairs(data: ArtData) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """(parent index, child index) of every child whose parent is an item of the ART; taken
    from the version before when every item kept its position and parent."""
    kept = data.carried(_child_pairs, lambda now, before: now.parent == before.parent)
    if kept is not None:
        return kept
    index = columns(data).index
    parents: list[int] = []
    kids: list[int] = []
    for key, children in data.derived(_children).items():
        p = index.get(key)
        if p is not None:
            parents += [p] * len(children)
            kids += children
    return np.asarray(parents, dtype=np.int64), np.asarray(kids, dtype=np.int64)
