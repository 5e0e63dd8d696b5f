"""History values as integer codes into one list of distinct strings.

A large ART's history holds a million ``from`` and ``to`` values drawn from a few hundred
distinct strings (statuses, iteration keys, team names, points). Held as codes, a load
makes no string per row, reorders and selects rows as arrays, and the columnar engine
encodes each distinct value once. Imports NumPy only: the history helper process
(app.reports.history_reader) codes what it reads with it and starts fast.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

I32 = npt.NDArray[np.int32]
NONE = -1  # the code of a missing value


def value_codes(frm: Sequence[str | None], to: Sequence[str | None]) -> tuple[I32, I32, list[str]]:
    """``frm`` and ``to`` as codes into the distinct values (in order of first appearance,
    ``frm`` before ``to``), with the values; None is :data:`NONE`."""
    coder = ValueCoder()
    frm_codes, to_codes = coder.add(frm, to)
    return coder.finish(frm_codes, to_codes)


class ValueCoder:
    """Codes ``from`` and ``to`` values a block of rows at a time, numbered at the end as
    :func:`value_codes` numbers them all at once: a reader turns each block into arrays as
    it comes instead of holding a million rows of strings (app.reports.history_reader)."""

    def __init__(self) -> None:
        # per side, each value's provisional code, in order of first appearance
        self._frm: dict[str | None, int] = {None: NONE}
        self._to: dict[str | None, int] = {None: NONE}

    def add(self, frm: Sequence[str | None], to: Sequence[str | None]) -> tuple[I32, I32]:
        """A block's values as provisional codes, for :meth:`finish`."""
        return _provisional(self._frm, frm), _provisional(self._to, to)

    def finish(self, frm_codes: I32, to_codes: I32) -> tuple[I32, I32, list[str]]:
        """The provisional codes of every block (joined in order) as final codes, with the
        values they index."""
        values = [v for v in self._frm if v is not None]
        final = {v: i for i, v in enumerate(values)}
        for v in self._to:
            if v is not None and v not in final:
                final[v] = len(values)
                values.append(v)
        return (
            _renumbered(self._frm, final, frm_codes),
            _renumbered(self._to, final, to_codes),
            values,
        )


def _provisional(seen: dict[str | None, int], values: Sequence[str | None]) -> I32:
    for v in dict.fromkeys(values):  # (the block's distinct values, at C speed)
        if v not in seen:
            seen[v] = len(seen) - 1
    return np.array(list(map(seen.__getitem__, values)), dtype=np.int32)


def _renumbered(seen: dict[str | None, int], final: dict[str, int], codes: I32) -> I32:
    """``codes`` (provisional, from ``seen``) as codes into the final values."""
    by_code = np.full(len(seen), NONE, dtype=np.int32)  # provisional code -> final (-1 last)
    for v, code in seen.items():
        if v is not None:
            by_code[code] = final[v]
    renumbered: I32 = by_code[codes]
    return renumbered


def lookup(values: list[str]) -> list[str | None]:
    """The values indexable by code, :data:`NONE` included (it indexes the last place)."""
    return [*values, None]
