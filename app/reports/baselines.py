"""Frozen plan baselines in the store: read one, store one once.

A baseline is the plan of a PI as it stood at its start (metrics.baseline.plan_at), stored so
that a later rewrite of history in the tracker (an item deleted or moved) cannot change what
was planned. Reading never stores: a report compares against the stored plan when there is
one, else against the plan reconstructed from history. Storing is
ReportService.freeze_baseline's job, asked by the admin route or the worker when a PI starts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from art.models import PI, PlanBaseline
from art.store.upsert import insert_ignore
from metrics.baseline import PlanSnapshot


@dataclass(frozen=True)
class FrozenPlan:
    """A PI's stored plan and when it was stored."""

    plan: PlanSnapshot
    frozen_at: datetime


def stored_plan(session: Session, art_id: int, pi: str) -> FrozenPlan | None:
    """The stored baseline of the ART's PI named ``pi``; None while none is stored."""
    row = session.scalars(
        select(PlanBaseline)
        .join(PI, PI.id == PlanBaseline.pi_id)
        .where(PI.art_id == art_id, PI.name == pi)
    ).first()
    return None if row is None else FrozenPlan(PlanSnapshot.from_dict(row.plan), row.frozen_at)


def store_plan(session: Session, pi_id: int, plan: PlanSnapshot, at: datetime) -> bool:
    """Store ``plan`` as the PI's baseline unless one is stored (a racing freeze may have
    won); True when this call stored it."""
    row = {"pi_id": pi_id, "frozen_at": at, "plan": plan.to_dict()}
    return insert_ignore(session, PlanBaseline, [row], ["pi_id"]) == 1
