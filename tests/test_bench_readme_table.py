"""The README's benchmark table is written from one results file (bench/readme_table.py)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench.readme_table import TableError, main, markdown, replace_block

RESULTS = {
    "generated_at": "2026-12-07T10:00:00+00:00",
    "command": "python -m bench --stores postgres",
    "commit": "abc1234",
    "duration_seconds": 3000.0,
    "python_loop_seconds": 0.84,
    "machine": {"cpus": 2, "python": "3.11.7"},
    "rows": [
        {
            "section": "metrics",
            "case": "load the ART",
            "size": 200000,
            "figure": "2.8 s, 690 MB",
            "target": "< 3 s, < 1 GB",
            "result": "pass",
        },
        {
            "section": "wire",
            "case": "pull | first report",
            "size": 5016,
            "figure": "5.1x\nwire",
            "target": "<= 1.5x",
            "result": "FAIL",
        },
        {"section": "api", "case": "healthz", "size": 0, "figure": "900 req/s", "result": "-"},
    ],
}

TABLE = """\
One run of `python -m bench --stores postgres` on commit abc1234, finished \
2026-12-07T10:00:00+00:00 in 50 min, on 2 cores with Python 3.11.7; ten million additions \
in a Python function took 0.84 s: 3 rows, 1 below their target.

| section | case | size | figure | target | result |
|---|---|---|---|---|---|
| metrics | load the ART | 200,000 | 2.8 s, 690 MB | < 3 s, < 1 GB | pass |
| wire | pull \\| first report | 5,016 | 5.1x wire | <= 1.5x | FAIL |
| api | healthz |  | 900 req/s |  | - |"""


def test_markdown_gives_the_run_and_every_row_beside_its_target() -> None:
    assert markdown(RESULTS) == TABLE
    with_targets = markdown(RESULTS, targets_only=True)
    assert with_targets == TABLE.removesuffix("\n| api | healthz |  | 900 req/s |  | - |")


def test_a_results_file_without_rows_is_refused_by_name() -> None:
    with pytest.raises(TableError, match="has no rows"):
        markdown({"rows": []})
    with pytest.raises(TableError, match="row 1 of the results file lacks a usable 'figure'"):
        markdown({"rows": [{"section": "api", "case": "x", "size": 1}]})


def test_only_the_text_between_the_markers_is_replaced() -> None:
    readme = "# T\n\nbefore\n<!-- bench-table -->\nold\nrows\n<!-- /bench-table -->\nafter\n"
    assert replace_block(readme, "new") == (
        "# T\n\nbefore\n<!-- bench-table -->\nnew\n<!-- /bench-table -->\nafter\n"
    )
    with pytest.raises(TableError, match="it must hold <!-- bench-table -->"):
        replace_block("# T\n<!-- /bench-table -->\n<!-- bench-table -->\n", "new")


def test_the_command_rewrites_both_tables_and_names_a_bad_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    results, readme, history = tmp_path / "run.json", tmp_path / "README.md", tmp_path / "h.md"
    results.write_text(json.dumps(RESULTS))
    empty = "intro\n<!-- bench-table -->\n<!-- /bench-table -->\n"
    readme.write_text(empty)
    history.write_text(empty)
    files = ["--readme", str(readme), "--history", str(history)]
    assert main([str(results), *files]) == 0
    assert readme.read_text() == (
        f"intro\n<!-- bench-table -->\n{markdown(RESULTS, True)}\n<!-- /bench-table -->\n"
    )
    assert history.read_text() == f"intro\n<!-- bench-table -->\n{TABLE}\n<!-- /bench-table -->\n"
    assert capsys.readouterr().out == (
        f"{readme}: the benchmark table now holds 2 rows of {results}\n"
        f"{history}: the benchmark table now holds 3 rows of {results}\n"
    )

    history.write_text("no markers")  # neither file is written when one cannot be
    readme.write_text(empty)
    assert main([str(results), *files]) == 2
    assert capsys.readouterr().err == (
        f"python -m bench.readme_table: {history}: it must hold <!-- bench-table --> and, "
        "after it, <!-- /bench-table -->\n"
    )
    assert readme.read_text() == empty

    history.write_text(empty)
    results.write_text("{not json")
    assert main([str(results), *files]) == 2
    error = capsys.readouterr().err
    assert error.startswith(f"python -m bench.readme_table: {results} is not JSON: Expecting")
    assert readme.read_text() == empty  # left as it was
