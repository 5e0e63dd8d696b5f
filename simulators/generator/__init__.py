"""A deterministic, tracker-neutral ART for the simulators, the demo and the benchmarks.

``generate_art(seed, items)`` returns the same :class:`Scenario` for the same arguments, so a
pull through the Jira or the Azure DevOps simulator can be compared with one truth. Dates are
relative to ``today``: two finished PIs, the current one in its third iteration, the next one
planned. The history is written to give every report something true to show: backward moves,
blocked and flagged time, reopenings, carry-over between iterations, scope added and removed
mid-PI, re-estimates, and cross-team dependencies in every status docs/metrics.md defines.
"""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta

from simulators.generator.builder import Builder, roll_up_epic
from simulators.generator.common import (
    ITERATION_DAYS,
    PER_PI,
    STATUSES,
    TEAM_NAMES,
    day,
)
from simulators.generator.dependencies import dependency_links
from simulators.generator.planning import objectives, risks
from simulators.scenario import Scenario, ScenarioIteration, ScenarioPI

__all__ = ["STATUSES", "generate_art", "team_names"]
PI_PATTERN = (0, 1, 2, 3, 2, 1, 0, 2)  # features per PI, oldest first: 2 : 2 : 3 : 1


def _pis(today: date) -> list[ScenarioPI]:
    """Two finished PIs, the current one (today in its third iteration) and the next."""
    current = today - timedelta(days=today.weekday(), weeks=5)
    pis = []
    for k in (-2, -1, 0, 1):
        start = current + timedelta(days=70 * k)
        name = f"PI {start.year % 100}.{1 + (start - date(start.year, 1, 1)).days // 70}"
        its = [
            ScenarioIteration(
                f"{name} I{i + 1}",
                start + timedelta(days=ITERATION_DAYS * i),
                start + timedelta(days=ITERATION_DAYS * i + ITERATION_DAYS - 1),
            )
            for i in range(PER_PI)
        ]
        pis.append(ScenarioPI(name, start, its[-1].end, its))
    return pis


def team_names(count: int) -> list[str]:
    """``count`` distinct team names; each one's upper-case form is its project key."""
    n = len(TEAM_NAMES)
    return [TEAM_NAMES[i % n] + (str(i // n + 1) if i >= n else "") for i in range(count)]


def generate_art(seed: int, items: int, teams: int = 5, today: date | None = None) -> Scenario:
    """Generate an ART of ``items`` work items (epics, features, stories) for ``teams`` teams.

    Deterministic for ``(seed, items, teams, today)``; ``today`` defaults to the UTC date and
    ``as_of`` is its midnight (UTC), so no event lies in the future. Objectives and risks
    come on top of ``items`` and take keys from the same per-team sequences.
    """
    if items < 1 or teams < 1:
        raise ValueError("items and teams must be positive")
    today = today or datetime.now(UTC).date()
    rng = random.Random(seed)
    pis, names = _pis(today), team_names(teams)
    b = Builder(rng, pis, names, day(today))
    n_epics = max(1, items // 100)
    n_features = min(items - n_epics, max(items // 10, 2 * teams, 12))
    epics = b.epics(n_epics)
    if teams >= 3 and n_features >= 12:
        b.showcased = b.showcase(epics)
    for i in range(n_features - len(b.features)):  # every team gets features in every PI
        b.feature(names[i % teams], PI_PATTERN[(i // teams) % len(PI_PATTERN)], rng.choice(epics))
    b.place_stories(items - n_epics - n_features)
    for feat in b.features:
        if not feat.scripted:
            b.roll_up(feat)
    for epic in epics:
        kids = [f.item for f in b.features if f.item.parent == epic.key]
        roll_up_epic(epic, kids, b.as_of)
    return Scenario(
        art="Orion",
        timezone="UTC",
        teams=names,
        statuses=dict(STATUSES),
        pis=pis,
        items=b.items,
        links=dependency_links(b),
        objectives=objectives(b),
        risks=risks(b),
        as_of=b.as_of,
        window=(pis[1].start, today),
        report_pi=pis[2].name,
    )
