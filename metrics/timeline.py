"""Start and done rules, the active/wait split, and calendar days in the ART's time zone.

docs/metrics.md "Start and done": started_at is the first entry into an active or wait status (or
into a named status); done_at the last entry into done while the item is still done (or the first
entry). With ``restart_on_backlog`` an item moved back to a todo status and started again takes its
last start: the start rule reads its history from that move back (as jira-agile-metrics wipes an
item's dates when it returns to the backlog), and so does a first-entry done rule. Between the two,
time in an active status that is not flagged is active; all the rest is wait, so that active + wait
= flow time exactly (durations are summed as exact timedeltas).

``compute_flow`` replays one item and is the readable reference of these rules; the reports
run the same rules as array operations (metrics.columns), and the tests check that the two
agree on random histories.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from art.vocabulary import StatusCategory
from metrics.facts import Definition, ItemFacts
from metrics.history import ItemHistory
from metrics.inputs import ArtData

UTC = ZoneInfo("UTC")
DAY = timedelta(days=1)
STARTED = frozenset({StatusCategory.ACTIVE, StatusCategory.WAIT})
CLOSED = frozenset({StatusCategory.DONE, StatusCategory.REMOVED})


@lru_cache(maxsize=1 << 14)
def day_start(d: date, tz: ZoneInfo) -> datetime:
    """Local midnight starting day ``d``, in UTC. Kept: thousands of dependencies and days
    ask for the same few iteration and PI days, and each zone conversion costs a
    microsecond."""
    return datetime.combine(d, time(0), tzinfo=tz).astimezone(UTC)


def day_end(d: date, tz: ZoneInfo) -> datetime:
    """Local midnight ending day ``d`` ("end of day"), in UTC."""
    return day_start(d + DAY, tz)


def local_date(t: datetime, tz: ZoneInfo) -> date:
    return t.astimezone(tz).date()


def days(delta: timedelta) -> float:
    """A duration in fractional days."""
    return delta.total_seconds() / 86400.0


def last_complete_day_end(window_end: date, as_of: datetime, tz: ZoneInfo) -> date:
    """Exclusive end of the days of a window that have ended by ``as_of``."""
    return min(window_end, local_date(as_of, tz))


@dataclass(frozen=True, slots=True)
class ItemFlow:
    """One item's flow facts at an as-of time."""

    key: str
    started_at: datetime | None
    done_at: datetime | None
    status: str | None  # at as_of; None before creation
    category: StatusCategory | None
    start_index: int  # index into the status timeline where it started; -1: never
    flow_days: float | None
    active_days: float | None
    wait_days: float | None
    calendar_days: int | None
    lead_days: float | None

    @property
    def in_progress(self) -> bool:
        """Started and neither done nor removed (an item sent back to todo still counts)."""
        return self.started_at is not None and self.category not in CLOSED


def compute_flow(h: ItemHistory, definition: Definition, as_of: datetime) -> ItemFlow:
    """Apply the start and done rules to one item's history as it stood at ``as_of``."""
    limit = h.status_index(as_of)
    if limit < 0:
        return ItemFlow(h.item.key, None, None, None, None, -1, None, None, None, None, None)
    cats = h.st_cat
    s = _start_index(h, definition, limit)
    started = h.st_times[s] if s >= 0 else None
    category = cats[limit]
    done_i = -1
    if category == StatusCategory.DONE:
        if definition.done_rule == "first":
            since = s if definition.restart_on_backlog and s >= 0 else 0
            done_i = cats.index(StatusCategory.DONE, since, limit + 1)
        else:
            done_i = limit
            while done_i > 0 and cats[done_i - 1] == StatusCategory.DONE:
                done_i -= 1
    done = h.st_times[done_i] if done_i >= 0 else None
    flow = active = wait = lead = None
    cal = None
    if done is not None:
        lead = days(done - h.created)
        if started is not None and s <= done_i:
            total = done - started
            act = _active_time(h, s, done_i, done)
            flow, active, wait = days(total), days(act), days(total - act)
            tz = definition.tz
            cal = (local_date(done, tz) - local_date(started, tz)).days + (
                1 if definition.count_start_day else 0
            )
    return ItemFlow(
        h.item.key, started, done, h.st_status[limit], category, s, flow, active, wait, cal, lead
    )


def _flow_cache(_: ArtData) -> dict[tuple[str, datetime], ItemFlow]:
    return {}


def flows_of(data: ArtData, items: Iterable[ItemFacts], as_of: datetime) -> list[ItemFlow]:
    """Flow facts of several items, cached in ``data`` per (key, as_of)."""
    cache = data.derived(_flow_cache)
    out: list[ItemFlow] = []
    for it in items:
        ck = (it.key, as_of)
        f = cache.get(ck)
        if f is None:
            f = compute_flow(data.history(it.key), data.definition, as_of)
            cache[ck] = f
        out.append(f)
    return out


def _start_index(h: ItemHistory, definition: Definition, limit: int) -> int:
    lo = _restart(h, definition, limit) if definition.restart_on_backlog else 0
    if definition.start_status is not None:
        for i in range(lo, limit + 1):
            if h.st_status[i] == definition.start_status:
                return i
    for i in range(lo, limit + 1):
        if h.st_cat[i] in STARTED:
            return i
    return -1


def _restart(h: ItemHistory, definition: Definition, limit: int) -> int:
    """The first status entry after the item's last move back to a todo status that a new
    start followed (0 when none did): an item sent back and not started again keeps the
    start it had, so it still counts as in progress (waiting)."""
    named = definition.start_status
    back, lo = -1, 0
    for i in range(limit + 1):
        if h.st_status[i] == named or h.st_cat[i] in STARTED:
            if back >= 0:
                lo = back + 1
        elif h.st_cat[i] == StatusCategory.TODO:
            back = i
    return lo


def _active_time(h: ItemHistory, s: int, done_i: int, done: datetime) -> timedelta:
    """Time in an active, unflagged status between entries ``s`` and ``done_i``."""
    spans: list[tuple[datetime, datetime]] = []
    for i in range(s, done_i):
        if h.st_cat[i] == StatusCategory.ACTIVE:
            a, b = h.st_times[i], h.st_times[i + 1]
            if b > a:
                spans.append((a, b))
    total = sum((b - a for a, b in spans), timedelta())
    if spans:
        total -= _overlap(spans, h.flagged_spans(done))
    return total


def _overlap(a: list[tuple[datetime, datetime]], b: list[tuple[datetime, datetime]]) -> timedelta:
    """Total overlap of two sorted lists of disjoint intervals (two-pointer sweep)."""
    i = j = 0
    out = timedelta()
    while i < len(a) and j < len(b):
        lo = max(a[i][0], b[j][0])
        hi = min(a[i][1], b[j][1])
        if hi > lo:
            out += hi - lo
        if a[i][1] <= b[j][1]:
            i += 1
        else:
            j += 1
    return out
