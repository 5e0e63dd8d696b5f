"""The benchmark harness (bench/) still runs: every section at a tiny ART, once, on SQLite
(the steady section, PostgreSQL only, on PostgreSQL when it answers).

Only the shape of the output is checked, never a timing: figures on a shared CI machine mean
nothing, and the benchmark has its own targets in its table (`make bench`).
"""

from __future__ import annotations

import json
import math
import subprocess
from datetime import date
from pathlib import Path

import pytest

from bench.__main__ import main, parse_args
from bench.harness import SECTIONS, Options, run
from bench.procs import Stores, in_fresh_process, peak_rss_bytes
from bench.steady import steady_rows
from bench.table import render, write_json
from bench.wire import REPLAYS, wire_rows

pytestmark = pytest.mark.timeout(180)


def test_cli_quick_means_one_small_run() -> None:
    args = parse_args(["--quick", "--only", "pulls,metrics"])
    assert (args.sizes, args.repeat, args.only) == ("2000", 1, "pulls,metrics")
    with pytest.raises(SystemExit):
        parse_args(["--only", "nonsense"])
    steady = parse_args(["--quick", "--only", "steady"])
    assert (steady.only, steady.steady_items, steady.steady_seconds) == ("steady", 2000, 5.0)
    assert parse_args([]).steady_items == 50_000


def test_the_results_file_says_which_run_made_it(tmp_path: Path) -> None:
    out = tmp_path / "run.json"
    assert main(["--quick", "--only", "outlook", "--output", str(out)]) == 0
    body = json.loads(out.read_text())
    assert body["command"] == f"python -m bench --quick --only outlook --output {out}"
    head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True)
    assert body["commit"].split(" + ")[0] == head.stdout.strip()
    assert body["python_loop_seconds"] > 0
    assert {r["section"] for r in body["rows"]} == {"outlook"}


def test_a_spawned_job_reports_its_own_peak_memory_not_its_parents() -> None:
    ballast = bytearray(512 * 2**20)  # the parent grows past 512 MB before the spawn
    ballast[:: 2**12] = b"\x01" * len(range(0, len(ballast), 2**12))  # every page touched
    assert peak_rss_bytes() >= 512 * 2**20
    child = in_fresh_process(peak_rss_bytes)
    del ballast
    assert 0 < child < 256 * 2**20  # a fresh interpreter with bench.procs imported


def test_steady_section_yields_rows_at_a_tiny_size() -> None:
    stores = Stores()
    try:
        rows = steady_rows(
            stores, 7, 300, 4, date(2026, 3, 2), lambda _: None, seconds=2, readers=4, rate=5
        )
    finally:
        stores.close()

    if not stores.postgres_available():
        (row,) = rows
        assert row.figure == f"skipped: PostgreSQL at {stores.pg_url} did not answer"
        assert row.ok is None
        return
    assert len(rows) == 26  # thirteen for each layout
    for layout, part in (("one process", rows[:13]), ("serve + worker", rows[13:])):
        cases = [r.case for r in part]
        assert cases[:3] == [
            f"reads, 4 readers, pull + 5 webhooks/s [postgres, {layout}]",
            f"throughput, 4 readers, pull + 5 webhooks/s [postgres, {layout}]",
            "reads, 4 readers, nothing arriving [postgres]",
        ]
        assert [c.split(" [")[0].strip() for c in cases[3:9]] == [
            "predictability",
            "dependencies",
            "flow",
            "cfd",
            "aging",
            "items?limit=1000",
        ]
        assert cases[9:] == [
            "report computations per data version",
            "service CPU by thread during the window",
            "pulls during the window",
            "webhooks during the window",
        ]
        reads = part[0].values["reads"]
        assert reads["errors"] == 0 and reads["failures"] == []
        assert all(spread["requests"] > 0 for spread in reads["by_path"].values())
        assert part[2].values["errors"] == 0 and part[2].values["requests"] > 0
        computed = part[9].values
        assert computed["versions_made"] >= 1 and computed["computations"] >= 1
        assert computed["most_per_key"] == 1  # a body is computed once per version and params
        used = part[10].values["thread_cpu"]
        parts = sum(v for k, v in used.items() if k != "all threads")
        assert used["all threads"] >= parts - 0.01 * len(used)  # (each rounded to 10 ms)
        pulls = part[11].values["pulls"]
        assert pulls[0]["mode"] == "full" and all(p["status"] == "succeeded" for p in pulls)
        hooks = part[12].values
        assert hooks["events"] == hooks["accepted"] == 10


def test_wire_section_yields_its_rows_and_floors_at_a_tiny_size(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AZURE_DEVOPS_CACHE_DIR", str(tmp_path / "ado-cache"))
    stores = Stores()
    try:
        rows = wire_rows(stores, ["sqlite"], 7, 300, 4, date(2026, 3, 2), lambda _: None)
    finally:
        stores.close()

    by_case = {r.case: r for r in rows}
    for name in ("jira (Data Center)", "ado"):
        bare = by_case[f"{name} bare download"]
        assert len(bare.values["samples"]) == REPLAYS and bare.ok is None
        assert bare.values["seconds"] == sorted(bare.values["samples"])[1]
        decoded = by_case[f"{name} download + JSON decode (nothing mapped)"]
        alone = by_case[f"{name} connector alone: fetch, decode, map (nothing stored)"]
        assert decoded.values["requests"] == bare.values["requests"]
        assert alone.values["fetched"] > 0 and alone.ok is None
        for row in (decoded, alone):
            expected = row.values["seconds"] / bare.values["seconds"]
            assert row.values["wire_ratio"] == pytest.approx(expected)
        pull = by_case[f"{name} full pull + first flow report → sqlite"]
        assert pull.values["fetched"] == alone.values["fetched"] and pull.ok is not None


def test_every_section_yields_rows_at_a_tiny_size(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AZURE_DEVOPS_CACHE_DIR", str(tmp_path / "ado-cache"))
    options = Options(
        sizes=[300],
        repeat=1,
        stores=("sqlite",),
        events=20,
        senders=2,
        threads=2,
        load_seconds=0.3,
        demo_items=300,
        log=lambda _: None,
    )
    rows, meta = run(options)

    errors = [r.figure for r in rows if r.figure.startswith("error")]
    assert errors == []
    sections = {r.section for r in rows}
    assert sections == {
        *("pull", "pull RSS", "incremental", "webhooks", "api", "metrics", "outlook", "console")
    }
    assert set(SECTIONS) == {
        *("pulls", "incremental", "webhooks", "metrics", "api", "outlook", "console")
    }
    assert all(r.size == 300 for r in rows if r.section != "outlook")  # outlook: its own ART
    console = [r for r in rows if r.section == "console"]
    assert [r.case.split(" (")[0] for r in console] == [
        "home",
        "program board",
        "board, dependencies only",
        "dependencies",
        "predictability",
        "flow",
        "velocity and baseline",
        "data quality",
    ]
    assert all(r.values["seconds"] > 0 and r.values["items"] > 0 for r in console)
    cases = {(r.section, r.case) for r in rows}
    for tracker in ("jira", "ado"):
        assert ("pull", f"{tracker} wire limit") in cases
        assert ("pull", f"{tracker} → sqlite") in cases
        assert ("pull RSS", f"{tracker} → sqlite") in cases
        assert ("incremental", f"{tracker} → sqlite, 1% changed") in cases

    pulls = [r for r in rows if r.section == "pull" and "→" in r.case]
    for row in pulls:
        assert row.values["fetched"] > 0 and row.values["seconds"] > 0
        assert math.isfinite(row.values["wire_ratio"]) and row.ok is not None
    rss = [r for r in rows if r.section == "pull RSS"]
    assert all(r.values["rss_peak"] >= r.values["rss_before"] > 0 for r in rss)
    incremental = [r for r in rows if r.section == "incremental"]
    for row in incremental:
        assert row.values["changed"] >= 1 and row.values["idle"]["requests"] > 0
        assert all(run["all_changed_seen"] for run in row.values["runs"])
    (hook,) = [r for r in rows if r.section == "webhooks"]
    assert hook.values["events"] == hook.values["visible"] == hook.values["api_visible"] == 20
    assert hook.ok is True and hook.values["p99"] is not None
    api = {r.case.split(" [")[0]: r for r in rows if r.section == "api"}
    assert set(api) == {"/healthz (ceiling)", "predictability (cached)", "items?limit=1000"}
    assert all(r.values["requests"] > 0 and r.values["errors"] == 0 for r in api.values())
    metrics = [r for r in rows if r.section == "metrics"]
    assert len(metrics) == 7  # the load, five reports, the report of a new version
    assert metrics[0].case == "load the ART with its columns [sqlite]"
    assert metrics[0].values["items"] > 0 and metrics[0].values["rss"] > 0
    assert all(r.values["cached"] < r.values["compute"] for r in metrics[1:6])
    assert metrics[6].case == "flow report of a new version, 1,000 items changed [sqlite]"
    assert metrics[6].values["next_version"] > 0 and metrics[6].values["first"] > 0
    assert "resident after them" in metrics[6].figure
    assert [len(burst) for burst in metrics[6].values["samples"]] == [8]  # one repeat, 8 bursts

    table = render(rows)
    assert table.splitlines()[0].split() == [
        "section",
        "case",
        "size",
        "figure",
        "target",
        "result",
    ]
    path = write_json(rows, meta, tmp_path / "latest.json")
    body = json.loads(path.read_text())
    assert len(body["rows"]) == len(rows)
    assert {"section", "case", "size", "figure", "target", "result", "values"} <= set(
        body["rows"][0]
    )
    assert body["options"]["sizes"] == [300]
    assert not list(tmp_path.glob("*.tmp"))
