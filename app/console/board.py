"""The program board's layout: where each team row, iteration column, feature card and
dependency string sits, from the program-board body as the API serves it.

The geometry is fixed (cards of one size stacked in their cell), so the strings can be drawn
server-side as SVG lines from card to card, with no script measuring the page. Columns are the
PI's iterations in date order (teams whose sprints differ still line up by date), then the
features of the PI with no iteration.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from app.charts.palette import CATEGORY_COLOURS, DEPENDENCY_COLOURS

LABEL_W, COL_W, HEAD_H, MILESTONE_H = 120, 250, 46, 30
CARD_W, CARD_H, GAP, PAD = 176, 82, 10, 10  # 74 px between columns for the strings
UNPLANNED = "unplanned"
STATUS_WORDS = {
    "on_track": "on track",
    "at_risk": "at risk",
    "late": "late",
    "conflict": "conflict",
    "resolved": "resolved",
    "removed": "removed",
}


@dataclass(frozen=True)
class Column:
    name: str
    x: float
    start: str | None
    end: str | None


@dataclass
class Card:
    key: str
    title: str
    status: str
    category: str
    team: str
    iteration: str
    x: float
    y: float
    colour: str
    url: str | None
    display_key: str
    points: float | None = None
    outside: bool = False  # a dependency's end not planned on this board
    elsewhere: str | None = None  # then the iteration it is planned in, if any
    chance: float | None = None  # the PI outlook's chance it is done by the PI's end, in %


@dataclass
class Row:
    team: str
    y: float
    height: float


@dataclass
class String:
    provider: str
    consumer: str
    provider_label: str  # the keys as people read them (#1014)
    consumer_label: str
    status: str
    word: str
    colour: str
    reason: str
    path: str
    label_x: float
    label_y: float
    label_anchor: str  # SVG text-anchor: the label ends at the arrowhead or starts after it
    unscheduled: bool


@dataclass
class Milestone:
    name: str
    date: str
    x: float


@dataclass
class Board:
    width: float
    height: float
    columns: list[Column]
    rows: list[Row]
    cards: list[Card]
    strings: list[String]
    milestones: list[Milestone]
    milestone_y: float = 0.0
    col_w: float = COL_W
    card_w: float = CARD_W
    card_h: float = CARD_H


def status_word(status: str, unscheduled: bool = False) -> str:
    """A dependency status as an RTE reads it; an unscheduled provider is named a problem."""
    word = STATUS_WORDS.get(status, status)
    return f"{word}: provider unscheduled" if unscheduled else word


def _columns(body: dict[str, Any]) -> list[Column]:
    """The iterations in date order, one column per name (cells are keyed by name: teams
    whose sprints share a name share its column, at its earliest dates), then "unplanned"."""
    first: dict[str, dict[str, Any]] = {}
    for it in sorted(body["iterations"], key=lambda i: (i["start"], i["end"], i["name"])):
        first.setdefault(it["name"], it)
    cols = [
        Column(it["name"], LABEL_W + n * COL_W, it["start"], it["end"])
        for n, it in enumerate(first.values())
    ]
    return [*cols, Column(UNPLANNED, LABEL_W + len(cols) * COL_W, None, None)]


def _cells(
    body: dict[str, Any], ends: dict[str, dict[str, Any]]
) -> tuple[list[str], dict[tuple[str, str], list[dict[str, Any]]]]:
    """Team rows and the cards of each (team, column): the board's features, then the ends
    of its dependencies that are not on it (unscheduled, or planned in another PI), in their
    team's row, flagged ``outside``, so that no dependency of the PI goes undrawn."""
    teams = [t["team"] for t in body["teams"]]
    cells = {
        (t["team"], c["iteration"]): list(c["features"]) for t in body["teams"] for c in t["cells"]
    }
    placed = {f["key"] for fs in cells.values() for f in fs}
    for d in body["dependencies"]:
        if d["status"] == "removed":
            continue
        for key, cell in ((d["provider"], d["provider_cell"]), (d["consumer"], d["consumer_cell"])):
            if key in placed:
                continue
            end = ends.get(key, {})
            team = cell.get("team") or ""
            if team not in teams:
                teams.append(team)
            column = cell.get("iteration") or UNPLANNED
            if (team, column) not in cells and column != UNPLANNED:
                column = UNPLANNED  # an iteration of another PI: not a column of this board
            cells.setdefault((team, column), []).append(
                {
                    "key": key,
                    "title": end.get("title", ""),
                    "status": None,
                    "status_category": end.get("status_category"),
                    "url": end.get("url"),
                    "display_key": end.get("display_key"),
                    "outside": True,
                    "elsewhere": end.get("iteration"),
                }
            )
            placed.add(key)
    return teams, cells


def _visible(
    body: dict[str, Any],
    cells: dict[tuple[str, str], list[dict[str, Any]]],
    team: str | None,
    dependencies_only: bool,
) -> tuple[set[str], list[dict[str, Any]]]:
    """The keys of the cards shown and the dependencies drawn, under the view's filters."""
    cards = {f["key"]: t for (t, _), fs in cells.items() for f in fs}
    deps = [
        d
        for d in body["dependencies"]
        if d["provider"] in cards and d["consumer"] in cards and d["status"] != "removed"
    ]
    if team is not None:
        deps = [d for d in deps if team in (cards[d["provider"]], cards[d["consumer"]])]
    ends = {k for d in deps for k in (d["provider"], d["consumer"])}
    if dependencies_only:
        return ends, deps
    if team is not None:
        return {k for k, t in cards.items() if t == team} | ends, deps
    return set(cards), deps


def layout(
    body: dict[str, Any],
    points: dict[str, float | None],
    dependencies: list[dict[str, Any]],
    team: str | None = None,
    dependencies_only: bool = False,
    chances: dict[str, float] | None = None,
) -> Board:
    """The board of ``body`` with the cards and strings the filters keep: ``team`` keeps its
    own cards and those its dependencies reach; ``dependencies_only`` keeps the cards with a
    string. ``points`` are the features' own points, by key, shown on their cards;
    ``dependencies`` the rows of the PI's dependency report, for the ends not on the board
    (title, status category) and the providers with no date planned (``planned_by``);
    ``chances`` the PI outlook's chance, by key, that each feature not done is done by the
    PI's end (none once the PI is over)."""
    ends = {d[end]["key"]: d[end] for d in dependencies for end in ("provider", "consumer")}
    unplanned = {
        (d["provider"]["key"], d["consumer"]["key"])
        for d in dependencies
        if d["planned_by"] is None
    }
    columns = _columns(body)
    col_x = {c.name: c.x for c in columns}
    teams, cells = _cells(body, ends)
    shown, deps = _visible(body, cells, team, dependencies_only)
    milestone_y = HEAD_H
    y = HEAD_H + (MILESTONE_H if body["milestones"] else 0)
    rows: list[Row] = []
    cards: list[Card] = []
    for name in teams:
        row = [
            (c.name, [f for f in cells.get((name, c.name), []) if f["key"] in shown])
            for c in columns
        ]
        if not any(fs for _, fs in row) and (dependencies_only or team is not None):
            continue  # a team with nothing in this view takes no row
        deepest = max([len(fs) for _, fs in row] + [1])
        height = PAD + deepest * (CARD_H + GAP)
        for iteration, features in row:
            for n, f in enumerate(features):
                category = f.get("status_category") or "todo"
                cards.append(
                    Card(
                        key=f["key"],
                        title=f["title"],
                        status=f.get("status") or "",
                        category=category,
                        team=name,
                        iteration=iteration,
                        x=col_x[iteration] + (COL_W - CARD_W) / 2,
                        y=y + PAD + n * (CARD_H + GAP),
                        colour=CATEGORY_COLOURS.get(category, "#999999"),
                        url=f.get("url"),
                        display_key=f.get("display_key") or f["key"],
                        points=points.get(f["key"]),
                        outside=bool(f.get("outside")),
                        elsewhere=f.get("elsewhere"),
                        chance=None if f.get("outside") else (chances or {}).get(f["key"]),
                    )
                )
        rows.append(Row(name or "No team", y, height))
        y += height
    at = {c.key: c for c in cards}
    outs, ins = Counter(d["provider"] for d in deps), Counter(d["consumer"] for d in deps)
    gone, came = Counter[str](), Counter[str]()
    strings = []
    for d in deps:
        p, c = d["provider"], d["consumer"]
        out, into = (gone[p], outs[p]), (came[c], ins[c])
        gone[p] += 1
        came[c] += 1
        strings.append(_string(d, at[p], at[c], (p, c) in unplanned, out, into))
    milestones = [_milestone(m, columns) for m in body["milestones"]]
    width = LABEL_W + len(columns) * COL_W
    return Board(width, y + PAD, columns, rows, cards, strings, milestones, milestone_y)


def _slot(card: Card, place: tuple[int, int]) -> float:
    """The height on a card's edge where string ``k`` of ``n`` leaves or arrives, so that
    several strings at one card stay apart."""
    k, n = place
    return card.y + CARD_H * (k + 1) / (n + 1)


def _string(
    d: dict[str, Any],
    provider: Card,
    consumer: Card,
    no_date: bool,
    out: tuple[int, int] = (0, 1),
    into: tuple[int, int] = (0, 1),
) -> String:
    """A curve from the provider card's edge to the consumer card's (both right edges when
    they share a column), its status written beside the arrowhead, in the gap between the
    columns; a provider with no date planned (at risk for that reason) is drawn as the
    problem it is. ``out`` and ``into`` are the string's place among those leaving the
    provider and reaching the consumer."""
    unscheduled = d["status"] == "at_risk" and no_date
    y1, y2 = _slot(provider, out), _slot(consumer, into)
    if provider.x == consumer.x:
        x1 = x2 = provider.x + CARD_W
        bend = 36.0
        path = _curve((x1, y1), (x1 + bend, y1), (x2 + bend, y2), (x2, y2))
        label = (x1 + bend * 0.75 + 4, (y1 + y2) / 2 + 4, "start")
    else:
        forward = consumer.x > provider.x
        x1 = provider.x + (CARD_W if forward else 0)
        x2 = consumer.x + (0 if forward else CARD_W)
        bend = max(40.0, abs(x2 - x1) / 3) * (1 if forward else -1)
        path = _curve((x1, y1), (x1 + bend, y1), (x2 - bend, y2), (x2, y2))
        label = (x2 - 12, y2 - 6, "end") if forward else (x2 + 12, y2 - 6, "start")
    colour = (
        DEPENDENCY_COLOURS["late"] if unscheduled else DEPENDENCY_COLOURS.get(d["status"], "#999")
    )
    return String(
        provider=d["provider"],
        consumer=d["consumer"],
        provider_label=provider.display_key,
        consumer_label=consumer.display_key,
        status=d["status"],
        word=status_word(d["status"], unscheduled),
        colour=colour,
        reason=d.get("reason") or "",
        path=path,
        label_x=label[0],
        label_y=label[1],
        label_anchor=label[2],
        unscheduled=unscheduled,
    )


def _curve(*points: tuple[float, float]) -> str:
    """An SVG cubic Bézier path through its start, two control points and its end."""
    (x1, y1), *rest = points
    return f"M{x1:.0f},{y1:.0f} C" + " ".join(f"{x:.0f},{y:.0f}" for x, y in rest)


def _milestone(m: dict[str, Any], columns: list[Column]) -> Milestone:
    """A milestone in the column of the iteration its date falls in (else the last one)."""
    dated = [c for c in columns if c.start is not None]
    place = next(
        (
            c
            for c in dated
            if c.start is not None and c.end is not None and c.start <= m["date"] <= c.end
        ),
        dated[-1] if dated else columns[0],
    )
    return Milestone(m["name"], m["date"], place.x + 6)
