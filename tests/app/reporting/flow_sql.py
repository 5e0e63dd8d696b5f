"""CFD, flow load and burn-up summed in SQL over the reporting views, as a BI tool would.

Each query follows docs/metrics.md's definition over ``item_daily`` (one row per item per
day) and ``items`` (current level and team): the tests compare their results with the API's.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from datetime import date
from typing import Any

from sqlalchemy import Engine, text


def view(engine: Engine, name: str) -> str:
    """A view's name as this store spells it: ``reporting.x`` or ``reporting_x``."""
    return f"reporting.{name}" if engine.dialect.name == "postgresql" else f"reporting_{name}"


def _team(team: str | None, alias: str) -> str:
    return "" if team is None else f"AND {alias}.team = :team"


def _day(value: Any) -> str:
    return value.isoformat() if isinstance(value, date) else str(value)


def cfd(
    engine: Engine, art: str, level: str, start: date, end: date, today: date, team: str | None
) -> dict[str, dict[str, int]]:
    """Items per category at the end of each complete day of [start, end): removed left out,
    items selected by their current level and team."""
    sql = f"""
        SELECT d.day, d.status_category, COUNT(*)
        FROM {view(engine, "item_daily")} d JOIN {view(engine, "items")} i ON i.item_id = d.item_id
        WHERE i.art = :art AND i.level = :level {_team(team, "i")}
          AND d.status_category <> 'removed' AND d.day >= :start AND d.day < :end
          AND d.day < :today
        GROUP BY d.day, d.status_category"""
    out: dict[str, dict[str, int]] = defaultdict(dict)
    with engine.connect() as conn:
        params = {"art": art, "level": level, "team": team, "start": start, "end": end}
        for day, cat, n in conn.execute(text(sql), {**params, "today": today}):
            out[_day(day)][cat] = n
    return out


def wip(
    engine: Engine, art: str, level: str, start: date, end: date, today: date, team: str | None
) -> dict[str, int]:
    """Items started and neither done nor removed at the end of each complete day."""
    sql = f"""
        SELECT d.day, COUNT(*)
        FROM {view(engine, "item_daily")} d JOIN {view(engine, "items")} i ON i.item_id = d.item_id
        WHERE i.art = :art AND i.level = :level {_team(team, "i")}
          AND d.started AND d.status_category NOT IN ('done', 'removed')
          AND d.day >= :start AND d.day < :end AND d.day < :today
        GROUP BY d.day"""
    with engine.connect() as conn:
        params = {"art": art, "level": level, "team": team, "start": start, "end": end}
        return {_day(d): n for d, n in conn.execute(text(sql), {**params, "today": today})}


def burnup(
    engine: Engine, art: str, pi: str, today: date, team: str | None, unit: str
) -> dict[str, tuple[float, float]]:
    """Story scope and done per complete day of the PI: items in the PI at the end of the
    day, not removed, by points (none: 0) or count; with a team, the team of that day."""
    weight = "1" if unit == "count" else "COALESCE(d.points, 0)"
    sql = f"""
        SELECT d.day, SUM({weight}),
               SUM(CASE WHEN d.status_category = 'done' THEN {weight} ELSE 0 END)
        FROM {view(engine, "item_daily")} d
        JOIN {view(engine, "items")} i ON i.item_id = d.item_id
        JOIN {view(engine, "pis")} p ON p.art = i.art AND p.name = d.pi
        WHERE i.art = :art AND i.level = 'story' AND d.pi = :pi
          AND d.status_category <> 'removed' {_team(team, "d")}
          AND d.day >= p.start_date AND d.day <= p.end_date AND d.day < :today
        GROUP BY d.day"""
    with engine.connect() as conn:
        rows = conn.execute(text(sql), {"art": art, "pi": pi, "team": team, "today": today})
        return {_day(d): (float(s), float(n)) for d, s, n in rows}


Get = Callable[..., dict[str, Any]]


def check_flow(
    get: Get,
    engine: Engine,
    art: str,
    today: date,
    window: tuple[date, date],
    teams: list[str | None],
    levels: list[str],
) -> int:
    """Assert that SQL's CFD and flow load equal /cfd and /wip for each team and level over
    ``window``; returns how many (team, level, day) rows were compared."""
    compared = 0
    params = {"from": window[0].isoformat(), "to": window[1].isoformat()}
    for team in teams:
        for level in levels:
            who = {"team": team} if team else {}
            api_cfd = get("/cfd", level=level, **who, **params)
            sql_cfd = cfd(engine, art, level, *window, today, team)
            for row in api_cfd["data"]:
                want = {c: row[c] for c in api_cfd["categories"]}
                got = {c: sql_cfd.get(row["date"], {}).get(c, 0) for c in want}
                assert got == want, (team, level, row["date"])
            assert set(sql_cfd) <= {r["date"] for r in api_cfd["data"]}
            api_wip = get("/wip", level=level, **who, **params)["by_day"]
            sql_wip = wip(engine, art, level, *window, today, team)
            assert {r["date"]: r["wip"] for r in api_wip} == {
                r["date"]: sql_wip.get(r["date"], 0) for r in api_wip
            }, (team, level)
            compared += len(api_cfd["data"])
    return compared


def check_burnup(
    get: Get, engine: Engine, art: str, today: date, pis: list[str], teams: list[str | None]
) -> int:
    """Assert that SQL's burn-up equals /pis/{pi}/burnup for each PI, team and unit."""
    compared = 0
    for pi in pis:
        for team in teams:
            for unit in ("points", "count"):
                who = {"team": team} if team else {}
                body = get(f"/pis/{pi}/burnup", unit=unit, **who)
                sql = burnup(engine, art, pi, today, team, unit)
                want = {r["date"]: (float(r["scope"]), float(r["done"])) for r in body["data"]}
                assert {d: sql.get(d, (0.0, 0.0)) for d in want} == want, (pi, team, unit)
                assert set(sql) <= set(want), (pi, team, unit)
                compared += len(want)
    return compared
