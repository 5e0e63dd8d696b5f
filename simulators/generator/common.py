"""Vocabulary and time helpers shared by the generator's modules."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from simulators.scenario import ScenarioItem, ScenarioIteration

STATUSES = {
    "To Do": "todo",
    "In Progress": "active",
    "In Review": "active",
    "Blocked": "wait",
    "Done": "done",
    "Won't Do": "removed",
}
TEAM_NAMES = (
    "Atlas",
    "Borealis",
    "Comet",
    "Dynamo",
    "Eclipse",
    "Falcon",
    "Granite",
    "Helix",
    "Ion",
    "Jade",
    "Kestrel",
    "Lumen",
    "Meteor",
    "Nova",
    "Orbit",
    "Pulsar",
)
POINTS = (1, 2, 2, 3, 3, 3, 5, 5, 8, 13)
WORDS = (
    "checkout",
    "search",
    "billing",
    "login",
    "export",
    "reports",
    "alerts",
    "catalog",
    "profile",
    "payments",
    "audit log",
    "onboarding",
    "dashboard",
    "API",
    "sync",
    "cache",
)
VERBS = ("Add", "Improve", "Fix", "Refactor", "Speed up", "Secure", "Localize", "Simplify")
PEOPLE = (
    "Ada Byron",
    "Grace Hopper",
    "Alan Kay",
    "Barbara Liskov",
    "Ken Thompson",
    "Radia Perlman",
)
DONE = frozenset({"Done", "Won't Do"})
ITERATION_DAYS = 14
PER_PI = 5


def day(d: date) -> datetime:
    """Midnight UTC of ``d``."""
    return datetime.combine(d, time(0), UTC)


def close(it: ScenarioIteration) -> datetime:
    """When a team closes the iteration (its last day, after the review)."""
    return day(it.end) + timedelta(hours=17, minutes=30)


@dataclass(slots=True)
class Feature:
    """A feature with what its stories and dependencies need to know."""

    item: ScenarioItem
    pi: int
    it: int | None  # global iteration index (None: unscheduled)
    children: list[ScenarioItem] = field(default_factory=list)
    scripted: bool = False  # a showcase feature: fixed history, no stories
