"""GET /pis/{pi}/outlook: the golden ART's PI outlook as JSON and CSV, its seed, `current`."""

from __future__ import annotations

import csv
import io

from tests.app.api.conftest import Api

RUNNING = "/pis/PI 26.1/outlook"


def test_the_golden_outlook_at_its_as_of(api: Api) -> None:
    body = api.get(RUNNING).json()
    assert (body["pi"], body["as_of"], body["trials"]) == (
        "PI 26.1",
        "2026-02-10T12:00:00+00:00",
        10_000,
    )
    assert (body["first_day"], body["last_day"], body["days"]) == ("2026-02-11", "2026-03-15", 33)
    # no objective linked to items: scored ones keep their actual BV in every trial
    assert body["art"] == {
        "projected_pct": 116.6667,
        "projected_pct_85": 116.6667,
        "chance_in_band_pct": 100.0,
        "projected_band": "above",
        "unprojectable": 4,
    }
    assert set(body["throughput_samples"]) == {"Blue", "Red", "Green"}
    assert sum(body["throughput_samples"]["Blue"]) == 5
    assert len(body["throughput_samples"]["Red"]) == 90
    assert "capacity" in body["definition"]
    assert body["features"][0]["url"] is None or body["features"][0]["url"].startswith("http")
    # the predictability report carries the same figures, from the same derived seed
    pred = api.get("/pis/PI 26.1/predictability").json()
    assert pred["art"]["projected_pct"] == 116.6667
    assert pred["definition"]["outlook_seed"] == body["seed"]


def test_current_pi_and_seed(api: Api) -> None:
    current = api.get("/pis/current/outlook").json()
    assert current == api.get(RUNNING).json()
    seeded = api.get(RUNNING, seed=7).json()
    assert seeded["seed"] == 7
    assert api.get(RUNNING, seed=7).json() == seeded


def test_unknown_pi_and_bad_seed(api: Api) -> None:
    assert api.get("/pis/PI 99.9/outlook").status_code == 404
    bad = api.get(RUNNING, seed=-1)
    assert (bad.status_code, bad.json()["detail"]) == (
        422,
        "seed: Input should be greater than or equal to 0",
    )


def test_csv_has_one_row_per_objective_then_per_feature(api: Api) -> None:
    text = api.get(RUNNING, format="csv").text
    rows = list(csv.DictReader(io.StringIO(text)))
    assert text.splitlines()[0] == (
        "kind,team,id,text,committed,planned_bv,actual_bv,total_work,remaining_work,"
        "projected_bv,chance_complete_pct,key,title,queue,position,remaining_stories,"
        "chance_done_by_pi_end_pct,url,display_key"
    )
    assert [r["kind"] for r in rows] == ["objective"] * 6 + ["feature"] * 7
    blue10 = next(r for r in rows if r["id"] == "10")
    assert (blue10["team"], blue10["actual_bv"], blue10["projected_bv"]) == ("Blue", "5", "5.0")
    assert [r["key"] for r in rows if r["kind"] == "feature"] == [
        "BLUE-F2",
        "BLUE-F3",
        "RED-F1",
        "RED-F2",
        "RED-F3",
        "GREEN-F1",
        "GREEN-F3",
    ]
