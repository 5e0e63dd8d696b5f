"""Events decided by the figures: a dependency changed status, a PI's predictability moved.

Such changes happen when a tracker change lands and also when time passes (a provider's
iteration ends and the dependency turns late), so the watcher re-evaluates each ART whenever
its data version or the as-of minute changes, compares with the snapshot it keeps in the
store, and writes the differences to the outbox in the same transaction as the new snapshot.
The figures are the report service's dependency and predictability bodies of the ART's
current PI, "today" taken in the ART's time zone as the API takes it. ``predictability.changed``
fires when the actual figures change, or when the PI outlook's median crosses the 80% band
boundary (not on every move of the median: it moves with each story done).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from app.outgoing.naming import item_sources
from app.reports.bodies_pi import dependencies_body, predictability_body
from app.reports.context import context_at
from app.reports.service import ReportService
from art.models import ART, ReportSnapshot
from art.store.outbox import emit
from art.store.upsert import upsert
from art.structure_queries import art_by_name

SNAPSHOT = "events"
PREDICTABILITY = ("predictability_pct", "band", "complete")  # a change of any fires
OUTLOOK = ("projected_pct", "projected_pct_85", "chance_in_band_pct")  # reported beside


def _in_band(figures: dict[str, Any]) -> bool | None:
    median = figures.get("projected_pct")
    return None if median is None else median >= 80.0


def _predictability_moved(before: dict[str, Any] | None, now: dict[str, Any] | None) -> bool:
    """The actual figures changed, or the outlook's median crossed 80% (either way)."""
    if before is None or now is None:
        return before != now
    changed = any(before.get(k) != now.get(k) for k in PREDICTABILITY)
    return changed or _in_band(before) != _in_band(now)


def _with_sources(dep: dict[str, Any], sources: dict[str, str]) -> dict[str, Any]:
    """The dependency as the report shows it (each end with its key, display key and URL),
    each end naming its source too; the report's cached body is left as it is."""
    return {
        **dep,
        **{
            end: {**dep[end], "source": sources.get(dep[end]["key"])}
            for end in ("provider", "consumer")
        },
    }


def _edge(d: dict[str, Any]) -> str:
    return f"{d['provider']['key']}->{d['consumer']['key']}"


class ReportWatcher:
    def __init__(self, sessions: sessionmaker[Session], reports: ReportService) -> None:
        self.sessions = sessions
        self.reports = reports
        self._seen: dict[str, tuple[int, datetime]] = {}

    def check_all(self, as_of: datetime | None = None) -> int:
        """Check every ART whose data or minute moved; returns events written."""
        with self.sessions() as session:
            arts = session.execute(select(ART.name, ART.data_version)).all()
        at = as_of or datetime.now(UTC)
        minute = at.replace(second=0, microsecond=0)
        written = 0
        for name, version in arts:
            if self._seen.get(name) == (version, minute):
                continue  # nothing changed and no time boundary could have passed
            written += self.check(name, at)
            self._seen[name] = (version, minute)
        return written

    def figures(self, art: str, as_of: datetime) -> dict[str, Any]:
        """What the events are decided on: dependency statuses and PI predictability."""
        ctx = context_at(self.reports, art, as_of)
        pi = ctx.current_pi()
        if pi is None:
            return {"pi": None, "dependencies": {}, "predictability": None}
        deps = dependencies_body(ctx, pi)["data"]
        pred = predictability_body(ctx, pi)["art"]
        return {
            "pi": pi,
            "dependencies": {_edge(d): d for d in deps},
            "predictability": {k: pred.get(k) for k in (*PREDICTABILITY, *OUTLOOK)},
        }

    def check(self, art: str, as_of: datetime) -> int:
        now = self.figures(art, as_of)
        with self.sessions() as session, session.begin():
            art_id = art_by_name(session, art).id
            row = session.scalars(
                select(ReportSnapshot).where(
                    ReportSnapshot.art_id == art_id, ReportSnapshot.name == SNAPSHOT
                )
            ).first()
            written = 0
            if row is not None and row.payload.get("pi") == now["pi"]:
                written = self._diff(session, art, art_id, row.payload, now)
            snapshot = {
                "pi": now["pi"],
                "predictability": now["predictability"],
                "dependencies": {e: d["status"] for e, d in now["dependencies"].items()},
            }
            upsert(
                session,
                ReportSnapshot,
                [
                    {
                        "art_id": art_id,
                        "name": SNAPSHOT,
                        "payload": snapshot,
                        "updated_at": datetime.now(UTC),
                    }
                ],
                ["art_id", "name"],
                ["payload", "updated_at"],
            )
        return written

    @staticmethod
    def _diff(
        session: Session, art: str, art_id: int, before: dict[str, Any], now: dict[str, Any]
    ) -> int:
        written = 0
        old: dict[str, str] = before.get("dependencies", {})
        changed = [
            (edge, dep)
            for edge, dep in sorted(now["dependencies"].items())
            if old.get(edge) != dep["status"]
        ]
        ends = [d[end]["key"] for _, d in changed for end in ("provider", "consumer")]
        sources = item_sources(session, art_id, ends)
        for edge, dep in changed:
            emit(
                session,
                "dependency.status_changed",
                {
                    "art": art,
                    "pi": now["pi"],
                    "from_status": old.get(edge),
                    "to_status": dep["status"],
                    "dependency": _with_sources(dep, sources),
                },
            )
            written += 1
        if _predictability_moved(before.get("predictability"), now["predictability"]):
            emit(
                session,
                "predictability.changed",
                {
                    "art": art,
                    "pi": now["pi"],
                    "before": before.get("predictability"),
                    "after": now["predictability"],
                },
            )
            written += 1
        return written
