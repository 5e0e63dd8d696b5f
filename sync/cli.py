"""``trainyard sync``: pull now from the command line, with a progress bar and a summary."""

from __future__ import annotations

from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from sqlalchemy.orm import Session, sessionmaker

from art.config import SourceConfig, TrainyardConfig
from art.db import check_migrated, make_engine, session_factory, transaction
from art.errors import ConfigError
from art.records import RecordBatch
from sync.apply import ApplyCounts
from sync.lease import holder_id
from sync.runner import PullResult
from sync.scheduler import run_leased_pull
from sync.structure import apply_config


def _pull_with_progress(
    console: Console,
    sessions: sessionmaker[Session],
    config: TrainyardConfig,
    src: SourceConfig,
    full: bool,
) -> PullResult | None:
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
    with Progress(*columns, console=console) as progress:
        mode = "full" if full else "incremental"
        task = progress.add_task(f"{src.name} ({mode})", total=None, items=0, pages=0, rate=0.0)

        def on_batch(_batch: RecordBatch, counts: ApplyCounts) -> None:
            totals["pages"] += 1
            totals["items"] += counts.fetched
            elapsed = progress.tasks[task].elapsed or 1e-9
            progress.update(
                task, items=totals["items"], pages=totals["pages"], rate=totals["items"] / elapsed
            )

        # the scheduler's lease: never two pulls of one source, from a replica or from here
        return run_leased_pull(sessions, config, src, full, holder_id(), on_batch=on_batch)


def run_sync(
    database_url: str, config: TrainyardConfig, source: str | None, full: bool
) -> list[PullResult]:
    """Pull every configured source (or one) once; prints progress and a summary per source."""
    console = Console(stderr=True)
    engine = make_engine(database_url)
    check_migrated(engine)
    sessions = session_factory(engine)
    with transaction(sessions) as session:
        apply_config(session, config)
    sources = [config.source(source)] if source else list(config.sources)
    if not sources:
        raise ConfigError("no sources are configured: nothing to pull")
    results: list[PullResult] = []
    for src in sources:
        result = _pull_with_progress(console, sessions, config, src, full)
        if result is None:
            console.print(
                f"{src.name}: skipped; another process is pulling it now "
                f"(lease 'pull:{src.name}'); try again when it is done"
            )
            continue
        c = result.counts
        console.print(
            f"{src.name}: {result.status}; fetched {c.fetched}, created {c.created}, "
            f"updated {c.updated}, deleted {c.deleted}, skipped {len(result.item_errors)}, "
            f"requests {result.requests}" + (f"\n  error: {result.error}" if result.error else "")
        )
        results.append(result)
    engine.dispose()
    return results
