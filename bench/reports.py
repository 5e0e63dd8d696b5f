"""Metrics: the PI reports of a pulled ART through ReportService, as the API computes them.

In a fresh process, per repeat: a new ReportService loads the ART (``load``: the set-based
SELECTs into ArtData, then its columns, which every report reads) and the resident memory
after it is read; each report is then computed once over the loaded ART (``compute``: what
a request for a new report or new parameters waits for) and once more (``cached``: the body
cache). Then ``changed`` items (1,000) are stamped with a new data version, as a burst of
webhooks' commits stamps the items it changes, and ``next_version`` is the time until the
flow report of that version is served: the refresh of the loaded ART with those items, its
columns and the report; ``bursts`` (8) such versions one after the other, as a running
service sees them, and the resident memory after them (``rss_after_bursts``: the versions
a busy service keeps). The first after a load costs more: the service keeps the last few
versions, so until it holds that many its memory grows, and new memory is slow to touch
on a virtual machine (see the README's figures). The window is the whole last finished
PI (its first day to the day after its last), level story (the bulk of the ART), as of the
scenario's as-of time.
"""

from __future__ import annotations

import gc
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
    changed: int = 1000,
    bursts: int = 8,
) -> dict[str, Any]:
    """In a worker process: ``repeat`` loads, report computations and new versions."""
    from app.reports.context import ReportContext
    from app.reports.service import ReportService
    from art.config import TrainyardConfig
    from art.db import make_engine, session_factory
    from metrics.columns import columns

    config = TrainyardConfig.model_validate(config_dict)
    art = config.arts[0].name
    engine = make_engine(db_url)
    sessions = session_factory(engine)
    bodies = _bodies(*pi)
    out: dict[str, list[dict[str, Any]]] = {name: [] for name in bodies}
    loads: list[dict[str, float]] = []
    versions: list[list[float]] = []
    items = 0
    try:
        for _ in range(repeat):
            service = ReportService(sessions, config)
            gc.collect()
            t0 = time.perf_counter()
            data = service.data(art)
            columns(data)
            t1 = time.perf_counter()
            gc.collect()
            loads.append({"load": t1 - t0, "rss": current_rss_bytes()})
            items = len(data.items)
            ctx = ReportContext(art, as_of, service)
            for name, body in bodies.items():
                t2 = time.perf_counter()
                first = body(ctx)
                t3 = time.perf_counter()
                again = body(ctx)
                t4 = time.perf_counter()
                if again is not first:
                    raise AssertionError(f"{name}: the second call was not the cached body")
                out[name].append({"compute": t3 - t2, "cached": t4 - t3})
            burst: list[float] = []
            for _ in range(bursts):
                _stamp(engine, changed)
                t5 = time.perf_counter()
                bodies["flow"](ReportContext(art, as_of, service))
                burst.append(time.perf_counter() - t5)
            versions.append(burst)
            loads[-1]["rss_after_bursts"] = current_rss_bytes()
            del data, ctx
    finally:
        engine.dispose()
    return {"items": items, "loads": loads, "reports": out, "next_version": versions}


def _stamp(engine: Any, changed: int) -> None:
    """A new data version with ``changed`` items stamped with it (the bench's stand-in for a
    burst of webhooks: the loader re-reads exactly the items a commit stamps), bumped as the
    product's writers bump it, so readers keeping a version are told."""
    from sqlalchemy import select, update

    from art.db import session_factory, transaction
    from art.models import ART, WorkItem
    from art.structure_queries import next_data_version

    with transaction(session_factory(engine)) as session:
        version = next_data_version(session, session.scalars(select(ART.id)).one())
        picked = select(WorkItem.id).order_by(WorkItem.id).limit(changed).scalar_subquery()
        stamped = update(WorkItem).where(WorkItem.id.in_(picked)).values(art_version=version)
        session.connection().execute(stamped)


def current_rss_bytes() -> int:
    """The process's resident memory now (Linux), in bytes."""
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * 4096
