"""Metrics: the PI reports of a pulled ART through ReportService, cold and cached.

For each report a new ReportService loads the ART from the store (``load``: the set-based
SELECTs into ArtData), then computes the report body as the API route does (``compute``: the
first computation, which also builds the ArtData index on first use); ``cold`` is the two
together. ``cached`` is the same call again, served from the service's body cache. The
window is the whole last finished PI (its first day to the day after its last), level story
(the bulk of the ART), as of the scenario's as-of time.

This replaces bench/_metrics_perf_draft.py, which timed the formulas over an in-memory
synthetic ART without the store or the cache.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any

REPORTS = ("predictability", "dependencies", "flow", "cfd", "cycle-time")


def _bodies(pi: str, start: date, end: date) -> dict[str, Callable[[Any], dict[str, Any]]]:
    """Each report as the report service computes it for its route, given a ReportContext."""
    from app.reports.bodies_flow import cfd_body, cycle_time_body, flow_body
    from app.reports.bodies_pi import dependencies_body, predictability_body
    from app.reports.context import FlowQuery, Window
    from art.vocabulary import Level

    q = FlowQuery(Window(start, end + timedelta(days=1)), None, Level.STORY)
    return {
        "predictability": lambda ctx: predictability_body(ctx, pi),
        "dependencies": lambda ctx: dependencies_body(ctx, pi, None, None, False),
        "flow": lambda ctx: flow_body(ctx, q, "days", "week"),
        "cfd": lambda ctx: cfd_body(ctx, q, "category"),
        "cycle-time": lambda ctx: cycle_time_body(ctx, q, "days"),
    }


def metrics_job(
    db_url: str,
    config_dict: dict[str, Any],
    pi: tuple[str, date, date],
    as_of: datetime,
    repeat: int,
) -> dict[str, Any]:
    """In a worker process: ``repeat`` cold and cached timings of every report."""
    from app.reports.context import ReportContext
    from app.reports.service import ReportService
    from art.config import TrainyardConfig
    from art.db import make_engine, session_factory

    config = TrainyardConfig.model_validate(config_dict)
    art = config.arts[0].name
    engine = make_engine(db_url)
    sessions = session_factory(engine)
    bodies = _bodies(*pi)
    out: dict[str, list[dict[str, Any]]] = {name: [] for name in bodies}
    items = 0
    try:
        for _ in range(repeat):
            for name, body in bodies.items():
                service = ReportService(sessions, config)
                ctx = ReportContext(art, as_of, service)
                t0 = time.perf_counter()
                data = service.data(art)
                t1 = time.perf_counter()
                first = body(ctx)
                t2 = time.perf_counter()
                again = body(ctx)
                t3 = time.perf_counter()
                if again is not first:
                    raise AssertionError(f"{name}: the second call was not the cached body")
                items = len(data.items)
                out[name].append(
                    {"load": t1 - t0, "compute": t2 - t1, "cold": t2 - t0, "cached": t3 - t2}
                )
    finally:
        engine.dispose()
    return {"items": items, "reports": out}
