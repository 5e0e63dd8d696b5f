"""Charts: SVG and PNG for every chart name, drawn from the report's own (cached) body, with
titles naming the ART, team and window; an unknown chart or format is 404."""

from __future__ import annotations

from tests.app.api.conftest import WINDOW, Api
from tests.app.chart_checks import check_chart, svg_texts

STORIES_IN_WINDOW = {"level": "story", **WINDOW}
CHARTS = {  # each chart with the query it takes (a parameter it does not take is a 422)
    "cfd": STORIES_IN_WINDOW,
    "burnup": {},
    "predictability": {},
    "throughput": STORIES_IN_WINDOW,
    "cycle-time": STORIES_IN_WINDOW,
    "aging": {"level": "story"},
}


TITLES = {
    "cfd": "Cumulative flow: Phoenix, all teams, 2026-01-05 to 2026-02-08",
    "burnup": "Burn-up: Phoenix, all teams, PI 26.1 (2026-01-05 to 2026-03-15)",
    "predictability": "PI predictability: Phoenix, all teams, every PI",
    "throughput": "Throughput per week: Phoenix, all teams, 2026-01-05 to 2026-02-08",
    "cycle-time": "Cycle time: Phoenix, all teams, 2026-01-05 to 2026-02-08",
    "aging": "Aging WIP: Phoenix, all teams, as of 2026-02-10 12:00 UTC",
}


def test_every_chart_renders_as_svg_and_png(api: Api) -> None:
    for name, query in CHARTS.items():
        svg = api.get(f"/charts/{name}.svg", **query)
        assert svg.status_code == 200, (name, svg.text)
        assert svg.headers["content-type"].startswith("image/svg+xml"), name
        png = api.get(f"/charts/{name}.png", **query)
        assert png.status_code == 200, (name, png.text)
        assert png.headers["content-type"] == "image/png", name
        check_chart(svg.content, png.content, TITLES[name])


def test_burnup_of_a_pi_not_started_names_the_pi_dates_not_an_end_before_its_start(
    api: Api,
) -> None:
    svg = api.get("/charts/burnup.svg", pi="PI 26.1", as_of="2026-01-03T12:00:00+00:00")
    texts = svg_texts(svg.content)
    assert "Burn-up: Phoenix, all teams, PI 26.1 (2026-01-05 to 2026-03-15)" in texts
    assert "The PI has not started" in texts


def test_burnup_runs_to_the_pi_end_with_its_ideal_line(api: Api) -> None:
    texts = svg_texts(api.get("/charts/burnup.svg").content)
    assert "Ideal (current scope by the PI end)" in texts
    # the date axis reaches past as_of (10 Feb) to the PI's last weeks (ends 15 Mar)
    assert "01 Mar" in texts or "08 Mar" in texts or "15 Mar" in texts, texts


def test_chart_draws_the_cached_report_body_with_a_title_and_an_etag(api: Api) -> None:
    cache = api.reports.bodies
    api.get("/cfd", team="Blue", **WINDOW)
    hits, misses = cache.hits, cache.misses
    svg = api.get("/charts/cfd.svg", team="Blue", **WINDOW)
    assert (cache.hits, cache.misses) == (hits + 1, misses)
    assert "Cumulative flow: Phoenix, Blue, 2026-01-05 to 2026-02-08" in svg.text
    burnup = api.get("/charts/burnup.svg").text
    assert "Burn-up: Phoenix, all teams, PI 26.1 (2026-01-05 to 2026-03-15)" in burnup
    # the ETag of a chart names its body, chart, format and title: 304 without drawing
    first = api.get("/charts/throughput.png", **WINDOW)
    same = api.get(
        "/charts/throughput.png", headers={"If-None-Match": first.headers["etag"]}, **WINDOW
    )
    assert same.status_code == 304 and same.content == b""
    svg = api.get("/charts/throughput.svg", **WINDOW)
    assert svg.headers["etag"] != first.headers["etag"]


def test_unknown_chart_or_format_is_404_and_bad_parameters_422(api: Api) -> None:
    for path in ["/charts/velocity.svg", "/charts/cfd.gif", "/charts/nothing.png"]:
        resp = api.get(path)
        assert resp.status_code == 404, path
        assert resp.headers["content-type"] == "application/problem+json", path
    assert "cfd, burnup" in api.get("/charts/velocity.svg").json()["detail"]
    # parameters are checked as the reports check them
    resp = api.get("/charts/cfd.svg", team="Nobody")
    assert resp.status_code == 422
    assert resp.json()["errors"][0]["parameter"] == "team"
    bad_pi = api.get("/charts/burnup.png", pi="PI 9.9")
    assert bad_pi.status_code == 422 and bad_pi.json()["errors"][0]["parameter"] == "pi"
