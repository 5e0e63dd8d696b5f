"""What every report shares: CSV with a stable header, ETag and 304, the report cache, problem
details naming the bad parameter, the read scope, and the OpenAPI document."""

from __future__ import annotations

from typing import Any

from tests.app.api.conftest import ART as ART_NAME
from tests.app.api.conftest import WINDOW, Api
from tests.conftest import bearer
from tests.golden_store import bump_data_version

PI = "/pis/PI 26.1"
_TYPES = ["feature", "enabler", "defect", "risk", "debt"]
_STATS = ["count", "mean", "p50", "p85", "p95", "max"]
FLOW_HEADER = ",".join(
    [
        *["from", "to", "level", "team", "unit", "as_of", "velocity.items", "velocity.points"],
        *[f"velocity.by_work_type.{w}" for w in _TYPES],
        *[f"time.{s}" for s in _STATS],
        *[f"lead_time.{s}" for s in _STATS],
        "load.now",
        "efficiency_pct",
        *[f"distribution_pct.{w}" for w in _TYPES],
        *[f"wip_distribution_pct.{w}" for w in _TYPES],
        "predictability.pi",
        "predictability.predictability_pct",
        "predictability.complete",
        "predictability.projected_pct",
        "predictability.state",
        "predictability.earned_pct",
        "efficiency_note",
    ]
)
END = "key,title,team,iteration,art,status_category"
PREDICTABILITY = (
    "pi,scope,team,planned_bv,actual_bv,predictability_pct,band,complete,scored,objectives,"
    "projected_pct,state,earned_pct,projected_pct_85,chance_in_band_pct,unprojectable"
)
# (path, params, CSV header, number of data rows)
CSV_CASES: list[tuple[str, dict[str, Any], str, int]] = [
    ("/flow", {**WINDOW, "level": "story"}, FLOW_HEADER, 1),
    (
        "/cycle-time",
        {**WINDOW, "level": "story"},
        "key,team,level,work_type,started_at,done_at,flow_time_days,flow_time_calendar_days,"
        "active_days,wait_days,lead_time_days,efficiency_pct,url,display_key",
        9,
    ),
    ("/throughput", {**WINDOW, "level": "story"}, "period,items,points", 5),
    (
        "/throughput",
        {**WINDOW, "level": "story", "interval": "iteration"},
        "period,iteration,items,points",
        3,
    ),
    ("/cfd", {**WINDOW, "level": "story"}, "date,todo,active,wait,done", 35),
    (
        "/wip",
        {**WINDOW, "level": "story"},
        "key,title,team,work_type,status,status_category,started_at,age_days,url,display_key",
        3,
    ),
    (
        "/aging",
        {"level": "story"},
        "key,title,team,level,work_type,status,status_category,started_at,age_days,"
        "percentile_rank,over_p85,url,display_key",
        3,
    ),
    (
        "/velocity",
        {},
        "team,iteration,pi,start,end,committed_points,completed_points,added_points,"
        "carried_over_points,say_do_pct,committed_items,completed_items,iteration_keys",
        6,
    ),
    (
        "/forecast",
        {"items": 5, "seed": 1},
        "as_of,level,team,seed,trials,sample_days,start_date,items,when.p50,when.p85,when.p95,"
        "date,how_many.p50,how_many.p85,how_many.p95",
        1,
    ),
    ("/data-quality", {}, "kind,subject,detail,at", 15),
    ("/predictability", {}, PREDICTABILITY, 8),
    (f"{PI}/predictability", {}, PREDICTABILITY, 4),
    (
        f"{PI}/dependencies",
        {},
        ",".join(
            [
                *[f"provider.{c}" for c in END.split(",")],
                *[f"consumer.{c}" for c in END.split(",")],
                "cross_team,cross_art,status,upstream,planned_by,needed_by,reason,in_cycle",
                "provider.url,provider.display_key,consumer.url,consumer.display_key",
            ]
        ),
        11,
    ),
    (
        f"{PI}/program-board",
        {},
        "team,iteration,key,title,status,status_category,work_type,url,display_key",
        8,
    ),
    (
        f"{PI}/baseline",
        {},
        "key,change,done,baseline.team,baseline.iteration,now.team,now.iteration,"
        "baseline.iteration_key,now.iteration_key,url,display_key",
        9,
    ),
    (
        f"{PI}/baseline/scope",
        {},
        "key,change,baseline_points,now_points,url,display_key",
        15,
    ),
    (f"{PI}/burnup", {}, "date,scope,done", 36),
]
JSON_CASES = [(path, params) for path, params, _, _ in CSV_CASES]


def test_csv_has_a_stable_header_and_the_natural_rows(api: Api) -> None:
    # one app for every case: the cases are cheap, the app and the golden store are not
    for path, params, header, rows in CSV_CASES:
        resp = api.get(path, format="csv", **params)
        assert resp.status_code == 200, path
        assert resp.headers["content-type"].startswith("text/csv"), path
        lines = resp.text.splitlines()
        assert lines[0] == header, path
        assert len(lines) - 1 == rows, path
        by_accept = api.get(path, headers={"Accept": "text/csv"}, **params)
        assert by_accept.text == resp.text, path


def test_csv_rows_hold_the_figures(api: Api) -> None:
    text = api.get("/flow", format="csv", level="story", **WINDOW).text
    row = dict(zip(*[line.split(",") for line in text.splitlines()], strict=True))
    assert row["velocity.items"] == "9" and row["velocity.points"] == "42"
    assert row["velocity.by_work_type.feature"] == "7"
    assert row["velocity.by_work_type.enabler"] == "0"
    assert row["time.p85"] == "13.8" and row["efficiency_pct"] == "91.7582"
    assert row["distribution_pct.feature"] == "77.7778"
    assert row["predictability.predictability_pct"] == "116.6667"
    # predictability: a row per team, then the ART's
    lines = api.get(f"{PI}/predictability", format="csv").text.splitlines()
    assert lines[1:] == [
        # the outlook: no objective is linked to items, so the scored ones keep their
        # actual BV in every trial and the unscored ones are unprojectable
        "PI 26.1,team,Blue,6,5,83.3333,within,false,1,2,83.3333,in_progress,,83.3333,100.0,1",
        "PI 26.1,team,Red,0,0,,,false,0,2,,in_progress,,,,2",
        "PI 26.1,team,Green,0,2,,,false,1,2,,in_progress,,,,1",
        "PI 26.1,art,,6,7,116.6667,above,false,2,6,116.6667,in_progress,,116.6667,100.0,4",
    ]


def test_if_none_match_answers_304(api: Api) -> None:
    for path, params in JSON_CASES:
        first = api.get(path, **params)
        tag = first.headers["etag"]
        again = api.get(path, headers={"If-None-Match": tag}, **params)
        assert again.status_code == 304 and again.content == b"", path
        assert again.headers["etag"] == tag, path
        other = api.get(path, headers={"If-None-Match": '"stale"'}, **params)
        assert other.status_code == 200 and other.json() == first.json(), path


def test_repeated_request_is_served_from_the_cache_until_the_data_changes(api: Api) -> None:
    cache = api.reports.bodies
    first = api.get("/cfd", level="story", **WINDOW).json()
    hits, misses = cache.hits, cache.misses
    second = api.get("/cfd", level="story", **WINDOW).json()
    assert (cache.hits, cache.misses) == (hits + 1, misses)
    assert second == first
    api.get("/cfd", level="feature", **WINDOW)
    assert (cache.hits, cache.misses) == (hits + 1, misses + 1)
    state = api.client.app.state.trainyard  # type: ignore[attr-defined]
    with state.sessions() as s, s.begin():
        bump_data_version(s)
    assert api.get("/cfd", level="story", **WINDOW).json() == first
    assert (cache.hits, cache.misses) == (hits + 1, misses + 2)


BAD: list[tuple[str, dict[str, Any], int, str | None]] = [
    ("/flow", {"team": "Nobody"}, 422, "team"),
    (f"{PI}/burnup", {"team": "Nobody"}, 422, "team"),
    ("/flow", {"from": "2026-02-09", "to": "2026-02-09"}, 422, "from"),
    ("/cfd", {"from": "2026-02-10", "to": "2026-02-09"}, 422, "from"),
    ("/cfd", {"from": "1990-01-01", "to": "2026-02-09"}, 422, "from"),
    ("/charts/cfd.svg", {"from": "0001-01-01"}, 422, "from"),
    ("/throughput", {"to": "9999-12-31"}, 422, "to"),
    ("/throughput", {"interval": "month"}, 422, "interval"),
    ("/cycle-time", {"level": "saga"}, 422, "level"),
    ("/forecast", {"items": 5, "date": "2026-03-01"}, 422, "items"),
    ("/forecast", {"date": "2026-01-01"}, 422, "date"),
    ("/forecast", {"items": 0}, 422, "items"),
    ("/pis/PI 9.9/predictability", {}, 404, None),
    ("/pis/PI 9.9/burnup", {}, 404, None),
    (f"{PI}/dependencies", {"cursor": "not-a-cursor"}, 422, "cursor"),
    (f"{PI}/dependencies", {"cursor": "eyJvZmZzZXQiOi0xfQ"}, 422, "cursor"),
    (f"{PI}/dependencies", {"limit": 0}, 422, "limit"),
    (f"{PI}/dependencies", {"status": "stuck"}, 422, "status"),
    ("/velocity", {"pi": "PI 9.9"}, 422, "pi"),
    ("/aging", {"as_of": "2026-02-10T12:00:00"}, 422, "as_of"),
    ("/aging", {"as_of": "yesterday"}, 422, "as_of"),
    ("/aging", {"as_of": "0001-01-03T00:00:00Z"}, 422, "as_of"),
    ("/cfd", {"format": "xml"}, 422, "format"),
]


def test_bad_parameters_are_problem_details_naming_them(api: Api) -> None:
    for path, params, status, parameter in BAD:
        resp = api.get(path, **params)
        assert resp.status_code == status, (path, params, resp.text)
        assert resp.headers["content-type"] == "application/problem+json", path
        body = resp.json()
        assert body["status"] == status and body["detail"], path
        if parameter is not None:
            assert [e["parameter"] for e in body["errors"]] == [parameter], (path, params)
    resp = api.client.get("/api/v1/arts/Nope/flow", headers=bearer(api.tokens["read"]))
    assert resp.status_code == 404 and "Nope" in resp.json()["detail"]


READ_PATHS = [path for path, _ in JSON_CASES] + ["/charts/cfd.svg", "/charts/aging.png"]


def test_read_scope_is_required(api: Api) -> None:
    for path in READ_PATHS:
        url = f"/api/v1/arts/{ART_NAME}{path}"
        anonymous = api.client.get(url)
        assert anonymous.status_code == 401, path
        assert anonymous.headers["content-type"] == "application/problem+json"
        assert api.client.get(url, headers=bearer("ty_unknown")).status_code == 401, path


def test_openapi_documents_every_report_and_its_csv_columns(api: Api) -> None:
    doc = api.client.get("/openapi.json").json()
    base = "/api/v1/arts/{art}"
    for path in [
        "/pis/{pi}/predictability",
        "/predictability",
        "/pis/{pi}/dependencies",
        "/pis/{pi}/program-board",
        "/flow",
        "/cycle-time",
        "/throughput",
        "/cfd",
        "/wip",
        "/aging",
        "/velocity",
        "/pis/{pi}/burnup",
        "/forecast",
        "/pis/{pi}/baseline",
        "/pis/{pi}/baseline/scope",
        "/data-quality",
        *[f"/charts/{n}.{{fmt}}" for n in ("cfd", "burnup", "predictability")],
        *[f"/charts/{n}.{{fmt}}" for n in ("throughput", "cycle-time", "aging")],
    ]:
        op = doc["paths"][base + path]["get"]
        assert op["description"], path
        assert {"200", "304", "401", "404", "422"} <= set(op["responses"]), path
    flow = doc["paths"][base + "/flow"]["get"]
    assert "velocity.by_work_type.feature" in flow["responses"]["200"]["description"]
    names = {p["name"] for p in flow["parameters"]}
    assert {"as_of", "from", "to", "team", "level", "unit", "interval", "format"} <= names
