"""Bring the store's ARTs, teams, PIs and sources in line with the configuration file.

Run at start-up and before every pull: configuration is the source of truth for structure,
so renaming a team in the file renames it in every report. Nothing is deleted: rows the file
no longer names keep their history.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from art.config import TrainyardConfig
from art.models import ART, PI, Source, Team


def apply_config(session: Session, config: TrainyardConfig) -> dict[str, int]:
    """Upsert ARTs, teams, PIs and sources; returns the ART ids by name."""
    arts = {a.name: a for a in session.scalars(select(ART))}
    for art_cfg in config.arts:
        art = arts.get(art_cfg.name)
        if art is None:
            art = ART(name=art_cfg.name, timezone=art_cfg.timezone, data_version=0)
            session.add(art)
            session.flush()
            arts[art.name] = art
        else:
            art.timezone = art_cfg.timezone
        teams = {t.name for t in session.scalars(select(Team).where(Team.art_id == art.id))}
        for team_cfg in art_cfg.teams:
            if team_cfg.name not in teams:
                session.add(Team(art_id=art.id, name=team_cfg.name))
        pis = {p.name: p for p in session.scalars(select(PI).where(PI.art_id == art.id))}
        for pi_cfg in art_cfg.pis:
            pi = pis.get(pi_cfg.name)
            if pi is None:
                session.add(
                    PI(
                        art_id=art.id,
                        name=pi_cfg.name,
                        start_date=pi_cfg.start,
                        end_date=pi_cfg.end,
                    )
                )
            else:
                pi.start_date, pi.end_date = pi_cfg.start, pi_cfg.end
    sources = {s.name: s for s in session.scalars(select(Source))}
    for src_cfg in config.sources:
        src = sources.get(src_cfg.name)
        art_id = arts[src_cfg.art].id
        if src is None:
            session.add(
                Source(
                    name=src_cfg.name,
                    kind=src_cfg.kind,
                    url=src_cfg.url,
                    art_id=art_id,
                    created_at=datetime.now(UTC),
                )
            )
        else:
            src.kind, src.url, src.art_id = src_cfg.kind, src_cfg.url, art_id
    session.flush()
    return {name: art.id for name, art in arts.items()}
