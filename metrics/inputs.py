"""The loaded ART every formula reads: :class:`ArtData`, the plain facts of metrics.facts.

A loader (or a test) builds an :class:`ArtData` once; the report functions read it and never
write to it, except for its private caches of per-item histories and derived structures, so
several reports over the same data replay each item's changes once. The facts are re-exported
here: ``from metrics.inputs import ArtData, Window`` is how reports and tests import them.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from typing import TypeVar, cast

from art.vocabulary import Level, iteration_label
from metrics.facts import (
    Change,
    Definition,
    ItemFacts,
    IterationSpan,
    Link,
    Milestone,
    Objective,
    PISpan,
    Window,
    change_order,
    default_level,
    make_change,
)
from metrics.history import ItemHistory
from metrics.history_table import same_history

__all__ = [
    "ArtData",
    "Change",
    "Definition",
    "ItemFacts",
    "IterationSpan",
    "Link",
    "Milestone",
    "Objective",
    "PISpan",
    "Window",
    "change_order",
    "default_level",
    "make_change",
]

T = TypeVar("T")


@dataclass(frozen=True, eq=False)
class ArtData:
    """Everything a report of one ART reads. Build once, query many times.

    ``changes`` may come in any order; they are grouped per item and sorted once. The
    per-item histories and what :meth:`derived` builds (the columnar engine of metrics.columns,
    the flow facts of metrics.timeline) are made on first use and kept here, so the API should
    keep one ArtData per ART and data version.
    """

    definition: Definition
    items: Sequence[ItemFacts]
    changes: Sequence[Change] = ()
    iterations: Sequence[IterationSpan] = ()
    pis: Sequence[PISpan] = ()
    links: Sequence[Link] = ()
    objectives: Sequence[Objective] = ()
    teams: Sequence[str] = ()
    milestones: Sequence[Milestone] = ()
    art: str | None = None
    _histories: dict[str, ItemHistory] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )
    _derived: dict[Callable[[ArtData], object], object] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )
    _derived_lock: threading.RLock = field(
        default_factory=threading.RLock, init=False, repr=False, compare=False
    )
    # the data this one was refreshed from (see prime), held weakly: a chain of versions is
    # never kept alive by its successors
    _before: list[weakref.ref[ArtData]] = field(
        default_factory=list, init=False, repr=False, compare=False
    )
    # the positions prime was told changed since _before (see prime): one entry or none
    _changed: list[Sequence[int]] = field(
        default_factory=list, init=False, repr=False, compare=False
    )

    @cached_property
    def by_key(self) -> dict[str, ItemFacts]:
        return {it.key: it for it in self.items}

    @cached_property
    def changes_by_item(self) -> Mapping[str, list[Change]]:
        grouped: dict[str, list[Change]] = {}
        for c in self.changes:
            lst = grouped.get(c.item_key)
            if lst is None:
                grouped[c.item_key] = [c]
            else:
                lst.append(c)
        for lst in grouped.values():
            lst.sort(key=change_order)
        return grouped

    @cached_property
    def iteration_by_key(self) -> dict[str, IterationSpan]:
        return {it.key: it for it in self.iterations}

    def iteration_label(self, key: str | None) -> str | None:
        """The display name of the iteration an item or change names by ``key``."""
        if key is None:
            return None
        span = self.iteration_by_key.get(key)
        return span.label if span is not None else iteration_label(None, key)

    @cached_property
    def pi_by_name(self) -> dict[str, PISpan]:
        return {p.name: p for p in self.pis}

    @cached_property
    def team_names(self) -> list[str]:
        """Configured teams first, then any other team an item or objective names."""
        seen = dict.fromkeys(self.teams)
        for it in self.items:
            if it.team is not None:
                seen.setdefault(it.team)
        for o in self.objectives:
            if o.team is not None:
                seen.setdefault(o.team)
        return list(seen)

    def prime(
        self,
        changes_by_item: Mapping[str, list[Change]],
        previous: ArtData | None = None,
        changed: Sequence[int] | None = None,
    ) -> None:
        """Take the per-item grouping of ``changes`` a loader already holds (each list in
        :func:`change_order`), and the item histories ``previous`` built for items whose facts
        and changes are the very same objects here, instead of rebuilding them on first use.

        ``changed``: the positions of the only items whose facts or changes may differ from
        ``previous``'s, when every other position holds the very same item as there (a
        refresh that added no item). The indexes are then copied from ``previous`` and
        patched at those positions, and the columns re-encode only those items."""
        self.__dict__["changes_by_item"] = changes_by_item
        if previous is None:
            return
        self._before[:] = [weakref.ref(previous)]
        if changed is not None and len(previous.items) == len(self.items):
            self._changed[:] = [changed]
            self._patch_indexes(previous, changed)
        if previous.definition != self.definition:
            return
        if changed is not None and self._changed:
            gone = {previous.items[i].key for i in changed} | {self.items[i].key for i in changed}
            self._histories.update((k, h) for k, h in previous._histories.items() if k not in gone)
            return
        for key, h in previous._histories.items():
            facts = self.by_key.get(key)
            if facts is h.item and same_history(changes_by_item, previous.changes_by_item, key):
                self._histories[key] = h

    def _patch_indexes(self, previous: ArtData, changed: Sequence[int]) -> None:
        """``previous``'s key index and team names, patched at the ``changed`` positions
        (a copy of a dict is far cheaper than a pass over every item)."""
        by_key = dict(previous.by_key)
        for i in changed:  # a kept key is overwritten below, not deleted: a dict with deleted
            # entries is copied entry by entry (the next version copies this one), else at once
            old = previous.items[i]
            if old.key != self.items[i].key and by_key.get(old.key) is old:
                del by_key[old.key]
        for i in changed:
            by_key[self.items[i].key] = self.items[i]
        if len(by_key) == len(self.items):  # keys unique: what a fresh index would hold
            self.__dict__["by_key"] = by_key
        # the team names: configured ones first, then the others as items first name them;
        # kept when each changed item keeps its team or moves between configured ones (or none)
        configured = {*self.teams, None}
        if (self.teams, self.objectives) == (previous.teams, previous.objectives) and all(
            {self.items[i].team, previous.items[i].team} <= configured
            or self.items[i].team == previous.items[i].team
            for i in changed
        ):
            self.__dict__["team_names"] = previous.team_names

    def history(self, key: str) -> ItemHistory:
        """The replayable history of one item (built on first use, then cached)."""
        h = self._histories.get(key)
        if h is None:
            h = ItemHistory(self.by_key[key], self.changes_by_item.get(key, ()), self.definition)
            self._histories[key] = h
        return h

    def derived(self, build: Callable[[ArtData], T]) -> T:
        """What ``build`` makes of this data, made on first use and kept with it.

        The modules built on this one (the columnar engine, the per-item flow facts) keep
        their structures here without this module importing them: ``build`` is the key.
        Threads racing on a first use build once: the others wait for that build (a build
        of a large ART takes seconds of the interpreter both would share).
        """
        got = self._derived.get(build)
        if got is None:
            with self._derived_lock:  # re-entrant: a build may use another derived structure
                got = self._derived.get(build)
                if got is None:
                    got = self._derived[build] = build(self)
        return cast(T, got)

    def seed(self, build: Callable[[ArtData], T], made: T) -> None:
        """Take ``made`` as what :meth:`derived` would make with ``build``: a loader makes
        some of it ahead, while it still waits for the rest of the data (unless made here)."""
        with self._derived_lock:
            self._derived.setdefault(build, made)

    def build_indexes(self) -> None:
        """Build now the indexes that nearly every report reads on first use (items by key,
        the team names, per-item change lists), so a loader pays for them, not a report."""
        for index in ("by_key", "team_names", "changes_by_item", "iteration_by_key"):
            getattr(self, index)

    def refreshed_from(self) -> ArtData | None:
        """The data this one was refreshed from (see :meth:`prime`), while it is still held
        elsewhere; a derived structure may then copy what did not change from its own."""
        return self._before[0]() if self._before else None

    def changed_since_before(self) -> Sequence[int] | None:
        """The positions of the items that may differ from :meth:`refreshed_from`'s, every
        other position holding the very same item; None when not known."""
        return self._changed[0] if self._changed else None

    def carried(
        self,
        build: Callable[[ArtData], T],
        same_item: Callable[[ItemFacts, ItemFacts], bool],
        same_links: bool = False,
    ) -> T | None:
        """What ``build`` made of the data this one was refreshed from, when it still holds
        here: every item kept its position and ``same_item(now, before)`` holds for each
        changed one (and with ``same_links``, the links are the very same list). None when
        it must be built afresh."""
        before, changed = self.refreshed_from(), self.changed_since_before()
        if before is None or changed is None or (same_links and self.links is not before.links):
            return None
        kept = before.derived_if_built(build)
        if kept is None or not all(same_item(self.items[i], before.items[i]) for i in changed):
            return None
        return kept

    def derived_if_built(self, build: Callable[[ArtData], T]) -> T | None:
        """What :meth:`derived` made of this data with ``build``; None when not made."""
        return cast("T | None", self._derived.get(build))

    def select(
        self, level: Level | None = None, team: str | None = None, *, keep_deleted: bool = False
    ) -> list[ItemFacts]:
        """Items of a level and team (current values), deleted ones left out."""
        return [
            it
            for it in self.items
            if (keep_deleted or not it.deleted)
            and (level is None or it.level == level)
            and (team is None or it.team == team)
        ]

    def iterations_for(self, team: str | None, pi: str | None = None) -> list[IterationSpan]:
        """Iterations a team plans into (its own and ART-wide ones), ordered by start.

        With no team: the ART-wide iterations, or when there are none, one per distinct
        (name, start, end) among team iterations.
        """
        its = [i for i in self.iterations if pi is None or i.pi == pi]
        if team is not None:
            chosen = [i for i in its if i.team is None or i.team == team]
        else:
            chosen = [i for i in its if i.team is None]
            if not chosen:
                uniq: dict[tuple[str, date, date], IterationSpan] = {}
                for i in its:
                    uniq.setdefault((i.label, i.start, i.end), i)
                chosen = list(uniq.values())
        return sorted(chosen, key=lambda i: (i.start, i.end, i.label))

    def pi_containing(self, day: date) -> PISpan | None:
        for p in self.pis:
            if p.start <= day <= p.end:
                return p
        return None
