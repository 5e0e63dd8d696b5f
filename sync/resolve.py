"""Resolve the names records carry (team, PI, iteration) to row ids, creating what is new."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from art.chunks import IN_LIST, chunks
from art.config import ArtConfig
from art.models import PI, Iteration, Team
from art.records import IterationRecord
from art.store.upsert import insert_ignore, upsert

ITERATION_FIELDS = ("name", "team_id", "pi_id", "start_date", "end_date", "state", "completed_at")


class Resolver:
    """Per-batch lookups for one ART and source; one SELECT per kind, never per row.

    Teams, PIs and iterations are what reports are drawn on, and reports are cached by the
    ART's data version: ``version`` (the batch's, see sync.apply) is taken before any of them
    is created or changed, so a renamed or moved iteration alone still makes a new version,
    and a batch that changes none of them leaves the version be."""

    def __init__(
        self,
        session: Session,
        art_id: int,
        source_id: int,
        art_cfg: ArtConfig | None,
        version: Callable[[], int],
    ) -> None:
        self.session = session
        self.version = version
        self.art_id = art_id
        self.source_id = source_id
        self.aliases: dict[str, str] = {}
        self.configured_pis: set[str] = set()
        if art_cfg is not None:
            for team in art_cfg.teams:
                self.aliases[team.name] = team.name
                for alias in team.aliases:
                    self.aliases[alias] = team.name
            self.configured_pis = {p.name for p in art_cfg.pis}
        self._teams: dict[str, int] | None = None
        self._pis: dict[str, tuple[int, date | None, date | None]] | None = None

    def team_name(self, raw: str | None) -> str | None:
        """The configured team a tracker value names (an alias), else the value itself."""
        if raw is None or raw == "":
            return None
        return self.aliases.get(raw, raw)

    def team_ids(self, names: Iterable[str | None]) -> dict[str, int]:
        """Ids of the named teams, creating the ones the ART does not have yet."""
        wanted = {n for n in (self.team_name(x) for x in names) if n}
        if self._teams is None:
            self._teams = self._load_teams()
        missing = wanted - set(self._teams)
        if missing:
            self.version()
            insert_ignore(
                self.session,
                Team,
                [{"art_id": self.art_id, "name": n} for n in sorted(missing)],
                ["art_id", "name"],
            )
            self._teams = self._load_teams()
        return self._teams

    def _load_teams(self) -> dict[str, int]:
        rows = self.session.execute(select(Team.name, Team.id).where(Team.art_id == self.art_id))
        return {name: id_ for name, id_ in rows}

    def pi_ids(
        self, iterations: list[IterationRecord], names: Iterable[str | None]
    ) -> dict[str, int]:
        """Ids of the named PIs; a PI not configured is created spanning its iterations."""
        spans: dict[str, tuple[date, date]] = {}
        for it in iterations:
            if it.pi and it.start and it.end:
                lo, hi = spans.get(it.pi, (it.start, it.end))
                spans[it.pi] = (min(lo, it.start), max(hi, it.end))
        if self._pis is None:
            self._pis = self._load_pis()
        wanted = {n for n in names if n} | set(spans)
        created = False
        for name in sorted(wanted):
            if name in self.configured_pis or name not in spans:
                continue
            start, end = spans[name]
            if name not in self._pis:
                self.version()
                insert_ignore(
                    self.session,
                    PI,
                    [{"art_id": self.art_id, "name": name, "start_date": start, "end_date": end}],
                    ["art_id", "name"],
                )
                created = True
                continue
            id_, stored_start, stored_end = self._pis[name]
            if stored_start is not None and stored_start > start:  # widen a derived PI
                self.version()
                self.session.execute(
                    update(PI).where(PI.id == id_, PI.start_date > start).values(start_date=start)
                )
            if stored_end is not None and stored_end < end:
                self.version()
                self.session.execute(
                    update(PI).where(PI.id == id_, PI.end_date < end).values(end_date=end)
                )
        if created:
            self._pis = self._load_pis()
        return {name: id_ for name, (id_, _, _) in self._pis.items()}

    def _load_pis(self) -> dict[str, tuple[int, date | None, date | None]]:
        rows = self.session.execute(
            select(PI.name, PI.id, PI.start_date, PI.end_date).where(PI.art_id == self.art_id)
        )
        return {name: (id_, start, end) for name, id_, start, end in rows}

    def upsert_iterations(self, iterations: list[IterationRecord]) -> None:
        """Store the iterations that are new or differ from their stored rows (only those:
        a pull names the same sprints in every batch)."""
        if not iterations:
            return
        teams = self.team_ids(it.team for it in iterations)
        pis = self.pi_ids(iterations, (it.pi for it in iterations))
        rows = {
            it.key: {
                "name": it.name,
                "team_id": teams.get(self.team_name(it.team) or ""),
                "pi_id": pis.get(it.pi or ""),
                "start_date": it.start,
                "end_date": it.end,
                "state": it.state,
                "completed_at": it.completed_at,
            }
            for it in iterations  # the last record of a key wins
        }
        stored = self._stored_iterations(list(rows))
        changed = [
            {"source_id": self.source_id, "key": key, **row}
            for key, row in rows.items()
            if stored.get(key) != row
        ]
        if not changed:
            return
        self.version()
        upsert(self.session, Iteration, changed, ["source_id", "key"], list(ITERATION_FIELDS))

    def _stored_iterations(self, keys: list[str]) -> dict[str, dict[str, Any]]:
        """The stored rows of the source's iterations among ``keys``, as upsert_iterations
        writes them."""
        columns = [getattr(Iteration, f) for f in ITERATION_FIELDS]
        found: dict[str, dict[str, Any]] = {}
        for chunk in chunks(sorted(keys), IN_LIST):
            rows = self.session.execute(
                select(Iteration.key, *columns).where(
                    Iteration.source_id == self.source_id, Iteration.key.in_(chunk)
                )
            )
            for key, *values in rows:
                found[key] = dict(zip(ITERATION_FIELDS, values, strict=True))
        return found

    def iteration_ids(self, keys: Iterable[str | None]) -> dict[str, tuple[int, int | None]]:
        """Iteration id and its PI id by key, for the keys given."""
        wanted = sorted({k for k in keys if k})
        found: dict[str, tuple[int, int | None]] = {}
        for chunk in chunks(wanted, IN_LIST):
            rows = self.session.execute(
                select(Iteration.key, Iteration.id, Iteration.pi_id).where(
                    Iteration.source_id == self.source_id, Iteration.key.in_(chunk)
                )
            )
            found.update({key: (id_, pi_id) for key, id_, pi_id in rows})
        return found
