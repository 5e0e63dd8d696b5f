"""Random item histories (reopenings, skips, flags, moves, re-estimates, removals) used to
check that the columnar engine and the per-item reference replay agree."""

from __future__ import annotations

import random

from builder import Art, at

STATUSES = ["To Do", "In Progress", "In Review", "Blocked", "Done", "Closed", "Won't Do", "Odd"]


def random_art(n: int, seed: int, timezone: str = "UTC", **definition: object) -> Art:
    rnd = random.Random(seed)
    art = Art(timezone=timezone, definition_kw=dict(definition), teams=["A", "B"])
    art.pi("PI 1", 0, 27).iteration("I1", 0, 13).iteration("I2", 14, 27)
    art.iteration("I3", 28, 41, pi="PI 2").pi("PI 2", 28, 55)
    for k in range(n):
        created = at(rnd.randrange(-10, 30), rnd.randrange(24))
        t = created
        history: list[tuple[object, str, object]] = []
        for _ in range(rnd.randrange(0, 9)):
            # same-instant changes and changes stamped before creation happen in real data
            step = rnd.choice([0.0, 0.5, 3.0, 10.0, 24.0, 60.0, -30.0])
            t = t + (at(0, step) - at(0))
            field = rnd.choice(["status"] * 5 + ["flagged", "iteration", "points", "team", "pi"])
            value: object = {
                "status": lambda: rnd.choice(STATUSES),
                "flagged": lambda: rnd.random() < 0.5,
                "iteration": lambda: rnd.choice(["I1", "I2", "I3", None]),
                "points": lambda: rnd.choice([1, 2, 3, 5, None]),
                "team": lambda: rnd.choice(["A", "B", None]),
                "pi": lambda: rnd.choice(["PI 1", "PI 2", None]),
            }[field]()
            history.append((t, field, value))
        art.item(
            f"R-{k}",
            history,  # type: ignore[arg-type]
            created=created,
            status=rnd.choice(["To Do", "To Do", "In Progress", "Done"]),
            level=rnd.choice(["story", "story", "feature"]),
            work_type=rnd.choice(["feature", "defect", "enabler"]),
            iteration=rnd.choice(["I1", "I2", None]),
            points=rnd.choice([1, 3, None]),
            flagged=rnd.random() < 0.1,
            team=rnd.choice(["A", "B"]),
            deleted=rnd.random() < 0.03,
        )
    return art
