"""Responses in JSON or CSV, with paging links and ETags, the same way for every endpoint."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import orjson
from fastapi import Request
from fastapi.responses import Response

CSV = "text/csv; charset=utf-8"
_TAGGED = orjson.OPT_SORT_KEYS | orjson.OPT_SERIALIZE_NUMPY | orjson.OPT_NON_STR_KEYS


def json_bytes(content: Any) -> bytes:
    """Compact UTF-8 JSON, as the API sends it. orjson, not the standard library: encoding a
    page of a thousand items took a quarter of that request's time with ``json``, and a tenth
    of that with orjson. NumPy numbers are written as numbers and non-string keys as strings,
    as ``json`` writes them; NaN is written ``null``, not invalid JSON."""
    return orjson.dumps(content, option=orjson.OPT_SERIALIZE_NUMPY | orjson.OPT_NON_STR_KEYS)


def wants_csv(request: Request) -> bool:
    """``?format=csv`` or ``Accept: text/csv`` (format wins over Accept)."""
    fmt = request.query_params.get("format")
    if fmt is not None:
        return fmt.lower() == "csv"
    return "text/csv" in request.headers.get("accept", "")


def as_entered(value: float | None) -> int | float | None:
    """A stored number as it was entered: the columns are floats (a tracker's field may hold
    2.5), but a whole value is an int, so 5 posted or pulled comes back as 5, not 5.0."""
    if value is None:
        return None
    return int(value) if float(value).is_integer() else value


# A spreadsheet runs a cell starting with one of these as a formula (OWASP CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, dict)):
        return json.dumps(value, separators=(",", ":"), default=str)
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value  # text from trackers: shown as typed, never evaluated
    if isinstance(value, date):  # datetimes too: ISO 8601, as the JSON form writes them
        return value.isoformat()
    return str(value)


def _flatten(row: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """Nested objects become dotted columns (provider.key), so CSV stays one row per record."""
    flat: dict[str, Any] = {}
    for key, value in row.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(_flatten(value, f"{name}."))
        else:
            flat[name] = value
    return flat


def to_csv(rows: Sequence[dict[str, Any]], columns: Sequence[str] | None = None) -> str:
    """CSV with a header row; column order is ``columns`` or the first row's keys, stable."""
    flat = [_flatten(r) for r in rows]
    if columns is None:
        columns = list(flat[0]) if flat else []
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(columns)
    for row in flat:
        writer.writerow([_cell(row.get(c)) for c in columns])
    return buf.getvalue()


def page_link(request: Request, next_cursor: str | None) -> dict[str, str]:
    if next_cursor is None:
        return {}
    url = request.url.include_query_params(cursor=next_cursor)
    return {"Link": f'<{url}>; rel="next"'}


@dataclass(frozen=True)
class RenderedList:
    """A page of a list as sent, but for the headers that name the request's own URL."""

    content: bytes
    media_type: str
    next_cursor: str | None


def render_list(
    data: list[dict[str, Any]],
    next_cursor: str | None,
    csv_form: bool,
    columns: Sequence[str] | None = None,
) -> RenderedList:
    """``{"data": [...], "next_cursor": ...}`` as JSON, or the rows as CSV."""
    if csv_form:
        return RenderedList(to_csv(data, columns).encode(), CSV, next_cursor)
    body = json_bytes({"data": data, "next_cursor": next_cursor})
    return RenderedList(body, "application/json", next_cursor)


def send_list(request: Request, page: RenderedList) -> Response:
    """A rendered page with its Link header (the next page's URL) and ``Vary: Accept``."""
    headers = {**page_link(request, page.next_cursor), "Vary": "Accept"}
    return Response(page.content, media_type=page.media_type, headers=headers)


def list_response(
    request: Request,
    data: list[dict[str, Any]],
    next_cursor: str | None,
    columns: Sequence[str] | None = None,
) -> Response:
    """A paged list: ``{"data": [...], "next_cursor": ...}`` or CSV, with a Link header."""
    return send_list(request, render_list(data, next_cursor, wants_csv(request), columns))


def etag_for(body: Any) -> str:
    """A strong ETag of the body's content: keys sorted, so equal bodies get equal tags.
    orjson: a page of a paged report is a new body per request, hashed each time, and the
    standard library's sorted dump was a third of such a request."""
    document = orjson.dumps(body, option=_TAGGED, default=str)
    return f'"{hashlib.sha256(document).hexdigest()[:32]}"'


class _RenderedBodies:
    """The ETags and JSON bytes of the latest report bodies, by the body object.

    Report bodies come from the report service's cache, one object per report, data version
    and parameters, and readers ask for the same ones again and again: serializing a large
    body twice per request (once for its ETag, once to send it) was most of a cached read.
    An entry holds its body, so an id is never taken for another body while it is kept;
    bodies are never changed once cached."""

    def __init__(self, size: int = 256) -> None:
        self._size = size
        self._lock = threading.Lock()
        self._entries: OrderedDict[tuple[int, bool], tuple[dict[str, Any], str, bytes | None]]
        self._entries = OrderedDict()

    def get(self, body: dict[str, Any], csv_form: bool) -> tuple[str, bytes | None]:
        """(ETag, JSON bytes; None for the CSV form, which is rendered per request)."""
        key = (id(body), csv_form)
        with self._lock:
            got = self._entries.get(key)
            if got is not None and got[0] is body:
                self._entries.move_to_end(key)
                return got[1], got[2]
        tag = etag_for({"csv": csv_form, "body": body})
        content = None if csv_form else json_bytes(body)
        with self._lock:
            self._entries[key] = (body, tag, content)
            self._entries.move_to_end(key)
            while len(self._entries) > self._size:
                self._entries.popitem(last=False)
        return tag, content


RENDERED = _RenderedBodies()


def report_response(
    request: Request,
    body: dict[str, Any],
    csv_rows: list[dict[str, Any]] | None = None,
    columns: Sequence[str] | None = None,
) -> Response:
    """A report with an ETag; ``If-None-Match`` with the same tag answers 304.

    The JSON and CSV forms are different representations, so their tags differ, and
    ``Vary: Accept`` tells caches that the form depends on that header."""
    csv_form = wants_csv(request)
    tag, content = RENDERED.get(body, csv_form)
    headers = {"ETag": tag, "Vary": "Accept"}
    if request.headers.get("if-none-match") == tag:
        return Response(status_code=304, headers=headers)
    if csv_form or content is None:
        rows = csv_rows if csv_rows is not None else body.get("data", [body])
        return Response(to_csv(rows, columns), media_type=CSV, headers=headers)
    return Response(content, media_type="application/json", headers=headers)
