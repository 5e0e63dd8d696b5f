"""The program board: teams x iterations, the features in each cell, milestones, and the
dependency edges between cells with their status (what an RTE pins on the wall at PI planning).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from art.vocabulary import ChangeField, Level, StatusCategory
from metrics.dependencies import Dependency, dependencies_report
from metrics.inputs import ArtData, IterationSpan, Milestone
from metrics.output import iso

UNPLANNED = "unplanned"


@dataclass(frozen=True, slots=True)
class Card:
    key: str
    title: str
    status: str | None
    status_category: str | None
    work_type: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "title": self.title,
            "status": self.status,
            "status_category": self.status_category,
            "work_type": self.work_type,
        }


@dataclass(frozen=True, slots=True)
class ProgramBoard:
    pi: str
    as_of: datetime
    definition: dict[str, Any]
    teams: list[str]
    iterations: list[IterationSpan]
    cells: dict[tuple[str, str], list[Card]]  # (team, iteration label or "unplanned")
    milestones: list[Milestone]
    dependencies: list[Dependency]

    def to_dict(self) -> dict[str, Any]:
        cols = [i.label for i in self.iterations] + [UNPLANNED]
        return {
            "pi": self.pi,
            "as_of": iso(self.as_of),
            "definition": self.definition,
            "iterations": [
                {"name": i.label, "start": i.start.isoformat(), "end": i.end.isoformat()}
                for i in self.iterations
            ],
            "teams": [
                {
                    "team": t,
                    "cells": [
                        {"iteration": c, "features": [k.to_dict() for k in self.cells[(t, c)]]}
                        for c in cols
                    ],
                }
                for t in self.teams
            ],
            "milestones": [
                {"name": m.name, "date": m.date.isoformat(), "team": m.team}
                for m in self.milestones
            ],
            "dependencies": [
                {
                    "provider": d.provider.item.key,
                    "consumer": d.consumer.item.key,
                    "provider_cell": _cell(d.provider.team, d.provider.iteration),
                    "consumer_cell": _cell(d.consumer.team, d.consumer.iteration),
                    "status": d.status,
                    "cross_team": d.cross_team,
                    "reason": d.reason,
                }
                for d in self.dependencies
            ],
        }


def _cell(team: str | None, it: IterationSpan | None) -> dict[str, str | None]:
    return {"team": team, "iteration": it.label if it is not None else UNPLANNED}


def program_board(
    data: ArtData, pi: str, as_of: datetime, level: Level = Level.FEATURE
) -> ProgramBoard:
    """Features (not removed) of the PI at as_of placed by team and iteration."""
    iterations = data.iterations_for(None, pi)
    labels = [i.label for i in iterations]
    teams = list(data.team_names)
    cells: dict[tuple[str, str], list[Card]] = {
        (t, c): [] for t in teams for c in [*labels, UNPLANNED]
    }
    for item in data.select(level):
        if item.created_at > as_of:
            continue
        h = data.history(item.key)
        cat = h.category_at(as_of)
        if cat is None or cat == StatusCategory.REMOVED:
            continue
        it_key = h.value_at(ChangeField.ITERATION, as_of)
        span = data.iteration_by_key.get(it_key) if it_key else None
        if span is not None and span.pi != pi:
            continue
        if span is None and h.value_at(ChangeField.PI, as_of) != pi:
            continue
        team = h.value_at(ChangeField.TEAM, as_of) or ""
        col = span.label if span is not None and span.label in labels else UNPLANNED
        if (team, col) not in cells:
            teams.append(team)
            for c in [*labels, UNPLANNED]:
                cells.setdefault((team, c), [])
        cells[(team, col)].append(
            Card(item.key, item.title, h.status_at(as_of), cat.value, item.work_type.value)
        )
    span_pi = data.pi_by_name.get(pi)
    milestones = sorted(
        (m for m in data.milestones if span_pi is None or span_pi.start <= m.date <= span_pi.end),
        key=lambda m: (m.date, m.name),
    )
    deps = dependencies_report(data, pi, as_of).data
    definition = {
        **data.definition.to_dict(),
        "cells": f"{level.value}s by team and iteration at as_of; removed ones left out",
        "unplanned": "in the PI without an iteration",
    }
    return ProgramBoard(pi, as_of, definition, teams, iterations, cells, milestones, deps)
