"""Query parameters shared by every report and chart, parsed and checked in one place: the
HTTP side of a report request (app.reports.context holds what it is parsed into).

Each report endpoint answers for one ART at one as-of time; the windowed flow reports also take
``from``/``to``, ``team`` and ``level``. The rules are the same everywhere (docs/api.md "Parameters
shared by the reports"): an unknown team is a 422 naming ``team``, an empty window a 422 naming
``from``, as a value outside its type checked by FastAPI (one kind of mistake, one answer); an
unknown PI in the path is a 404. Keeping the parsing here means a report and its chart can never
read the same query differently, and the cache key a report is stored under is built from the
parsed values, not the raw strings.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Annotated, Any

from fastapi import Depends, Query

from app.deps import ReportsDep
from app.paging import DEFAULT_LIMIT, check_limit, encode_cursor, read_cursor
from app.reports.bodies_flow import Unit
from app.reports.cache import LRUCache
from app.reports.context import EARLIEST, LATEST, FlowQuery, ReportContext
from app.reports.service import now_minute
from art.errors import BadRequest
from art.vocabulary import Level

AsOfQuery = Annotated[
    datetime | None,
    Query(
        description="the time the figures are computed at, ISO 8601 with a UTC offset "
        "(default: now, to the minute); the same as_of on unchanged data gives the same figures",
        examples=["2026-02-10T12:00:00+00:00"],
    ),
]
FromQuery = Annotated[
    date | None,
    Query(
        alias="from",
        description="first day of the window (inclusive, ART time zone); default: 90 days "
        "before `to`",
    ),
]
ToQuery = Annotated[
    date | None,
    Query(
        description="day after the last day of the window (exclusive); default: the day after "
        "as_of's date, so the window ends with as_of's day",
    ),
]
TeamQuery = Annotated[str | None, Query(description="one team of the ART (default: the whole ART)")]
LevelQuery = Annotated[
    Level | None,
    Query(description="item level; default: feature for the ART, story for a team"),
]
UnitQuery = Annotated[
    Unit,
    Query(
        description="`days` (fractional, from timestamps) or `calendar_days` (whole calendar "
        "days in the ART's time zone, counting the start day unless `count_start_day` is off)"
    ),
]
FormatQuery = Annotated[
    str | None,
    Query(pattern="^(json|csv)$", description="`csv` for CSV (same as `Accept: text/csv`)"),
]
LimitQuery = Annotated[int, Query(description="page size, 1-1000")]
CursorQuery = Annotated[str | None, Query(description="next_cursor of the previous page")]


def parse_as_of(as_of: datetime | None) -> datetime:
    """The as-of time in UTC; the default is now (cached per minute, see ReportContext).

    A time without an offset is refused: it would be read in the server's zone and the same
    query would give different figures on different machines.
    """
    if as_of is None:
        return datetime.now(UTC)
    if as_of.tzinfo is None or as_of.utcoffset() is None:
        raise BadRequest("as_of needs a UTC offset, e.g. 2026-02-10T12:00:00Z", parameter="as_of")
    try:
        utc = as_of.astimezone(UTC)
    except OverflowError:
        utc = None
    if utc is None or not EARLIEST <= utc.date() < LATEST:
        raise BadRequest(f"as_of must fall between {EARLIEST} and {LATEST}", parameter="as_of")
    return utc


def report_context(art: str, reports: ReportsDep, as_of: AsOfQuery = None) -> ReportContext:
    """The ART of the path and the as-of time; an unknown ART answers 404 before any work."""
    # A defaulted as_of is "now", so a change committed a second ago counts; its cache key is
    # the minute, so repeats within a minute on unchanged data come from memory.
    cache = "" if as_of is not None else "now@" + now_minute().isoformat()
    at = parse_as_of(as_of)
    # An unknown ART answers 404 here, before any work; while another request loads a new data
    # version, this one is served the version before (ReportService.readable_version).
    known = reports.readable_version(art)
    return ReportContext(art, at, reports, cache, known, stand_ins=True)


Ctx = Annotated[ReportContext, Depends(report_context)]


def flow_query(
    ctx: Ctx,
    from_: FromQuery = None,
    to: ToQuery = None,
    team: TeamQuery = None,
    level: LevelQuery = None,
) -> FlowQuery:
    return FlowQuery(ctx.window(from_, to), ctx.team(team), level)


FlowQ = Annotated[FlowQuery, Depends(flow_query)]


@dataclass(frozen=True)
class PageQuery:
    """A page of a computed report: reports are computed whole (and cached), so a page is a
    slice and the cursor carries its offset."""

    offset: int
    limit: int

    def slice(self, rows: Sequence[dict[str, Any]]) -> tuple[list[dict[str, Any]], str | None]:
        """The page's rows and the cursor of the next page (None on the last)."""
        end = self.offset + self.limit
        nxt = encode_cursor({"offset": end}) if end < len(rows) else None
        return list(rows[self.offset : end]), nxt

    def of(self, body: dict[str, Any]) -> dict[str, Any]:
        """``body`` with this page of its ``data`` and the ``next_cursor``: the same object
        for the same body and page while the body is among the latest, so its ETag and
        JSON are rendered once (app.render.RENDERED), not on every read of the page."""
        key = (id(body), self.offset, self.limit)
        return _PAGES.get_or_compute(key, lambda: self._cut(body))[1]

    def _cut(self, body: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
        """(the body, its page): the entry holds the body, so while it is kept the body's id
        names no other body."""
        rows, nxt = self.slice(body["data"])
        return body, {**body, "data": rows, "next_cursor": nxt}


# The pages of the latest paged report bodies, by body object and page; bodies are never
# changed once cached (app.reports.service). Few are kept: each holds a whole report (tens
# of thousands of dependencies on a large ART), and with data arriving the bodies of older
# versions would otherwise outlive the report cache's.
_PAGES: LRUCache[tuple[dict[str, Any], dict[str, Any]]] = LRUCache(size=32)


async def page_query(limit: LimitQuery = DEFAULT_LIMIT, cursor: CursorQuery = None) -> PageQuery:
    """Checked before any work: 422 naming ``limit`` out of 1-1000, ``cursor`` not ours.
    A coroutine: no I/O, so it runs on the event loop, not through the thread pool."""
    check_limit(limit)
    pos = read_cursor(cursor, offset=int)
    offset = int(pos["offset"]) if pos else 0
    if offset < 0:
        raise BadRequest("cursor is not a cursor this API issued", parameter="cursor")
    return PageQuery(offset, limit)


PageQ = Annotated[PageQuery, Depends(page_query)]


def csv_columns(spec: str) -> list[str]:
    """A CSV column list written as one string of names: the order is the contract."""
    return spec.split()


_PROBLEM: dict[str, Any] = {
    "application/problem+json": {
        "schema": {
            "type": "object",
            "properties": {
                "type": {"type": "string"},
                "title": {"type": "string"},
                "status": {"type": "integer"},
                "detail": {"type": "string"},
                "errors": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "properties": {
                            "parameter": {"type": "string"},
                            "message": {"type": "string"},
                        },
                    },
                },
            },
        }
    }
}


def report_responses(
    csv_rows: str, columns: Sequence[str] | None = None
) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` of a report: JSON or CSV (its rows and columns), 304, problems.

    Handlers return Response objects (for the ETag and CSV), so without this the published
    document would not say what comes back.
    """
    cols = f" Columns, in order: {', '.join(columns)}." if columns else ""
    return {
        200: {
            "description": "The report as JSON (with `as_of` and `definition`), or CSV with "
            f"`?format=csv` or `Accept: text/csv`: {csv_rows}.{cols} An `ETag` header is sent.",
            "content": {"text/csv": {"schema": {"type": "string"}}},
        },
        304: {"description": "Not modified: `If-None-Match` carried the current ETag"},
        401: {"description": "No valid bearer token", "content": _PROBLEM},
        404: {"description": "Unknown ART or PI", "content": _PROBLEM},
        422: {
            "description": "A parameter is invalid (unknown, of the wrong type, or naming a "
            "team or PI that does not exist); `errors` names it",
            "content": _PROBLEM,
        },
    }


__all__ = [
    "DEFAULT_LIMIT",
    "AsOfQuery",
    "Ctx",
    "CursorQuery",
    "FlowQ",
    "FlowQuery",
    "FormatQuery",
    "FromQuery",
    "LevelQuery",
    "LimitQuery",
    "PageQ",
    "PageQuery",
    "ReportContext",
    "TeamQuery",
    "ToQuery",
    "UnitQuery",
    "csv_columns",
    "parse_as_of",
    "report_responses",
]
