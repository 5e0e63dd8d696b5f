"""Each item's state at the end of each day, and its flow facts: the rows behind BI snapshots.

The reporting schema (docs/bi.md) keeps one row per item per day so that a BI tool can draw a
CFD, WIP or burn-up with a GROUP BY. Those rows are read off the same forward-filled event
stream (metrics.columns) the CFD, flow load and burn-up reports sum, with the same day
boundaries (metrics.days): the state "at the end of day d" is the last event stamped before
the local midnight that ends d, and the row for as_of's own day is the state at as_of. So a
figure summed from the rows equals the report's, by construction rather than by a second
reading of the rules.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import numpy as np

from art.vocabulary import StatusCategory
from metrics.columns import ACTIVE, CATS, DAY_US, WAIT, columns, from_us, us
from metrics.days import DayBounds
from metrics.inputs import ArtData
from metrics.timeline import local_date


@dataclass(frozen=True, slots=True)
class DayState:
    """One item at the end of one day (for as_of's day: at as_of)."""

    key: str
    day: date
    status: str
    category: StatusCategory
    iteration: str | None  # the iteration's display name
    pi: str | None  # the iteration's PI, else the item's own PI field
    team: str | None
    points: float | None
    flagged: bool
    blocked: bool  # in a wait status, or flagged in an active one: its time counts as wait
    started: bool  # has started by then (the flow load counts it until done or removed)


@dataclass(frozen=True, slots=True)
class ItemFlowFacts:
    """An item's start, done and flow time at as_of, and the PI it belongs to then."""

    key: str
    pi: str | None
    started_at: datetime | None
    done_at: datetime | None
    done_date: date | None  # done_at's local date
    flow_days: float | None  # done - started, when started no later than done


def _live(data: ArtData, keys: Iterable[str], as_of: datetime) -> list[int]:
    """Column indices of the items among ``keys`` that exist at as_of and are not deleted."""
    c = columns(data)
    last = c.flows(data, as_of).last
    idx = [c.index[k] for k in keys if k in c.index]
    return sorted(i for i in idx if last[i] >= 0 and not c.deleted[i])


def daily_states(
    data: ArtData, keys: Iterable[str], as_of: datetime, since: date | None = None
) -> list[DayState]:
    """The state of each live item of ``keys`` at the end of each day from its creation day
    (or ``since``, when later) to as_of's day, that last row being the state at as_of."""
    c = columns(data)
    fa = c.flows(data, as_of)
    tz = data.definition.tz
    today = local_date(as_of, tz)
    chosen = _live(data, keys, as_of)
    if not chosen:
        return []
    first_days = [local_date(from_us(int(c.created[i])), tz) for i in chosen]
    lo = min(first_days) if since is None else max(min(first_days), since)
    if lo > today:
        return []
    db = DayBounds(tz, lo, today + timedelta(days=1))
    cutoffs = db.bounds[1:].copy()  # the end of each day, exclusive
    cutoffs[-1] = us(as_of) + 1  # as_of's day: the state at as_of
    event_pi = c.event_pi(data)
    out: list[DayState] = []
    for i, created in zip(chosen, first_days, strict=True):
        start = max(created, lo)
        k0 = (start - lo).days
        a, b = int(c.first[i]), int(fa.last[i]) + 1
        ev = a + np.searchsorted(c.t[a:b], cutoffs[k0:], side="left") - 1
        first_start = int(fa.first_start[i])
        key = c.keys[i]
        for k, e in enumerate(ev.tolist()):
            cat = int(c.cat[e])
            flagged = bool(c.flagged[e])
            it, pi, team = int(c.iteration[e]), int(event_pi[e]), int(c.team_at[e])
            pts = float(c.points[e])
            out.append(
                DayState(
                    key=key,
                    day=start + timedelta(days=k),
                    status=c.statuses.values[int(c.status[e])],
                    category=CATS[cat],
                    iteration=data.iteration_label(c.iterations.values[it]) if it >= 0 else None,
                    pi=c.pis.values[pi] if pi >= 0 else None,
                    team=c.teams.values[team] if team >= 0 else None,
                    points=None if math.isnan(pts) else pts,
                    flagged=flagged,
                    blocked=cat == WAIT or (cat == ACTIVE and flagged),
                    started=0 <= first_start <= e,
                )
            )
    return out


def flow_facts(data: ArtData, keys: Iterable[str], as_of: datetime) -> list[ItemFlowFacts]:
    """Start, done and flow time (docs/metrics.md "Start and done") of each live item of
    ``keys`` at as_of, as the cycle-time and aging reports read them."""
    c = columns(data)
    fa = c.flows(data, as_of)
    tz = data.definition.tz
    event_pi = c.event_pi(data)
    out: list[ItemFlowFacts] = []
    for i in _live(data, keys, as_of):
        started = from_us(int(fa.started_us[i])) if fa.start[i] >= 0 else None
        done = from_us(int(fa.done_us[i])) if fa.done[i] >= 0 else None
        pi = int(event_pi[int(fa.last[i])])
        flow = (int(fa.done_us[i]) - int(fa.started_us[i])) / DAY_US if fa.timed[i] else None
        out.append(
            ItemFlowFacts(
                key=c.keys[i],
                pi=c.pis.values[pi] if pi >= 0 else None,
                started_at=started,
                done_at=done,
                done_date=None if done is None else local_date(done, tz),
                flow_days=flow,
            )
        )
    return out


def structure_fingerprint(data: ArtData) -> str:
    """What every stored row depends on besides the items themselves: the rules, the status
    mapping, the iterations (their PI and dates) and the PIs. When it changes, rows written
    before are stale even for items that did not change."""
    d = data.definition
    parts = [
        repr((d.timezone, d.start_status, d.done_rule, d.restart_on_backlog)),
        repr(sorted((s, c.value) for s, c in d.statuses.items())),
        repr(sorted(repr((i.key, i.label, i.pi, i.team, i.start, i.end)) for i in data.iterations)),
        repr(sorted((p.name, p.start, p.end) for p in data.pis)),
    ]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()
