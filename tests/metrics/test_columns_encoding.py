"""How a load's rows become the columns: the fast Change constructor, the coders, and change
rows gathered per item in order without a sort."""

from __future__ import annotations

import dataclasses
import random
from typing import Any

import numpy as np
import pytest
from builder import at
from random_art import random_art
from test_columns_refresh import _decoded

from art.value_codes import lookup, value_codes
from art.vocabulary import ChangeField, Level, StatusCategory, WorkType
from metrics.columns import Coder, Columns, _firsts, _through
from metrics.facts import make_item, make_link
from metrics.inputs import ArtData, Change, Definition, ItemFacts, Link, make_change


def test_make_change_equals_the_dataclass_constructor() -> None:
    values = (
        "R-1",
        ChangeField.STATUS,
        at(3, 9),
        "In Progress",
        "Done",
        StatusCategory.ACTIVE,
        StatusCategory.DONE,
        4,
    )
    made, built = make_change(*values), Change(*values)
    assert made == built and hash(made) == hash(built)
    assert [getattr(made, f.name) for f in dataclasses.fields(Change)] == list(values)
    with pytest.raises(dataclasses.FrozenInstanceError):
        made.seq = 5  # type: ignore[misc]


@pytest.mark.parametrize(("make", "cls"), [(make_item, ItemFacts), (make_link, Link)])
def test_a_slots_maker_equals_the_dataclass_constructor(make: Any, cls: type) -> None:
    values = [f"value of {f.name}" for f in dataclasses.fields(cls)]
    made, built = make(*values), cls(*values)
    assert made == built and made is not built
    assert [getattr(made, f.name) for f in dataclasses.fields(cls)] == values
    with pytest.raises(TypeError):
        make(*values[:-1])  # every field, in order


def test_coder_numbers_new_values_in_order_of_first_appearance() -> None:
    coder = Coder()
    assert coder.codes(["b", None, "a", "b"]) == [0, -1, 1, 0]
    assert coder.codes(["c", "a", "d", "c", None]) == [2, 1, 3, 2, -1]
    assert coder.values == ["b", "a", "c", "d"]
    assert coder.codes(["a", "d"]) == [1, 3]  # nothing new: one lookup each


@pytest.mark.parametrize("seed", range(4))
def test_columns_do_not_depend_on_the_order_changes_are_listed_in(seed: int) -> None:
    """The change rows are gathered item by item from each item's history in time and
    sequence order, so an ART whose changes are listed shuffled (same-instant ones
    included) encodes exactly as one listed in order."""
    data = random_art(80, seed).data()
    shuffled = list(data.changes)
    random.Random(seed).shuffle(shuffled)
    listed_shuffled = dataclasses.replace(data, changes=shuffled)
    ordered = Columns(data)
    assert _decoded(Columns(listed_shuffled)) == _decoded(ordered)
    # rows ascend by item, then time, then sequence
    rows = list(zip(ordered.item.tolist(), ordered.t.tolist(), strict=True))
    assert rows == sorted(rows)


@pytest.mark.parametrize(
    ("item", "distinct", "first"),
    [
        ([0, 0, 2, 2, 2, 5], [0, 2, 5], [0, 2, 5]),  # by item, as changes come: no sort
        ([5, 0, 2, 0, 5], [0, 2, 5], [1, 2, 0]),  # out of order: as np.unique gives them
        ([], [], []),
    ],
)
def test_firsts_are_each_items_first_row(
    item: list[int], distinct: list[int], first: list[int]
) -> None:
    got_items, got_first = _firsts(np.array(item, dtype=np.int64))
    assert (got_items.tolist(), got_first.tolist()) == (distinct, first)


def test_a_status_row_with_nothing_before_it_starts_from_the_items_current_status() -> None:
    """A status change with no ``from`` (None, or an empty string as a tracker may send)
    counts from the item's current status, as the per-item replay does: here an item's
    state at creation, which is its first change's ``from``."""
    items = [
        ItemFacts(key, Level.STORY, WorkType.FEATURE, "Review", StatusCategory.ACTIVE, at(1, 9))
        for key in ("R-1", "R-2")
    ]
    changes = [
        make_change("R-1", ChangeField.STATUS, at(2, 9), None, "Doing", None, None, 0),
        make_change("R-2", ChangeField.STATUS, at(2, 9), "", "Doing", None, None, 0),
        make_change("R-2", ChangeField.STATUS, at(3, 9), "Doing", "Done", None, None, 1),
    ]
    data = ArtData(definition=Definition(timezone="UTC"), items=items, changes=changes)
    cols = Columns(data)
    statuses = cols.statuses.values
    assert [statuses[s] for s in cols.status.tolist()] == [
        "Review",  # R-1 created
        "Doing",
        "Review",  # R-2 created
        "Doing",
        "Done",
    ]


def test_value_codes_number_distinct_values_from_before_to() -> None:
    frm, to, values = value_codes(["b", None, "a"], ["a", "c", None])
    assert (frm.tolist(), to.tolist(), values) == ([0, -1, 1], [1, 2, -1], ["b", "a", "c"])
    assert lookup(values)[-1] is None  # (-1 indexes the last place)


def test_codes_through_a_coder_number_values_as_the_coder_would_the_strings() -> None:
    """Each distinct value is given once, in order of first appearance, so a coder numbers
    them as it numbers the rows' strings themselves."""
    values = ["To Do", "Doing", "Done"]  # (codes from a whole table: another order)
    codes = np.array([2, -1, 0, 2, 1, -1, 0], dtype=np.int32)
    strings = [lookup(values)[c] for c in codes.tolist()]
    assert strings == ["Done", None, "To Do", "Done", "Doing", None, "To Do"]
    by_rows, by_values = Coder(), Coder()
    by_rows.codes(["Doing"])  # (a coder that knows a value already)
    by_values.codes(["Doing"])
    got = _through(codes, lookup(values), by_values.codes)
    assert got.tolist() == by_rows.codes(strings) == [1, -1, 2, 1, 0, -1, 2]
    assert by_values.values == by_rows.values == ["Doing", "Done", "To Do"]
