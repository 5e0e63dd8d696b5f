"""Dependency ends read from the columns agree with each item's own history replayed.

The report reads every linked item's team, category, iteration, PI and since-when-done at
the as-of time from the columnar engine in one pass; the per-item replay (metrics.history)
is the readable reference of the same rules, written out here as it used to be computed.
"""

from __future__ import annotations

import random
from datetime import datetime

import pytest
from builder import at
from random_art import random_art

from art.vocabulary import ChangeField, StatusCategory
from metrics.dependencies import End, dependencies
from metrics.inputs import ArtData, ItemFacts


def _replayed_end(data: ArtData, item: ItemFacts, as_of: datetime) -> End:
    h = data.history(item.key)
    it_key = h.value_at(ChangeField.ITERATION, as_of)
    it = data.iteration_by_key.get(it_key) if it_key else None
    pi = it.pi if it is not None and it.pi else h.value_at(ChangeField.PI, as_of)
    cat = StatusCategory.REMOVED if item.deleted else h.category_at(as_of)
    done_at = None
    if cat == StatusCategory.DONE:
        i = h.status_index(as_of)
        while i > 0 and h.st_cat[i - 1] == StatusCategory.DONE:
            i -= 1
        done_at = h.st_times[i]
    span = data.pi_by_name.get(pi) if pi else None
    return End(item, h.value_at(ChangeField.TEAM, as_of), cat, it, span, done_at)


@pytest.mark.parametrize("seed", range(10))
def test_ends_from_the_columns_equal_the_replayed_histories(seed: int) -> None:
    art = random_art(60, seed)
    rnd = random.Random(seed)
    for _ in range(80):
        a, b = rnd.sample(range(60), 2)
        art.link(f"R-{a}", rnd.choice(["blocks", "depends-on"]), f"R-{b}")
    data = art.data()
    for day in (2, 9, 17, 31, 45):
        as_of = at(day, 11.5)
        deps = dependencies(data, as_of, "PI 1")
        assert len(deps) >= 60
        for d in deps:
            assert d.provider == _replayed_end(data, d.provider.item, as_of)
            assert d.consumer == _replayed_end(data, d.consumer.item, as_of)
