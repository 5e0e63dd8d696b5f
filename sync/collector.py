"""The cyclic garbage collector during a pull: run less often, never paused.

A pull decodes the tracker's JSON and maps it into records, then into rows: hundreds of
thousands of small objects a minute, each alive for about a page and almost none in a
reference cycle (reference counting frees them). CPython's collector starts on every 700
new objects and traverses everything younger than its last pass, so it kept walking the
pages in flight: over a quarter of the Jira connector's CPU on a 5,016-issue project. While
a pull runs, the youngest generation is collected every ``PULL_GEN0`` new objects instead;
the older generations keep their own ratios. The collector is not paused, as the report
service pauses it for a load: a pull lasts minutes, and the cyclic garbage the rest of the
process makes meanwhile (requests, webhooks) is still collected, a little later.

The thresholds are process-wide, so pulls running side by side share the raise and the
last one to end puts back what was set before the first began.

Some cyclic garbage a pull does make: each applied batch leaves about 40 KB of it (SQLAlchemy
statement objects, with the values they bound). Left to the raised threshold, it outlived its
batch, scattered among the blocks the next batches used, and the process's memory crept up
through the whole pull: a 200,000-item Jira pull into SQLite peaked at 170 MB, 1.38x the
10,000-item pull. Collecting the two younger generations after each batch
(:func:`collect_batch_garbage`) frees it while it is young: 143 MB, 1.16x
(bench/results/issue18-round17-pulls.json), and no slower.
"""

from __future__ import annotations

import gc
from collections.abc import Callable

from art.process_setting import ProcessSetting

PULL_GEN0 = 100_000  # new objects between two collections of the youngest generation


def _raise_gen0() -> Callable[[], None]:
    """The youngest generation's threshold raised to ``PULL_GEN0`` (a threshold already
    higher is kept), and how to put back the thresholds before."""
    before = gc.get_threshold()
    gen0, gen1, gen2 = before
    gc.set_threshold(max(gen0, PULL_GEN0), gen1, gen2)
    return lambda: gc.set_threshold(*before)


# Run a block with the youngest generation collected every ``PULL_GEN0`` new objects
# (re-entrant and thread-safe).
collected_less_often = ProcessSetting(_raise_gen0).held


def collect_batch_garbage() -> None:
    """After a batch is committed: collect the two younger generations, which then hold the
    batch's cyclic garbage and little else. Not while something has paused the collector
    (a report load, app.reports.collector): a collection would walk all it made."""
    if gc.isenabled():
        gc.collect(1)
