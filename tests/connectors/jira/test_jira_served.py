"""ServedIssues: the issues a search served, by key, across projects and merges."""

from __future__ import annotations

from datetime import UTC, datetime

from art.micros import us
from connectors.jira.served import ServedIssues
from connectors.key_rows import ABSENT


def test_keys_of_several_projects_and_odd_keys_are_told_apart() -> None:
    served = ServedIssues(merge_at=2)
    keys = ["ART-7", "OPS-7", "ART-70", "ART-007", "weird", "ART-", "-5", "ÄRT-12", "ART-²"]
    for n, key in enumerate(keys):
        assert served.put(key, ABSENT, 1000 + n) == n
    assert len(served) == 9
    assert served.rows(keys) == list(range(9))
    assert served.rows(["OPS-70", "ART-8", "ART-7"]) == [ABSENT, ABSENT, 0]
    assert "ART-007" in served and "ART-0" not in served and 7 not in served
    assert [served.updated(r) for r in served.rows(["ART-70", "weird"])] == [1002, 1004]


def test_a_later_state_overwrites_the_updated_in_its_row() -> None:
    served = ServedIssues()
    row = served.put("ART-1", ABSENT, 5)
    assert served.put("ART-1", row, 9) == row
    assert served.updated(served.rows(["ART-1"])[0]) == 9
    assert len(served) == 1


def test_us_counts_whole_microseconds_since_the_epoch() -> None:
    assert us(datetime(1970, 1, 1, 0, 0, 1, 5, tzinfo=UTC)) == 1_000_005
    assert us(datetime(1969, 12, 31, 23, 59, 59, tzinfo=UTC)) == -1_000_000
