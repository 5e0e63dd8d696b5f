"""One function per chart, each taking the report exactly as the API serves it.

Drawing from the API's own JSON means a chart can never show a figure the report does not.
"""

from __future__ import annotations

import io
import re
import threading
import zlib
from datetime import date, datetime
from typing import Any

import matplotlib

matplotlib.use("Agg")

import matplotlib.dates as mdates
import matplotlib.pyplot as plt
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from app.charts.palette import CATEGORY_COLOURS, team_colours

plt.rcParams.update(
    {
        "figure.figsize": (9, 4.8),
        "figure.dpi": 100,
        "axes.spines.top": False,
        "axes.spines.right": False,
        "axes.grid": True,
        "grid.alpha": 0.3,
        "font.size": 10,
        "axes.titlesize": 13,
        "axes.titleweight": "bold",
        "svg.fonttype": "none",
        # names and titles come from trackers and configuration: "$...$" in them is text,
        # not mathtext (which raised on e.g. "$\\frac$" and failed the whole chart)
        "text.parse_math": False,
    }
)


def _nums(values: list[date] | list[datetime]) -> list[float]:
    """Matplotlib's date numbers: typed plotting calls take floats."""
    return [float(x) for x in mdates.date2num(values)]  # type: ignore[no-untyped-call]


def _day(value: str) -> date:
    return date.fromisoformat(value[:10])


def _finish(
    fig: Figure, ax: Any, title: str, xlabel: str, ylabel: str, dates: bool = True
) -> Figure:
    ax.set_title(title, loc="left")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if dates:
        ax.xaxis.set_major_locator(mdates.AutoDateLocator(minticks=4, maxticks=10))  # type: ignore[no-untyped-call]
        ax.xaxis.set_major_formatter(mdates.DateFormatter("%d %b"))  # type: ignore[no-untyped-call]
    fig.tight_layout()
    return fig


def _counts(ax: Any) -> None:
    """A count axis ticks whole numbers only (no "2.5 items")."""
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))


def _legends(ax: Any, teams: list[Any], marks: list[Any]) -> None:
    """Teams under the axes (scatter dots fill the plot area) and the reference marks
    (percentile lines, outlines) beside it: each labelled in a legend, never on the plot,
    where close percentiles wrote their labels over each other."""
    ax.legend(
        teams,
        [h.get_label() for h in teams],
        loc="upper center",
        bbox_to_anchor=(0.5, -0.16),
        frameon=False,
        ncol=min(len(teams), 6),
        title="Team",
    )
    if marks:  # a figure legend: the saved image's bounds take it in, as they do the axes'
        ax.figure.legend(
            marks,
            [h.get_label() for h in marks],
            loc="upper left",
            bbox_to_anchor=(1.0, 1.0),
            bbox_transform=ax.transAxes,
            frameon=False,
        )


def _percentile_lines(ax: Any, stats: dict[str, Any], label: str) -> list[Any]:
    """Horizontal 50th/85th/95th percentile lines (drawn top-down in the legend)."""
    lines = []
    for name, style in (("p95", "-."), ("p85", "--"), ("p50", ":")):
        value = stats.get(name)
        if value is None:
            continue
        lines.append(
            ax.axhline(
                value,
                color="#444444",
                linestyle=style,
                linewidth=1,
                label=label.format(n=name[1:], v=value),
            )
        )
    return lines


def _empty(fig: Figure, ax: Any, title: str, message: str) -> Figure:
    ax.set_title(title, loc="left")
    ax.text(0.5, 0.5, message, ha="center", va="center", transform=ax.transAxes, color="#666666")
    ax.set_xticks([])
    ax.set_yticks([])
    return fig


def cfd(report: dict[str, Any], title: str) -> Figure:
    """Stacked areas, done at the bottom so the bands read in workflow order upwards."""
    fig, ax = plt.subplots()
    rows = report.get("data", [])
    if not rows:
        return _empty(fig, ax, title, "No items in this window")
    days = _nums([_day(r["date"]) for r in rows])
    order = [c for c in ("done", "wait", "active", "todo") if c in report["categories"]]
    ax.stackplot(
        days,
        *[[r.get(c, 0) for r in rows] for c in order],
        labels=[c.capitalize() for c in order],
        colors=[CATEGORY_COLOURS[c] for c in order],
        alpha=0.9,
    )
    handles, labels = ax.get_legend_handles_labels()
    ax.legend(handles[::-1], labels[::-1], loc="upper left", frameon=False)
    _counts(ax)
    return _finish(fig, ax, title, "Date", "Items")


def burnup(report: dict[str, Any], title: str) -> Figure:
    """Scope and done so far, on an axis running to the PI's last day (``pi_start`` and
    ``pi_end`` beside the body, when the caller knows them), with the ideal line: from
    nothing done at the PI start to today's scope done at its end."""
    fig, ax = plt.subplots()
    rows = report.get("data", [])
    if not rows:
        return _empty(fig, ax, title, "The PI has not started")
    days = _nums([_day(r["date"]) for r in rows])
    unit = report.get("unit", "points")
    ax.plot(days, [r["scope"] for r in rows], color="#555555", linewidth=2, label="Scope")
    ax.plot(
        days, [r["done"] for r in rows], color=CATEGORY_COLOURS["done"], linewidth=2.5, label="Done"
    )
    ax.fill_between(days, [r["done"] for r in rows], color=CATEGORY_COLOURS["done"], alpha=0.15)
    start = _day(report.get("pi_start") or rows[0]["date"])
    end = _day(report.get("pi_end") or rows[-1]["date"])
    ends = _nums([start, end])
    ax.plot(
        ends,
        [0, rows[-1]["scope"]],
        color="#555555",
        linestyle="--",
        linewidth=1,
        label="Ideal (current scope by the PI end)",
    )
    ax.set_xlim(ends[0] - 0.5, ends[1] + 0.5)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.16), frameon=False, ncol=3)
    ax.set_ylim(bottom=0)
    if unit == "count":
        _counts(ax)
    return _finish(fig, ax, title, "Date", unit.capitalize())


def predictability(report: dict[str, Any], title: str) -> Figure:
    """Per PI, one bar per team and the ART line, with the 80-100% band shaded."""
    fig, ax = plt.subplots()
    pis = report.get("data", [])
    if not pis:
        return _empty(fig, ax, title, "No PI objectives yet")
    teams = sorted({t["team"] for p in pis for t in p.get("teams", [])})
    colours = team_colours(teams)
    width = 0.8 / max(len(teams), 1)
    ax.axhspan(80, 100, color="#009E73", alpha=0.08, label="80-100% band")
    for i, team in enumerate(teams):
        xs, ys = [], []
        for x, p in enumerate(pis):
            row = next((t for t in p.get("teams", []) if t["team"] == team), None)
            if row and row.get("predictability_pct") is not None:
                xs.append(x - 0.4 + width * (i + 0.5))
                ys.append(row["predictability_pct"])
        ax.bar(xs, ys, width=width * 0.9, color=colours[team], label=team)
    art_x = [x for x, p in enumerate(pis) if p["art"].get("predictability_pct") is not None]
    art_y = [pis[x]["art"]["predictability_pct"] for x in art_x]
    ax.plot(art_x, art_y, color="#000000", marker="o", linewidth=2, label="ART")
    ax.set_xticks(range(len(pis)), [p["pi"] for p in pis])
    ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False)
    ax.set_ylim(
        0,
        max(
            [
                120.0,
                *art_y,
                *[t.get("predictability_pct") or 0 for p in pis for t in p.get("teams", [])],
            ]
        )
        * 1.1,
    )
    return _finish(fig, ax, title, "PI", "Predictability (% of planned BV)", dates=False)


def throughput(report: dict[str, Any], title: str) -> Figure:
    fig, ax = plt.subplots()
    rows = report.get("data", [])
    if not rows:
        return _empty(fig, ax, title, "Nothing finished in this window")
    labels = [str(r["period"]) for r in rows]
    ax.bar(range(len(rows)), [r["items"] for r in rows], color=CATEGORY_COLOURS["done"])
    step = max(1, len(rows) // 12)
    ax.set_xticks(range(0, len(rows), step), labels[::step], rotation=30, ha="right")
    _counts(ax)
    interval = report.get("interval", "week")
    return _finish(fig, ax, title, f"{interval.capitalize()} (start)", "Items done", dates=False)


def cycle_time(report: dict[str, Any], title: str) -> Figure:
    """Scatter of flow time by done date, coloured by team, with 50/85/95th percentile lines."""
    fig, ax = plt.subplots()
    rows = [r for r in report.get("data", []) if r.get("flow_time_days") is not None]
    if not rows:
        return _empty(fig, ax, title, "No finished items with a start")
    colours = team_colours([r.get("team") or "No team" for r in rows])
    teams = []
    for team, colour in colours.items():
        mine = [r for r in rows if (r.get("team") or "No team") == team]
        teams.append(
            ax.scatter(
                _nums([datetime.fromisoformat(r["done_at"]) for r in mine]),
                [r["flow_time_days"] for r in mine],
                s=22,
                color=colour,
                alpha=0.8,
                label=team,
            )
        )
    lines = _percentile_lines(ax, report.get("stats", {}), "{n}th percentile: {v:.1f} d")
    _legends(ax, teams, lines)
    ax.set_ylim(bottom=0)
    return _finish(fig, ax, title, "Done on", "Flow time (days)")


def aging(report: dict[str, Any], title: str) -> Figure:
    """Each item in progress as a dot at its age, per status column, with percentile lines."""
    fig, ax = plt.subplots()
    rows = report.get("data", [])
    if not rows:
        return _empty(fig, ax, title, "Nothing in progress")
    statuses = _workflow_order(rows)
    colours = team_colours([r.get("team") or "No team" for r in rows])

    def spread(r: dict[str, Any]) -> float:
        """A small, stable horizontal spread so dots of one column do not hide each other."""
        return statuses.index(r["status"]) + (zlib.crc32(r["key"].encode()) % 100 - 50) / 250

    teams = []
    for team, colour in colours.items():
        mine = [r for r in rows if (r.get("team") or "No team") == team]
        teams.append(
            ax.scatter(
                [spread(r) for r in mine],
                [r["age_days"] for r in mine],
                s=30,
                color=colour,
                label=team,
            )
        )
    marks = _percentile_lines(ax, report.get("reference", {}), "{n}th of flow time: {v:.1f} d")
    over = [r for r in rows if r.get("over_p85")]
    if over:
        marks.append(
            ax.scatter(
                [spread(r) for r in over],
                [r["age_days"] for r in over],
                s=70,
                facecolors="none",
                edgecolors="#D55E00",
                linewidths=1.5,
                label="Older than the 85th percentile",
            )
        )
    ax.set_xticks(range(len(statuses)), statuses)
    ax.set_xlim(-0.5, len(statuses) - 0.5)  # each column centred on its label, however few
    _legends(ax, teams, marks)
    ax.set_ylim(bottom=0)
    return _finish(fig, ax, title, "Status", "Age (days)", dates=False)


_FLOW_ORDER = ("todo", "active", "wait", "done", "removed")


def _workflow_order(rows: list[dict[str, Any]]) -> list[str]:
    """Status columns left to right as work flows (to do, active, wait), not in the order
    the rows happen to list them; statuses of one category keep their first-seen order."""
    first = list(dict.fromkeys(r["status"] for r in rows))
    category = {r["status"]: r.get("status_category") for r in rows}

    def rank(status: str) -> tuple[int, int]:
        cat = category[status]
        place = _FLOW_ORDER.index(cat) if cat in _FLOW_ORDER else len(_FLOW_ORDER)
        return place, first.index(status)

    return sorted(first, key=rank)


CHARTS = {
    "cfd": cfd,
    "burnup": burnup,
    "predictability": predictability,
    "throughput": throughput,
    "cycle-time": cycle_time,
    "aging": aging,
}


# XML 1.0 has no C0 control character but tab, newline and carriage return, not even escaped:
# matplotlib writes a name's or title's as it is, which made the whole SVG unreadable.
_NOT_XML = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def render(fig: Figure, fmt: str) -> bytes:
    """SVG or PNG bytes of a figure, which is closed afterwards (matplotlib keeps them)."""
    buf = io.BytesIO()
    try:
        fig.savefig(
            buf,
            format=fmt,
            dpi=110 if fmt == "png" else None,
            bbox_inches="tight",
            metadata={"Date": None} if fmt == "svg" else None,
        )
    finally:
        plt.close(fig)
    return _NOT_XML.sub(b"", buf.getvalue()) if fmt == "svg" else buf.getvalue()


_DRAWING = threading.Lock()


def draw_chart(name: str, report: dict[str, Any], title: str, fmt: str) -> bytes:
    """Draw chart ``name`` of a report as ``fmt`` bytes.

    pyplot keeps global state, so figures are drawn one at a time in this process (the API's
    chart endpoints and the digest sender share this lock)."""
    with _DRAWING:
        return render(CHARTS[name](report, title), fmt)
