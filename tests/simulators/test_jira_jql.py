"""The Jira simulator's JQL: which keys bound a query, so a key search reads only those issues
(as Jira's index does) instead of every issue of a large scenario."""

from __future__ import annotations

import pytest

from simulators.jira.jql import parse


@pytest.mark.parametrize(
    ("jql", "bound"),
    [
        ('key in ("ART-1", "ART-2") ORDER BY key', {"art-1", "art-2"}),
        ("issuekey = ART-7", {"art-7"}),
        ('key in ("ART-1", "ART-2") AND status = Done', {"art-1", "art-2"}),
        ('key in ("ART-1", "ART-2") AND key in ("ART-2", "ART-3")', {"art-2"}),
        ('key = ART-1 OR key in ("ART-4")', {"art-1", "art-4"}),
        ("(key = ART-1 OR key = ART-2) AND project = ART", {"art-1", "art-2"}),
        ("key = ART-1 OR project = ART", None),  # the project clause may match any issue
        ('NOT key in ("ART-1")', None),
        ('key not in ("ART-1")', None),
        ("project = ART ORDER BY updated", None),
        ("ORDER BY key", None),
    ],
)
def test_the_keys_a_query_can_only_match(jql: str, bound: set[str] | None) -> None:
    query = parse(jql, "UTC")
    assert query.bound == (None if bound is None else frozenset(bound))
