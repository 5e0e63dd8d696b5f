"""``restart_on_backlog`` set in the ART's configuration, through the app on SQLite and
PostgreSQL: the golden ART's BLUE-5 went back to To Do on 2026-01-26 and was started again on
2026-02-04 09:00, done 2026-02-09 09:00; with the setting its flow time is 5 days (4 active,
1 flagged), not 19 (9 active, 10 wait)."""

from __future__ import annotations

import pytest

from art.config import TrainyardConfig
from tests.app.api.conftest import Api, golden_config

WINDOW = {"from": "2026-01-05", "to": "2026-02-10"}  # BLUE-5 is done on 02-09


@pytest.fixture
def app_config() -> TrainyardConfig:
    """The golden ART's configuration with restart_on_backlog = true."""
    cfg = golden_config()
    art = cfg.arts[0].model_copy(update={"restart_on_backlog": True})
    return cfg.model_copy(update={"arts": [art]})


def test_cycle_time_takes_the_last_start(api: Api) -> None:
    body = api.get("/cycle-time", level="story", **WINDOW).json()
    assert body["definition"]["restart_on_backlog"] is True
    rows = {r["key"]: r for r in body["data"]}
    blue5 = rows["BLUE-5"]
    assert (
        blue5["started_at"],
        blue5["flow_time_days"],
        blue5["flow_time_calendar_days"],
        blue5["active_days"],
        blue5["wait_days"],
        blue5["efficiency_pct"],
    ) == ("2026-02-04T09:00:00+00:00", 5.0, 6, 4.0, 1.0, 80.0)  # flagged 02-05 to 02-06
    # BLUE-4 was reopened from done, not sent back to todo: its first start stands
    assert (rows["BLUE-4"]["started_at"], rows["BLUE-4"]["flow_time_days"]) == (
        "2026-01-20T09:00:00+00:00",
        14.25,
    )


def test_aging_reference_and_definition_follow_the_setting(api: Api) -> None:
    body = api.get("/aging", level="story").json()
    assert body["definition"]["restart_on_backlog"] is True
    assert body["definition"]["start_rule"].endswith(
        "an item moved back to a todo status and started again takes its last start"
    )
    # reference flow days: GREEN-1 0.3333, GREEN-4 2.0, BLUE-1 3.0833, BLUE-5 5.0 (not 19.0),
    # BLUE-2 7.0, RED-3 10.0, RED-1 10.0, GREEN-2 14.0, BLUE-4 14.25; p85 at rank 6.8
    assert (body["reference"]["count"], body["reference"]["p50"]) == (9, 7.0)
    assert body["reference"]["p85"] == 13.2  # 10.0 + 0.8 * (14.0 - 10.0); 14.2 without


def test_flow_efficiency_takes_the_last_start(api: Api) -> None:
    body = api.get("/flow", level="story", **WINDOW).json()
    assert body["definition"]["restart_on_backlog"] is True
    # active / flow over the 9 timed stories, BLUE-5 counted from 02-04 (4 of 5 days active):
    # (59 2/3) / (65 2/3) = 179 / 197; from its first start it would be 194 / 239
    assert body["efficiency_pct"] == 90.8629
