"""reporting.dependencies and reporting.predictability hold the API's rows: every PI's
dependencies with the status and reason /pis/{pi}/dependencies gives, and each team's and
the ART's predictability as /predictability gives it, at the refresh's as_of."""

from __future__ import annotations

from typing import Any

from sqlalchemy import text

from tests.app.api.conftest import ART, AS_OF, REPORT_PI, SCENARIO, Api
from tests.app.reporting.flow_sql import view
from tests.app.reporting.test_item_daily import refreshed


def _rows(api: Api, columns: str, name: str, order: str) -> list[dict[str, Any]]:
    """Rows of a reporting view after a refresh at the golden as_of."""
    engine = refreshed(api)
    sql = f"SELECT {columns} FROM {view(engine, name)} ORDER BY {order}"
    with engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(text(sql))]


def test_dependencies_are_the_reports_rows(api: Api) -> None:
    rows = _rows(
        api,
        "pi, provider_key, provider_display_key, consumer_key, consumer_team, "
        "cross_team, status, upstream, in_cycle, reason",
        "dependencies",
        "pi, provider_key, consumer_key",
    )
    expected = []
    for p in SCENARIO.pis:
        body = api.get(f"/pis/{p.name}/dependencies").json()
        expected += [
            {
                "pi": p.name,
                "provider_key": d["provider"]["key"],
                "provider_display_key": d["provider"]["display_key"],
                "consumer_key": d["consumer"]["key"],
                "consumer_team": d["consumer"]["team"],
                "cross_team": d["cross_team"],
                "status": d["status"],
                "upstream": d["upstream"],
                "in_cycle": d["in_cycle"],
                "reason": d["reason"],
            }
            for d in body["data"]
        ]
    expected.sort(key=lambda r: (r["pi"], r["provider_key"], r["consumer_key"]))
    for r in rows:
        for k in ("cross_team", "upstream", "in_cycle"):
            r[k] = bool(r[k])
    assert rows == expected
    statuses = {r["status"] for r in rows if r["pi"] == REPORT_PI}
    assert {"late", "conflict", "at_risk"} <= statuses


def test_predictability_is_the_reports_rows(api: Api) -> None:
    rows = _rows(
        api,
        "pi, team, planned_bv, actual_bv, predictability_pct, band, complete, scored, "
        "objectives, state",
        "predictability",
        "pi, team",
    )
    body = api.get("/predictability").json()
    expected = []
    for p in body["data"]:
        for row in [p["art"], *p["teams"]]:
            expected.append(
                (
                    p["pi"],
                    row.get("team"),
                    float(row["planned_bv"]),
                    float(row["actual_bv"]),
                    row["predictability_pct"],
                    row["band"],
                    row["complete"],
                    row["scored"],
                    row["objectives"],
                    row["state"],
                )
            )
    got = [
        (
            r["pi"],
            r["team"],
            r["planned_bv"],
            r["actual_bv"],
            None if r["predictability_pct"] is None else round(r["predictability_pct"], 4),
            r["band"],
            bool(r["complete"]),
            r["scored"],
            r["objectives"],
            r["state"],
        )
        for r in rows
    ]
    assert sorted(got, key=repr) == sorted(expected, key=repr)
    assert ("PI 26.1", None) in {(g[0], g[1]) for g in got}
    assert ART and AS_OF
