"""pi_overview's objectives at risk (app/mcp/tools.py) from predictability objective rows as
the report body serves them: which are at risk, why, and in which order."""

from __future__ import annotations

from typing import Any

from app.mcp.tools import objectives_at_risk


def _objective(
    id: int,
    planned: int,
    chance: float | None,
    projected: float | None,
    actual: int | None = None,
    committed: bool = True,
) -> dict[str, Any]:
    return {
        "id": id,
        "committed": committed,
        "planned_bv": planned,
        "actual_bv": actual,
        "projected_bv": projected,
        "chance_complete_pct": chance,
    }


OBJECTIVES = [
    _objective(1, 10, 72.5, 10.0),  # likely done, projected at plan: not at risk
    _objective(2, 8, 49.99, 8.0),  # chance below 50
    _objective(3, 6, 90.0, 5.5),  # likely, but projected below plan
    _objective(4, 5, None, None),  # nothing linked: cannot be projected
    _objective(5, 9, 10.0, 3.0),  # both rules
    _objective(6, 7, 5.0, 1.0, actual=7),  # scored: its BV is known
    _objective(7, 4, 0.0, 0.0, committed=False),  # a stretch objective is never at risk
    _objective(8, 12, 49.99, 7.0),  # the same chance as 2: higher planned BV first
]


def test_objectives_at_risk_are_ranked_by_their_chance_of_completion() -> None:
    found = objectives_at_risk(OBJECTIVES)
    assert [(o["id"], o["why"]) for o in found] == [
        (4, "it cannot be projected: no work is linked to it"),
        (
            5,
            "its chance of completion is 10.0%, below 50%; its projected BV 3.0 is below "
            "the planned 9",
        ),
        (
            8,
            "its chance of completion is 49.99%, below 50%; its projected BV 7.0 is below "
            "the planned 12",
        ),
        (2, "its chance of completion is 49.99%, below 50%"),
        (3, "its projected BV 5.5 is below the planned 6"),
    ]
    assert found[1] == {**OBJECTIVES[4], "why": found[1]["why"]}  # the row, as served
