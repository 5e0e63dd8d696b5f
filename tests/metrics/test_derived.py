"""A structure derived from an ART's data (the columnar engine, the flow facts) is built once
per loaded ART, even when two requests ask for it at the same moment."""

from __future__ import annotations

import threading

from metrics.inputs import ArtData, Definition


def test_a_structure_derived_from_the_art_is_built_once_when_threads_race() -> None:
    data = ArtData(Definition(), [])
    builds: list[int] = []
    entered = threading.Event()

    def build(d: ArtData) -> int:
        builds.append(1)
        entered.set()
        threading.Event().wait(0.2)  # long enough for the other thread to arrive
        return len(builds)

    racer = threading.Thread(target=data.derived, args=(build,))
    racer.start()
    assert entered.wait(10)
    assert data.derived(build) == 1
    racer.join(10)
    assert builds == [1]
