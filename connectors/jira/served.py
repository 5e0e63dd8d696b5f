"""The issues a search has served, each with the ``updated`` of the state served, compactly.

A search keeps this for every issue to its end (connectors.jira.search): to drop an issue
served again unchanged, and to count what it read. Jira keys are PROJECT-NUMBER, so each is
held as one integer (the project's index and the number) in connectors.key_rows, and its
``updated`` as microseconds in an array: some 30 bytes an issue where a dict of key strings
and datetimes took some 150 and pinned memory arenas among the parsed pages.
"""

from __future__ import annotations

from array import array
from collections.abc import Sequence

from connectors.key_rows import ABSENT, MERGE_AT, KeyRows

NUMBER_BITS = 40  # issue numbers below 2**40; the project's index above them


class ServedIssues:
    """Issue key -> ``updated`` (microseconds) of the state served. Rows are found a page
    at a time (:meth:`rows`), then read and written by row."""

    def __init__(self, merge_at: int = MERGE_AT) -> None:
        self._rows = KeyRows(merge_at)
        self._updated = array("q")  # by row
        self._projects: dict[str, int] = {}
        self._odd: dict[str, int] = {}  # keys not PROJECT-NUMBER (Jira has none): -1, -2...

    def __len__(self) -> int:
        return len(self._rows)

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and self._rows.row(self._code(key)) != ABSENT

    def rows(self, keys: Sequence[str]) -> list[int]:
        """The rows of ``keys`` (ABSENT for those never served)."""
        return self._rows.rows([self._code(k) for k in keys])

    def updated(self, row: int) -> int:
        return self._updated[row]

    def put(self, key: str, row: int, updated: int) -> int:
        """``key`` served in the state of ``updated``, at ``row`` or (ABSENT: never served)
        at a new row; returns the row."""
        if row == ABSENT:
            row = self._rows.add(self._code(key))
            self._updated.append(updated)
        else:
            self._updated[row] = updated
        return row

    def _code(self, key: str) -> int:
        project, _, number = key.rpartition("-")
        # exactly the digits int() would print back: no sign, no leading zero, below 2**40
        canonical = number.isascii() and number.isdigit() and str(int(number)) == number
        if project and canonical and len(number) < 13:
            index = self._projects.setdefault(project, len(self._projects))
            return (index << NUMBER_BITS) | int(number)
        return self._odd.setdefault(key, -1 - len(self._odd))
