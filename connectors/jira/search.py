"""Reading a JQL search to its end without trusting the server's order, or failing loudly.

Both flavours ask for ``updated ASC, key ASC`` (an incremental pull resumes from the last
``updated`` seen), but no issue is dropped for where it sorts:

- Data Center pages by ``startAt``, a live offset: when an issue already read is updated (it
  moves to the end) or deleted, later issues shift left and a plain offset loop would skip
  one. Each page starts one issue early; when that issue is not one already read, the offset
  went stale and the loop steps back (a bounded number of times) until the pages overlap.
- Cloud's ``nextPageToken`` is the server's own cursor; an issue updated while a client pages
  moves to the end and is served again.

Issues are told apart by key and ``updated``: an issue served again unchanged is dropped, a
newer state of it is served again. Then the search is checked. Data Center's ``total`` must
not exceed the distinct keys read, and the issues must have come in ``updated`` order: on a
server that sorts otherwise an issue changing during the pull can move behind the cursor and
be skipped, and there is no count on Cloud to notice it. A shortfall or an issue out of order
makes a light listing of the search (keys and ``updated`` only) and a re-read, by key, of every
issue missing or changed since it was served. When the search still reports more issues than
could be read, ``SearchShortfall`` names the numbers: a pull never ends short silently (sync
soft-deletes what a full pull did not see). A key that vanishes between the listing and its
re-read makes Jira answer 400, which fails the pull too, naming the key.
"""

from __future__ import annotations

from collections.abc import Container, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any

from art.chunks import chunks
from art.errors import ConnectorError
from art.micros import us
from connectors.jira.client import JiraClient
from connectors.jira.served import ServedIssues
from connectors.jira.values import parse_time
from connectors.key_rows import ABSENT

ORDER = " ORDER BY updated ASC, key ASC"
LISTING_PAGE = 1000  # issues per listing page (keys and ``updated`` only); Jira may serve fewer
STEP_BACKS = 100  # stale-offset step-backs per pass; beyond them the listing catches up
Issue = dict[str, Any]
_NEVER = datetime.min.replace(tzinfo=UTC)


class SearchShortfall(ConnectorError):
    """The search reported more issues than could be read, even by key."""


def updated_of(issue: Issue) -> datetime:
    """An issue's ``updated`` as aware UTC (the earliest time when it is unreadable)."""
    try:
        return parse_time((issue.get("fields") or {}).get("updated"))
    except ValueError:
        return _NEVER


def _key(issue: Issue) -> str:
    return str(issue.get("key", ""))


class IssueSearch:
    """One JQL search (``jql`` ends with ORDER), read to its end: iterate for pages of issues
    not served before (Data Center pages embed changelogs). ``in_order`` stays True while the
    pages served so far came in ``updated`` order with nothing skipped: a pull may trust its
    position (the latest ``updated`` read) only while it is True."""

    def __init__(self, client: JiraClient, jql: str, fields: list[str], size: int) -> None:
        self.client, self.jql, self.fields, self.size = client, jql, fields, size
        self.served = ServedIssues()  # key -> ``updated`` of the state served
        self.in_order = True
        self.total: int | None = None  # Data Center's count, as of the search's last page
        self._reported: int | None = None  # the count on the latest page of any pass
        self._latest = _NEVER

    def __iter__(self) -> Iterator[list[Issue]]:
        for page in self._pages(self.jql, self.fields, self.size, self.served):
            if fresh := self._take(page):
                yield fresh
        self.total = self._reported
        if self.in_order and (self.total is None or len(self.served) >= self.total):
            return
        listed = self._listing()
        stale = self._stale(listed)
        self.in_order = self.in_order and not stale  # something was skipped on the way
        scope = self.jql.removesuffix(ORDER)
        for part in chunks(stale, self.size):
            keys = "key in (" + ", ".join(f'"{k}"' for k in part) + ")"
            jql = f"({scope}) AND {keys}{ORDER}"
            for page in self._pages(jql, self.fields, self.size, self.served):
                if fresh := self._take(page):
                    yield fresh
        self._verify(listed)

    def _take(self, page: list[Issue]) -> list[Issue]:
        """The issues of ``page`` not served before in this state; notes the order."""
        fresh = []
        keys = [_key(issue) for issue in page]
        rows = dict(zip(keys, self.served.rows(keys), strict=True))
        for key, issue in zip(keys, page, strict=True):
            at = updated_of(issue)
            row, updated = rows[key], us(at)
            if row != ABSENT and updated <= self.served.updated(row):
                continue
            rows[key] = self.served.put(key, row, updated)
            if at < self._latest:
                self.in_order = False
            self._latest = max(self._latest, at)
            fresh.append(issue)
        return fresh

    def _stale(self, listed: dict[str, datetime]) -> list[str]:
        """The keys listed that were not served, or were served in an older state."""
        rows = self.served.rows(list(listed))
        return [
            key
            for (key, at), row in zip(listed.items(), rows, strict=True)
            if row == ABSENT or us(at) > self.served.updated(row)
        ]

    def _listing(self) -> dict[str, datetime]:
        """Every key the search matches now, with its ``updated`` (no changelogs)."""
        listed: dict[str, datetime] = {}
        for page in self._pages(self.jql, ["updated"], LISTING_PAGE, listed, expand=False):
            for issue in page:
                listed[_key(issue)] = max(updated_of(issue), listed.get(_key(issue), _NEVER))
        self.total = self._reported
        return listed

    def _verify(self, listed: dict[str, datetime]) -> None:
        """Data Center: the listing's count against the keys listed and read."""
        read = sum(1 for row in self.served.rows(list(listed)) if row != ABSENT)
        if self.total is not None and read < self.total:
            raise SearchShortfall(
                f"source '{self.client.source.name}': the Jira search reported {self.total} "
                f"issues but only {read} could be read ({self.total - read} missing), even by "
                "key; Jira's search index may be out of date (a Jira administrator can "
                "re-index). Search: " + self.jql.removesuffix(ORDER)
            )

    # -- the two flavours' paging ----------------------------------------------------------
    def _pages(
        self,
        jql: str,
        fields: list[str],
        size: int,
        known: Container[str],
        expand: bool = True,
    ) -> Iterator[list[Issue]]:
        """Raw pages; ``known`` holds the keys read so far by this pass (the caller adds
        each page's keys before asking for the next)."""
        if self.client.flavour == "cloud":
            yield from self._cursor(jql, fields, size)
        else:
            yield from self._offsets(jql, fields, size, known, expand)

    def _cursor(self, jql: str, fields: list[str], size: int) -> Iterator[list[Issue]]:
        token: str | None = None
        while True:
            body: dict[str, Any] = {"jql": jql, "fields": fields, "maxResults": size}
            if token:
                body["nextPageToken"] = token
            page = self.client.post("search/jql", body)
            yield page.get("issues") or []
            following = page.get("nextPageToken")
            if page.get("isLast") is True or (not following and page.get("isLast") is None):
                return
            if not following or following == token:
                raise ConnectorError(
                    f"source '{self.client.source.name}': Jira's search/jql answered a page "
                    f"that is not the last (isLast: {page.get('isLast')}) with "
                    + ("no nextPageToken" if not following else "the same nextPageToken again")
                    + f", so the rest of the search cannot be read. Search: {jql}"
                )
            token = following

    def _offsets(
        self, jql: str, fields: list[str], size: int, known: Container[str], expand: bool
    ) -> Iterator[list[Issue]]:
        """Offset pages, each starting one issue before where the last one ended. Once the
        first page tells the count, the pages that follow are asked for ahead, several at
        once (the source's ``concurrency``), at the offsets this loop would ask for; a page
        is used only when its offset is the one the loop reached, so an answer shorter than
        the first or a stale offset drops what was asked ahead and the loop goes on alone."""
        pos, backs = 0, 0  # pos: offset after the last issue read, as of the last page
        ahead: dict[int, Future[Any]] = {}
        workers = max(1, self.client.source.concurrency)
        pool = ThreadPoolExecutor(workers, "jira-offsets") if workers > 1 else None
        try:
            while True:
                start = max(0, pos - 1)
                asked = ahead.pop(start, None)
                page = (
                    asked.result() if asked else self._offset_page(jql, fields, size, start, expand)
                )
                issues = page.get("issues") or []
                total = page.get("total")
                self._reported = total if isinstance(total, int) else None
                if start > 0 and issues and _key(issues[0]) not in known and backs < STEP_BACKS:
                    backs += 1  # stale offset (something before it went): step back, re-read
                    pos = max(1, pos - max(1, len(issues) - 1))
                    self._drop(ahead)
                    continue
                yield issues
                pos = start + len(issues)
                if not issues or (self._reported is not None and pos >= self._reported):
                    return
                if pool is not None and self._reported is not None and len(issues) > 1:
                    step = len(issues) - 1  # each page repeats the last issue of the one before
                    wanted = range(pos - 1, self._reported, step)
                    for offset in list(wanted)[:workers]:
                        if offset not in ahead:
                            ahead[offset] = pool.submit(
                                self._offset_page, jql, fields, size, offset, expand
                            )
                    for offset in [o for o in ahead if o < pos - 1]:
                        ahead.pop(offset).cancel()
        finally:
            self._drop(ahead)
            if pool is not None:
                pool.shutdown(wait=True, cancel_futures=True)

    @staticmethod
    def _drop(ahead: dict[int, Future[Any]]) -> None:
        """Forget the pages asked ahead (their requests still count: they were sent)."""
        for future in ahead.values():
            future.cancel()
        ahead.clear()

    def _offset_page(self, jql: str, fields: list[str], size: int, start: int, expand: bool) -> Any:
        body: dict[str, Any] = {"jql": jql, "startAt": start, "maxResults": size, "fields": fields}
        if expand:
            body["expand"] = ["changelog"]
        return self.client.post("search", body)


def search_pages(
    client: JiraClient, jql: str, fields: list[str], size: int
) -> Iterator[list[Issue]]:
    """Pages of issues for ``jql`` (which ends with ORDER), as IssueSearch reads them."""
    return iter(IssueSearch(client, jql, fields, size))
