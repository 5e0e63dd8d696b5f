"""A generated ART of any size for timing the reports (deterministic from a seed)."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta

from art.vocabulary import ChangeField, Level, LinkKind, StatusCategory, WorkType
from metrics.inputs import (
    ArtData,
    Change,
    Definition,
    ItemFacts,
    IterationSpan,
    Link,
    Objective,
    PISpan,
)

STATUSES = {
    "To Do": StatusCategory.TODO,
    "In Progress": StatusCategory.ACTIVE,
    "Blocked": StatusCategory.WAIT,
    "Done": StatusCategory.DONE,
}
START = date(2026, 1, 5)
FLOW = ["In Progress", "Blocked", "In Progress", "Done"]


def synthetic_art(n_items: int, teams: int = 20, seed: int = 1) -> ArtData:
    """``n_items`` items (1 in 10 a feature) over one 10-week PI of five iterations."""
    rnd = random.Random(seed)
    iterations = [
        IterationSpan(
            f"I{k + 1}",
            START + timedelta(days=14 * k),
            START + timedelta(days=14 * k + 13),
            pi="PI 1",
        )
        for k in range(5)
    ]
    t0 = datetime(START.year, START.month, START.day, tzinfo=UTC)
    items: list[ItemFacts] = []
    changes: list[Change] = []
    types = list(WorkType)
    for n in range(n_items):
        key = f"K-{n}"
        level = Level.FEATURE if n % 10 == 0 else Level.STORY
        created = t0 + timedelta(hours=rnd.randrange(-24 * 14, 24 * 60))
        it = rnd.randrange(5)
        t = created
        status, prev = "To Do", "To Do"
        steps = rnd.randrange(0, 5)
        for seq, to in enumerate(FLOW[:steps]):
            t += timedelta(hours=rnd.randrange(4, 24 * 6))
            changes.append(
                Change(key, ChangeField.STATUS, t, prev, to, STATUSES[prev], STATUSES[to], seq)
            )
            prev = status = to
        if rnd.random() < 0.2:
            changes.append(
                Change(
                    key,
                    ChangeField.ITERATION,
                    created + timedelta(days=rnd.randrange(1, 20)),
                    f"I{it + 1}",
                    f"I{min(it + 2, 5)}",
                    seq=9,
                )
            )
            it = min(it + 1, 4)
        items.append(
            ItemFacts(
                key=key,
                level=level,
                work_type=types[n % 5],
                status=status,
                status_category=STATUSES[status],
                created_at=created,
                team=f"T{n % teams}",
                iteration=f"I{it + 1}",
                pi="PI 1",
                story_points=float(rnd.choice([1, 2, 3, 5, 8])),
                art="ART",
            )
        )
    links = [
        Link(
            f"K-{10 * rnd.randrange(n_items // 10)}",
            f"K-{10 * rnd.randrange(n_items // 10)}",
            LinkKind.BLOCKS,
        )
        for _ in range(n_items // 100)
    ]
    objectives = [
        Objective(
            k,
            f"T{k % teams}",
            "PI 1",
            f"o{k}",
            k % 3 != 0,
            5.0,
            None,
            tuple(f"K-{rnd.randrange(n_items)}" for _ in range(5)),
        )
        for k in range(teams * 4)
    ]
    return ArtData(
        definition=Definition(statuses=STATUSES),
        items=items,
        changes=changes,
        iterations=iterations,
        pis=[PISpan("PI 1", START, START + timedelta(days=69))],
        links=links,
        objectives=objectives,
        teams=[f"T{k}" for k in range(teams)],
        art="ART",
    )
