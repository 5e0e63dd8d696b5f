"""One story's walk through the workflow, as a team would move it on its board."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from simulators.generator.common import DONE, POINTS, close, day
from simulators.scenario import ScenarioChange, ScenarioItem

if TYPE_CHECKING:
    from simulators.generator.builder import Builder


class StoryLife:
    """One story's walk through the workflow, carried over when an iteration closes open."""

    def __init__(self, b: Builder, item: ScenarioItem, g: int) -> None:
        self.b, self.item, self.g = b, item, g
        self.status, self.last, self.moves = "To Do", item.created, 0
        self.points = item.initial["points"]
        it = b.its[g]
        self.now = it.start <= b.as_of.date() <= it.end  # in the running iteration

    def later(self, days: float) -> datetime:
        t = self.b.work_time((self.last + timedelta(days=days)).date())
        return max(t, self.last + timedelta(minutes=5))

    def emit(self, t: datetime, name: str, to: str | float | bool | None) -> bool:
        """Record ``name -> to`` at ``t`` after any carry-over before it; False past as_of."""
        its, hist = self.b.its, self.item.history
        limit = min(t, self.b.as_of)
        while (
            self.status not in DONE
            and self.moves < 3
            and self.g + 1 < len(its)
            and close(its[self.g]) < limit
        ):
            if close(its[self.g]) > self.last:
                self.last = close(its[self.g])
                hist.append(ScenarioChange(self.last, "iteration", its[self.g + 1].name))
                self.moves += 1
            self.g += 1
        if t >= self.b.as_of:
            return False
        hist.append(ScenarioChange(t, name, to))
        self.last = t
        if name == "status":
            self.status = str(to)
        elif name == "points":
            self.points = to
        return True

    def reestimate(self) -> float:
        """Another size on the scale: usually bigger (work was found), sometimes smaller."""
        p = float(self.points or 3)
        up = [float(x) for x in POINTS if x > p] or [p * 2]
        down = [float(x) for x in POINTS if x < p]
        return up[0] if self.b.rng.random() < 0.6 or not down else down[-1]

    def run(self) -> None:
        b, rng = self.b, self.b.rng
        start = day(b.its[self.g].start)
        if self.item.created < start - timedelta(days=1) and rng.random() < 0.07:
            t = self.item.created + timedelta(hours=2 + rng.randrange(20))
            if rng.random() < 0.3:  # descoped to the backlog before the iteration began
                self.emit(t, "iteration", None)
                return
            if self.g + 1 < len(b.its) and self.emit(t, "iteration", b.its[self.g + 1].name):
                self.g += 1
                start = day(b.its[self.g].start)
        if self.points is not None and rng.random() < 0.05:
            self.emit(self.later(0.2), "points", self.reestimate())
        steps = self.steps()
        slow = 2.5 if rng.random() < 0.15 else 1.0
        t = max(
            b.work_time((max(start, self.item.created) + timedelta(days=6 * rng.random())).date()),
            self.last + timedelta(minutes=5),
        )
        for i, (delay, name, to) in enumerate(steps):
            t = t if i == 0 else self.later(delay * slow)
            if to == "In Progress" and self.status == "Done" and close(b.its[self.g]) < t:
                break  # no reopening once the iteration has closed
            value = self.reestimate() if name == "points" else to
            if not self.emit(t, name, value):
                return
        self.emit(b.as_of, "status", None)  # carry over up to now; records nothing

    def steps(self) -> list[tuple[float, str, str | bool | None]]:
        rng, r = self.b.rng, self.b.rng.random()
        if r < 0.03:
            return []  # never started
        if r < 0.07:
            return (
                [(0, "status", "Won't Do")]
                if rng.random() < 0.5
                else [(0, "status", "In Progress"), (1 + 2 * rng.random(), "status", "Won't Do")]
            )
        if r < 0.12:
            return [(0, "status", "Done")]  # done without starting
        s: list[tuple[float, str, str | bool | None]] = [(0, "status", "In Progress")]
        if rng.random() < (0.4 if self.now else 0.15):
            s += [
                (1 + rng.random(), "status", "Blocked"),
                (1 + 6 * rng.random(), "status", "In Progress"),
            ]
        if rng.random() < 0.05:
            s += [
                (1 + rng.random(), "status", "To Do"),
                (2 + 3 * rng.random(), "status", "In Progress"),
            ]
        if rng.random() < 0.08:
            s += [(0.5 + rng.random(), "flagged", True), (1 + 2 * rng.random(), "flagged", False)]
        if self.points is not None and rng.random() < 0.06:
            s.append((0.5, "points", None))
        if rng.random() < 0.7:
            s.append((1 + 4 * rng.random(), "status", "In Review"))
            if rng.random() < 0.12:
                s += [
                    (0.5 + rng.random(), "status", "In Progress"),
                    (1 + rng.random(), "status", "In Review"),
                ]
        s.append((0.5 + 2.5 * rng.random(), "status", "Done"))
        if rng.random() < 0.05:
            s += [
                (1 + 3 * rng.random(), "status", "In Progress"),
                (1 + 2 * rng.random(), "status", "Done"),
            ]
        return s
