"""Dependencies between items: direction, dates, status with a reason an RTE can act on.

A dependency is a ``blocks`` or ``depends-on`` link; the provider is the item that must be done
first. Status at the as-of time follows the rules of docs/metrics.md "Dependencies" in order; then
an on_track dependency whose provider is itself the consumer of a late or conflict dependency
becomes at_risk (``upstream``). Cycles are reported (metrics.cycles).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import numpy.typing as npt

from art.vocabulary import LinkKind, StatusCategory
from metrics.columns import CATS, DONE, Coder, columns, from_us, us
from metrics.cycles import find_cycles
from metrics.inputs import ArtData, ItemFacts, IterationSpan, PISpan
from metrics.output import iso
from metrics.timeline import day_end, day_start, local_date

STATUSES = ("resolved", "on_track", "at_risk", "conflict", "late", "removed")


@dataclass(slots=True)
class End:
    """One end of a dependency as it stood at the as-of time. Not frozen, though never
    changed: a frozen dataclass sets each field through ``object.__setattr__``, and a report
    at 200,000 items makes thousands of ends."""

    item: ItemFacts
    team: str | None
    category: StatusCategory | None
    iteration: IterationSpan | None
    pi: PISpan | None
    done_at: datetime | None

    @property
    def who(self) -> str:
        """The item as the reason names it: its key as its tracker shows it (``#1014`` for
        an Azure DevOps id), then its team."""
        shown = self.item.shown_key
        return f"{shown} ({self.team})" if self.team else shown

    def to_dict(self, linked: bool = False) -> dict[str, Any]:
        """The end; ``linked``: with its item's url and display key last, as
        app.reports.item_links would add them."""
        out = {
            "key": self.item.key,
            "title": self.item.title,
            "team": self.team,
            "iteration": None if self.iteration is None else self.iteration.label,
            "art": self.item.art,
            "status_category": None if self.category is None else self.category.value,
        }
        if linked:
            out["url"], out["display_key"] = self.item.url, self.item.shown_key
        return out


@dataclass(frozen=True, slots=True)
class Dependency:
    provider: End
    consumer: End
    cross_team: bool
    cross_art: bool
    status: str
    upstream: bool
    planned_by: datetime | None
    needed_by: datetime | None
    reason: str
    in_cycle: bool = False

    def to_dict(
        self, linked: bool = False, shown: Callable[[datetime | None], str | None] = iso
    ) -> dict[str, Any]:
        """The dependency; ``shown`` writes its times (a report shares one memo of ``iso``:
        thousands of dependencies name the same few iteration and PI days)."""
        return {
            "provider": self.provider.to_dict(linked),
            "consumer": self.consumer.to_dict(linked),
            "cross_team": self.cross_team,
            "cross_art": self.cross_art,
            "status": self.status,
            "upstream": self.upstream,
            "planned_by": shown(self.planned_by),
            "needed_by": shown(self.needed_by),
            "reason": self.reason,
            "in_cycle": self.in_cycle,
        }


def _ends(data: ArtData, as_of: datetime) -> dict[str, End]:
    """Each dependency's item's end at ``as_of`` (team, category, iteration, PI, since
    when done), read from the columnar engine for all of them at once: an ART of 200,000
    items has thousands of linked items, and replaying each one's history took most of the
    report. The state in force at ``as_of`` is the last event at or before it; an item done
    at ``as_of`` has been done since the first event of its current run of done states."""
    c, keys = columns(data), data.derived(_dependency_links)[1]
    idx = data.derived(_dependency_positions)
    last = c.last_index(us(as_of))[idx]
    alive = last >= 0
    at = np.maximum(last, 0)
    done_at = c.t[np.maximum(data.derived(_done_run_starts)[at], 0)]

    def values(coder: Coder, codes: npt.NDArray[np.int32]) -> list[str | None]:
        names: list[str | None] = [*coder.values, None]  # code -1 (none) reads the last
        return [names[k] for k in np.where(alive, codes[at], -1).tolist()]

    by_key, iteration_by_key, pi_by_name = data.by_key, data.iteration_by_key, data.pi_by_name
    out: dict[str, End] = {}
    for key, team, it_key, pi_name, code, done_us in zip(
        keys,
        values(c.teams, c.team_at),
        values(c.iterations, c.iteration),
        values(c.pis, c.pi_at),
        np.where(alive, c.cat[at], -1).tolist(),
        done_at.tolist(),
        strict=True,
    ):
        item = by_key[key]
        it = iteration_by_key.get(it_key) if it_key else None
        pi = it.pi if it is not None and it.pi else pi_name
        cat = StatusCategory.REMOVED if item.deleted else CATS[code] if code >= 0 else None
        done = from_us(done_us) if cat == StatusCategory.DONE else None
        span = pi_by_name.get(pi) if pi else None
        out[key] = End(item, team, cat, it, span, done)
    return out


def _dependency_positions(data: ArtData) -> npt.NDArray[np.int64]:
    """The columnar positions of the items dependencies name (see _dependency_links); the
    version before's when its items kept their places and its links are the same."""
    kept = data.carried(
        _dependency_positions, lambda now, before: now.key == before.key, same_links=True
    )
    if kept is not None:
        return kept
    keys, index = data.derived(_dependency_links)[1], columns(data).index
    return np.fromiter(map(index.__getitem__, keys), dtype=np.int64, count=len(keys))


def prepare_dependencies(data: ArtData) -> None:
    """Build what every dependency report reads whatever its as-of time (the dependency
    pairs, their items' positions in the columns, the runs of done states): part of a load,
    as the columns are, so the first report of a version does not pay for them."""
    data.derived(_dependency_positions)
    data.derived(_done_run_starts)


def _done_run_starts(data: ArtData) -> npt.NDArray[np.int64]:
    """Per event, the first event of the run of done states it is in (-1 before any): the
    same at every as-of time, so made once per data version."""
    c = columns(data)
    run = (c.cat == DONE) & (c.prev_cat != DONE)
    return np.maximum.accumulate(np.where(run, np.arange(c.e), -1))


def _d(t: date) -> str:
    return t.isoformat()


def _dependency_links(data: ArtData) -> tuple[list[tuple[str, str]], list[str]]:
    """(provider, consumer) of every dependency link between two distinct loaded items, in
    link order with duplicates merged, and the items they name: the same for every as-of
    time, so kept with the data (a 200,000-item ART has as many links to sort through), and
    taken from the version before when its links and item keys are the same."""
    kept = data.carried(
        _dependency_links, lambda now, before: now.key == before.key, same_links=True
    )
    if kept is not None:
        return kept
    blocks, depends_on = LinkKind.BLOCKS, LinkKind.DEPENDS_ON
    pairs: dict[tuple[str, str], None] = {}
    # most links are parents and relations: one comprehension skips them cheapest
    for link in [k for k in data.links if k.kind == blocks or k.kind == depends_on]:
        if link.kind == blocks:
            pairs.setdefault((link.from_key, link.to_key))
        else:
            pairs.setdefault((link.to_key, link.from_key))
    items = data.by_key
    known = [(p, c) for p, c in pairs if p in items and c in items and p != c]
    return known, list(dict.fromkeys(k for pair in known for k in pair))


@dataclass(frozen=True, slots=True)
class _Assessed:
    """A dependency's status before its reason is written: reports keep only some (those of
    a PI), and the reasons are most of the cost."""

    p: End
    c: End
    status: str  # by the rules, before the upstream one
    planned: datetime | None
    needed: datetime | None
    c_pi: PISpan | None
    blocker: tuple[End, str] | None  # the late or conflict dependency p waits on (upstream)


def dependencies(data: ArtData, as_of: datetime, pi: str | None = None) -> list[Dependency]:
    """Every dependency whose two ends are known, in link order (duplicates merged).

    ``pi`` is the fallback PI of a consumer that has neither iteration nor PI.
    """
    tz = data.definition.tz
    return [_dependency(a, tz) for a in _assess(data, as_of, pi)]


def _assess(data: ArtData, as_of: datetime, pi: str | None) -> list[_Assessed]:
    """Every dependency's status at ``as_of``, with the blocker that makes it upstream."""
    tz = data.definition.tz
    fallback = data.pi_by_name.get(pi) if pi else None
    base: list[tuple[End, End, str, datetime | None, datetime | None, PISpan | None]] = []
    known = data.derived(_dependency_links)[0]
    ends = _ends(data, as_of)
    planned_of: dict[str, datetime | None] = {}  # per provider: it provides for several
    for pk, ck in known:
        p, c = ends[pk], ends[ck]
        c_pi = c.pi or fallback
        if pk in planned_of:
            planned = planned_of[pk]
        else:
            planned = planned_of[pk] = (
                day_end(p.item.target_date, tz)
                if p.item.target_date is not None
                else day_end(p.iteration.end, tz)
                if p.iteration is not None
                else None
            )
        needed = (
            day_start(c.iteration.start, tz)
            if c.iteration is not None
            else day_end(c_pi.end, tz)
            if c_pi is not None
            else None
        )
        base.append((p, c, _status(p, c, planned, needed, as_of, tz), planned, needed, c_pi))
    blocked_by: dict[str, list[tuple[End, str]]] = {}
    for p, c, st, _, _, _ in base:
        if st in ("late", "conflict"):
            blocked_by.setdefault(c.item.key, []).append((p, st))
    out: list[_Assessed] = []
    for p, c, st, planned, needed, c_pi in base:
        ups = blocked_by.get(p.item.key, []) if st == "on_track" else []
        # several late blockers: name the first by key, whatever order links were stored in
        blocker = min(ups, key=lambda u: u[0].item.key) if ups else None
        out.append(_Assessed(p, c, st, planned, needed, c_pi, blocker))
    return out


def _dependency(a: _Assessed, tz: ZoneInfo) -> Dependency:
    """The dependency with its status and reason."""
    p, c, st = a.p, a.c, a.status
    reason = _reason(p, c, a.c_pi, st, a.planned, a.needed, tz)
    if a.blocker is not None:
        up, up_st = a.blocker
        st = "at_risk"
        state = "late" if up_st == "late" else "planned after it is needed"
        reason += f"; but {p.who} itself waits on {up.who}, which is {state}"
    return Dependency(
        p,
        c,
        cross_team=p.team is not None and c.team is not None and p.team != c.team,
        cross_art=p.item.art is not None and c.item.art is not None and p.item.art != c.item.art,
        status=st,
        upstream=a.blocker is not None,
        planned_by=a.planned,
        needed_by=a.needed,
        reason=reason,
    )


def _status(
    p: End, c: End, planned: datetime | None, needed: datetime | None, as_of: datetime, tz: ZoneInfo
) -> str:
    if StatusCategory.REMOVED in (p.category, c.category):
        return "removed"
    if p.category == StatusCategory.DONE:
        return "resolved"
    if planned is None:
        return "at_risk"
    if planned < as_of:
        return "late"
    if needed is None or planned <= needed:
        return "on_track"
    if c.iteration is not None and planned <= day_end(c.iteration.end, tz):
        return "at_risk"
    return "conflict"


def _plan(p: End) -> str:
    if p.item.target_date is not None:
        return f"by its target date {_d(p.item.target_date)}"
    assert p.iteration is not None
    return f"with {p.iteration.label} on {_d(p.iteration.end)}"


def _need(c: End, c_pi: PISpan | None) -> str:
    if c.iteration is not None:
        return f"at the start of {c.iteration.label} on {_d(c.iteration.start)}"
    if c_pi is not None:
        return f"by the end of {c_pi.name} on {_d(c_pi.end)}"
    return "with no date set"


def _reason(
    p: End,
    c: End,
    c_pi: PISpan | None,
    st: str,
    planned: datetime | None,
    needed: datetime | None,
    tz: ZoneInfo,
) -> str:
    if st == "removed":
        gone = [e.who for e in (p, c) if e.category == StatusCategory.REMOVED]
        return " and ".join(gone) + (" were" if len(gone) > 1 else " was") + " removed"
    if st == "resolved":
        when = f" since {_d(local_date(p.done_at, tz))}" if p.done_at else ""
        return f"{p.who} is done{when}"
    if st == "late":
        return f"{p.who} was planned to finish {_plan(p)} and is not done"
    if planned is None:
        return (
            f"{p.who} has neither a target date nor an iteration, "
            f"and {c.who} needs it {_need(c, c_pi)}"
        )
    if st == "on_track":
        return (
            f"{p.who} is planned to finish {_plan(p)}, in time for {c.who}, "
            f"which needs it {_need(c, c_pi)}"
        )
    if st == "at_risk":
        assert c.iteration is not None
        return (
            f"{p.who} is planned to finish {_plan(p)}, within {c.iteration.label} "
            f"({_d(c.iteration.start)} to {_d(c.iteration.end)}), the iteration in which "
            f"{c.who} needs it"
        )
    late_by = (planned - needed).days if needed is not None else 0
    return (
        f"{p.who} is planned to finish {_plan(p)}, {late_by} days after {c.who} "
        f"needs it {_need(c, c_pi)}"
    )


@dataclass(frozen=True, slots=True)
class DependencyReport:
    pi: str | None
    as_of: datetime
    definition: dict[str, Any]
    data: list[Dependency]
    cycles: list[list[str]]

    def to_dict(self, linked: bool = False) -> dict[str, Any]:
        """The report; ``linked``: each end with its item's url and display key (see
        End.to_dict), so the API need not walk the body for them."""
        shown = lru_cache(maxsize=None)(iso)
        return {
            "pi": self.pi,
            "as_of": iso(self.as_of),
            "definition": self.definition,
            "data": [d.to_dict(linked, shown) for d in self.data],
            "cycles": self.cycles,
        }


def dependencies_report(
    data: ArtData,
    pi: str | None,
    as_of: datetime,
    status: str | None = None,
    team: str | None = None,
    cross_team_only: bool = False,
) -> DependencyReport:
    """Dependencies with an end in the PI (all when ``pi`` is None), filtered, and cycles."""
    assessed = _assess(data, as_of, pi)
    if pi is not None:
        assessed = [a for a in assessed if pi in (_pi(a.p), _pi(a.c))]
    deps = [_dependency(a, data.definition.tz) for a in assessed]
    cycles = find_cycles(
        (d.provider.item.key, d.consumer.item.key) for d in deps if d.status != "removed"
    )
    in_cycle = {frozenset(zip(c, [*c[1:], c[0]], strict=True)) for c in cycles}
    edges = set().union(*in_cycle) if in_cycle else set()
    deps = [_with_cycle(d, (d.provider.item.key, d.consumer.item.key) in edges) for d in deps]
    if status is not None:
        deps = [d for d in deps if d.status == status]
    if team is not None:
        deps = [d for d in deps if team in (d.provider.team, d.consumer.team)]
    if cross_team_only:
        deps = [d for d in deps if d.cross_team]
    definition = {
        **data.definition.to_dict(),
        "dependency": "a blocks or depends-on link; the provider must be done first",
        "planned_by": "provider's target date (end of day), else end of its iteration",
        "needed_by": "start of the consumer's iteration, else end of its PI",
        "status_rules": [
            "removed: either end removed",
            "resolved: provider done",
            "late: planned_by before as_of",
            "at_risk: provider unscheduled",
            "on_track: planned_by at or before needed_by",
            "at_risk: planned_by inside the consumer's iteration",
            "conflict: otherwise",
            "upstream: on_track becomes at_risk when the provider waits on a late or "
            "conflict dependency",
        ],
    }
    return DependencyReport(pi, as_of, definition, deps, cycles)


def _pi(e: End) -> str | None:
    return e.pi.name if e.pi is not None else None


def _with_cycle(d: Dependency, flag: bool) -> Dependency:
    if not flag:
        return d
    return Dependency(
        d.provider,
        d.consumer,
        d.cross_team,
        d.cross_art,
        d.status,
        d.upstream,
        d.planned_by,
        d.needed_by,
        d.reason + "; it is part of a dependency cycle",
        True,
    )
