"""The columns of a refreshed ART, built from the version before, equal a fresh build.

A new data version re-encodes only the items whose facts or changes are new objects and
copies the other rows from the columns of the data it was refreshed from. Codes may be
numbered differently, so the columns are compared as decoded values.
"""

from __future__ import annotations

import dataclasses
import random
from typing import Any

import numpy as np
import pytest
from builder import at
from random_art import STATUSES, random_art

from art.vocabulary import ChangeField
from metrics.columns import NEVER, Columns, FlowArrays, columns, from_us, us
from metrics.inputs import ArtData, Change, change_order


def _decoded(c: Columns) -> dict[str, Any]:
    """Every column of the stream, codes turned back into values."""

    def values(coder: Any, codes: np.ndarray) -> list[str | None]:
        return [coder.values[k] if k >= 0 else None for k in codes.tolist()]

    return {
        "keys": c.keys,
        "first": c.first.tolist(),
        "created": c.created.tolist(),
        "level": c.level.tolist(),
        "work_type": c.work_type.tolist(),
        "deleted": c.deleted.tolist(),
        "team": values(c.teams, c.team),
        "item": c.item.tolist(),
        "t": c.t.tolist(),
        "kind": c.kind.tolist(),
        "status": values(c.statuses, c.status),
        "cat": c.cat.tolist(),
        "iteration": values(c.iterations, c.iteration),
        "team_at": values(c.teams, c.team_at),
        "pi_at": values(c.pis, c.pi_at),
        "flagged": c.flagged.tolist(),
        "points": np.nan_to_num(c.points, nan=-1.0).tolist(),
        "next_t": c.next_t.tolist(),
        "prev_cat": c.prev_cat.tolist(),
        "entry": c.entry.tolist(),
    }


def _grouped(changes: list[Change]) -> dict[str, list[Change]]:
    out: dict[str, list[Change]] = {}
    for ch in changes:
        out.setdefault(ch.item_key, []).append(ch)
    for lst in out.values():
        lst.sort(key=change_order)
    return out


def _next_version(before: ArtData, seed: int, mode: str) -> tuple[ArtData, set[str]]:
    """``before`` as a loader's refresh would make it: some items with new facts, some with
    a new history, the rest the very same objects; primed with ``before`` like the report
    service's refresh. Modes: "positions", primed with the changed positions (no item added
    or gone); "identity", one gone and two new (a new status and a new team among them);
    "shuffle", those and the items in another order."""
    rnd = random.Random(seed)
    items = list(before.items)
    by_item = dict(before.changes_by_item)  # the same list objects
    touched: set[str] = set()
    for i in rnd.sample(range(len(items)), 6):  # new facts
        items[i] = dataclasses.replace(items[i], status=rnd.choice(STATUSES), flagged=True)
        touched.add(items[i].key)
    for i in rnd.sample(range(len(items)), 6):  # a new history: one more status change
        key = items[i].key
        extra = Change(key, ChangeField.STATUS, at(35, 2), "To Do", "Brand New Status")
        by_item[key] = sorted([*by_item.get(key, []), extra], key=change_order)
        touched.add(key)
    changed = sorted(i for i, it in enumerate(items) if it.key in touched)
    if mode != "positions":
        gone = items.pop(rnd.randrange(len(items)))
        by_item.pop(gone.key, None)
        touched.discard(gone.key)
        for n in (1, 2):
            new = dataclasses.replace(items[0], key=f"NEW-{n}", team="C", status="Fresh")
            items.append(new)
            by_item[new.key] = [Change(new.key, ChangeField.POINTS, at(36, 1), None, "8")]
            touched.add(new.key)
    if mode == "shuffle":  # a data version whose items come in another order
        rnd.shuffle(items)
    changes = [c for it in items for c in by_item.get(it.key, [])]
    after = dataclasses.replace(before, items=items, changes=changes)
    grouping = {k: v for k, v in by_item.items() if k in {it.key for it in items}}
    after.prime(grouping, before, changed if mode == "positions" else None)
    return after, touched


RULES: list[dict[str, object]] = [
    {},
    {"restart_on_backlog": True, "done_rule": "first", "start_status": "In Review"},
]


@pytest.mark.parametrize("rules", range(len(RULES)))
@pytest.mark.parametrize("mode", ["positions", "identity", "shuffle"])
@pytest.mark.parametrize("seed", range(6))
def test_refreshed_columns_equal_a_fresh_build(seed: int, mode: str, rules: int) -> None:
    before = random_art(60, seed, **RULES[rules]).data()
    built_before = columns(before)
    after, touched = _next_version(before, seed, mode)
    assert after.refreshed_from() is before
    assert after.changed_since_before() == (
        sorted(after.items.index(after.by_key[k]) for k in touched) if mode == "positions" else None
    )
    refreshed = columns(after)
    fresh = Columns(dataclasses.replace(after))  # no previous version: everything encoded
    assert fresh.item_rows is not refreshed.item_rows
    assert _decoded(refreshed) == _decoded(fresh)
    # the earlier version's columns and coders are left as they were
    assert "Brand New Status" not in built_before.statuses.values
    assert "Brand New Status" in refreshed.statuses.values
    # items in another order: everything encoded again (the stream cannot be patched)
    encoded = len(after.items) if mode == "shuffle" else len(touched)
    assert (refreshed.encoded, fresh.encoded) == (encoded, len(after.items))
    if mode == "positions":  # the indexes patched, not rebuilt, equal rebuilt ones
        unprimed = dataclasses.replace(after)
        assert after.by_key == unprimed.by_key
        assert after.team_names == unprimed.team_names
    # and the formulas read the same from both; the flow arrays of the refreshed columns are
    # patched from those the version before computed at the same time, when it did
    for as_of in (at(40, 12), at(20, 3)):
        built_before.flows(before, as_of)
        patched = refreshed._patched_flows(after, refreshed.flow_time(us(as_of)))
        assert (patched is None) == (mode == "shuffle")  # a full build has nothing to patch
        for name in FlowArrays.__slots__:
            a = getattr(refreshed.flows(after, as_of), name)
            b = getattr(fresh.flows(after, as_of), name)
            assert a.tolist() == b.tolist(), name
            if patched is not None:
                assert getattr(patched, name).tolist() == b.tolist(), name


def test_flows_past_the_last_event_are_one_and_patched_by_the_next_version() -> None:
    before = random_art(60, 3).data()
    built_before = columns(before)
    last = built_before.t_last
    # any time from the last event on sees every event: one set of arrays, kept once
    now, later = from_us(last), from_us(last + 86_400_000_000)
    assert built_before.flows(before, now) is built_before.flows(before, later)
    assert list(built_before._flows) == [NEVER]
    earlier = from_us(last - 1)  # a time before it is its own
    assert built_before.flows(before, earlier) is not built_before.flows(before, now)
    assert list(built_before._flows) == [NEVER, last - 1]
    # the next version (no event later than ``later``) patches them from the version before
    after, _ = _next_version(before, 3, "positions")
    refreshed = columns(after)
    assert refreshed.t_last <= us(later)
    patched = refreshed._patched_flows(after, refreshed.flow_time(us(later)))
    assert patched is not None
    fresh = Columns(dataclasses.replace(after))
    for name in FlowArrays.__slots__:
        want = getattr(fresh.flows(after, later), name).tolist()
        assert getattr(patched, name).tolist() == want, name
        assert getattr(refreshed.flows(after, later), name).tolist() == want, name


def test_a_changed_definition_builds_afresh() -> None:
    before = random_art(20, 1).data()
    columns(before)
    after = dataclasses.replace(
        before, definition=dataclasses.replace(before.definition, statuses={"Odd": "done"})
    )
    after.prime(dict(before.changes_by_item), before)  # every item the very same object
    # the mapping changes categories, so nothing may be copied from the columns before
    assert _decoded(columns(after)) == _decoded(Columns(dataclasses.replace(after)))
    assert _decoded(columns(after)) != _decoded(columns(before))
