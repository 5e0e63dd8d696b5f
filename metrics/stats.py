"""Summary statistics used by every flow report (docs/metrics.md "Conventions": linear
interpolation).

NumPy's default percentile method is the linear interpolation between closest ranks that
ActionableAgile, pandas and most spreadsheets use, so figures agree with the tools a team knows.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from metrics.output import r4


@dataclass(frozen=True, slots=True)
class Summary:
    """count, mean, p50, p85, p95 and max of a sample (None when it is empty)."""

    count: int
    mean: float | None
    p50: float | None
    p85: float | None
    p95: float | None
    max: float | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "count": self.count,
            "mean": r4(self.mean),
            "p50": r4(self.p50),
            "p85": r4(self.p85),
            "p95": r4(self.p95),
            "max": r4(self.max),
        }


def summarize(values: Sequence[float] | npt.NDArray[np.float64]) -> Summary:
    arr = np.asarray(values, dtype=np.float64)
    if arr.size == 0:
        return Summary(0, None, None, None, None, None)
    p50, p85, p95 = np.percentile(arr, [50.0, 85.0, 95.0])
    return Summary(
        int(arr.size), float(arr.mean()), float(p50), float(p85), float(p95), float(arr.max())
    )


def percentile(values: Sequence[float] | npt.NDArray[np.float64], q: float) -> float | None:
    """The q-th percentile (0-100) by linear interpolation; None for an empty sample."""
    arr = np.asarray(values, dtype=np.float64)
    if arr.size == 0:
        return None
    return float(np.percentile(arr, q))


def percentile_rank(sorted_ref: npt.NDArray[np.float64], x: float) -> float | None:
    """Percentage of the reference values strictly below ``x`` (``sorted_ref`` ascending)."""
    if sorted_ref.size == 0:
        return None
    below = int(np.searchsorted(sorted_ref, x, side="left"))
    return 100.0 * below / int(sorted_ref.size)
