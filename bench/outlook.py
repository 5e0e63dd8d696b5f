"""The PI outlook (metrics.outlook) over an in-memory ART: 12 teams, 120 features, 2,000
remaining stories, 10,000 trials; the target is an answer under 200 ms.

No store and no simulator: the ART is built as ArtData directly, as the report service would
hold it. ``cold`` is a fresh ArtData (the columnar engine built, then the trials); ``warm`` is
the same ArtData asked at a later minute (the engine kept, the state at as_of and the trials
redone), which is what a request costs while the data version stays.
"""

from __future__ import annotations

import time
from datetime import UTC, date, datetime, timedelta
from typing import Any

from art.vocabulary import ChangeField, Level, StatusCategory, WorkType
from bench.table import Row, median, secs
from metrics.inputs import ArtData, Change, Definition, ItemFacts, IterationSpan, Objective, PISpan
from metrics.outlook import outlook_report

TEAMS, FEATURES, STORIES, TRIALS = 12, 120, 2_000, 10_000
TARGET = 0.2  # seconds
PI_START, PI_END = date(2026, 1, 5), date(2026, 3, 15)
AS_OF = datetime(2026, 2, 10, 12, tzinfo=UTC)
STATUSES = {
    "To Do": StatusCategory.TODO,
    "Doing": StatusCategory.ACTIVE,
    "Done": StatusCategory.DONE,
}


def outlook_art() -> ArtData:
    """Per team: 10 features in the PI with their open stories (2,000 in all), 4 objectives
    linked to its features, and about 2 stories done a day over the 90 days before as_of."""
    created = datetime(2025, 9, 1, tzinfo=UTC)
    items: list[ItemFacts] = []
    changes: list[Change] = []
    iterations = [
        IterationSpan(
            f"I{k}",
            PI_START + timedelta(days=14 * k),
            PI_START + timedelta(days=14 * k + 13),
            "PI 26.1",
        )
        for k in range(5)
    ]
    objectives: list[Objective] = []
    per_feature = STORIES // FEATURES
    extra = STORIES - per_feature * FEATURES
    teams = [f"Team {t:02d}" for t in range(TEAMS)]
    for t, team in enumerate(teams):
        for f in range(FEATURES // TEAMS):
            n = t * (FEATURES // TEAMS) + f
            fkey = f"F-{n + 1}"
            it = iterations[f % 5].key
            items.append(_item(fkey, Level.FEATURE, team, created, it))
            for s in range(per_feature + (1 if n < extra else 0)):
                items.append(_item(f"S-{n + 1}-{s + 1}", Level.STORY, team, created, it, fkey))
        for o in range(4):
            linked = tuple(f"F-{t * (FEATURES // TEAMS) + o * 2 + k + 1}" for k in range(2))
            objectives.append(
                Objective(t * 4 + o, team, "PI 26.1", f"objective {o}", o < 3, 10 - o, None, linked)
            )
        for day in range(90):
            for j in range((day * 7 + t) % 5):  # 0-4 a day, 2 on average
                key = f"D-{t}-{day}-{j}"
                items.append(_item(key, Level.STORY, team, created, None, status="Done"))
                done_at = AS_OF - timedelta(days=90 - day)
                changes.append(
                    Change(
                        key,
                        ChangeField.STATUS,
                        done_at,
                        "To Do",
                        "Done",
                        StatusCategory.TODO,
                        StatusCategory.DONE,
                    )
                )
    return ArtData(
        Definition(statuses=STATUSES),
        items,
        changes,
        iterations,
        [PISpan("PI 26.1", PI_START, PI_END)],
        objectives=objectives,
        teams=teams,
        art="Bench",
    )


def _item(
    key: str,
    level: Level,
    team: str,
    created: datetime,
    iteration: str | None,
    parent: str | None = None,
    status: str = "To Do",
) -> ItemFacts:
    return ItemFacts(
        key,
        level,
        WorkType.FEATURE,
        status,
        STATUSES[status],
        created,
        team=team,
        iteration=iteration,
        parent=parent,
    )


def outlook_rows(repeat: int) -> list[Row]:
    """The cold and warm timings (median of ``repeat``) as two rows of the table."""
    runs: dict[str, list[float]] = {"cold": [], "warm": []}
    remaining = size = 0
    for r in range(repeat):
        data = outlook_art()
        t0 = time.perf_counter()
        rep = outlook_report(data, "PI 26.1", AS_OF, trials=TRIALS)
        t1 = time.perf_counter()
        outlook_report(data, "PI 26.1", AS_OF + timedelta(minutes=r + 1), trials=TRIALS)
        t2 = time.perf_counter()
        runs["cold"].append(t1 - t0)
        runs["warm"].append(t2 - t1)
        remaining = sum(t.objective_work + t.other_work for t in rep.teams)
        size = len(data.items)
    case = f"PI outlook, {TEAMS} teams, {FEATURES} features, {remaining:,} stories left"
    rows = []
    for kind, samples in runs.items():
        m = median(samples) or 0.0
        values: dict[str, Any] = {kind: m, "samples": samples, "trials": TRIALS}
        target = f"< {TARGET * 1000:g} ms"
        rows.append(Row("outlook", f"{case} ({kind})", size, secs(m), target, m < TARGET, values))
    return rows


if __name__ == "__main__":
    for row in outlook_rows(5):
        print(row.case, row.figure, row.target, row.verdict)
