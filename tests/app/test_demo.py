"""The demo tells the truth: the ART `trainyard serve` starts without a configuration file,
pulled for real from both tracker simulators on loopback, maps every status, uses its wait
status, finishes stories in days, and has late and conflicting dependencies in its current PI.

The demo is pinned to one day (``start_demo(today=...)``) so every figure below is exact.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from app.demo import start_demo
from app.main import create_app
from app.settings import Settings
from app.tokens import issue_token
from sync.runner import PullRunner
from tests.app.chart_checks import check_chart
from tests.conftest import bearer

TODAY = date(2026, 12, 2)  # a Wednesday: the demo's current PI is in its third iteration
AS_OF = datetime(2026, 12, 2, tzinfo=UTC).isoformat()

Get = Callable[..., httpx.Response]


@pytest.fixture
def demo_api(store_url: str, tmp_path: Path) -> Iterator[Get]:
    """The demo ART as `trainyard serve` configures it (the default item count), both
    sources pulled once, and a GET helper at the pinned as_of."""
    settings = Settings(database_url=store_url, scheduler=False, data_dir=tmp_path)
    demo = start_demo(settings.demo_items, today=TODAY)
    try:
        config = demo.config
        with TestClient(create_app(settings, config)) as client:
            state = client.app.state.trainyard  # type: ignore[attr-defined]
            for source in config.sources:
                PullRunner(state.sessions, config, source).run()
            with state.sessions() as session, session.begin():
                token = issue_token(session, "demo-test", ["read"], now=datetime.now(UTC)).secret

            def get(path: str, **params: Any) -> httpx.Response:
                resp = client.get(
                    f"/api/v1/arts/Orion{path}",
                    params={"as_of": AS_OF, **params},
                    headers=bearer(token),
                )
                assert resp.status_code == 200, (path, resp.text)
                return resp

            yield get
    finally:
        demo.stop()


def test_the_demo_maps_every_status_and_uses_its_wait_status(demo_api: Get) -> None:
    quality = demo_api("/data-quality").json()
    assert quality["summary"]["unmapped_status"] == 0
    assert [r for r in quality["data"] if r["kind"] == "unmapped_status"] == []
    stories = demo_api("/cycle-time", level="story").json()["data"]
    waited = [r for r in stories if (r["wait_days"] or 0) > 0]
    assert (len(stories), len(waited)) == (490, 136)
    cfd = demo_api("/cfd", level="story").json()
    assert "wait" in cfd["categories"]
    assert max(row["wait"] for row in cfd["data"]) == 16


def test_demo_stories_finish_in_days_not_hours_or_months(demo_api: Get) -> None:
    stats = demo_api("/cycle-time", level="story").json()["stats"]
    assert stats == {
        "count": 470,
        "mean": 6.9963,
        "p50": 5.5038,
        "p85": 11.1549,
        "p95": 17.1449,
        "max": 46.2826,
    }
    assert 2 <= stats["p50"] <= 21  # a story takes days to a few weeks


def test_the_demo_current_pi_has_late_and_conflicting_dependencies(demo_api: Get) -> None:
    deps = demo_api("/pis/PI 26.5/dependencies").json()["data"]
    assert Counter(d["status"] for d in deps) == {
        "removed": 4,
        "resolved": 3,
        "late": 3,
        "conflict": 3,
        "at_risk": 3,
        "on_track": 1,
    }


DEMO_CHARTS = {  # chart: (query, title)
    "cfd": ({"level": "story"}, "Cumulative flow: Orion, all teams, 2026-09-04 to 2026-12-02"),
    "burnup": ({}, "Burn-up: Orion, all teams, PI 26.5 (2026-10-26 to 2027-01-03)"),
    "predictability": ({}, "PI predictability: Orion, all teams, every PI"),
    "throughput": (
        {"level": "story"},
        "Throughput per week: Orion, all teams, 2026-09-04 to 2026-12-02",
    ),
    "cycle-time": ({"level": "story"}, "Cycle time: Orion, all teams, 2026-09-04 to 2026-12-02"),
    "aging": ({"level": "story"}, "Aging WIP: Orion, all teams, as of 2026-12-02 00:00 UTC"),
}


def test_every_chart_of_the_demo_is_a_valid_image_with_its_title(demo_api: Get) -> None:
    for name, (query, title) in DEMO_CHARTS.items():
        svg = demo_api(f"/charts/{name}.svg", **query).content
        png = demo_api(f"/charts/{name}.png", **query).content
        check_chart(svg, png, title)


def test_demo_teams_deliver_near_their_plan(demo_api: Get) -> None:
    """Stretch (uncommitted) objectives carry less value than committed ones, so the ART's
    predictability sits near 100%, not at two or three times its plan."""
    data = demo_api("/predictability").json()["data"]
    assert [(p["pi"], p["art"]["predictability_pct"]) for p in data] == [
        ("PI 26.3", 114.7541),
        ("PI 26.4", 94.1176),
        ("PI 26.5", 92.8571),
        ("PI 27.1", None),
    ]
