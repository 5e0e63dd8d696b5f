"""The program board's layout (app/console/board.py) from a program-board body as the API
serves it: columns by date, a card per feature, dependency ends off the board, filters."""

from __future__ import annotations

from typing import Any

from app.console.board import COL_W, LABEL_W, layout


def _card(key: str, category: str = "todo") -> dict[str, Any]:
    return {"key": key, "title": f"{key} title", "status": "To Do", "status_category": category}


def _dep(provider: str, consumer: str, status: str, p_team: str, c_team: str) -> dict[str, Any]:
    return {
        "provider": provider,
        "consumer": consumer,
        "provider_cell": {"team": p_team, "iteration": "unplanned"},
        "consumer_cell": {"team": c_team, "iteration": "S2"},
        "status": status,
        "reason": f"{provider} for {consumer}",
    }


def _end(key: str, team: str) -> dict[str, Any]:
    return {"key": key, "title": f"{key} title", "team": team, "status_category": "todo"}


# Two teams with different cadences: Ada's two-week S1, Bo's one-week B1 and B2 in between
BODY: dict[str, Any] = {
    "iterations": [
        {"name": "S2", "start": "2026-01-19", "end": "2026-02-01"},
        {"name": "B1", "start": "2026-01-05", "end": "2026-01-11"},
        {"name": "S1", "start": "2026-01-05", "end": "2026-01-18"},
        {"name": "B2", "start": "2026-01-12", "end": "2026-01-18"},
    ],
    "teams": [
        {
            "team": "Ada",
            "cells": [
                {"iteration": "S1", "features": [_card("A-1", "done")]},
                {"iteration": "S2", "features": [_card("A-2"), _card("A-3")]},
                {"iteration": "B1", "features": []},
                {"iteration": "B2", "features": []},
                {"iteration": "unplanned", "features": []},
            ],
        },
        {
            "team": "Bo",
            "cells": [
                {"iteration": "S1", "features": []},
                {"iteration": "S2", "features": []},
                {"iteration": "B1", "features": [_card("B-1", "active")]},
                {"iteration": "B2", "features": []},
                {"iteration": "unplanned", "features": []},
            ],
        },
    ],
    "milestones": [{"name": "Demo", "date": "2026-01-20", "team": None}],
    "dependencies": [
        _dep("B-1", "A-2", "on_track", "Bo", "Ada"),
        _dep("C-9", "A-3", "at_risk", "Cy", "Ada"),  # Cy's provider has no iteration
        _dep("B-1", "A-1", "removed", "Bo", "Ada"),
    ],
}
ROWS = [
    {"provider": _end("B-1", "Bo"), "consumer": _end("A-2", "Ada"), "planned_by": "2026-01-12"},
    {"provider": _end("C-9", "Cy"), "consumer": _end("A-3", "Ada"), "planned_by": None},
]


def test_columns_follow_the_dates_and_the_unplanned_column_comes_last() -> None:
    board = layout(BODY, {}, ROWS)
    assert [(c.name, c.x) for c in board.columns] == [
        ("B1", LABEL_W),
        ("S1", LABEL_W + COL_W),
        ("B2", LABEL_W + 2 * COL_W),
        ("S2", LABEL_W + 3 * COL_W),
        ("unplanned", LABEL_W + 4 * COL_W),
    ]
    assert [(m.name, m.x) for m in board.milestones] == [("Demo", LABEL_W + 3 * COL_W + 6)]


def test_a_dependency_end_off_the_board_gets_a_card_in_its_team_row() -> None:
    board = layout(BODY, {"A-2": 5.0}, ROWS)
    assert [r.team for r in board.rows] == ["Ada", "Bo", "Cy"]
    cards = {c.key: (c.team, c.iteration, c.outside, c.points) for c in board.cards}
    assert cards == {
        "A-1": ("Ada", "S1", False, None),
        "A-2": ("Ada", "S2", False, 5.0),
        "A-3": ("Ada", "S2", False, None),
        "B-1": ("Bo", "B1", False, None),
        "C-9": ("Cy", "unplanned", True, None),
    }
    words = [(s.provider, s.consumer, s.word) for s in board.strings]
    assert words == [("B-1", "A-2", "on track"), ("C-9", "A-3", "at risk: provider unscheduled")]


def test_dependencies_only_and_the_team_filter_keep_what_they_say() -> None:
    only = layout(BODY, {}, ROWS, dependencies_only=True)
    assert sorted(c.key for c in only.cards) == ["A-2", "A-3", "B-1", "C-9"]
    bo = layout(BODY, {}, ROWS, team="Bo")
    assert sorted(c.key for c in bo.cards) == ["A-2", "B-1"]
    assert [r.team for r in bo.rows] == ["Ada", "Bo"]
    assert [(s.provider, s.consumer) for s in bo.strings] == [("B-1", "A-2")]


def test_sprints_of_one_name_share_a_column_at_their_earliest_dates() -> None:
    shared = {
        **BODY,
        "iterations": [
            *BODY["iterations"],
            {"name": "S1", "start": "2026-01-06", "end": "2026-01-19"},  # another team's S1
        ],
    }
    board = layout(shared, {}, ROWS)
    assert [(c.name, c.start) for c in board.columns] == [
        ("B1", "2026-01-05"),
        ("S1", "2026-01-05"),
        ("B2", "2026-01-12"),
        ("S2", "2026-01-19"),
        ("unplanned", None),
    ]
