"""The collector pause around loads: nested and concurrent holders, the state before kept."""

from __future__ import annotations

import gc
import threading
import weakref
from collections.abc import Iterator

import pytest

from app.reports.collector import collector_paused, freeze_loaded, release_frozen


@pytest.fixture(autouse=True)
def restore_collector() -> Iterator[None]:
    was = gc.isenabled()
    yield
    (gc.enable if was else gc.disable)()
    gc.unfreeze()


def test_the_collector_is_off_inside_and_on_again_after_the_last_holder() -> None:
    gc.enable()
    with collector_paused():
        assert gc.isenabled() is False
        with collector_paused():
            assert gc.isenabled() is False
        assert gc.isenabled() is False  # the outer holder still loads
    assert gc.isenabled() is True


def test_a_collector_disabled_before_stays_disabled() -> None:
    gc.disable()
    with collector_paused():
        assert gc.isenabled() is False
    assert gc.isenabled() is False


def test_concurrent_loads_share_the_pause_and_an_error_ends_it() -> None:
    gc.enable()
    inside, release = threading.Event(), threading.Event()
    seen: list[bool] = []

    def other_load() -> None:
        with collector_paused():
            inside.set()
            release.wait(5)
            seen.append(gc.isenabled())

    worker = threading.Thread(target=other_load)
    worker.start()
    assert inside.wait(5)
    with pytest.raises(RuntimeError), collector_paused():
        raise RuntimeError("a load that fails")
    assert gc.isenabled() is False  # the other load still holds the pause
    release.set()
    worker.join(5)
    assert seen == [False]
    assert gc.isenabled() is True


class _Cycle:
    """An object in a reference cycle: only the cyclic collector can free it."""

    def __init__(self) -> None:
        self.me = self


def test_what_a_load_froze_is_collected_at_the_next_full_load() -> None:
    gc.collect()
    cycle = _Cycle()
    gone = weakref.ref(cycle)
    freeze_loaded()  # a load: the cycle, alive now, is frozen with everything else
    assert gc.get_freeze_count() > 0
    del cycle
    gc.collect()
    assert gone() is not None  # frozen: no collection sees it
    release_frozen()  # a full load begins
    assert gone() is None
    assert gc.get_freeze_count() == 0
