"""One report request, whatever asks it: the ART, the as-of time, and the checks every report
shares (team, PI, window), made once against the ART's loaded data.

The API builds a context from the query string (app.reports.params); digests, the event
watcher and the benchmark build one with :func:`context_at`. Every report body
(app.reports.bodies_flow, app.reports.bodies_pi) takes a context, so a figure is computed
and cached the same way for every surface, and "today" and the current PI are the ART's own,
in its time zone.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from app.reports.service import ReportService, unknown_pi
from art.errors import BadRequest, NotFound
from art.structure_queries import resolve_pi_name
from art.vocabulary import Level
from metrics.inputs import ArtData, Window
from metrics.timeline import local_date

WINDOW_DAYS = 90
MAX_WINDOW_DAYS = 3660  # ten years: a longer window is a typo, and CFD rows are per day
# Dates a report can be asked about: wide enough for any tracker's history, and far from the
# calendar's ends, where "90 days before" or a chart's date axis would overflow.
EARLIEST, LATEST = date(1900, 1, 1), date(9000, 1, 1)

__all__ = [
    "EARLIEST",
    "LATEST",
    "MAX_WINDOW_DAYS",
    "WINDOW_DAYS",
    "FlowQuery",
    "ReportContext",
    "Window",
    "context_at",
]


@dataclass(frozen=True)
class ReportContext:
    """One request's ART and as-of time, with the report service that computes for it."""

    art: str
    as_of: datetime
    service: ReportService
    cache_as_of: str = ""  # the minute a defaulted as_of is cached under; else as_of itself
    known: tuple[int, int] | None = None  # (art id, data version) read once for the request
    # an API reader may be answered with the body before while a new one is computed; the
    # event watcher, digests and the benchmark always get the body of the version they read
    stand_ins: bool = False

    @property
    def data(self) -> ArtData:
        """The ART's loaded data: the service loads it once per data version, and a request
        looks it up once, so its checks and its report see the same version. Not a
        ``cached_property``: on Python 3.11 that holds one lock for every instance, so a
        request loading a new version would hold up every other request's first look."""
        got: ArtData | None = self.__dict__.get("_data")
        if got is None:
            got = self.service.data(self.art, self.known)
            object.__setattr__(self, "_data", got)  # a frozen dataclass, memoized per request
        return got

    @property
    def today(self) -> date:
        """as_of's calendar date in the ART's time zone."""
        return self.day_of(self.as_of)

    def day_of(self, t: datetime) -> date:
        """``t``'s calendar date in the ART's time zone."""
        return local_date(t, self.data.definition.tz)

    def current_pi(self) -> str | None:
        """The PI running on as_of's day (ART time zone), else the last one started before
        it; None when no PI has started by then."""
        today = self.today
        running = self.data.pi_containing(today)
        if running is not None:
            return running.name
        started = [p for p in sorted(self.data.pis, key=lambda p: p.start) if p.start <= today]
        return started[-1].name if started else None

    def team(self, name: str | None) -> str | None:
        """``name`` when the ART has such a team; BadRequest naming ``team`` otherwise."""
        if name is None:
            return None
        known = self.data.team_names
        if name not in known:
            raise BadRequest(
                f"no team named '{name}' in {self.art} (known: {', '.join(known) or 'none'})",
                parameter="team",
            )
        return name

    def pi(self, name: str, parameter: str | None = None) -> str:
        """``name`` when the ART has such a PI (``current``: the PI containing as_of's day in
        the ART's time zone, else a 404 naming the ART and the day); else 404 for a path
        segment, or a 422 naming ``parameter`` when the PI came from the query string."""
        spans = [(p.name, p.start, p.end) for p in self.data.pis]
        name = resolve_pi_name(name, spans, self.art, self.today)
        if name not in self.data.pi_by_name:
            message = unknown_pi(self.art, self.data, name)
            if parameter is not None:
                raise BadRequest(message, parameter=parameter)
            raise NotFound(message)
        return name

    def window(self, start: date | None, end: date | None) -> Window:
        """[from, to): defaults to the 90 days ending with as_of's day (to exclusive)."""
        for value, parameter in ((start, "from"), (end, "to")):
            if value is not None and not EARLIEST <= value < LATEST:
                raise BadRequest(
                    f"{parameter} must fall between {EARLIEST} and {LATEST}", parameter=parameter
                )
        end = end or self.today + timedelta(days=1)
        start = start or end - timedelta(days=WINDOW_DAYS)
        if start >= end:
            raise BadRequest(
                f"from ({start}) must be before to ({end}); to is exclusive", parameter="from"
            )
        if (end - start).days > MAX_WINDOW_DAYS:
            raise BadRequest(
                f"the window may span at most {MAX_WINDOW_DAYS} days", parameter="from"
            )
        return Window(start, end)

    def report(
        self,
        name: str,
        params: Hashable,
        compute: Callable[[ArtData], dict[str, Any]],
        *,
        linked: bool = False,
    ) -> dict[str, Any]:
        """A report body from the service's cache, keyed by name, as_of and ``params``
        (``linked``: see ReportService.report)."""
        key = self.cache_as_of or self.as_of.isoformat()
        # a defaulted as_of: the body of the minute before may stand in while this one's is
        # computed (see ReportService.report); an as_of asked for is never answered by another
        stand_in = None
        if self.stand_ins:
            stand_in = ("now", params) if self.cache_as_of else (key, params)
        return self.service.report(
            self.art, name, (key, params), compute, self.known, linked=linked, stand_in=stand_in
        )


def context_at(service: ReportService, art: str, as_of: datetime) -> ReportContext:
    """A context for ``art`` at ``as_of`` outside HTTP (digests, the watcher, the benchmark):
    the ART's data version is read once, so every body of one digest or check sees the same
    data; an unknown ART raises NotFound."""
    return ReportContext(art, as_of, service, known=service.version(art))


@dataclass(frozen=True)
class FlowQuery:
    """The window, team and level of a flow report, checked against the ART."""

    window: Window
    team: str | None
    level: Level | None

    @property
    def key(self) -> tuple[Hashable, ...]:
        return (self.window, self.team, self.level)

    def title(self, ctx: ReportContext, what: str) -> str:
        """A chart title naming the report, the ART, the team and the window's days."""
        last = self.window.end - timedelta(days=1)
        return f"{what}: {ctx.art}, {self.team or 'all teams'}, {self.window.start} to {last}"
