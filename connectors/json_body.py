"""Tracker responses read as JSON.

orjson, not the standard library: a full pull reads tens of megabytes of JSON (15 MB for a
5,000-issue Jira project), in the thread that fetches ahead of the one that maps and stores,
and the standard library's parser held the interpreter about three times as long. orjson is
stricter: NaN, Infinity and integers beyond 64 bits are refused, and no tracker sends them.
"""

from __future__ import annotations

from typing import Any

import orjson


def read_json(body: bytes | str) -> Any:
    """The JSON document of a response body; ValueError (orjson.JSONDecodeError) when it is
    not one."""
    return orjson.loads(body)
