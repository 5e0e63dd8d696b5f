"""Sprints as iterations: read from the agile boards in scope, indexed for the mapping.

Sprints carry the dates and states that the issue fields and changelogs refer to by id only.
A board's team follows the team rule (its project, or the board itself); an iteration's PI
follows the PI rule (dates of the configured PIs, or the sprint's name).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from art.config import PIConfig, SourceConfig
from art.records import IterationRecord, TeamRecord
from connectors.jira.client import JiraClient, JiraRequestError
from connectors.jira.teams import pi_of, team_record
from connectors.jira.values import SprintRef, parse_time


def last_day(end: datetime | None) -> date | None:
    """A sprint's end instant as the last day it covers (an end at midnight ends the day before)."""
    if end is None:
        return None
    return end.date() - timedelta(days=1) if end.time() == datetime.min.time() else end.date()


@dataclass
class SprintIndex:
    """Every known sprint by id, and the board each belongs to."""

    records: dict[str, IterationRecord] = field(default_factory=dict)
    boards: dict[str, str] = field(default_factory=dict)  # sprint id -> board id
    board_teams: dict[str, str] = field(default_factory=dict)  # board id -> team key

    def current(self, ids: list[str]) -> str | None:
        """The sprint an item is in among those its Sprint field lists: the latest to start
        (Jira keeps closed sprints in the list after a carry-over)."""
        if not ids:
            return None

        def order(sprint_id: str) -> tuple[date, int]:
            rec = self.records.get(sprint_id)
            start = rec.start if rec is not None and rec.start is not None else date.min
            return start, int(sprint_id) if sprint_id.isdigit() else 0

        return max(ids, key=order)

    def learn(
        self, ref: SprintRef, source: SourceConfig, pis: list[PIConfig], team: str | None
    ) -> IterationRecord | None:
        """Add a sprint seen only in an issue's field (a board out of scope); None if known."""
        if ref.id in self.records:
            return None
        start = ref.start.date() if ref.start else None
        rec = IterationRecord(
            key=ref.id,
            name=ref.name or ref.id,
            start=start,
            end=last_day(ref.end),
            state=ref.state,
            team=team,
            pi=pi_of(source, pis, ref.name, start),
            completed_at=ref.complete,
        )
        self.records[ref.id] = rec
        if ref.board:
            self.boards[ref.id] = ref.board
        return rec


def sprint_record(
    sprint: dict[str, Any], source: SourceConfig, pis: list[PIConfig], team: str | None
) -> IterationRecord:
    """An agile sprint object (API or webhook) as an iteration."""
    start = parse_time(sprint["startDate"]) if sprint.get("startDate") else None
    end = parse_time(sprint["endDate"]) if sprint.get("endDate") else None
    done = parse_time(sprint["completeDate"]) if sprint.get("completeDate") else None
    day = start.date() if start else None
    return IterationRecord(
        key=str(sprint["id"]),
        name=str(sprint["name"]),
        start=day,
        end=last_day(end),
        state=sprint.get("state"),
        team=team,
        pi=pi_of(source, pis, str(sprint["name"]), day),
        completed_at=done,
    )


def _paged(client: JiraClient, path: str) -> Iterator[dict[str, Any]]:
    start = 0
    while True:
        page = client.get(path, {"startAt": start, "maxResults": 50}, agile=True)
        values = page.get("values") or []
        yield from values
        start += len(values)
        if page.get("isLast", True) or not values:
            return


def board_team(source: SourceConfig, board: dict[str, Any]) -> TeamRecord | None:
    location = board.get("location") or {}
    if source.team_rule.by == "board":
        return team_record(source, str(board["id"]), board.get("name"))
    key = location.get("projectKey")
    return team_record(source, str(key), location.get("projectName")) if key else None


def load_sprints(
    client: JiraClient, source: SourceConfig, pis: list[PIConfig]
) -> tuple[SprintIndex, list[TeamRecord]]:
    """Sprints of the boards in scope (config ``boards``, else the boards of ``projects``)."""
    index, teams = SprintIndex(), {}
    projects = set(source.projects)
    for board in _paged(client, "board"):
        location = board.get("location") or {}
        if source.boards:
            if board["id"] not in source.boards:
                continue
        elif projects and location.get("projectKey") not in projects:
            continue
        team = board_team(source, board)
        if team is not None:
            teams[team.key] = team
        try:
            sprints = list(_paged(client, f"board/{board['id']}/sprint"))
        except JiraRequestError:
            continue  # a kanban board has no sprints
        if team is not None:
            index.board_teams[str(board["id"])] = team.key
        for sprint in sprints:
            key = str(sprint["id"])
            origin = str(sprint.get("originBoardId", board["id"]))
            if key in index.records and origin != str(board["id"]):
                continue  # listed by another board too: its origin board decides the team
            index.boards[key] = origin
            index.records[key] = sprint_record(sprint, source, pis, team.key if team else None)
    return index, list(teams.values())
