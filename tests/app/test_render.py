"""Report responses: the ETag and the JSON bytes of a cached body are made once."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import numpy as np
from fastapi import Request
from fastapi.responses import JSONResponse

from app.render import RENDERED, etag_for, json_bytes, report_response, to_csv


def _request(accept: str = "application/json", if_none_match: str | None = None) -> Request:
    headers = [(b"accept", accept.encode())]
    if if_none_match is not None:
        headers.append((b"if-none-match", if_none_match.encode()))
    scope = {"type": "http", "method": "GET", "path": "/", "headers": headers, "query_string": b""}
    return Request(scope)


def test_a_body_asked_for_again_is_answered_from_its_first_rendering() -> None:
    body = {"as_of": "2026-12-05T00:00:00Z", "data": [{"key": "PHX-1", "points": 5.5}]}
    first = report_response(_request(), body)
    assert first.body == JSONResponse(body).body  # the bytes JSONResponse would send
    assert first.headers["etag"] == etag_for({"csv": False, "body": body})
    assert json.loads(first.body) == body
    cached = RENDERED.get(body, False)
    again = report_response(_request(), body)
    assert cached[0] == first.headers["etag"]  # the entry the first answer made
    assert again.body == first.body and again.headers["etag"] == first.headers["etag"]
    assert RENDERED.get(body, False)[1] is cached[1]  # the very bytes, not rendered again
    not_modified = report_response(_request(if_none_match=first.headers["etag"]), body)
    assert not_modified.status_code == 304


def test_an_equal_body_of_another_object_and_the_csv_form_are_their_own() -> None:
    body = {"data": [{"key": "PHX-2", "team": "Blue"}]}
    twin = {"data": [{"key": "PHX-2", "team": "Blue"}]}
    a, b = report_response(_request(), body), report_response(_request(), twin)
    assert a.headers["etag"] == b.headers["etag"]  # same content, same tag
    assert RENDERED.get(body, False)[1] is not RENDERED.get(twin, False)[1]
    as_csv = report_response(_request("text/csv"), body)
    assert as_csv.body == b"key,team\r\nPHX-2,Blue\r\n"
    assert as_csv.headers["etag"] != a.headers["etag"]


def test_json_is_compact_utf8_with_numpy_numbers_dates_and_nan_as_json_can_hold_them() -> None:
    body = {
        "title": "Zahlungsfluss: Übersicht",
        "points": np.float64(2.5),
        "count": np.int64(3),
        "at": datetime(2026, 12, 5, 9, 30, 0, 250000, tzinfo=UTC),
        "day": date(2026, 12, 5),
        "ratio": float("nan"),
        7: "a numeric key",
    }
    assert (
        json_bytes(body)
        == (
            '{"title":"Zahlungsfluss: Übersicht","points":2.5,"count":3,'
            '"at":"2026-12-05T09:30:00.250000+00:00","day":"2026-12-05","ratio":null,'
            '"7":"a numeric key"}'
        ).encode()
    )


def test_csv_writes_dates_and_times_as_the_json_form_does() -> None:
    rows = [
        {"key": "PHX-1", "at": datetime(2026, 12, 5, 9, 30, tzinfo=UTC), "day": date(2026, 1, 2)}
    ]
    assert to_csv(rows) == "key,at,day\r\nPHX-1,2026-12-05T09:30:00+00:00,2026-01-02\r\n"


def test_the_etag_names_the_content_whatever_the_order_of_its_keys() -> None:
    when = datetime(2026, 12, 5, 9, 30, tzinfo=UTC)
    body = {"as_of": when, "data": [{"key": "PHX-1", "points": 5.5, "team": "Blue"}], "n": 1}
    reordered = {"n": 1, "data": [{"team": "Blue", "points": 5.5, "key": "PHX-1"}], "as_of": when}
    tag = etag_for(body)
    assert tag == etag_for(reordered)
    assert len(tag) == 34 and tag.startswith('"') and tag.endswith('"')
    assert etag_for({**body, "n": 2}) != tag
    assert etag_for({**body, "data": [{"key": "PHX-1", "points": 5.0, "team": "Blue"}]}) != tag
