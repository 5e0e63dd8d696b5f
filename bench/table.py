"""The benchmark's one table: rows of (section, case, size, figure, target, pass/fail).

Each row keeps its numbers (medians, and every repeat's sample) in ``values`` for the JSON
file; ``figure`` and ``target`` are the words a reader sees. ``ok`` is None for a row that is
a reference figure (the wire limit, /healthz) rather than something with a target.
"""

from __future__ import annotations

import json
import math
import os
import platform
import statistics
import time
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).parent / "results"


@dataclass
class Row:
    section: str
    case: str
    size: int
    figure: str
    target: str = ""
    ok: bool | None = None
    values: dict[str, Any] = field(default_factory=dict)

    @property
    def verdict(self) -> str:
        return "-" if self.ok is None else ("pass" if self.ok else "FAIL")


def median(samples: Iterable[float | None]) -> float | None:
    """The median of the samples that are numbers; None when there are none."""
    values = [v for v in samples if v is not None]
    return statistics.median(values) if values else None


def percentile(sorted_values: Sequence[float], pct: float) -> float | None:
    """Nearest-rank percentile of an ascending list (None when empty)."""
    if not sorted_values:
        return None
    rank = max(1, math.ceil(pct / 100 * len(sorted_values)))
    return sorted_values[min(rank, len(sorted_values)) - 1]


def medians(samples: list[dict[str, Any]]) -> dict[str, Any]:
    """Per numeric key, the median over the repeats; the samples themselves under ``runs``."""
    keys = list(
        dict.fromkeys(
            k
            for s in samples
            for k, v in s.items()
            if isinstance(v, int | float) and not isinstance(v, bool)
        )
    )
    out: dict[str, Any] = {k: median(s.get(k) for s in samples) for k in keys}
    out["runs"] = samples
    return out


def secs(value: float | None) -> str:
    """Seconds, with a unit that keeps three significant digits readable."""
    if value is None:
        return "n/a"
    if value < 0.000_999_5:
        return f"{value * 1e6:.3g} µs"
    if value < 0.999_5:
        ms = value * 1000
        return f"{ms:.3g} ms" if ms < 99.95 else f"{ms:.0f} ms"
    return f"{value:.3g} s" if value < 99.95 else f"{value:.0f} s"


def mb(value: float | None) -> str:
    return "n/a" if value is None else f"{value / 2**20:.0f} MB"


def render(rows: list[Row]) -> str:
    """The rows as an aligned text table."""
    head = ("section", "case", "size", "figure", "target", "result")
    cells = [head] + [
        (r.section, r.case, f"{r.size:,}", r.figure, r.target, r.verdict) for r in rows
    ]
    widths = [max(len(c[i]) for c in cells) for i in range(len(head))]
    lines = []
    for n, c in enumerate(cells):
        lines.append(
            "  ".join(
                v.ljust(w) if i != 2 else v.rjust(w)
                for i, (v, w) in enumerate(zip(c, widths, strict=True))
            ).rstrip()
        )
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def python_pace(loops: int = 10_000_000) -> float:
    """Seconds for a Python loop of ``loops`` additions: the machine's speed, written beside
    the figures, since machines of one kind differ by half from one session to the next."""
    started = time.perf_counter()
    total = 0
    for n in range(loops):
        total += n
    return round(time.perf_counter() - started, 3)


def machine() -> dict[str, Any]:
    return {
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "load_avg_at_end": os.getloadavg(),
    }


def write_json(rows: list[Row], meta: dict[str, Any], path: Path | None = None) -> Path:
    """Write the table and ``meta`` as JSON (via a .tmp file, renamed when complete)."""
    path = path or RESULTS / "latest.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    body = {
        **meta,
        "machine": machine(),
        "rows": [{**asdict(r), "result": r.verdict} for r in rows],
    }
    tmp.write_text(json.dumps(body, indent=2, default=str) + "\n")
    tmp.replace(path)
    return path
