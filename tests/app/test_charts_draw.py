"""What a person sees on a chart: no label over another, whole numbers on count axes, the
burn-up to the PI's end with its ideal line, and a legend entry for every kind of mark."""

from __future__ import annotations

from itertools import combinations
from typing import Any

import matplotlib.dates as mdates
import matplotlib.pyplot as plt
from matplotlib.figure import Figure
from matplotlib.text import Text

from app.charts.draw import aging, burnup, cfd, cycle_time, throughput

CLOSE = {"p50": 5.0, "p85": 5.2, "p95": 5.4}  # percentiles a few points apart on the axis


def _visible_texts(fig: Figure) -> list[Text]:
    fig.canvas.draw()
    return [t for t in fig.findobj(Text) if t.get_visible() and t.get_text().strip()]


def _overlaps(fig: Figure) -> list[tuple[str, str]]:
    """Pairs of visible texts whose drawn boxes intersect."""
    renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
    boxes = [(t.get_text(), t.get_window_extent(renderer)) for t in _visible_texts(fig)]
    return [
        (a, b)
        for (a, box_a), (b, box_b) in combinations(boxes, 2)
        if box_a.overlaps(box_b) and box_a.width > 0 and box_b.width > 0
    ]


def _legend_labels(fig: Figure) -> list[str]:
    legends = [*fig.legends, *(a.get_legend() for a in fig.axes if a.get_legend())]
    return [t.get_text() for lg in legends for t in lg.get_texts()]


def _aging(over: bool) -> dict[str, Any]:
    rows = [
        {
            "key": f"A-{n}",
            "team": "Blue",
            "status": "In Progress",
            "status_category": "active",
            "age_days": 4.0 + n,
            "over_p85": over and n == 2,
        }
        for n in range(3)
    ]
    return {"data": rows, "reference": CLOSE}


def test_close_percentile_lines_keep_their_labels_apart() -> None:
    cycle = {
        "data": [
            {"team": "Blue", "done_at": f"2026-01-0{d}T10:00:00+00:00", "flow_time_days": d}
            for d in range(1, 9)
        ],
        "stats": CLOSE,
    }
    for fig in (aging(_aging(False), "Aging"), cycle_time(cycle, "Cycle time")):
        try:
            assert _overlaps(fig) == []
            percentiles = [x for x in _legend_labels(fig) if x[:4] in ("95th", "85th", "50th")]
            assert len(percentiles) == 3, _legend_labels(fig)
        finally:
            plt.close(fig)


def test_aging_has_a_legend_entry_for_the_over_p85_outline_and_orders_columns_as_work_flows() -> (
    None
):
    report = _aging(True)
    report["data"].insert(
        0,
        {
            "key": "A-9",
            "team": "Red",
            "status": "Blocked",
            "status_category": "wait",
            "age_days": 2.0,
            "over_p85": False,
        },
    )
    report["data"].append(
        {
            "key": "A-8",
            "team": "Red",
            "status": "To Do",
            "status_category": "todo",
            "age_days": 1.0,
            "over_p85": False,
        },
    )
    fig = aging(report, "Aging")
    try:
        assert "Older than the 85th percentile" in _legend_labels(fig)
        assert [t.get_text() for t in fig.axes[0].get_xticklabels()] == [
            "To Do",
            "In Progress",
            "Blocked",
        ]
        assert tuple(fig.axes[0].get_xlim()) == (-0.5, 2.5)  # columns centred on their labels
    finally:
        plt.close(fig)
    fig = aging(_aging(False), "Aging")
    try:  # no outlined dot, no legend entry for one; one column centred on its label
        assert "Older than the 85th percentile" not in _legend_labels(fig)
        assert tuple(fig.axes[0].get_xlim()) == (-0.5, 0.5)
    finally:
        plt.close(fig)


def _integer_ticks(fig: Figure) -> list[float]:
    fig.canvas.draw()
    ax = fig.axes[0]
    lo, hi = ax.get_ylim()
    return [t for t in ax.get_yticks() if lo <= t <= hi]


def test_count_axes_tick_whole_numbers_only() -> None:
    days = [{"date": f"2026-01-0{d}", "todo": d % 2, "active": 1, "done": 0} for d in range(1, 5)]
    weeks = [{"period": f"2026-01-{d:02d}", "items": d % 3} for d in (5, 12, 19)]
    burn = {"unit": "count", "data": [{"date": "2026-01-05", "scope": 3, "done": 1}]}
    figs = [
        cfd({"categories": ["todo", "active", "done"], "data": days}, "CFD"),
        throughput({"interval": "week", "data": weeks}, "Throughput"),
        burnup(burn, "Burn-up"),
    ]
    for fig in figs:
        try:
            ticks = _integer_ticks(fig)
            assert ticks and all(t == int(t) for t in ticks), ticks
        finally:
            plt.close(fig)


def test_burnup_axis_runs_to_the_pi_end_with_the_ideal_line() -> None:
    report = {
        "unit": "points",
        "pi_start": "2026-01-05",
        "pi_end": "2026-03-15",
        "data": [
            {"date": "2026-01-05", "scope": 40.0, "done": 0.0},
            {"date": "2026-01-06", "scope": 50.0, "done": 5.0},
        ],
    }
    fig = burnup(report, "Burn-up")
    try:
        ax = fig.axes[0]
        start, end = (float(mdates.datestr2num(d)) for d in ("2026-01-05", "2026-03-15"))  # type: ignore[no-untyped-call]
        assert ax.get_xlim() == (start - 0.5, end + 0.5)
        ideal = next(ln for ln in ax.get_lines() if ln.get_label().startswith("Ideal"))
        assert [list(map(float, xy)) for xy in ideal.get_xydata()] == [[start, 0.0], [end, 50.0]]  # type: ignore[union-attr]
        assert "Ideal (current scope by the PI end)" in _legend_labels(fig)
    finally:
        plt.close(fig)
