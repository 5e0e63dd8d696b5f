"""``python -m bench``: the benchmark table (see bench/harness.py for what each section does).

    .venv/bin/python -m bench [--sizes 10000,50000,200000] [--repeat 3]
        [--only pulls,incremental,webhooks,metrics,api,outlook,console,wire,memory,steady]
        [--stores sqlite,postgres] [--wire-items 5016] [--memory-items 50000]
        [--steady-items 50000] [--steady-seconds 20] [--steady-profile] [--quick]

Prints one table (section, case, size, figure, target, pass/fail) and writes it with every
sample to bench/results/latest.json. ``--quick`` is a smoke run: size 2,000, one repeat.
PostgreSQL: TRAINYARD_BENCH_POSTGRES_URL, else TRAINYARD_TEST_POSTGRES_URL, else
postgresql+psycopg://postgres@127.0.0.1:5432/test (a database per pull is created beside it
and dropped at the end); when it does not answer, its rows are left out.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
# sections of bench/wire.py, run after the harness's: pulls near the wire, a large pull's RSS
WIRE_SECTIONS = ("wire", "memory")
# bench/steady.py, run last: reads while a pull runs and webhooks arrive (PostgreSQL)
STEADY_SECTIONS = ("steady",)
AFTER_SECTIONS = WIRE_SECTIONS + STEADY_SECTIONS
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

DEFAULT_SIZES = "10000,50000,200000"


def _csv(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    from bench.harness import SECTIONS

    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument(
        "--sizes", default=DEFAULT_SIZES, help="ART sizes in items, comma-separated"
    )
    parser.add_argument("--repeat", type=int, default=3, help="runs per figure (the median wins)")
    parser.add_argument(
        "--only", default=",".join(SECTIONS + AFTER_SECTIONS), help="sections, comma-separated"
    )
    parser.add_argument(
        "--wire-items", type=int, default=5016, help="items of the wire section's project"
    )
    parser.add_argument(
        "--memory-items", type=int, default=50_000, help="items of the memory section's pull"
    )
    parser.add_argument(
        "--steady-items", type=int, default=50_000, help="items of the steady section's ART"
    )
    parser.add_argument(
        "--steady-seconds", type=float, default=20.0, help="the steady section's window"
    )
    parser.add_argument(
        "--steady-profile",
        action="store_true",
        help="steady: a second window with a sampling profiler in the service",
    )
    parser.add_argument("--stores", default="sqlite,postgres", help="sqlite and/or postgres")
    parser.add_argument("--quick", action="store_true", help="smoke run: size 2000, repeat 1")
    parser.add_argument("--events", type=int, default=1000, help="webhook deliveries per burst")
    parser.add_argument("--threads", type=int, default=8, help="concurrent API clients")
    parser.add_argument("--load-seconds", type=float, default=5.0, help="per API endpoint run")
    parser.add_argument("--teams", type=int, default=10)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--output", type=Path, default=None, help="JSON file (default bench/results/latest.json)"
    )
    args = parser.parse_args(argv)
    unknown = set(_csv(args.only)) - set(SECTIONS + AFTER_SECTIONS)
    if unknown:
        known = SECTIONS + AFTER_SECTIONS
        parser.error(f"unknown section(s) {', '.join(sorted(unknown))}; known: {known}")
    if set(_csv(args.stores)) - {"sqlite", "postgres"}:
        parser.error("--stores takes sqlite and/or postgres")
    if args.quick:
        args.sizes, args.repeat = "2000", 1
        args.wire_items, args.memory_items, args.steady_items = 2000, 2000, 2000
        args.steady_seconds = min(args.steady_seconds, 5.0)
        args.load_seconds = min(args.load_seconds, 2.0)
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    # the Azure DevOps SDK caches OPTIONS answers on disk: ours, thrown away at the end
    cache = tempfile.mkdtemp(prefix="trainyard-bench-ado-")
    os.environ.setdefault("AZURE_DEVOPS_CACHE_DIR", cache)
    from bench.harness import Options, run
    from bench.table import python_pace, render, write_json

    started, pace = time.perf_counter(), python_pace()

    only = tuple(_csv(args.only))
    options = Options(
        sizes=[int(s.replace("_", "")) for s in _csv(args.sizes)],
        repeat=max(1, args.repeat),
        only=tuple(s for s in only if s not in AFTER_SECTIONS),
        stores=tuple(_csv(args.stores)),  # type: ignore[arg-type]
        teams=args.teams,
        seed=args.seed,
        events=args.events,
        threads=args.threads,
        load_seconds=args.load_seconds,
    )
    try:
        rows, meta = run(options)
        rows += _wire(options, only, args.wire_items, args.memory_items)
        if "steady" in only:
            rows += _steady(options, args)
    finally:
        shutil.rmtree(cache, ignore_errors=True)
    print(render(rows))
    meta.update(
        command=" ".join(["python -m bench", *(argv if argv is not None else sys.argv[1:])]),
        commit=_commit(),
        duration_seconds=round(time.perf_counter() - started, 1),
        generated_at=datetime.now(UTC).isoformat(timespec="seconds"),
        python_loop_seconds=pace,
    )
    path = write_json(rows, meta, args.output)
    failed = sum(1 for r in rows if r.ok is False)
    print(
        f"\n{len(rows)} rows, {failed} failed, {meta['duration_seconds']:.0f} s; written to {path}"
    )
    for note in meta["notes"]:
        print(f"note: {note}")
    return 0


def _commit() -> str | None:
    """The checkout's commit (with "+ changes" when its files differ from it), or None."""
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
        )
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=ROOT,
            capture_output=True,
            text=True,
        )
    except OSError:
        return None
    if head.returncode != 0:
        return None
    return head.stdout.strip() + (" + changes" if dirty.stdout.strip() else "")


def _wire(options: Any, only: tuple[str, ...], wire_items: int, memory_items: int) -> list[Any]:
    """The rows of bench/wire.py's sections asked for, on the stores that answer."""
    from bench.procs import Stores
    from bench.wire import memory_rows, wire_rows

    if not set(only) & set(WIRE_SECTIONS):
        return []
    stores = Stores()
    kinds = [k for k in options.stores if k != "postgres" or stores.postgres_available()]
    o, rows = options, []
    try:
        if "wire" in only:
            rows += wire_rows(stores, kinds, o.seed, wire_items, o.teams, o.today, o.log)
        if "memory" in only:
            rows += memory_rows(stores, o.seed, memory_items, o.teams, o.today, o.log)
    finally:
        stores.close()
    return rows


def _steady(options: Any, args: argparse.Namespace) -> list[Any]:
    """The rows of bench/steady.py (one saying why, when PostgreSQL does not answer)."""
    from bench.procs import Stores
    from bench.steady import steady_rows

    stores = Stores()
    try:
        return steady_rows(
            stores,
            options.seed,
            args.steady_items,
            options.teams,
            options.today,
            options.log,
            seconds=args.steady_seconds,
            profile=args.steady_profile,
        )
    finally:
        stores.close()


if __name__ == "__main__":
    sys.exit(main())
