"""Sources, sync runs and the webhook inbox (admin), per docs/api.md "Sync and sources"."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, Response

from app.api_models.admin import InboxPage, SourceList, SyncRunPage, SyncStarted
from app.deps import AdminScope, SessionDep, StateDep
from app.paging import DEFAULT_LIMIT, check_limit, encode_cursor, read_cursor, split_page
from app.render import list_response
from art import sync_queries as q
from art.models import SyncRun
from sync.runner import pull_mode

router = APIRouter(prefix="/api/v1", tags=["sync (admin)"], dependencies=[AdminScope])
Limit = Annotated[int, Query(description="page size, 1-1000")]
Cursor = Annotated[str | None, Query(description="next_cursor of the previous page")]
Format = Annotated[str | None, Query(pattern="^(json|csv)$")]


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


@router.get("/sources", response_model=SourceList)
def list_sources(request: Request, session: SessionDep, format: Format = None) -> Response:
    """Configured trackers with their last run and lag (seconds since the last good pull)."""
    now = datetime.now(UTC)
    data = []
    for src, last, ok, mark in q.sources(session):
        data.append(
            {
                "name": src.name,
                "kind": src.kind,
                "url": src.url,
                "last_run": {
                    "id": last.id,
                    "status": last.status,
                    "started_at": _iso(last.started_at),
                    "finished_at": _iso(last.finished_at),
                }
                if last
                else None,
                "last_success_at": _iso(ok.finished_at) if ok else None,
                "lag_seconds": round((now - ok.finished_at).total_seconds(), 1)
                if ok and ok.finished_at
                else None,
                "watermark": mark,
            }
        )
    return list_response(request, data, None)


@router.post(
    "/sources/{source}/sync",
    status_code=202,
    response_model=SyncStarted,
    responses={409: {"description": "A pull of the source is already running"}},
)
def sync_source(source: str, state: StateDep, full: bool = False) -> JSONResponse:
    """Start a pull of the source now: incremental, or a full reconciliation with full=true
    or when the source has never been pulled (`mode` says which).

    The pull runs in this process, holding the source's lease as scheduled pulls do. 409
    when a pull of the source is already running (its sync run is named): one pull of a
    source at a time, the running one is left alone."""
    configured = state.sync.source(source)
    with state.sessions() as session:
        mode = pull_mode(session, source, full)  # before the pull writes its watermark
    state.sync.start_pull(configured, full)
    return JSONResponse(
        {"source": source, "mode": mode, "status": "started"},
        status_code=202,
    )


def _run(r: SyncRun, name: str) -> dict[str, object]:
    return {
        "id": r.id,
        "source": name,
        "mode": r.mode,
        "status": r.status,
        "started_at": _iso(r.started_at),
        "finished_at": _iso(r.finished_at),
        "fetched": r.fetched,
        "created": r.created,
        "updated": r.updated,
        "deleted": r.deleted,
        "skipped": r.skipped,
        "requests": r.requests,
        "error": r.error,
    }


@router.get("/sync-runs", response_model=SyncRunPage)
def list_sync_runs(
    request: Request,
    session: SessionDep,
    source: str | None = None,
    limit: Limit = DEFAULT_LIMIT,
    cursor: Cursor = None,
    format: Format = None,
) -> Response:
    """Pull runs, newest first: started, finished, status, counts, error."""
    pos = read_cursor(cursor, id=int)
    fetched = q.sync_runs(session, source, pos["id"] if pos else None, check_limit(limit) + 1)
    rows, last = split_page(fetched, limit)
    nxt = encode_cursor({"id": last[0].id}) if last else None
    return list_response(request, [_run(r, n) for r, n in rows], nxt)


@router.get("/inbox", response_model=InboxPage)
def list_inbox(
    request: Request,
    session: SessionDep,
    status: Literal["pending", "applied", "failed", "duplicate", "ignored"] | None = None,
    limit: Limit = DEFAULT_LIMIT,
    cursor: Cursor = None,
    format: Format = None,
) -> Response:
    """Webhook deliveries received, newest first; failed ones keep their error."""
    pos = read_cursor(cursor, id=int)
    fetched = q.inbox_events(session, status, pos["id"] if pos else None, check_limit(limit) + 1)
    rows, last = split_page(fetched, limit)
    data = [
        {
            "id": e.id,
            "source": n,
            "delivery_id": e.delivery_id,
            "event_type": e.event_type,
            "item_key": e.item_key,
            "revision": e.revision,
            "status": e.status,
            "error": e.error,
            "received_at": _iso(e.received_at),
            "processed_at": _iso(e.processed_at),
        }
        for e, n in rows
    ]
    return list_response(request, data, encode_cursor({"id": last[0].id}) if last else None)
