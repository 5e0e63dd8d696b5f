"""Custom field ids resolved from ``GET /rest/api/2/field`` by the names the config gives.

Ids differ per site (the Sprint field is ``customfield_10020`` on one Cloud site and
``customfield_10107`` on another), so the config names fields and this module finds their
ids; a config value that already is an id is taken as is. Sprint and Epic Link fall back to
their Jira Software schema types when renamed. The result also knows which changelog items
carry the four tracked histories (status, sprint, points, flagged).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from art.config import SourceConfig
from art.vocabulary import ChangeField

SPRINT_SCHEMA = "com.pyxis.greenhopper.jira:gh-sprint"
EPIC_LINK_SCHEMA = "com.pyxis.greenhopper.jira:gh-epic-link"
POINTS_SCHEMA = "com.pyxis.greenhopper.jira:jsw-story-points"
SYSTEM = (
    "summary",
    "status",
    "issuetype",
    "project",
    "created",
    "updated",
    "labels",
    "issuelinks",
    "fixVersions",
    "duedate",
    "assignee",
    "components",
    "parent",
)


@dataclass(frozen=True, slots=True)
class FieldIds:
    """The ids (and names) of the fields the mapping reads; None when the site lacks one."""

    sprint: str | None = None
    story_points: tuple[str, ...] = ()
    epic_link: str | None = None
    flagged: str | None = None
    team: str | None = None
    business_value: tuple[str, ...] = ()
    target_date: tuple[str, ...] = ()
    planned_bv: str | None = None
    actual_bv: str | None = None
    committed: str | None = None
    roam: str | None = None
    pi: str | None = None
    names: dict[str, str] = field(default_factory=dict)  # id -> display name
    _by_id: dict[str, ChangeField] = field(default_factory=dict, init=False, repr=False)
    _by_name: dict[str, ChangeField] = field(default_factory=dict, init=False, repr=False)

    def __post_init__(self) -> None:
        by_id = {
            "status": ChangeField.STATUS,
            **dict.fromkeys(self.story_points, ChangeField.POINTS),
        }
        if self.sprint:
            by_id[self.sprint] = ChangeField.ITERATION
        if self.flagged:
            by_id[self.flagged] = ChangeField.FLAGGED
        by_name = {self.names.get(fid, fid).lower(): kind for fid, kind in by_id.items()}
        object.__setattr__(self, "_by_id", by_id)
        object.__setattr__(self, "_by_name", by_name)

    def request(self) -> list[str]:
        """Exactly the fields the mapping uses, for the search ``fields`` parameter."""
        wanted = [*SYSTEM, *self.story_points, *self.business_value, *self.target_date]
        wanted += [
            f
            for f in (
                self.sprint,
                self.epic_link,
                self.flagged,
                self.team,
                self.planned_bv,
                self.actual_bv,
                self.committed,
                self.roam,
                self.pi,
            )
            if f
        ]
        return list(dict.fromkeys(wanted))

    def tracked(self) -> list[str]:
        """Field ids whose history is kept (for bulkfetch ``fieldIds``, at most 10)."""
        ids = ["status", *(f for f in (self.sprint, self.flagged) if f), *self.story_points]
        return list(dict.fromkeys(ids))[:10]

    def kind(self, item: dict[str, Any]) -> ChangeField | None:
        """Which tracked history a changelog item belongs to (by fieldId, else by name)."""
        fid = item.get("fieldId")
        if fid is not None:
            return self._by_id.get(str(fid))
        return self._by_name.get(str(item.get("field") or "").lower())


def resolve(catalog: Iterable[dict[str, Any]], source: SourceConfig) -> FieldIds:
    """Map the config's field names onto this site's field ids."""
    entries = list(catalog)
    by_name: dict[str, str] = {}
    by_id: dict[str, str] = {}
    by_schema: dict[str, str] = {}
    for entry in entries:
        fid, name = str(entry.get("id")), str(entry.get("name") or "")
        by_id[fid] = name
        by_name.setdefault(name.lower(), fid)
        custom = (entry.get("schema") or {}).get("custom")
        if custom:
            by_schema.setdefault(str(custom), fid)

    def one(name: str | None, schema: str | None = None) -> str | None:
        if not name:
            return None
        if name in by_id:
            return name
        return by_name.get(name.lower()) or (by_schema.get(schema) if schema else None)

    def many(names: Iterable[str], schema: str | None = None) -> tuple[str, ...]:
        found = [one(n) for n in names]
        if schema and schema in by_schema:
            found.append(by_schema[schema])
        return tuple(dict.fromkeys(f for f in found if f))

    f, rule = source.fields, source.team_rule
    team_name = (rule.field or f.team) if rule.by == "field" else None
    pi_name = source.pi_rule.field if source.pi_rule.by == "field" else None
    obj, risk = source.objectives, source.risks
    return FieldIds(
        sprint=one(f.sprint, SPRINT_SCHEMA),
        story_points=many(f.story_points, POINTS_SCHEMA),
        epic_link=one(f.epic_link, EPIC_LINK_SCHEMA),
        flagged=one(f.flagged),
        team=one(team_name),
        business_value=many(f.business_value),
        target_date=many(f.target_date),
        planned_bv=one(obj.planned_bv_field),
        actual_bv=one(obj.actual_bv_field),
        committed=one(obj.committed_field),
        roam=one(risk.roam_field),
        pi=one(pi_name),
        names=by_id,
    )
