"""Console: each page of the RTE console served on the demo ART, once the ART is loaded.

The demo ART (`make run`'s, both tracker simulators, pulled for real into a fresh SQLite
store) is served by the app in this process through its ASGI interface; a console session
is signed in with a read token. Each page is loaded once (the ART's data and the page's
report bodies and charts are loaded then; that time is kept apart as ``first``), then timed
``repeat`` times: the figure is the median, target under 300 ms.
"""

from __future__ import annotations

import os
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

PAGE_TARGET = 0.3  # seconds
PAGES = (
    ("home", "/arts/{art}"),
    ("program board", "/arts/{art}/pis/{pi}/board"),
    ("board, dependencies only", "/arts/{art}/pis/{pi}/board?view=dependencies"),
    ("dependencies", "/arts/{art}/pis/{pi}/dependencies"),
    ("predictability", "/arts/{art}/predictability"),
    ("flow", "/arts/{art}/flow"),
    ("velocity and baseline", "/arts/{art}/velocity"),
    ("data quality", "/arts/{art}/data-quality"),
)


def console_job(demo_items: int, repeat: int) -> dict[str, Any]:
    """In a worker process: the demo ART pulled, then each page's timings in seconds."""
    from fastapi.testclient import TestClient

    from app.demo import ENV, start_demo
    from app.main import create_app
    from app.settings import Settings
    from app.tokens import issue_token
    from art.db import upgrade
    from sync.runner import PullRunner

    os.environ.update(ENV)
    with tempfile.TemporaryDirectory(prefix="trainyard-bench-console-") as directory:
        url = f"sqlite:///{Path(directory) / 'store.db'}"
        upgrade(url)
        settings = Settings(database_url=url, data_dir=Path(directory), scheduler=False)
        demo = start_demo(demo_items)
        try:
            config = demo.config
            with TestClient(create_app(settings, config, with_worker=False)) as client:
                state = client.app.state.trainyard  # type: ignore[attr-defined]
                for source in config.sources:
                    PullRunner(state.sessions, config, source).run()
                with state.sessions() as session, session.begin():
                    token = issue_token(session, "bench", ["read"], now=datetime.now(UTC)).secret
                signed = client.post(
                    "/sign-in", data={"token": token, "next": "/"}, follow_redirects=False
                )
                if signed.status_code != 303:
                    raise RuntimeError(f"sign-in answered {signed.status_code}")
                art = config.arts[0].name
                pi = state.reports.data(art).pi_containing(datetime.now(UTC).date())
                name = pi.name if pi is not None else config.arts[0].pis[-1].name
                timings: dict[str, list[float]] = {}
                firsts: dict[str, float] = {}
                for page, template in PAGES:
                    path = template.format(art=quote(art), pi=quote(name))
                    t0 = time.perf_counter()
                    first = client.get(path)  # the load: data, bodies, charts
                    firsts[page] = time.perf_counter() - t0
                    if first.status_code != 200:
                        raise RuntimeError(f"{path} answered {first.status_code}")
                    timings[page] = []
                    for _ in range(repeat):
                        t0 = time.perf_counter()
                        client.get(path).raise_for_status()
                        timings[page].append(time.perf_counter() - t0)
                items = len(state.reports.data(art).items)
        finally:
            demo.stop()
    return {"items": items, "pi": name, "pages": timings, "first": firsts}
