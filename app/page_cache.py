"""The pages of the BI lists (items, changes, links) as sent, kept per version of the store.

A page is read from the store on every request, and a page of 1,000 items was most of what
a busy service spent: dashboards and BI refreshes ask for the same pages again and again
while nothing changes. Every change to an item, its history or its links commits with its
ART's next data version, so a page is kept under the versions of every ART read before it
(the page is then at least as new as its key) and served again until one of them moves.
The versions themselves are kept by the report service's watch (art.version_watch).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable

from fastapi import Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from app.render import RenderedList, send_list, wants_csv
from app.reports.cache import once_per_key
from art.structure_queries import store_versions
from art.version_watch import VersionWatch

MAX_BYTES = 32 * 1024 * 1024  # about fifty 1,000-item pages of JSON


class PageCache:
    """Rendered pages by key, the least recently used dropped first past ``max_bytes``."""

    def __init__(self, max_bytes: int = MAX_BYTES) -> None:
        self.max_bytes = max_bytes
        self._pages: OrderedDict[Hashable, RenderedList] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()
        self._rendering: dict[Hashable, threading.Lock] = {}  # per key being rendered
        self.renders = 0  # pages rendered (a kept page served again is not one)

    def page(self, key: Hashable, render: Callable[[], RenderedList]) -> RenderedList:
        """The page kept under ``key``, or ``render``'s, then kept (an error is not).

        One render per key at a time: when data arrives, every reader of a dashboard's page
        asks for it anew at once, and those arriving while it renders wait for that render
        rather than each reading the store again (a page of 1,000 items is tens of ms)."""
        return once_per_key(self._lock, self._rendering, key, self._kept, render, self._keep)

    def _kept(self, key: Hashable) -> tuple[RenderedList] | None:
        kept = self._pages.get(key)
        if kept is None:
            return None
        self._pages.move_to_end(key)
        return (kept,)

    def _keep(self, key: Hashable, page: RenderedList) -> None:
        """Keep ``page`` unless it is over the whole budget (it is sent, never kept)."""
        self.renders += 1
        if len(page.content) > self.max_bytes:
            return
        old = self._pages.pop(key, None)
        self._bytes += len(page.content) - (0 if old is None else len(old.content))
        self._pages[key] = page
        while self._bytes > self.max_bytes:
            _, dropped = self._pages.popitem(last=False)
            self._bytes -= len(dropped.content)

    def __len__(self) -> int:
        return len(self._pages)


def cached_list(
    request: Request,
    session: Session,
    pages: PageCache,
    render: Callable[[], RenderedList],
    versions: VersionWatch,
) -> Response:
    """The list page the request asks for, rendered by ``render`` once per store version,
    query and form (JSON or CSV). The versions are read first (from ``versions`` while no
    version has been committed since they were read, else in the request's session), so
    the page rendered after them is at least as new as the key it is kept under, and a
    page served again sends no statement to the store."""
    key = (
        request.url.path,
        versions.read_through("store versions", lambda: store_versions(session)),
        tuple(sorted(request.query_params.multi_items())),
        wants_csv(request),
    )
    return send_list(request, pages.page(key, render))
