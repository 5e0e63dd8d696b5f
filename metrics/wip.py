"""Work in progress: the flow load per day and now, with the items in progress at as_of."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np

from art.vocabulary import Level
from metrics.flow import Load, flow_definition, load
from metrics.inputs import ArtData, Window
from metrics.output import iso, r4
from metrics.scope import Flowing, scope


@dataclass(frozen=True, slots=True)
class WipReport:
    window: Window
    as_of: datetime
    level: Level
    team: str | None
    definition: dict[str, Any]
    load: Load
    data: list[Flowing]

    def to_dict(self) -> dict[str, Any]:
        return {
            **self.window.to_dict(),
            "level": self.level.value,
            "team": self.team,
            "as_of": iso(self.as_of),
            "definition": self.definition,
            "now": self.load.now,
            "by_day": self.load.to_dict()["by_day"],
            "data": [
                {
                    "key": r.item.key,
                    "title": r.item.title,
                    "team": r.item.team,
                    "work_type": r.item.work_type.value,
                    "status": r.flow.status,
                    "status_category": None if r.flow.category is None else r.flow.category.value,
                    "started_at": iso(r.flow.started_at),
                    "age_days": r4(
                        (self.as_of - r.flow.started_at).total_seconds() / 86400.0
                        if r.flow.started_at
                        else None
                    ),
                }
                for r in self.data
            ],
        }


def wip_report(
    data: ArtData,
    window: Window,
    as_of: datetime,
    level: Level | None = None,
    team: str | None = None,
) -> WipReport:
    """Flow load per day of the window and now, with the items in progress at as_of."""
    sc = scope(data, as_of, level, team)
    rows = sc.rows(np.flatnonzero(sc.sel & sc.fa.in_progress))
    rows.sort(key=lambda r: (r.flow.started_at or as_of, r.item.key))
    definition = flow_definition(data, window, sc.level, "days")
    return WipReport(window, as_of, sc.level, team, definition, load(sc, window), rows)
