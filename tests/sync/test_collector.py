"""A pull runs with the cyclic collector's youngest generation collected less often, and puts
the thresholds back when the last pull ends."""

from __future__ import annotations

import gc
import threading
import weakref
from collections.abc import Iterator

import pytest
from sqlalchemy.orm import Session, sessionmaker

from app.reports.collector import collector_paused
from art.records import RecordBatch
from sync.collector import PULL_GEN0, collected_less_often
from sync.runner import PullRunner
from sync.structure import apply_config
from tests.sync.fake_connector import FakeConnector, make_items
from tests.sync.test_pull import CONFIG


def test_the_youngest_generation_waits_for_more_objects_while_a_pull_runs() -> None:
    before = gc.get_threshold()
    try:
        gc.set_threshold(700, 11, 12)
        with collected_less_often():
            assert gc.get_threshold() == (PULL_GEN0, 11, 12)
            with collected_less_often():  # a second pull beside it shares the raise
                assert gc.get_threshold() == (PULL_GEN0, 11, 12)
            assert gc.get_threshold() == (PULL_GEN0, 11, 12)  # until the last one ends
        assert gc.get_threshold() == (700, 11, 12)
        gc.set_threshold(PULL_GEN0 * 2, 10, 10)  # a higher threshold set by the operator
        with collected_less_often():
            assert gc.get_threshold() == (PULL_GEN0 * 2, 10, 10)
        assert gc.get_threshold() == (PULL_GEN0 * 2, 10, 10)
    finally:
        gc.set_threshold(*before)


def test_pulls_in_two_threads_put_back_the_thresholds_once_both_end() -> None:
    before = gc.get_threshold()
    first_in, second_out = threading.Event(), threading.Event()
    seen: list[tuple[int, int, int]] = []

    def first() -> None:
        with collected_less_often():
            first_in.set()
            assert second_out.wait(10)
            seen.append(gc.get_threshold())  # the other pull ended: still raised for this one

    worker = threading.Thread(target=first)
    worker.start()
    assert first_in.wait(10)
    with collected_less_often():
        pass
    second_out.set()
    worker.join(10)
    assert seen == [(PULL_GEN0, before[1], before[2])]
    assert gc.get_threshold() == before


@pytest.fixture
def configured(sessions: sessionmaker[Session]) -> sessionmaker[Session]:
    with sessions() as s, s.begin():
        apply_config(s, CONFIG)
    return sessions


class _Watching(FakeConnector):
    """A fake tracker that notes the collector's thresholds while its pages are read."""

    def __init__(self) -> None:
        super().__init__(make_items(5))
        self.thresholds: list[tuple[int, int, int]] = []

    def pull(self, since: str | None) -> Iterator[RecordBatch]:
        for batch in super().pull(since):
            self.thresholds.append(gc.get_threshold())
            yield batch


def test_a_pull_reads_its_pages_with_the_raised_threshold(
    configured: sessionmaker[Session],
) -> None:
    before = gc.get_threshold()
    connector = _Watching()
    result = PullRunner(configured, CONFIG, CONFIG.source("fake"), connector=connector).run()
    assert result.status == "succeeded" and result.counts.fetched == 5
    assert connector.thresholds == [(PULL_GEN0, before[1], before[2])] * 2  # pages of 3
    assert gc.get_threshold() == before


class _Cycle:
    """Garbage in a reference cycle: only the cyclic collector frees it."""

    def __init__(self) -> None:
        self.me = self


def _pull_making_cycles(sessions: sessionmaker[Session]) -> list[tuple[int, list[int]]]:
    """A pull of two batches whose each batch leaves a cycle behind; per batch, which
    batches' cycles had been freed when it was committed."""
    freed: list[int] = []
    seen: list[tuple[int, list[int]]] = []

    def on_batch(_batch: RecordBatch, _counts: object) -> None:
        number = len(seen) + 1
        seen.append((number, list(freed)))
        weakref.finalize(_Cycle(), freed.append, number)

    connector = FakeConnector(make_items(5))  # pages of 3: two batches
    source = CONFIG.source("fake").model_copy(update={"commit_items": 1})
    PullRunner(sessions, CONFIG, source, connector=connector).run(on_batch=on_batch)
    seen.append((0, list(freed)))  # after the pull
    return seen


def test_the_cyclic_garbage_of_a_batch_is_collected_before_the_next_one(
    configured: sessionmaker[Session],
) -> None:
    assert _pull_making_cycles(configured) == [(1, []), (2, [1]), (0, [1, 2])]


def test_no_collection_runs_while_the_collector_is_paused(
    configured: sessionmaker[Session],
) -> None:
    with collector_paused():  # (a report load meanwhile)
        assert _pull_making_cycles(configured) == [(1, []), (2, []), (0, [])]
    gc.collect()
