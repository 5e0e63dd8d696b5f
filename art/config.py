"""The configuration file schema (``trainyard.toml``), validated with pydantic.

The file declares sources, ARTs, teams, PIs and the mappings from tracker vocabulary to the
ART model. Secrets never live in the file: a source names the environment variables that
hold them, and a missing variable is reported with the key that names it.
"""

from __future__ import annotations

import os
import tomllib
from datetime import date
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from art.errors import ConfigError
from art.vocabulary import Level, LinkKind, StatusCategory, WorkType


class Strict(BaseModel):
    """Base: unknown keys are errors, so a typo in the file is caught at start-up."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class TeamRule(Strict):
    """How an item's team is found. ``by`` names the tracker attribute used.

    Jira: ``project`` (project key), ``board`` (the board whose filter holds the item),
    ``component`` (first component), ``field`` (a Team field, named by ``field``).
    Azure DevOps: ``area_path`` (the deepest configured area path prefix wins; the default)
    or ``area_leaf`` (the last node of the area path).
    ``names`` renames tracker values (project key, board id, area path) to team names.
    """

    by: Literal["project", "board", "component", "field", "area_path", "area_leaf"] = "project"
    field: str | None = None
    names: dict[str, str] = Field(default_factory=dict)


class PIRule(Strict):
    """How an iteration's PI is found.

    ``dates``: the configured PI whose dates contain the iteration's start (needs ``pis``).
    ``sprint_name`` / ``iteration_pattern``: the regex ``pattern``'s group ``pi`` in the name
    or path. ``iteration_parent``: the parent node of an Azure DevOps iteration path.
    ``fix_version``: the item's fix version. ``field``: a custom field named by ``field``.
    """

    by: Literal[
        "dates", "sprint_name", "iteration_pattern", "iteration_parent", "fix_version", "field"
    ] = "dates"
    pattern: str = r"(?P<pi>PI \d+\.\d+)"
    field: str | None = None


class FieldMapping(Strict):
    """Tracker field names (display names, resolved to ids at run time) or ids."""

    story_points: list[str] = Field(
        default_factory=lambda: [
            "Story Points",
            "Story point estimate",
            "Microsoft.VSTS.Scheduling.StoryPoints",
            "Microsoft.VSTS.Scheduling.Effort",
            "Microsoft.VSTS.Scheduling.Size",
        ]
    )
    sprint: str = "Sprint"
    team: str = "Team"
    business_value: list[str] = Field(
        default_factory=lambda: ["Business Value", "Microsoft.VSTS.Common.BusinessValue"]
    )
    target_date: list[str] = Field(
        default_factory=lambda: ["Target end", "Due date", "Microsoft.VSTS.Scheduling.TargetDate"]
    )
    flagged: str = "Flagged"
    epic_link: str = "Epic Link"


class ObjectiveMapping(Strict):
    """PI objectives kept in the tracker as items of ``item_type``."""

    item_type: str = "Objective"
    planned_bv_field: str = "Planned Business Value"
    actual_bv_field: str = "Actual Business Value"
    committed_field: str | None = "Committed"
    uncommitted_label: str = "uncommitted"


class RiskMapping(Strict):
    """PI risks kept in the tracker as items of ``item_type``; ROAM from ``roam_field``."""

    item_type: str = "Risk"
    roam_field: str = "ROAM"


def _default_levels() -> dict[str, Level]:
    return {
        "Epic": Level.EPIC,
        "Capability": Level.CAPABILITY,
        "Feature": Level.FEATURE,
        "Story": Level.STORY,
        "User Story": Level.STORY,
        "Product Backlog Item": Level.STORY,
        "Bug": Level.STORY,
        "Enabler": Level.STORY,
        "Task": Level.TASK,
        "Sub-task": Level.TASK,
        "Subtask": Level.TASK,
        "Objective": Level.OBJECTIVE,
        "Risk": Level.RISK,
    }


def _default_work_types() -> dict[str, WorkType]:
    return {
        "Bug": WorkType.DEFECT,
        "Defect": WorkType.DEFECT,
        "Enabler": WorkType.ENABLER,
        "Risk": WorkType.RISK,
        "Tech Debt": WorkType.DEBT,
        "Debt": WorkType.DEBT,
    }


def _default_link_types() -> dict[str, LinkKind]:
    return {
        "Blocks": LinkKind.BLOCKS,
        "Dependency": LinkKind.DEPENDS_ON,
        "Depends": LinkKind.DEPENDS_ON,
        "Relates": LinkKind.RELATES,
    }


class SourceConfig(Strict):
    """One tracker instance and how its vocabulary maps onto the ART model."""

    name: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_-]*$")]
    kind: Literal["jira", "azure-devops"] | str
    url: str
    art: str
    # Jira
    flavour: Literal["auto", "cloud", "datacenter"] = "auto"
    email_env: str | None = None
    token_env: str | None = None
    projects: list[str] = Field(default_factory=list)
    jql: str | None = None
    boards: list[int] = Field(default_factory=list)
    # Azure DevOps
    project: str | None = None
    wiql: str | None = None
    area_paths: list[str] = Field(default_factory=list)
    display_prefix: str | None = None  # ids shown as ORN-1014 rather than #1014
    # mappings
    team_rule: TeamRule = Field(default_factory=TeamRule)
    pi_rule: PIRule = Field(default_factory=PIRule)
    fields: FieldMapping = Field(default_factory=FieldMapping)
    statuses: dict[str, StatusCategory] = Field(default_factory=dict)
    levels: dict[str, Level] = Field(default_factory=_default_levels)
    work_types: dict[str, WorkType] = Field(default_factory=_default_work_types)
    work_type_labels: dict[str, WorkType] = Field(default_factory=dict)
    link_types: dict[str, LinkKind] = Field(default_factory=_default_link_types)
    objectives: ObjectiveMapping = Field(default_factory=ObjectiveMapping)
    risks: RiskMapping = Field(default_factory=RiskMapping)
    # scheduling
    incremental_every_minutes: Annotated[int, Field(ge=1)] = 5
    full_cron: str = "0 2 * * *"
    overlap_minutes: Annotated[int, Field(ge=0)] = 2
    page_size: Annotated[int, Field(ge=1, le=5000)] = 100
    concurrency: Annotated[int, Field(ge=1, le=32)] = 4  # requests in flight during a pull
    # a pull commits the batches its connector has ready together, up to this many items
    # (more makes a pull alone faster, and the readers of a service it runs in slower)
    commit_items: Annotated[int, Field(ge=1, le=100_000)] = 100
    metadata_ttl_minutes: Annotated[float, Field(ge=0)] = 10  # fields, sprints... kept this long
    # webhooks
    webhook_secret_env: str | None = None
    webhook_username: str | None = None
    webhook_allow_unsigned: bool = False  # accept deliveries nothing verifies (no secret)

    def secret(self, key: Literal["token_env", "email_env", "webhook_secret_env"]) -> str | None:
        """Value of the environment variable named by ``key``; ConfigError when unset."""
        var = getattr(self, key)
        if var is None:
            return None
        value = os.environ.get(var)
        if value is None:
            raise ConfigError(
                f"source '{self.name}': {key} names environment variable {var}, which is not set"
            )
        return value


class PIConfig(Strict):
    """A Program Increment with its dates (both inclusive)."""

    name: str
    start: date
    end: date

    @model_validator(mode="after")
    def _ordered(self) -> PIConfig:
        if self.end < self.start:
            raise ValueError(f"PI '{self.name}': end {self.end} is before start {self.start}")
        return self


class TeamConfig(Strict):
    """A team of an ART; ``aliases`` are tracker values (project keys, area paths) naming it."""

    name: str
    aliases: list[str] = Field(default_factory=list)


class ArtConfig(Strict):
    """An Agile Release Train: its teams, PIs and the rules for its figures."""

    name: str
    timezone: str = "UTC"
    teams: list[TeamConfig] = Field(default_factory=list)
    pis: list[PIConfig] = Field(default_factory=list)
    start_status: str | None = None  # start = first entry into this status, when set
    done_rule: Literal["last", "first"] = "last"
    count_start_day: bool = True
    restart_on_backlog: bool = False  # back to todo and started again: the last start counts


class TrainyardConfig(Strict):
    """The whole file."""

    arts: list[ArtConfig] = Field(default_factory=list)
    sources: list[SourceConfig] = Field(default_factory=list)
    demo: bool = False

    @model_validator(mode="after")
    def _consistent(self) -> TrainyardConfig:
        arts = {a.name for a in self.arts}
        names: set[str] = set()
        for s in self.sources:
            if s.art not in arts:
                raise ValueError(f"source '{s.name}': art '{s.art}' is not declared in [[arts]]")
            if s.name in names:
                raise ValueError(f"source '{s.name}' is declared twice")
            names.add(s.name)
        return self

    def source(self, name: str) -> SourceConfig:
        for s in self.sources:
            if s.name == name:
                return s
        raise ConfigError(f"no source named '{name}' in the configuration")

    def art(self, name: str) -> ArtConfig:
        for a in self.arts:
            if a.name == name:
                return a
        raise ConfigError(f"no ART named '{name}' in the configuration")


def _location(loc: tuple[int | str, ...], data: Any) -> str:
    """Render a pydantic error location as a TOML key path (sources[0].name -> sources.jira)."""
    parts: list[str] = []
    node = data
    for step in loc:
        if isinstance(step, int):
            name = (
                node[step].get("name")
                if isinstance(node, list) and step < len(node) and isinstance(node[step], dict)
                else None
            )
            parts[-1] = f"{parts[-1]}[{name or step}]" if parts else str(step)
        else:
            parts.append(str(step))
        try:
            node = node[step]
        except (KeyError, IndexError, TypeError):
            node = None
    return ".".join(parts)


def parse_config(data: dict[str, Any], origin: str) -> TrainyardConfig:
    """Validate a parsed TOML document; errors name ``origin``, the key and the reason."""
    try:
        return TrainyardConfig.model_validate(data)
    except ValidationError as exc:
        lines = [
            f"{origin}: {_location(err['loc'], data) or '(top level)'}: {err['msg']}"
            for err in exc.errors()
        ]
        raise ConfigError("invalid configuration\n" + "\n".join(lines)) from None


def load_config(path: Path) -> TrainyardConfig:
    """Read and validate ``path``; a ConfigError names the file, the key and the reason."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read the configuration file: {exc.strerror}") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    return parse_config(data, str(path))
