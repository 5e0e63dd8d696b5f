"""predictability.changed fires when the PI outlook's median crosses 80%, not on each move.

The golden ART at its as_of: PI 26.1's outlook is 116.6667% (no objective linked to items).
Linking Red's objective 11 (committed, planned 8) to RED-4 and RED-5, both open, while Red
finished 2 stories in 90 days, drops the median to (5 + 2 + 8 x 1/2) / (6 + 8) = 78.5714%:
the boundary is crossed, the actual figures stay. Linking Blue's objective 9 to BLUE-6 then
moves the median to 69.5652%, still below: no event.
"""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from app.outgoing.watch import ReportWatcher
from app.reports.service import ReportService
from art.models import OutboxEvent, PIObjective
from sync.structure import apply_config
from tests.app.api.conftest import ART as ART_NAME
from tests.app.api.conftest import SCENARIO, golden_config
from tests.golden_store import bump_data_version, store_art
from tests.metrics.golden_inputs import scenario_data

assert SCENARIO.as_of is not None
AS_OF = SCENARIO.as_of


def _link(sessions: sessionmaker[Session], text: str, keys: list[str]) -> None:
    with sessions() as s, s.begin():
        s.execute(update(PIObjective).where(PIObjective.text == text).values(items=keys))
        bump_data_version(s)


def _events(sessions: sessionmaker[Session]) -> list[dict[str, object]]:
    with sessions() as s:
        rows = s.scalars(select(OutboxEvent).where(OutboxEvent.type == "predictability.changed"))
        return [r.payload["data"] for r in rows]


def test_fires_when_the_median_crosses_the_band_boundary(
    sessions: sessionmaker[Session],
) -> None:
    config = golden_config()
    with sessions() as session, session.begin():
        apply_config(session, config)
        store_art(session, scenario_data(SCENARIO))
    watcher = ReportWatcher(sessions, ReportService(sessions, config))
    assert watcher.check(ART_NAME, AS_OF) == 0  # the first snapshot
    _link(sessions, "Red objective 11 of PI 26.1", ["RED-4", "RED-5"])
    assert watcher.check(ART_NAME, AS_OF) == 1
    (event,) = _events(sessions)
    actual = {"predictability_pct": 116.6667, "band": "above", "complete": False}
    assert event["before"] == {
        **actual,
        "projected_pct": 116.6667,
        "projected_pct_85": 116.6667,
        "chance_in_band_pct": 100.0,
    }
    after = event["after"]
    assert isinstance(after, dict)
    assert {k: after[k] for k in actual} == actual
    assert after["projected_pct"] == 78.5714
    assert (event["art"], event["pi"]) == (ART_NAME, "PI 26.1")
    _link(sessions, "Blue objective 9 of PI 26.1", ["BLUE-6"])
    assert watcher.check(ART_NAME, AS_OF) == 0  # 69.5652: moved, but still below 80
    assert len(_events(sessions)) == 1
