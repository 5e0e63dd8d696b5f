"""The Jira simulator's state: a Scenario seen as Jira projects, boards, sprints and issues.

Team = project (the key prefix: ``BLUE-1`` lives in project ``BLUE``), one scrum board per
project, and one sprint per board for every iteration of the scenario (same name, same
dates). Objectives and risks become issues of type Objective and Risk. The state also holds
what a test changes: mutations append to the scenario's own history, so the truth a test
compares with moves with the tracker.
"""

from __future__ import annotations

import random
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from simulators.faults import Faults, RequestLog
from simulators.jira.catalog import Catalog
from simulators.scenario import (
    Scenario,
    ScenarioChange,
    ScenarioItem,
    ScenarioObjective,
    ScenarioRisk,
)


@dataclass(slots=True)
class Sprint:
    id: int
    board: int
    team: str
    name: str
    pi: str
    start: datetime
    end: datetime
    complete: datetime  # when the team closes it (if that moment has passed)

    def state(self, now: datetime) -> str:
        return "closed" if self.complete <= now else "active" if self.start <= now else "future"


@dataclass(slots=True)
class Project:
    key: str
    id: str
    team: str
    board: int
    team_managed: bool


@dataclass(slots=True)
class SimIssue:
    """One issue served: a scenario item, or an objective/risk dressed as one."""

    id: int
    item: ScenarioItem
    project: Project
    issuetype: str
    labels: list[str]
    objective: ScenarioObjective | None = None
    risk: ScenarioRisk | None = None
    links: list[tuple[int, str, str, bool]] = field(default_factory=list)  # id, kind, key, out

    @property
    def key(self) -> str:
        return self.item.key

    @property
    def updated(self) -> datetime:
        return self.item.history[-1].at if self.item.history else self.item.created


def issue_type(item: ScenarioItem) -> tuple[str, list[str]]:
    """The Jira issue type and labels that carry a scenario level and work type."""
    kind = {"epic": "Epic", "feature": "Feature", "objective": "Objective", "risk": "Risk"}
    name = kind.get(item.level) or {"defect": "Bug", "enabler": "Enabler"}.get(
        item.work_type, "Story"
    )
    label = {"debt": "tech-debt", "enabler": "enabler", "defect": "defect", "risk": "risk"}
    extra = label.get(item.work_type)
    return name, [extra] if extra and name not in ("Bug", "Enabler", "Risk") else []


def ms(at: datetime) -> datetime:
    """Jira keeps milliseconds."""
    return at.replace(microsecond=at.microsecond // 1000 * 1000)


class JiraState:
    """Projects, boards, sprints and issues of one scenario, plus the mutation API."""

    def __init__(
        self,
        scenario: Scenario,
        flavour: str,
        page_cap: int,
        faults: Faults,
        team_managed: set[str],
        time_zone: str,
        clock: Callable[[], datetime] | None,
        base: str,
    ) -> None:
        self.scenario, self.page_cap, self.faults = scenario, page_cap, faults
        self.catalog = Catalog(flavour, base)
        self.status_ids = {name: str(10000 + i) for i, name in enumerate(scenario.statuses)}
        self.pi_ends = {p.name: p.end for p in scenario.pis}
        self.sprint_views: dict[tuple[int, str], Any] = {}  # (sprint id, state) -> field value
        self.searches: dict[str, tuple[int, list[tuple[Any, SimIssue]]]] = {}
        self.time_zone = time_zone
        self.clock = clock or (lambda: datetime.now(UTC))
        self.log = RequestLog()
        self.lock = threading.RLock()
        self.version = 0
        self.cache: dict[str, Any] = {}
        self.projects = self._projects(team_managed)
        self.sprints: dict[int, Sprint] = {}
        self.sprint_of: dict[tuple[str, str], Sprint] = {}
        self._sprints()
        self.issues: dict[str, SimIssue] = {}
        self.by_id: dict[int, SimIssue] = {}
        self.gone: set[str] = set()
        self._issues()

    # -- construction --------------------------------------------------------------------
    def _projects(self, team_managed: set[str]) -> dict[str, Project]:
        keys: dict[str, str] = {}
        for item in self.scenario.items:
            keys.setdefault(item.team, item.key.rsplit("-", 1)[0])
        out = {}
        for i, team in enumerate(self.scenario.teams):
            key = keys.get(team, team.upper().replace(" ", ""))
            out[team] = Project(key, str(10000 + i), team, i + 1, key in team_managed)
        return out

    def _sprints(self) -> None:
        n = 0
        for pi in self.scenario.pis:
            for it in pi.iterations:
                for project in self.projects.values():
                    n += 1
                    start = datetime.combine(it.start, time(9), UTC)
                    end = datetime.combine(it.end, time(17), UTC)
                    sprint = Sprint(
                        n,
                        project.board,
                        project.team,
                        it.name,
                        pi.name,
                        start,
                        end,
                        end + timedelta(minutes=30),
                    )
                    self.sprints[n] = sprint
                    self.sprint_of[(project.team, it.name)] = sprint

    def _issues(self) -> None:
        counters: dict[str, int] = {}
        extra: list[SimIssue] = []
        n = 10000
        for item in self.scenario.items:
            n += 1
            name, labels = issue_type(item)
            issue = SimIssue(n, item, self.projects[item.team], name, labels)
            if item.deleted:
                self.gone.add(item.key)
            else:
                self.issues[item.key] = issue
        for obj in self.scenario.objectives:
            n += 1
            project = self.projects[obj.team]
            counters[project.key] = counters.get(project.key, 0) + 1
            obj.key = obj.key or f"{project.key}-OBJ{counters[project.key]}"
            done = "Done" if obj.actual_bv is not None else "To Do"
            item = self._synthetic(obj.key, obj.team, "objective", obj.pi, obj.text, done)
            labels = [] if obj.committed else ["uncommitted"]
            extra.append(SimIssue(n, item, project, "Objective", labels, objective=obj))
        for risk in self.scenario.risks:
            n += 1
            status = "Done" if risk.roam == "resolved" else "To Do"
            item = self._synthetic(risk.key, risk.team, "risk", risk.pi, risk.text, status)
            extra.append(SimIssue(n, item, self.projects[risk.team], "Risk", [], risk=risk))
        for issue in extra:
            self.issues[issue.key] = issue
        self.by_id = {issue.id: issue for issue in self.issues.values()}
        self._links()

    def _synthetic(
        self, key: str, team: str, level: str, pi: str, text: str, status: str
    ) -> ScenarioItem:
        start = next(p.start for p in self.scenario.pis if p.name == pi)
        created = datetime.combine(start - timedelta(days=3), time(10), UTC)
        initial: dict[str, Any] = {
            "status": status,
            "iteration": None,
            "points": None,
            "flagged": False,
        }
        return ScenarioItem(key, team, level, "feature", created, initial, title=text)

    def _links(self) -> None:
        pairs = [(k.from_key, k.to_key, k.kind) for k in self.scenario.links]
        pairs += [
            (o.key, key, "relates") for o in self.scenario.objectives if o.key for key in o.items
        ]
        for n, (a, b, kind) in enumerate(pairs, start=10000):
            if a in self.issues and b in self.issues:
                self.issues[a].links.append((n, kind, b, True))
                self.issues[b].links.append((n, kind, a, False))

    # -- time ------------------------------------------------------------------------------
    def now(self) -> datetime:
        return ms(self.clock())

    def pi_end(self, name: str) -> date:
        return self.pi_ends[name]

    # -- mutation --------------------------------------------------------------------------
    def change(self, key: str, name: str, to: Any, at: datetime | None = None) -> None:
        """Record ``name -> to`` on item ``key`` "now" (or at ``at``), as Jira would."""
        with self.lock:
            issue = self.issues[key]
            when = ms(at or self.now())
            when = max(when, issue.updated + timedelta(milliseconds=1))
            issue.item.history.append(ScenarioChange(when, name, to))
            self._touched(issue)

    def delete(self, key: str) -> None:
        with self.lock:
            issue = self.issues.pop(key)
            self.by_id.pop(issue.id, None)
            issue.item.deleted = True
            self.gone.add(key)
            for _, _, other, _ in issue.links:
                if other in self.issues:
                    peer = self.issues[other]
                    peer.links = [lk for lk in peer.links if lk[2] != key]
            self._touched(issue)

    def mutate(
        self, fraction: float = 0.01, seed: int = 0, at: datetime | None = None
    ) -> list[str]:
        """Change ``fraction`` of the work items now; returns their keys (sorted)."""
        with self.lock:
            rng = random.Random(seed)
            pool = sorted(
                k for k, i in self.issues.items() if i.objective is None and i.risk is None
            )
            keys = sorted(rng.sample(pool, max(1, round(len(pool) * fraction))))
            for key in keys:
                self.nudge(key, rng, at)
            return keys

    def nudge(self, key: str, rng: random.Random | None = None, at: datetime | None = None) -> None:
        """One plausible change: a status step, a re-estimate, a flag or an iteration move."""
        item = self.issues[key].item
        rng = rng or random.Random(key)
        roll, status = rng.random(), str(item.current("status"))
        its = self.scenario.iteration_names()
        cur = item.current("iteration")
        if roll < 0.15 and item.current("points") is not None:
            self.change(key, "points", float(item.current("points") or 0) + 1, at)
        elif roll < 0.3:
            self.change(key, "flagged", not item.current("flagged"), at)
        elif roll < 0.4 and cur in its and its.index(str(cur)) + 1 < len(its):
            self.change(key, "iteration", its[its.index(str(cur)) + 1], at)
        else:
            step = {
                "To Do": "In Progress",
                "In Progress": "In Review",
                "Blocked": "In Progress",
                "In Review": "Done",
            }
            self.change(key, "status", step.get(status, "In Progress"), at)

    def _touched(self, issue: SimIssue) -> None:
        self.version += 1
        self.searches.clear()
        self.cache.pop(issue.key, None)
        for _, _, other, _ in issue.links:
            self.cache.pop(other, None)
