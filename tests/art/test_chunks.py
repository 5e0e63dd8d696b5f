"""One way to cut values into bounded pieces, shared by connectors (keys per tracker request)
and sync (values per SQL IN list)."""

from __future__ import annotations

import pytest

from art.chunks import chunks


def test_chunks_keep_order_and_bound_each_piece() -> None:
    assert list(chunks(range(7), 3)) == [[0, 1, 2], [3, 4, 5], [6]]
    assert list(chunks(["a", "b"], 2)) == [["a", "b"]]
    assert list(chunks((k for k in "xyz"), 5)) == [["x", "y", "z"]]  # any iterable
    assert list(chunks([], 3)) == []


def test_a_size_below_one_is_refused() -> None:
    with pytest.raises(ValueError) as refused:
        list(chunks([1], 0))
    assert str(refused.value) == "a chunk holds at least one item, not 0"
