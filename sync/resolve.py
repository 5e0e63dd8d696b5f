"""Resolve the names records carry (team, PI, iteration) to row ids, creating what is new."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from art.chunks import IN_LIST, chunks
from art.config import ArtConfig
from art.models import PI, Iteration, Team
from art.records import IterationRecord
from art.store.upsert import insert_ignore, upsert


class Resolver:
    """Per-batch lookups for one ART and source; one SELECT per kind, never per row."""

    def __init__(
        self, session: Session, art_id: int, source_id: int, art_cfg: ArtConfig | None
    ) -> None:
        self.session = session
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
        self._pis: dict[str, int] | None = None

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
                insert_ignore(
                    self.session,
                    PI,
                    [{"art_id": self.art_id, "name": name, "start_date": start, "end_date": end}],
                    ["art_id", "name"],
                )
                created = True
            else:  # widen a derived PI to cover every iteration seen
                self.session.execute(
                    update(PI)
                    .where(PI.id == self._pis[name], PI.start_date > start)
                    .values(start_date=start)
                )
                self.session.execute(
                    update(PI)
                    .where(PI.id == self._pis[name], PI.end_date < end)
                    .values(end_date=end)
                )
        if created:
            self._pis = self._load_pis()
        return self._pis

    def _load_pis(self) -> dict[str, int]:
        rows = self.session.execute(select(PI.name, PI.id).where(PI.art_id == self.art_id))
        return {name: id_ for name, id_ in rows}

    def upsert_iterations(self, iterations: list[IterationRecord]) -> None:
        if not iterations:
            return
        teams = self.team_ids(it.team for it in iterations)
        pis = self.pi_ids(iterations, (it.pi for it in iterations))
        rows = [
            {
                "source_id": self.source_id,
                "key": it.key,
                "name": it.name,
                "team_id": teams.get(self.team_name(it.team) or ""),
                "pi_id": pis.get(it.pi or ""),
                "start_date": it.start,
                "end_date": it.end,
                "state": it.state,
                "completed_at": it.completed_at,
            }
            for it in {i.key: i for i in iterations}.values()
        ]
        upsert(
            self.session,
            Iteration,
            rows,
            ["source_id", "key"],
            ["name", "team_id", "pi_id", "start_date", "end_date", "state", "completed_at"],
        )

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
