"""Pulls: a full pull into a store against the wire limit, and incremental pulls.

A full pull runs in a fresh process (``full_pull_job``): the store is migrated and the
configuration applied before the clock starts, then ``PullRunner.run(full=True)`` is timed and
the process's peak RSS read when it is done. The wire limit is the same requests the
connector made (recorded by the simulator, in order, with their bodies) replayed by a bare
sequential httpx loop that only downloads the answers (``replay``): what the wire and the
simulator cost without any mapping or storing.

An incremental pull (``incremental_job``) is what the scheduler runs: a new PullRunner (a cold
connector, which reads the tracker's metadata again) from the store's watermark.
"""

from __future__ import annotations

import os
import time
from typing import Any

import httpx

from bench.procs import SECRETS, WireCall, peak_rss_bytes
from connectors.json_body import read_json


def pull_runner(db_url: str, config_dict: dict[str, Any], metadata: Any = None) -> Any:
    """A pull runner of the config's first source on a migrated store, and its engine;
    ``metadata``: the tracker metadata a running service would share between its pulls."""
    from art.config import TrainyardConfig
    from art.db import make_engine, session_factory, transaction
    from sync.runner import PullRunner
    from sync.structure import apply_config

    os.environ.update(SECRETS)
    config = TrainyardConfig.model_validate(config_dict)
    engine = make_engine(db_url)
    sessions = session_factory(engine)
    with transaction(sessions) as session:
        apply_config(session, config)
    return PullRunner(sessions, config, config.sources[0], metadata=metadata), engine


def _run(runner: Any, full: bool) -> dict[str, Any]:
    start = time.perf_counter()
    result = runner.run(full=full)
    seconds = time.perf_counter() - start
    if result.status != "succeeded":
        raise RuntimeError(f"pull failed: {result.error}")
    return {
        "seconds": seconds,
        "fetched": result.counts.fetched,
        "created": result.counts.created,
        "updated": result.counts.updated,
        "requests": result.requests,
        "item_errors": len(result.item_errors),
    }


def full_pull_job(db_url: str, config_dict: dict[str, Any]) -> dict[str, Any]:
    """In a fresh process: one full pull into ``db_url``; its figures and the peak RSS."""
    runner, engine = pull_runner(db_url, config_dict)
    rss_before = peak_rss_bytes()
    try:
        out = _run(runner, full=True)
    finally:
        runner.close()
        engine.dispose()
    out["rss_before"] = rss_before
    out["rss_peak"] = peak_rss_bytes()
    return out


def connector_job(config_dict: dict[str, Any]) -> dict[str, Any]:
    """In a fresh process: the connector's full pull alone, batches counted and dropped."""
    from art.config import TrainyardConfig
    from connectors.base import make_connector

    os.environ.update(SECRETS)
    config = TrainyardConfig.model_validate(config_dict)
    source = config.sources[0]
    connector = make_connector(source, list(config.art(source.art).pis))
    rss_before = peak_rss_bytes()
    items = requests = 0
    start = time.perf_counter()
    try:
        for batch in connector.pull(None):
            items += len(batch.items)
            requests += batch.requests
    finally:
        connector.close()
    return {
        "seconds": time.perf_counter() - start,
        "fetched": items,
        "requests": requests,
        "rss_before": rss_before,
        "rss_peak": peak_rss_bytes(),
    }


def incremental_job(db_url: str, config_dict: dict[str, Any]) -> dict[str, Any]:
    """One incremental pull from the store's watermark, as the scheduler runs it."""
    runner, engine = pull_runner(db_url, config_dict)
    try:
        return _run(runner, full=False)
    finally:
        runner.close()
        engine.dispose()


def replay(base_url: str, calls: list[WireCall], parse: bool = False) -> dict[str, Any]:
    """The wire limit: download the answers to ``calls`` in order, one keep-alive connection;
    ``parse``: decode each JSON answer too, as the connectors do (orjson), which any pull
    must (the floor under mapping)."""
    received = 0
    with httpx.Client(base_url=base_url, timeout=120) as client:
        start = time.perf_counter()
        for call in calls:
            response = client.request(
                call.method, call.target, headers=call.headers, content=call.body or None
            )
            received += len(response.content)
            if parse and response.content:
                read_json(response.content)
            if response.status_code != call.status:
                raise RuntimeError(
                    f"replay of {call.method} {call.target[:80]} answered "
                    f"{response.status_code}, the pull got {call.status}"
                )
        seconds = time.perf_counter() - start
    return {"seconds": seconds, "requests": len(calls), "bytes": received}
