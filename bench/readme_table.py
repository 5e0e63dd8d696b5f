"""The README's benchmark table, written from one results file of ``python -m bench``.

    .venv/bin/python -m bench.readme_table bench/results/latest.json \
        [--readme README.md] [--history docs/benchmarks.md]

Each file holds its table between ``<!-- bench-table -->`` and ``<!-- /bench-table -->``;
this replaces what lies between them with a line saying which run produced the rows (the
command, the commit, when, on what machine) and the rows: in the README those with a
target, beside it and their verdict; in the history page every row, the reference figures
too. So the tables a reader sees are one run's, never rows copied from several.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

BEGIN = "<!-- bench-table -->"
END = "<!-- /bench-table -->"
HEAD = ("section", "case", "size", "figure", "target", "result")


class TableError(ValueError):
    """The results file or the README cannot give the table: the message says which and why."""


def load_results(path: Path) -> dict[str, Any]:
    """The results file as a dict; TableError naming the file when it is not one."""
    try:
        body = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise TableError(f"{path} is not JSON: {exc}") from exc
    if not isinstance(body, dict):
        raise TableError(f"{path} holds no results object (is it the output of python -m bench?)")
    return body


def _cell(value: object) -> str:
    """A Markdown table cell: pipes escaped, line breaks folded into spaces."""
    return " ".join(str(value).split()).replace("|", "\\|")


def provenance(results: dict[str, Any]) -> str:
    """One paragraph: the command, commit, date and machine of the run."""
    command = results.get("command") or "python -m bench"
    commit = results.get("commit") or "an unrecorded commit"
    when = results.get("generated_at", "an unrecorded time")
    machine = results.get("machine", {})
    speed = results.get("python_loop_seconds")
    pace = f"; ten million additions in a Python function took {speed:.2f} s" if speed else ""
    rows = results.get("rows", [])
    failed = sum(1 for r in rows if r.get("result") == "FAIL")
    seconds = results.get("duration_seconds")
    took = f" in {seconds / 60:.0f} min" if isinstance(seconds, int | float) else ""
    return (
        f"One run of `{command}` on commit {commit}, finished {when}{took}, on "
        f"{machine.get('cpus', '?')} cores with Python {machine.get('python', '?')}{pace}: "
        f"{len(rows)} rows, {failed} below their target."
    )


def markdown(results: dict[str, Any], targets_only: bool = False) -> str:
    """The provenance line and the rows (``targets_only``: those with a verdict) as a
    Markdown table."""
    rows = results.get("rows")
    if not isinstance(rows, list) or not rows:
        raise TableError("the results file has no rows (is it the output of python -m bench?)")
    if targets_only:
        rows = [r for r in rows if isinstance(r, dict) and r.get("result") in ("pass", "FAIL")]
    lines = [
        provenance(results),
        "",
        "| " + " | ".join(HEAD) + " |",
        "|" + "|".join("---" for _ in HEAD) + "|",
    ]
    for n, row in enumerate(rows, 1):
        try:
            cells = (
                row["section"],
                row["case"],
                f"{int(row['size']):,}" if row["size"] else "",
                row["figure"],
                row.get("target", ""),
                row.get("result", "-"),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise TableError(f"row {n} of the results file lacks a usable {exc}") from exc
        lines.append("| " + " | ".join(_cell(c) for c in cells) + " |")
    return "\n".join(lines)


def replace_block(readme: str, block: str) -> str:
    """``readme`` with the text between the two markers replaced by ``block``."""
    start, end = readme.find(BEGIN), readme.find(END)
    if start < 0 or end < 0 or end < start:
        raise TableError(f"it must hold {BEGIN} and, after it, {END}")
    return readme[: start + len(BEGIN)] + "\n" + block + "\n" + readme[end:]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.readme_table", description=__doc__)
    parser.add_argument("results", type=Path, help="a JSON file written by python -m bench")
    parser.add_argument("--readme", type=Path, default=Path("README.md"))
    parser.add_argument("--history", type=Path, default=Path("docs/benchmarks.md"))
    args = parser.parse_args(argv)
    texts: dict[Path, tuple[str, int]] = {}
    try:
        results = load_results(args.results)
        for path, targets_only in ((args.readme, True), (args.history, False)):
            block = markdown(results, targets_only)
            try:
                text = replace_block(path.read_text(encoding="utf-8"), block)
            except TableError as exc:
                raise TableError(f"{path}: {exc}") from exc
            texts[path] = text, block.count("\n| ") - 1  # the table's lines, less its head
    except (TableError, OSError) as exc:
        print(f"python -m bench.readme_table: {exc}", file=sys.stderr)
        return 2
    for path, (text, rows) in texts.items():  # both, or neither when one cannot take its table
        path.write_text(text, encoding="utf-8")
        print(f"{path}: the benchmark table now holds {rows} rows of {args.results}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
