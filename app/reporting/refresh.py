"""Keep an ART's reporting tables up to date: the worker's ``reporting`` job.

Every figure written here comes from the report service (app.reports): each item's state per
day and its flow facts (bodies_reporting), the PI reports' dependencies and predictability
(bodies_pi). Nothing is derived again in SQL, so a BI tool reading the views sees the API's
figures. The writes go through art.store.reporting, in one transaction per ART, so a reader
never sees half a refresh.

What is written when, per ART:

- the items stamped with a data version above the last refresh's (changed, or their history
  or links): all their daily rows and facts, rewritten;
- on a new day: one row per live item for each day since the last refresh;
- when the rules or structure changed (status mapping, iterations, PIs: a fingerprint):
  every item's rows;
- on any of these: every PI's dependencies and predictability (their status can change with
  the date alone: a provider turns late at midnight).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from app.reports.bodies_pi import dependencies_body, predictability_history_body
from app.reports.bodies_reporting import item_days_rows, item_flow_rows, structure_version
from app.reports.context import ReportContext
from app.reports.service import ReportService
from art.store import reporting as store
from art.store.lease import holder_id, release, try_acquire

log = logging.getLogger(__name__)
ANALYZE_AFTER = 10_000  # daily rows written: from there on, the planner's statistics lag
LEASE = timedelta(minutes=30)  # longer than a full rewrite of a large ART takes


@dataclass(frozen=True, slots=True)
class Refreshed:
    """What one refresh of one ART wrote."""

    art: str
    full: bool
    items: int  # items whose rows were rewritten
    day_rows: int  # daily rows written
    through: date


def refresh_art(service: ReportService, art: str, now: datetime) -> Refreshed | None:
    """Bring ``art``'s reporting rows up to ``now``; None when they already are."""
    known = service.version(art)
    ctx = ReportContext(art, now, service, known=known)
    art_id, version = known
    structure = structure_version(ctx)
    today = ctx.today
    with service.sessions() as session, session.begin():
        last = store.last_refresh(session, art_id)
        if last is not None and last.structure != structure:
            last = None  # the rules or the structure changed: every row is stale
        if last is not None and last.data_version == version and last.through_day >= today:
            return None
        changed = store.item_ids(session, art_id, None if last is None else last.data_version)
        store.clear_items(
            session, art_id, None if last is None else [i for i, _ in changed.values()]
        )
        live = [k for k, (_, gone) in changed.items() if not gone]
        ids = {k: i for k, (i, _) in store.item_ids(session, art_id).items()}
        days = _with_ids(item_days_rows(ctx, live), ids, art_id)
        store.insert_rows(session, store.ItemDay, days)
        facts = _with_ids(item_flow_rows(ctx, live), ids, art_id)
        store.insert_rows(session, store.ItemFacts, facts)
        if last is not None and last.through_day < today:  # a new day for the others
            rest = [k for k in ids if k not in changed]
            since = last.through_day + timedelta(days=1)
            later = _with_ids(item_days_rows(ctx, rest, since), ids, art_id)
            store.add_days(session, later)
            days += later
        _pi_reports(session, ctx, art_id)
        if len(days) > ANALYZE_AFTER:
            store.refresh_statistics(session)
        store.save_refresh(session, art_id, version, structure, today, now)
    return Refreshed(art, last is None, len(live), len(days), today)


def _with_ids(rows: list[dict[str, Any]], ids: dict[str, int], art_id: int) -> list[dict[str, Any]]:
    """Rows keyed by store id instead of item key, for the store's tables."""
    out = []
    for row in rows:
        key = row.pop("key")
        out.append({"item_id": ids[key], "art_id": art_id, **row})
    return out


def _end(prefix: str, end: dict[str, Any]) -> dict[str, Any]:
    return {
        f"{prefix}_key": end["key"],
        f"{prefix}_display_key": end.get("display_key") or end["key"],
        f"{prefix}_url": end.get("url"),
        f"{prefix}_title": end["title"],
        f"{prefix}_team": end["team"],
        f"{prefix}_iteration": end["iteration"],
        f"{prefix}_status_category": end["status_category"],
    }


def _pi_reports(session: Session, ctx: ReportContext, art_id: int) -> None:
    """Every PI's dependencies and predictability as the API reports them at the refresh."""
    deps = []
    for span in ctx.data.pis:
        for d in dependencies_body(ctx, span.name)["data"]:
            deps.append(
                {
                    "pi": span.name,
                    **_end("provider", d["provider"]),
                    **_end("consumer", d["consumer"]),
                    "cross_team": d["cross_team"],
                    "status": d["status"],
                    "upstream": d["upstream"],
                    "in_cycle": d["in_cycle"],
                    "planned_by": _instant(d["planned_by"]),
                    "needed_by": _instant(d["needed_by"]),
                    "reason": d["reason"],
                    "as_of": ctx.as_of,
                }
            )
    store.replace_art_rows(session, store.DependencyRow, art_id, deps)
    scores = []
    for p in predictability_history_body(ctx)["data"]:
        for row in [p["art"], *p["teams"]]:
            scores.append(
                {
                    "pi": p["pi"],
                    "team": row.get("team"),
                    **{
                        k: row[k]
                        for k in (
                            "planned_bv",
                            "actual_bv",
                            "predictability_pct",
                            "band",
                            "complete",
                            "scored",
                            "objectives",
                            "state",
                            "earned_pct",
                        )
                    },
                    "as_of": ctx.as_of,
                }
            )
    store.replace_art_rows(session, store.PredictabilityRow, art_id, scores)


def _instant(value: str | None) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value.replace("Z", "+00:00"))


def refresh_all(service: ReportService, now: datetime) -> list[Refreshed]:
    """The worker's job: every configured ART, each under a lease (one worker refreshes it
    at a time), one failing leaving the others refreshed."""
    done: list[Refreshed] = []
    holder = holder_id()
    for art_config in service.config.arts:
        lease = f"reporting:{art_config.name}"
        if not try_acquire(service.sessions, lease, holder, LEASE):
            continue
        try:
            result = refresh_art(service, art_config.name, now)
        except Exception:
            log.exception("could not refresh the reporting tables of ART %s", art_config.name)
            continue
        finally:
            release(service.sessions, lease, holder)
        if result is not None:
            log.info(
                "reporting tables of %s: %s items rewritten, %s daily rows, through %s",
                result.art,
                "all" if result.full else result.items,
                result.day_rows,
                result.through,
            )
            done.append(result)
    return done
