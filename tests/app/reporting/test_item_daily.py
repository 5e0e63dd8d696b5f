"""item_daily equals the API: the CFD, flow load and burn-up summed in SQL over the reporting
views (tests/app/reporting/flow_sql.py) are /cfd, /wip and /burnup for the same ART and
window, on the golden ART, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import Engine

from app.reporting.refresh import refresh_art
from tests.app.api.conftest import ART, SCENARIO, WINDOW, Api
from tests.app.reporting.flow_sql import check_burnup, check_flow

assert SCENARIO.as_of is not None
AS_OF = SCENARIO.as_of
TODAY = AS_OF.date()  # the golden ART is in UTC


def refreshed(api: Api) -> Engine:
    """The golden ART's reporting tables written at the golden as_of."""
    done = refresh_art(api.reports, ART, AS_OF)
    assert done is not None and done.full
    engine: Engine = api.client.app.state.trainyard.engine  # type: ignore[attr-defined]
    return engine


def api_get(api: Api) -> Any:
    def get(path: str, **params: Any) -> dict[str, Any]:
        resp = api.get(path, **params)
        assert resp.status_code == 200, resp.text
        body: dict[str, Any] = resp.json()
        return body

    return get


def test_cfd_and_wip_from_item_daily_equal_the_api(api: Api) -> None:
    engine = refreshed(api)
    window = (date.fromisoformat(WINDOW["from"]), date.fromisoformat(WINDOW["to"]))
    teams: list[str | None] = [None, *SCENARIO.teams]
    compared = check_flow(api_get(api), engine, ART, TODAY, window, teams, ["story", "feature"])
    assert compared == 35 * 2 * len(teams)
    # a window running past as_of stops at its last complete day, in SQL as in the API
    late = (date(2026, 1, 20), date(2026, 3, 1))
    assert check_flow(api_get(api), engine, ART, TODAY, late, [None], ["story"]) == 21


def test_burnup_from_item_daily_equals_the_api(api: Api) -> None:
    engine = refreshed(api)
    pis = [p.name for p in SCENARIO.pis]
    teams: list[str | None] = [None, *SCENARIO.teams]
    # 2 PIs' days up to as_of, for the ART and each team, by points and by count
    assert check_burnup(api_get(api), engine, ART, TODAY, pis, teams) == 904
