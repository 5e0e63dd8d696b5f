"""The columnar engine against the per-item reference replay, on random histories.

Random items reopen, skip states, go back to todo, get flagged, move between iterations and
PIs, change team and points, carry unmapped statuses, changes stamped before creation or at
the same instant. Every day-series figure is recomputed here the slow way, from each item's
history at the end of each day, and must match exactly.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from builder import at, d
from random_art import random_art

from art.vocabulary import ChangeField, Level, StatusCategory
from metrics.burnup import burnup_report
from metrics.cfd import CATEGORIES, cfd_report
from metrics.columns import CATS, columns, from_us
from metrics.flow import flow_report
from metrics.inputs import ArtData, Window
from metrics.timeline import day_end, flows_of

CONFIGS = [
    ("UTC", {}),
    ("Europe/Berlin", {"done_rule": "first"}),
    ("America/New_York", {"start_status": "In Review", "count_start_day": False}),
    ("UTC", {"restart_on_backlog": True}),
    ("Europe/Berlin", {"done_rule": "first", "restart_on_backlog": True}),
    ("America/New_York", {"start_status": "In Review", "restart_on_backlog": True}),
]


@pytest.mark.parametrize("seed", range(12))
@pytest.mark.parametrize(("tz", "kw"), CONFIGS)
def test_item_flows_agree(seed: int, tz: str, kw: dict[str, object]) -> None:
    data = random_art(50, seed, tz, **kw).data()
    as_of = at(seed * 3 % 40, 7.5)
    ref = flows_of(data, data.items, as_of)
    fa = columns(data).flows(data, as_of)
    for i, f in enumerate(ref):
        assert (from_us(int(fa.started_us[i])) if fa.start[i] >= 0 else None) == f.started_at
        assert (from_us(int(fa.done_us[i])) if fa.done[i] >= 0 else None) == f.done_at
        assert (CATS[fa.cat[i]] if fa.cat[i] >= 0 else None) == f.category
        assert bool(fa.in_progress[i]) == f.in_progress
        if f.active_days is None:
            assert not fa.timed[i]
        else:
            assert fa.active_us[i] == round(f.active_days * 86400e6)


def _slow_day_series(data: ArtData, day_ends: list, level: Level) -> tuple[list, list, list]:
    """WIP, CFD bands and PI-1 points per day from per-item histories."""
    items = [it for it in data.select(level)]
    wip, cfd, pts = [], [], []
    for t in day_ends:
        eod = t - timedelta(microseconds=1)  # the state at the end of the day
        flows = flows_of(data, items, eod)
        wip.append(
            sum(
                1
                for it, f in zip(items, flows, strict=True)
                if f.in_progress and it.created_at <= eod
            )
        )
        bands = dict.fromkeys(CATEGORIES, 0)
        total = 0.0
        for it in items:
            h = data.history(it.key)
            cat = h.category_at(eod)
            if cat is None or cat == StatusCategory.REMOVED:
                continue
            bands[cat.value] += 1
            iteration = h.value_at(ChangeField.ITERATION, eod)
            span = data.iteration_by_key.get(iteration) if iteration else None
            pi = span.pi if span is not None else h.value_at(ChangeField.PI, eod)
            if pi == "PI 1":
                total += h.points_at(eod) or 0.0
        cfd.append(bands)
        pts.append(total)
    return wip, cfd, pts


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("tz", ["UTC", "Europe/Berlin"])
@pytest.mark.parametrize("restart", [False, True])
def test_day_series_agree(seed: int, tz: str, restart: bool) -> None:
    data = random_art(40, 100 + seed, tz, restart_on_backlog=restart).data()
    window = Window(d(-3), d(28))
    as_of = at(29, 13)
    days = [d(-3) + timedelta(days=k) for k in range(31)]
    ends = [day_end(x, data.definition.tz) for x in days]
    wip, cfd, pts = _slow_day_series(data, ends, Level.STORY)
    load = flow_report(data, window, as_of, level=Level.STORY).load
    assert [n for _, n in load.by_day] == wip
    rep = cfd_report(data, window, as_of, level=Level.STORY)
    assert [row for _, row in rep.data] == cfd
    burn = burnup_report(data, "PI 1", as_of)
    assert [s for _, s, _ in burn.data] == pts[3:]  # PI 1 runs from day 0 to day 27
