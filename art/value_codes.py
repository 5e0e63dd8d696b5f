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
    values = [v for v in dict.fromkeys([*frm, *to]) if v is not None]
    code_of: dict[str | None, int] = {v: i for i, v in enumerate(values)}
    code_of[None] = NONE
    return (
        np.array(list(map(code_of.__getitem__, frm)), dtype=np.int32),
        np.array(list(map(code_of.__getitem__, to)), dtype=np.int32),
        values,
    )


def lookup(values: list[str]) -> list[str | None]:
    """The values indexable by code, :data:`NONE` included (it indexes the last place)."""
    return [*values, None]
