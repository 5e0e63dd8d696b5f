"""Crash safety: the pull runs in a process of its own and is SIGKILLed at random points.

The Jira simulator runs in the test process (slowed a little, ten items a page, so a pull
spans a couple of dozen batches); ``tests/reliability/crash_pull.py`` pulls it into the store
in a subprocess, which is killed with SIGKILL either once it has committed a random number of
batches (the watermark row is polled) or after a random delay once its SyncRun row exists.
After every kill the store holds only whole batches: each stored item is exactly as a clean
pull writes it, with its whole history, and the watermark is the newest of them. A restart
resumes from there; after the last one the store equals a fault-free pull and the truth.
Each pull holds the source's lease with a short expiry renewed by its heartbeat: a killed
pull's run keeps the counts of the batches it had committed, and once its lease has expired
the next pull takes the source and closes that run, naming those counts.
Seeded randomness; on SQLite and PostgreSQL.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from art.models import SyncRun, Watermark
from art.store.lease import live_holder
from simulators.faults import Faults
from tests.reliability.support import SCENARIO, Snapshot, assert_truth, running, snapshot

ROOT = Path(__file__).resolve().parents[2]
KILLS = 6
SEED = 20260304
SLOW = Faults(page_cap=10, delay=0.01)  # ~20 pages of 10 items, each a few requests
LEASE_SECONDS = 1.0  # the pulls' lease: a killed pull's source is free a second later


def _watermark(sessions: sessionmaker[Session]) -> str | None:
    with sessions() as s:
        return s.scalars(select(Watermark.value)).first()


def _run_count(sessions: sessionmaker[Session]) -> int:
    with sessions() as s:
        return s.scalar(select(func.count()).select_from(SyncRun)) or 0


def _start(store_url: str, tracker_url: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tests.reliability.crash_pull",
            store_url,
            tracker_url,
            str(LEASE_SECONDS),
        ],
        cwd=ROOT,
        env=dict(os.environ),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _wait_until(
    proc: subprocess.Popen[str], ready: Callable[[], bool], deadline: float = 60.0
) -> None:
    """Poll ``ready()`` every few milliseconds until it holds or the process has ended."""
    end = time.monotonic() + deadline
    while proc.poll() is None and not ready():
        if time.monotonic() > end:
            raise AssertionError("the pull neither progressed nor ended")
        time.sleep(0.005)


def _last_run(sessions: sessionmaker[Session]) -> SyncRun:
    with sessions() as s:
        run = s.scalars(select(SyncRun).order_by(SyncRun.id.desc())).first()
    assert run is not None
    return run


def _abandoned(run: SyncRun) -> str:
    """What the next pull records on a run whose process was killed."""
    return (
        "abandoned: the process running this pull stopped before it finished (its lease "
        f"expired); it had committed fetched {run.fetched}, created {run.created}, updated "
        f"{run.updated}, deleted {run.deleted}, skipped {run.skipped} in {run.requests} requests"
    )


def _assert_whole_batches(partial: Snapshot, reference: Snapshot, mark: str | None) -> None:
    """Only whole batches are stored: items as a clean pull writes them, whole histories."""
    assert {k: reference.items[k] for k in partial.items} == partial.items
    kept = set(partial.items)
    assert partial.changes == [c for c in reference.changes if c[0] in kept]
    assert set(partial.links) <= set(reference.links)
    assert len(set(partial.changes)) == len(partial.changes)
    assert mark == (max(v[14] for v in partial.items.values()) if partial.items else None)


def test_sigkilled_pulls_resume_and_converge_to_the_truth(
    store_url: str, sessions: sessionmaker[Session], reference: Snapshot
) -> None:
    rng = random.Random(SEED)
    incomplete: list[bool] = []
    killed: dict[int, str] = {}  # run id -> what closing it must record
    with running(SLOW, sessions) as tracker:
        for round_ in range(KILLS):
            stored = len(snapshot(sessions).items)
            runs, mark = _run_count(sessions), _watermark(sessions)
            proc = _start(store_url, tracker.url)
            if round_ == 0 or rng.random() < 0.5:  # after n more batches are committed
                n, seen = rng.randint(1, 6), [mark]

                def committed(n: int = n, seen: list[str | None] = seen) -> bool:
                    value = _watermark(sessions)
                    if value != seen[-1]:
                        seen.append(value)
                    return len(seen) > n

                _wait_until(proc, committed)
            else:  # after a random delay once the run has started

                def started(runs: int = runs) -> bool:
                    return _run_count(sessions) > runs

                _wait_until(proc, started)
                time.sleep(rng.uniform(0.0, 1.2))
            if proc.poll() is None:
                os.kill(proc.pid, signal.SIGKILL)
            proc.communicate(timeout=30)
            assert proc.returncode in (0, -signal.SIGKILL), proc.returncode

            partial = snapshot(sessions)
            _assert_whole_batches(partial, reference, _watermark(sessions))
            incomplete.append(len(partial.items) < len(reference.items))
            run = _last_run(sessions)
            # the run holds exactly what its committed batches stored, killed or not
            assert run.created == len(partial.items) - stored
            if run.status == "running":
                killed[run.id] = _abandoned(run)
            else:  # it ended before the kill came
                assert run.status == "succeeded"
            # its lease expires a moment after its last renewal: the source is free again
            deadline = time.monotonic() + 60
            while live_holder(sessions, "pull:jira") is not None:
                assert time.monotonic() < deadline, "the dead pull's lease never expired"
                time.sleep(0.05)

        final = _start(store_url, tracker.url)
        out, err = final.communicate(timeout=60)
        assert final.returncode == 0, err[-2000:]
        assert out.startswith("succeeded ")

    assert incomplete[0]  # the first kill, a few batches in, did cut a pull short
    with sessions() as s:
        ended = s.execute(select(SyncRun.id, SyncRun.status, SyncRun.error).order_by(SyncRun.id))
        closed = [tuple(r) for r in ended]
    # one run per process; a killed one was closed by the next, with what it had committed
    assert len(closed) == KILLS + 1 and closed[-1][1:] == ("succeeded", None)
    assert killed and {i: e for i, status, e in closed if status != "succeeded"} == killed
    assert snapshot(sessions) == reference
    assert_truth(snapshot(sessions), SCENARIO)
