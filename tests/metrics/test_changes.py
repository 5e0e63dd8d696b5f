"""What changed since a time, and one item's story, on the golden ART (tests/fixtures/golden),
worked out from the items' histories."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from art.errors import NotFound
from metrics.changes import changes_report
from metrics.item import item_report
from tests.metrics.golden_inputs import golden, scenario_data

DATA = scenario_data(golden()[0])
AS_OF = datetime(2026, 2, 10, 12, tzinfo=UTC)


def test_scope_added_and_removed_since_the_pi_began() -> None:
    body = changes_report(DATA, datetime(2026, 1, 6, tzinfo=UTC), AS_OF, "PI 26.1").to_dict()
    # created after 01-06 in an iteration of PI 26.1: RED-3, RED-4 (01-16), BLUE-5, GREEN-3
    # (01-19), BLUE-6 (01-22), RED-5, GREEN-4 (02-02); BLUE-4 moved I1 -> I2 and stays
    assert [s["key"] for s in body["scope_added"]] == [
        "BLUE-5", "BLUE-6", "GREEN-3", "GREEN-4", "RED-3", "RED-4", "RED-5"
    ]  # fmt: skip
    # Won't Do: RED-F4 on 01-10, RED-2 on 01-13
    assert [s["key"] for s in body["scope_removed"]] == ["RED-2", "RED-F4"]
    # GREEN-F1 -> RED-F2 on 01-06: planned with I2 (02-02 00:00), needed at the start of I3
    # (02-02 00:00), so on track by plan; but GREEN-F1 then waited on RED-F4 (not yet removed,
    # planned with I4, 03-02, after GREEN-F1's I2 starts): a conflict upstream made it at_risk.
    # Now I2 has ended and GREEN-F1 is not done: late.
    assert [
        (d["provider"]["key"], d["consumer"]["key"], d["status_before"], d["status"])
        for d in body["dependencies_turned_red"]
    ] == [("GREEN-F1", "RED-F2", "at_risk", "late")]


def test_status_changes_are_those_after_since() -> None:
    # BLUE-5 went Done at 02-09 09:00 exactly: a change at since is not after it
    at_since = changes_report(DATA, datetime(2026, 2, 9, 9, tzinfo=UTC), AS_OF, None)
    assert at_since.status_changes == []
    before = changes_report(DATA, datetime(2026, 2, 9, 8, tzinfo=UTC), AS_OF, None)
    assert [(c["key"], c["from"], c["to"]) for c in before.status_changes] == [
        ("BLUE-5", "In Progress", "Done")
    ]
    assert before.scope_added == [] and before.scope_removed == []  # no PI named


def test_one_item_with_its_history_and_dependencies() -> None:
    body = item_report(DATA, "BLUE-5", AS_OF)
    # started 01-21 09:00, done 02-09 09:00: 19 days; active 01-21 .. 01-26 (5) and
    # 02-04 .. 02-09 (5) less the flagged day 02-05 .. 02-06: 9; wait 10
    assert (body["flow_days"], body["active_days"], body["wait_days"]) == (19.0, 9.0, 10.0)
    assert [(h["field"], h["to"]) for h in body["history"]] == [
        ("status", "In Progress"),
        ("status", "To Do"),
        ("iteration", "I3"),
        ("status", "In Progress"),
        ("flagged", "true"),
        ("flagged", "false"),
        ("status", "Done"),
    ]
    feature = item_report(DATA, "RED-F3", AS_OF)
    assert [(d["provider"]["key"], d["status"]) for d in feature["dependencies"]] == [
        ("BLUE-F2", "at_risk"),  # in link order
        ("BLUE-F3", "at_risk"),
        ("GREEN-F4", "at_risk"),
    ]
    with pytest.raises(NotFound, match="no item 'NOPE-1' in Phoenix"):
        item_report(DATA, "NOPE-1", AS_OF)
