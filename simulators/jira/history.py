"""An item's scenario history written as Jira changelog histories.

Changes at the same instant share one history (one edit, several items). Status items carry
status ids and names plus the resolution Jira sets or clears with them; Sprint items carry
comma-separated sprint ids, and a sprint the item leaves stays in the list once it has closed
(Jira keeps closed sprints, which is how a carried-over story shows); Story Points items carry
the numbers as strings; Flagged items carry the Impediment option.
"""

from __future__ import annotations

from datetime import datetime
from itertools import groupby
from typing import Any
from zoneinfo import ZoneInfo

from simulators.jira.catalog import FLAG_OPTION, RESOLUTIONS
from simulators.jira.state import JiraState, SimIssue, Sprint


def jira_time(at: datetime, tz: str) -> str:
    """``2026-01-06T10:00:00.000+0000``: Jira's timestamp format, in the user's time zone."""
    local = at.astimezone(ZoneInfo(tz))
    return (
        local.strftime("%Y-%m-%dT%H:%M:%S.")
        + f"{local.microsecond // 1000:03d}"
        + local.strftime("%z")
    )


def number(value: Any) -> str | None:
    """How Jira writes a number in a changelog: ``3``, ``2.5``."""
    if value is None:
        return None
    f = float(value)
    return str(int(f)) if f.is_integer() else str(f)


class HistoryWriter:
    """Writes the changelog of one issue and the sprint list it ends with."""

    def __init__(self, state: JiraState, issue: SimIssue) -> None:
        self.state, self.issue = state, issue
        cat = state.catalog
        self.fid = {name: cat.field_id(name) for name in ("Sprint", "Flagged")}
        points = "Story point estimate" if issue.project.team_managed else "Story Points"
        self.points_field = (points, cat.field_id(points))
        self.status_ids = state.status_ids
        self.sprints: list[Sprint] = []
        self.stamps: list[datetime] = []  # when each written history happened

    def item(
        self,
        name: str,
        field_id: str | None,
        fieldtype: str,
        old: str | None,
        old_text: str | None,
        new: str | None,
        new_text: str | None,
    ) -> dict[str, Any]:
        out: dict[str, Any] = {"field": name, "fieldtype": fieldtype}
        if field_id and self.state.catalog.cloud:
            out["fieldId"] = field_id
        out.update({"from": old, "fromString": old_text, "to": new, "toString": new_text})
        return out

    def sprint(self, iteration: Any) -> Sprint | None:
        if iteration is None:
            return None
        return self.state.sprint_of.get((self.issue.item.team, str(iteration)))

    def write(self) -> list[dict[str, Any]]:
        item, st = self.issue.item, self.state
        status = str(item.initial["status"])
        points, flagged = item.initial.get("points"), bool(item.initial.get("flagged"))
        iteration = item.initial.get("iteration")
        first = self.sprint(iteration)
        self.sprints = [first] if first else []
        author = st.catalog.user(f"{item.team} Developer")
        out = []
        for n, (at, group) in enumerate(groupby(item.history, key=lambda c: c.at)):
            items: list[dict[str, Any]] = []
            for change in group:
                if change.field == "status" and change.to != status:
                    items += self.status_items(status, str(change.to))
                    status = str(change.to)
                elif change.field == "iteration" and change.to != iteration:
                    items.append(self.move(iteration, change.to, at))
                    iteration = change.to
                elif change.field == "points" and change.to != points:
                    name, fid = self.points_field
                    items.append(
                        self.item(
                            name, fid, "custom", None, number(points), None, number(change.to)
                        )
                    )
                    points = change.to
                elif change.field == "flagged" and bool(change.to) != flagged:
                    flagged = bool(change.to)
                    on = (f"[{FLAG_OPTION['id']}]", FLAG_OPTION["value"])
                    old, new = (None, None) if flagged else on, on if flagged else (None, None)
                    items.append(self.item("Flagged", self.fid["Flagged"], "custom", *old, *new))
            if items:
                self.stamps.append(at)
                out.append(
                    {
                        "id": str(self.issue.id * 1000 + n),
                        "author": author,
                        "created": jira_time(at, st.time_zone),
                        "items": items,
                    }
                )
        return out

    def status_items(self, old: str, new: str) -> list[dict[str, Any]]:
        cats = self.state.scenario.statuses
        items = [
            self.item(
                "status", "status", "jira", self.status_ids[old], old, self.status_ids[new], new
            )
        ]
        was, now = RESOLUTIONS.get(cats[old]), RESOLUTIONS.get(cats[new])
        if was != now:
            items.insert(
                0,
                self.item(
                    "resolution",
                    "resolution",
                    "jira",
                    was[0] if was else None,
                    was[1] if was else None,
                    now[0] if now else None,
                    now[1] if now else None,
                ),
            )
        return items

    def move(self, old: Any, new: Any, at: datetime) -> dict[str, Any]:
        before = list(self.sprints)
        leaving, joining = self.sprint(old), self.sprint(new)
        if leaving in self.sprints and leaving is not None and leaving.complete > at:
            self.sprints.remove(leaving)
        if joining is not None and joining not in self.sprints:
            self.sprints.append(joining)

        def ids(sprints: list[Sprint]) -> tuple[str, str]:
            return ", ".join(str(s.id) for s in sprints), ", ".join(s.name for s in sprints)

        return self.item("Sprint", self.fid["Sprint"], "custom", *ids(before), *ids(self.sprints))
