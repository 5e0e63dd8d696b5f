"""PI reports through HTTP on the golden ART: predictability, dependencies, program board,
baseline, burn-up and velocity, with the golden figures exactly."""

from __future__ import annotations

import logging
from datetime import date

import pytest
from sqlalchemy import func, select, update

from app.reports.service import ReportService
from art.models import ART, PI, PIObjective, PlanBaseline, WorkItem
from tests.app.api.conftest import ART as ART_NAME
from tests.app.api.conftest import AS_OF, EXPECTED, REPORT_PI, Api
from tests.conftest import bearer
from tests.golden_store import bump_data_version
from tests.metrics.test_golden import EARNED_LINKS, HEADLINES


def test_predictability_of_each_pi_is_the_golden_one(api: Api) -> None:
    for pi in ["PI 25.4", "PI 26.1"]:
        body = api.get(f"/pis/{pi}/predictability").json()
        exp = EXPECTED["predictability"][pi]
        assert body["pi"] == pi and body["as_of"] == "2026-02-10T12:00:00+00:00"
        assert {k: body["art"][k] for k in exp["art"]} == exp["art"], pi
        fields = list(exp["teams"]["Blue"])
        teams = {t["team"]: {k: t[k] for k in fields} for t in body["teams"]}
        assert teams == exp["teams"], pi
        assert [t["team"] for t in body["teams"]] == ["Blue", "Red", "Green"]
        assert len(body["objectives"]) == exp["art"]["objectives"]
        listed = {"committed", "planned_bv", "actual_bv", "items"}
        assert all(listed <= set(o) for o in body["objectives"])
        assert "definition" in body


def test_predictability_figures_of_the_api_example(api: Api) -> None:
    old = api.get("/pis/PI 25.4/predictability").json()
    assert old["art"] == {
        "planned_bv": 43,
        "actual_bv": 36,
        "predictability_pct": 83.7209,
        "band": "within",
        "complete": True,
        "scored": 8,
        "objectives": 8,
        "state": "finished",
        "earned_pct": None,
        "projected_pct": None,
        "projected_pct_85": None,
        "chance_in_band_pct": None,
        "unprojectable": None,
    }
    blue = next(t for t in old["teams"] if t["team"] == "Blue")
    assert (blue["planned_bv"], blue["actual_bv"], blue["predictability_pct"], blue["band"]) == (
        13,
        14,
        107.6923,
        "above",
    )
    running = api.get("/pis/PI 26.1/predictability").json()["art"]
    assert (running["predictability_pct"], running["complete"], running["scored"]) == (
        116.6667,
        False,
        2,
    )


def _link_objectives(api: Api) -> None:
    """Link the golden objectives to items as EARNED_LINKS says, as a sync would."""
    state = api.client.app.state.trainyard  # type: ignore[attr-defined]
    with state.sessions() as s, s.begin():
        for text, keys in EARNED_LINKS.items():
            s.execute(update(PIObjective).where(PIObjective.text == text).values(items=list(keys)))
        bump_data_version(s)


@pytest.mark.parametrize("case", list(HEADLINES))
def test_predictability_headline_says_how_much_is_known(api: Api, case: str) -> None:
    _link_objectives(api)
    pi, as_of, state, complete, scored, total, pct, earned, team_earned = HEADLINES[case]
    body = api.get(f"/pis/{pi}/predictability", as_of=as_of).json()
    art = body["art"]
    assert (body["state"], art["state"], art["complete"]) == (state, state, complete)
    assert (art["scored"], art["objectives"]) == (scored, total)
    assert (art["predictability_pct"], art["earned_pct"]) == (pct, earned)
    assert (art["projected_pct"] is None) == (state != "in_progress")  # the outlook's median
    assert [t["earned_pct"] for t in body["teams"]] == team_earned
    csv = api.get(f"/pis/{pi}/predictability", as_of=as_of, format="csv").text.splitlines()
    assert csv[0].endswith(
        ",projected_pct,state,earned_pct,projected_pct_85,chance_in_band_pct,unprojectable"
    )
    outlook = (
        ",".join(str(art[k]) for k in ("projected_pct_85", "chance_in_band_pct", "unprojectable"))
        if state == "in_progress"
        else ",,"
    )
    assert csv[-1].endswith(f",{state},{'' if earned is None else earned},{outlook}")


def test_predictability_trend_lists_every_pi(api: Api) -> None:
    body = api.get("/predictability").json()
    assert [p["pi"] for p in body["data"]] == ["PI 25.4", "PI 26.1"]
    assert [p["art"]["predictability_pct"] for p in body["data"]] == [83.7209, 116.6667]
    green = next(t for t in body["data"][1]["teams"] if t["team"] == "Green")
    assert green["predictability_pct"] is None and green["band"] is None


def test_dependencies_of_the_report_pi(api: Api) -> None:
    body = api.get(f"/pis/{REPORT_PI}/dependencies").json()
    got = [
        {
            "provider": d["provider"]["key"],
            "consumer": d["consumer"]["key"],
            "cross_team": d["cross_team"],
            "status": d["status"],
            "planned_by": d["planned_by"],
            "needed_by": d["needed_by"],
            "upstream": d["upstream"],
        }
        for d in body["data"]
    ]
    assert got == [{**e, "upstream": e.get("upstream", False)} for e in EXPECTED["dependencies"]]
    assert [d["status"] for d in body["data"]] == [
        "resolved",
        "late",
        "at_risk",
        "conflict",
        "at_risk",
        "at_risk",
        "at_risk",
        "on_track",
        "removed",
        "resolved",
        "at_risk",
    ]
    assert body["cycles"] == [] and body["next_cursor"] is None
    late = body["data"][1]
    assert late["provider"] == {
        "key": "GREEN-F1",
        "title": "GREEN-F1 feature",
        "team": "Green",
        "iteration": "I2",
        "art": "Phoenix",
        "status_category": "active",
        "url": "http://tracker.invalid/browse/GREEN-F1",
        "display_key": "GREEN-F1",
    }
    assert late["reason"] == (
        "GREEN-F1 (Green) was planned to finish with I2 on 2026-02-01 and is not done"
    )


def test_dependencies_filter_by_status_team_and_cross_team(api: Api) -> None:
    path = f"/pis/{REPORT_PI}/dependencies"
    late = api.get(path, status="late").json()["data"]
    assert [(d["provider"]["key"], d["consumer"]["key"]) for d in late] == [("GREEN-F1", "RED-F2")]
    green = api.get(path, team="Green").json()["data"]
    assert len(green) == 6
    assert all("Green" in (d["provider"]["team"], d["consumer"]["team"]) for d in green)
    crossing = api.get(path, cross_team="true").json()["data"]
    assert len(crossing) == 10 and all(d["cross_team"] for d in crossing)


def test_dependencies_page_through_every_row_once(api: Api) -> None:
    path = f"/pis/{REPORT_PI}/dependencies"
    whole = api.get(path).json()["data"]
    pages, cursor = [], None
    while True:
        resp = api.get(path, limit=4, cursor=cursor)
        body = resp.json()
        pages.append(body["data"])
        cursor = body["next_cursor"]
        if cursor is None:
            assert "link" not in resp.headers
            break
        assert resp.headers["link"].endswith('; rel="next"') and "cursor=" in resp.headers["link"]
        assert body["cycles"] == []
    assert [len(p) for p in pages] == [4, 4, 3]
    assert [d for p in pages for d in p] == whole


def test_program_board_places_features_by_team_and_iteration(api: Api) -> None:
    body = api.get(f"/pis/{REPORT_PI}/program-board").json()
    assert [i["name"] for i in body["iterations"]] == ["I1", "I2", "I3", "I4", "I5"]
    cells = {
        (t["team"], c["iteration"]): [f["key"] for f in c["features"]]
        for t in body["teams"]
        for c in t["cells"]
    }
    assert cells[("Blue", "I2")] == ["BLUE-F1"]
    assert cells[("Red", "I3")] == ["RED-F1", "RED-F2"]
    assert [t["team"] for t in body["teams"]] == ["Blue", "Red", "Green"]
    assert len(body["dependencies"]) == len(EXPECTED["dependencies"])
    edge = body["dependencies"][1]
    assert (edge["provider_cell"], edge["status"]) == ({"team": "Green", "iteration": "I2"}, "late")


def _planned_count(api: Api) -> int:
    state = api.client.app.state.trainyard  # type: ignore[attr-defined]
    with state.sessions() as s:
        return int(s.scalar(select(func.count()).select_from(PlanBaseline)) or 0)


def _tracker_deletes(api: Api, key: str) -> None:
    """The tracker loses ``key``, as sync writes it: the item soft-deleted and stamped with
    the data version that changed it."""
    state = api.client.app.state.trainyard  # type: ignore[attr-defined]
    with state.sessions() as s, s.begin():
        version = bump_data_version(s)
        s.execute(
            update(WorkItem).where(WorkItem.key == key).values(deleted=True, art_version=version)
        )


BASELINE_FEATURES = {
    "planned": 9,
    "done": 1,
    "feature_completion_pct": 11.1111,
    "done_keys": ["BLUE-F1"],
    "added": [],
    "removed": ["RED-F4"],
    "moved": [],
}


def test_a_get_reconstructs_the_baseline_and_never_stores_it(api: Api) -> None:
    first = api.get(f"/pis/{REPORT_PI}/baseline").json()
    scope = api.get(f"/pis/{REPORT_PI}/baseline/scope").json()
    assert _planned_count(api) == 0
    assert (first["frozen_at"], first["frozen"]) == (None, False)
    assert (scope["frozen_at"], scope["frozen"]) == (None, False)
    assert first["features"] == BASELINE_FEATURES
    assert first["scope"]["baseline"] == {"items": 6, "points": 24}
    assert first["scope"]["now"] == {"items": 14, "points": 60}
    assert first["scope"]["change_points"] == 36
    # with nothing frozen, history alone decides: the deleted BLUE-F2 was never planned
    _tracker_deletes(api, "BLUE-F2")
    later = api.get(f"/pis/{REPORT_PI}/baseline").json()
    assert "BLUE-F2" not in [f["key"] for f in later["baseline"]["features"]]
    assert (later["features"]["planned"], later["features"]["removed"]) == (8, ["RED-F4"])
    assert _planned_count(api) == 0


def test_baseline_frozen_by_the_admin_post_outlives_a_history_rewrite(api: Api) -> None:
    admin = bearer(api.tokens["admin"])
    url = f"/api/v1/arts/{ART_NAME}/pis/{REPORT_PI}/baseline"
    frozen = api.client.post(url, params={"as_of": AS_OF}, headers=admin)
    assert frozen.status_code == 201, frozen.text
    first = frozen.json()
    assert first["frozen"] is True and first["frozen_at"] is not None
    assert first["features"] == BASELINE_FEATURES
    assert first["scope"]["baseline"] == {"items": 6, "points": 24}
    assert _planned_count(api) == 1
    again = api.client.post(url, params={"as_of": AS_OF}, headers=admin)
    assert again.status_code == 200
    assert again.json() == first  # stored once: the same plan, the same frozen_at
    assert api.get(f"/pis/{REPORT_PI}/baseline").json() == first
    assert api.get(f"/pis/{REPORT_PI}/baseline/scope").json()["frozen_at"] == first["frozen_at"]

    _tracker_deletes(api, "BLUE-F2")  # history alone would now forget it was ever planned
    later = api.get(f"/pis/{REPORT_PI}/baseline").json()
    assert (later["frozen"], later["frozen_at"]) == (True, first["frozen_at"])
    assert "BLUE-F2" in [f["key"] for f in later["baseline"]["features"]]
    assert later["features"]["planned"] == 9
    assert later["features"]["removed"] == ["BLUE-F2", "RED-F4"]
    csv = api.get(f"/pis/{REPORT_PI}/baseline", format="csv").text.splitlines()
    removed = "BLUE-F2,removed,false,Blue,I4,,,I4,,http://tracker.invalid/browse/BLUE-F2,BLUE-F2"
    assert removed in csv
    assert _planned_count(api) == 1


def _add_pis(api: Api, *pis: tuple[str, date, date]) -> None:
    """Add PIs (name, first day, last day) to the golden ART as a new data version."""
    state = api.client.app.state.trainyard  # type: ignore[attr-defined]
    with state.sessions() as s, s.begin():
        art_id = s.scalars(select(ART.id)).one()
        s.add_all(PI(art_id=art_id, name=n, start_date=a, end_date=b) for n, a, b in pis)
        bump_data_version(s)


def test_freezing_is_for_admins_and_started_pis(api: Api) -> None:
    url = f"/api/v1/arts/{ART_NAME}/pis/{REPORT_PI}/baseline"
    refused = api.client.post(url, headers=bearer(api.tokens["read"]))
    assert refused.status_code == 403
    _add_pis(api, ("PI 99.1", date(2099, 1, 5), date(2099, 3, 1)))
    _add_pis(api, ("PI 20.1", date(2020, 1, 6), date(2020, 3, 1)))
    admin = bearer(api.tokens["admin"])
    early = api.client.post(f"/api/v1/arts/{ART_NAME}/pis/PI 99.1/baseline", headers=admin)
    assert early.status_code == 409
    assert early.headers["content-type"] == "application/problem+json"
    assert early.json()["detail"] == (
        "PI 99.1 of Phoenix has not started: it starts on 2099-01-05 (UTC); its baseline can "
        "be frozen from then on"
    )
    empty = api.client.post(f"/api/v1/arts/{ART_NAME}/pis/PI 20.1/baseline", headers=admin)
    assert empty.status_code == 409
    assert empty.json()["detail"] == (
        "nothing is planned in PI 20.1 of Phoenix yet (is the ART synced?); "
        "an empty baseline is not frozen"
    )
    unknown = api.client.post(f"/api/v1/arts/{ART_NAME}/pis/PI 0.0/baseline", headers=admin)
    assert unknown.status_code == 404
    assert _planned_count(api) == 0


def test_freeze_baseline_stores_once(api: Api) -> None:
    assert api.reports.freeze_baseline(ART_NAME, REPORT_PI) is True
    assert api.reports.freeze_baseline(ART_NAME, REPORT_PI) is False
    assert _planned_count(api) == 1
    assert api.get(f"/pis/{REPORT_PI}/baseline").json()["frozen"] is True


def test_baseline_of_a_pi_not_started_is_not_stored(api: Api) -> None:
    state = api.client.app.state.trainyard  # type: ignore[attr-defined]
    _add_pis(api, ("PI 99.1", date(2099, 1, 5), date(2099, 3, 1)))
    body = api.get("/pis/PI 99.1/baseline").json()
    assert body["frozen_at"] is None and body["features"]["planned"] == 0
    with state.sessions() as s:
        assert s.scalar(select(func.count()).select_from(PlanBaseline)) == 0


def test_burnup_of_the_report_pi(api: Api) -> None:
    body = api.get(f"/pis/{REPORT_PI}/burnup").json()
    assert body["unit"] == "points"
    assert {r["date"]: {"scope": r["scope"], "done": r["done"]} for r in body["data"]} == (
        EXPECTED["burnup"][REPORT_PI]
    )
    assert [r["date"] for r in body["data"]] == list(EXPECTED["burnup"][REPORT_PI])
    assert body["data"][-1] == {"date": "2026-02-09", "scope": 60, "done": 45}
    blue = api.get(f"/pis/{REPORT_PI}/burnup", team="Blue", unit="count").json()
    assert blue["team"] == "Blue" and blue["unit"] == "count"
    assert all(r["done"] <= r["scope"] for r in blue["data"])


def test_velocity_per_team_and_iteration(api: Api) -> None:
    fields = ["committed_points", "completed_points", "added_points", "carried_over_points"]
    fields.append("say_do_pct")
    rows = api.get("/velocity").json()["data"]
    got: dict[str, dict[str, dict[str, object]]] = {}
    for r in rows:
        got.setdefault(r["team"], {})[r["iteration"]] = {k: r[k] for k in fields}
    assert got == EXPECTED["velocity"]
    blue = api.get("/velocity", team="Blue", pi=REPORT_PI).json()["data"]
    assert [(r["team"], r["iteration"], r["say_do_pct"]) for r in blue] == [
        ("Blue", "I1", 125.0),
        ("Blue", "I2", 0.0),
    ]


def test_the_worker_job_freezes_every_started_pi_once(api: Api) -> None:
    """What the worker's ``baselines`` job runs: both PIs of the golden ART have started; PI
    26.1 has a plan and is frozen on the first run, PI 25.4 has nothing planned and is left."""
    assert api.reports.freeze_started_baselines() == [(ART_NAME, REPORT_PI)]
    assert api.reports.freeze_started_baselines() == []
    assert _planned_count(api) == 1
    assert api.get(f"/pis/{REPORT_PI}/baseline").json()["frozen"] is True


def test_one_art_in_trouble_leaves_the_others_baselines_frozen(
    api: Api, caplog: pytest.LogCaptureFixture
) -> None:
    """An ART the store does not hold (configured, never applied) fails on its own."""
    config = api.reports.config
    ghost = config.arts[0].model_copy(update={"name": "Ghost"})
    service = ReportService(
        api.reports.sessions, config.model_copy(update={"arts": [ghost, *config.arts]})
    )
    with caplog.at_level(logging.ERROR, logger="app.reports.service"):
        assert service.freeze_started_baselines() == [(ART_NAME, REPORT_PI)]
    assert [r.getMessage() for r in caplog.records] == [
        "could not freeze the plan baselines of ART Ghost"
    ]
