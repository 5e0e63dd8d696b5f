"""A page of a paged report is one object per body and page, so its ETag and JSON are
rendered once while the body is kept, and a new body (a new data version) pages anew."""

from __future__ import annotations

from typing import Any

from app.paging import read_cursor
from app.render import RENDERED
from app.reports.params import PageQuery


def _body(n: int) -> dict[str, Any]:
    return {"pi": "PI 1", "data": [{"k": k} for k in range(n)], "cycles": []}


def test_the_same_body_and_page_give_the_same_page_object() -> None:
    body = _body(5)
    first = PageQuery(0, 2).of(body)
    assert first == {**body, "data": [{"k": 0}, {"k": 1}], "next_cursor": first["next_cursor"]}
    assert read_cursor(first["next_cursor"], offset=int) == {"offset": 2}
    tag, content = RENDERED.get(first, False)
    again = PageQuery(0, 2).of(body)
    assert again is first
    # the second read's JSON is the first's very bytes: rendered once, not per request
    assert RENDERED.get(again, False)[1] is content and content is not None
    assert RENDERED.get(again, False) == (tag, content)
    last = PageQuery(4, 2).of(body)
    assert (last["data"], last["next_cursor"]) == ([{"k": 4}], None)
    assert PageQuery(0, 3).of(body) is not first  # another page size is another page


def test_a_new_body_with_equal_content_is_paged_anew() -> None:
    body, newer = _body(3), _body(3)
    page = PageQuery(0, 2).of(body)
    again = PageQuery(0, 2).of(newer)
    assert again is not page and again == page
    assert body["data"] == [{"k": 0}, {"k": 1}, {"k": 2}]  # the body is left as it was
