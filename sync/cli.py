"""``trainyard sync``: pull now from the command line, with a progress bar and one line a source.

Each source ends in exactly one line: its counts when pulled, the cause when the pull failed
(a tracker error names the source and the request), or the pull holding it when another one
is running. The bar shows on a terminal only, and goes when the pull ends.
"""

from __future__ import annotations

from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from sqlalchemy.orm import Session, sessionmaker

from art.config import SourceConfig, TrainyardConfig
from art.db import check_migrated, make_engine, session_factory, transaction
from art.errors import ConfigError
from art.records import RecordBatch
from sync.apply import ApplyCounts
from sync.pull_lease import SourceBusy, run_held_pull, take_lease
from sync.runner import PullResult, pull_mode
from sync.structure import apply_config


def _pull_with_progress(
    console: Console,
    sessions: sessionmaker[Session],
    config: TrainyardConfig,
    src: SourceConfig,
    full: bool,
    label: str,
) -> PullResult:
    # the pull's own lease: never two pulls of one source, from a replica or from here
    holder = take_lease(sessions, src.name)
    columns = (
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        TextColumn(
            "{task.fields[items]} items, {task.fields[pages]} pages, "
            "{task.fields[rate]:.0f} items/s"
        ),
        TimeElapsedColumn(),
    )
    totals = {"items": 0, "pages": 0}
    bar = Progress(*columns, console=console, transient=True, disable=not console.is_terminal)
    with bar as progress:
        task = progress.add_task(label, total=None, items=0, pages=0, rate=0.0)

        def on_batch(_batch: RecordBatch, counts: ApplyCounts) -> None:
            totals["pages"] += 1
            totals["items"] += counts.fetched
            elapsed = progress.tasks[task].elapsed or 1e-9
            progress.update(
                task, items=totals["items"], pages=totals["pages"], rate=totals["items"] / elapsed
            )

        return run_held_pull(sessions, config, src, full, holder, on_batch=on_batch)


def _one_line(text: str) -> str:
    """``text`` on one line: a tracker's message may hold newlines."""
    return " ".join(text.split())


def _summary(name: str, result: PullResult) -> str:
    c = result.counts
    counts = (
        f"fetched {c.fetched}, created {c.created}, updated {c.updated}, deleted {c.deleted}, "
        f"skipped {len(result.item_errors)}, requests {result.requests}"
    )
    error = f"; {result.error}" if result.error else ""
    return f"{name}: {result.status}; {counts}{error}"


def run_sync(
    database_url: str, config: TrainyardConfig, source: str | None, full: bool
) -> list[PullResult | None]:
    """Pull every configured source (or one) once, printing one line per source.

    A source's entry is None when it was not pulled: another pull of it is running, or it
    could not start or stopped on an unexpected error (recorded on its sync run, if any).
    """
    console = Console(stderr=True, soft_wrap=True)
    engine = make_engine(database_url)
    check_migrated(engine)
    sessions = session_factory(engine)
    with transaction(sessions) as session:
        apply_config(session, config)
    sources = [config.source(source)] if source else list(config.sources)
    if not sources:
        raise ConfigError("no sources are configured: nothing to pull")
    results: list[PullResult | None] = []
    try:
        for src in sources:
            result, line = _pull_one(console, sessions, config, src, full)
            console.print(_one_line(line), highlight=False, markup=False)
            results.append(result)
    finally:
        engine.dispose()
    return results


def _pull_one(
    console: Console,
    sessions: sessionmaker[Session],
    config: TrainyardConfig,
    src: SourceConfig,
    full: bool,
) -> tuple[PullResult | None, str]:
    """Pull one source; its result (None when not pulled) and its line, both labelled with
    the source and the pull's mode (``full`` on its first pull, whatever was asked)."""
    with sessions() as session:
        label = f"{src.name} ({pull_mode(session, src.name, full)})"
    try:
        result = _pull_with_progress(console, sessions, config, src, full, label)
    except SourceBusy as exc:
        return None, f"{label}: not pulled; {exc}"
    except Exception as exc:  # one line; an unexpected error's traceback is on the run
        return None, f"{label}: failed; {type(exc).__name__}: {exc}"
    return result, _summary(label, result)
