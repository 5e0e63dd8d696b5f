"""The Grafana dashboard (bi/grafana) is provisioning-ready, and each panel's SQL, run against
PostgreSQL with the golden ART (Grafana's macros and variables replaced by concrete values),
returns the API's figures for the same ART, PI, level and time range."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy import Engine, text

from tests.app.api.conftest import ART, AS_OF, REPORT_PI, SCENARIO, Api
from tests.app.reporting.test_item_daily import refreshed

GRAFANA = Path(__file__).resolve().parents[3] / "bi" / "grafana"
DASHBOARD = json.loads((GRAFANA / "dashboards" / "trainyard-rte.json").read_text())
FROM, TO = "2026-01-05", "2026-02-10"  # the range's days; $__timeTo() is the golden as_of
PANELS = {p["title"].split(" (")[0]: p for p in DASHBOARD["panels"]}


def test_the_dashboard_and_its_provisioning_are_well_formed() -> None:
    assert DASHBOARD["uid"] == "trainyard-rte"
    assert sorted(PANELS) == [
        "Aging work in progress",
        "Cumulative flow",
        "Cycle time percentiles, days",
        "Dependencies by status",
        "Predictability by team",
        "Throughput per week",
        "WIP by team",
    ]
    source = yaml.safe_load(
        (GRAFANA / "provisioning" / "datasources" / "trainyard.yaml").read_text()
    )
    (ds,) = source["datasources"]
    assert (ds["uid"], ds["type"]) == ("trainyard-reporting", "grafana-postgresql-datasource")
    for panel in DASHBOARD["panels"]:
        assert panel["datasource"]["uid"] == ds["uid"], panel["title"]
    provider = yaml.safe_load(
        (GRAFANA / "provisioning" / "dashboards" / "trainyard.yaml").read_text()
    )
    assert provider["providers"][0]["folder"] == "Trainyard"


def _sql(title: str, level: str = "story") -> str:
    """A panel's SQL as Grafana would send it for the golden ART and range."""
    sql: str = PANELS[title]["targets"][0]["rawSql"]
    for macro, value in {
        "$__timeFrom()": f"'{FROM}T00:00:00Z'",
        "$__timeTo()": f"'{AS_OF}'",
        "$art": ART,
        "$pi": REPORT_PI,
        "$level": level,
    }.items():
        sql = sql.replace(macro, value)
    assert "$" not in sql, sql
    return sql


def _run(engine: Engine, title: str, level: str = "story") -> list[tuple[Any, ...]]:
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(text(_sql(title, level)))]


@pytest.fixture
def golden_pg(api: Api, store_url: str) -> Engine:
    if not store_url.startswith("postgresql"):
        pytest.skip("the dashboard's SQL is PostgreSQL's")
    return refreshed(api)


def test_pi_panels(api: Api, golden_pg: Engine) -> None:
    body = api.get(f"/pis/{REPORT_PI}/predictability").json()
    want = [(t["team"], t["predictability_pct"]) for t in body["teams"]]
    got = [
        (team, None if pct is None else round(pct, 4))
        for team, pct, *_ in _run(golden_pg, "Predictability by team")
    ]
    assert got == sorted(want, key=lambda r: r[0])
    assert any(pct is not None for _, pct in got)
    deps = api.get(f"/pis/{REPORT_PI}/dependencies").json()["data"]
    assert dict(_run(golden_pg, "Dependencies by status")) == Counter(d["status"] for d in deps)


def test_flow_panels(api: Api, golden_pg: Engine) -> None:
    window = {"from": FROM, "to": TO}
    for level in ("story", "feature"):
        cfd = api.get("/cfd", level=level, **window).json()
        rows = _run(golden_pg, "Cumulative flow", level)
        assert {t.date().isoformat(): (a, b, c, d) for t, a, b, c, d in rows} == {
            r["date"]: (r["todo"], r["active"], r["wait"], r["done"])
            for r in cfd["data"]
            if r["todo"] + r["active"] + r["wait"] + r["done"]
        }, level
        weeks = api.get("/throughput", level=level, interval="week", **window).json()["data"]
        assert [(w.isoformat(), n) for w, n in _run(golden_pg, "Throughput per week", level)] == [
            (b["period"], b["items"]) for b in weeks
        ], level
        stats = api.get("/cycle-time", level=level, **window).json()["stats"]
        ((count, *pcts),) = _run(golden_pg, "Cycle time percentiles, days", level)
        assert [count, *(None if p is None else round(p, 4) for p in pcts)] == [
            stats["count"],
            stats["p50"],
            stats["p85"],
            stats["p95"],
        ], level
        aging = api.get("/aging", level=level).json()["data"]
        got = [
            (r[0], round(float(r[-1]), 4)) for r in _run(golden_pg, "Aging work in progress", level)
        ]
        assert got == [(r["key"], r["age_days"]) for r in aging], level


def test_wip_by_team_panel(api: Api, golden_pg: Engine) -> None:
    got = {(t.date().isoformat(), team): n for t, team, n in _run(golden_pg, "WIP by team")}
    want = {}
    for team in SCENARIO.teams:
        for r in api.get("/wip", team=team, level="story", **{"from": FROM, "to": TO}).json()[
            "by_day"
        ]:
            if r["wip"]:
                want[(r["date"], team)] = r["wip"]
    assert got == want
    assert len(want) > 20
