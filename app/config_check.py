"""`trainyard config check`: probe each source's tracker read-only, through the connector's own
client, and say what a pull would find. Nothing is written to the database.

Each source gets a few ``source: ...`` lines (authenticated, projects or area paths, configured
fields, statuses and their categories, sprints or iterations, items a full pull would read);
a problem is one ``problem: source: ...`` line. A new operator runs this before the first
pull, so every line names the thing and what was found.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from art.config import PIConfig, SourceConfig, TrainyardConfig
from art.errors import ConnectorAuthError, TrainyardError
from connectors.azure_devops.connector import AzureDevOpsConnector
from connectors.azure_devops.mapping import ADO_CATEGORIES
from connectors.azure_devops.queries import item_types
from connectors.azure_devops.transport import AdoRequestError
from connectors.jira.client import JiraRequestError
from connectors.jira.connector import JiraConnector
from connectors.jira.context import Context as JiraContext
from connectors.jira.search import IssueSearch
from connectors.jira.sprints import load_sprints

AREAS = "5a172953-1b41-49d3-840a-33f79c3ce89f"  # classification nodes (areas, iterations)


@dataclass
class Report:
    """What the probe of one source found: lines to print and the problems among them."""

    source: str
    lines: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    def say(self, text: str) -> None:
        self.lines.append(f"{self.source}: {text}")

    def problem(self, text: str) -> None:
        text = text.replace(f"source '{self.source}': ", "", 1)  # the line names it already
        self.problems.append(f"problem: {self.source}: {text}")


def _configured_fields(source: SourceConfig) -> list[tuple[str, list[str]]]:
    """The field mappings the configuration sets itself (defaults are only guesses)."""
    out: list[tuple[str, list[str]]] = []
    for key in sorted(source.fields.model_fields_set):
        value = getattr(source.fields, key)
        out.append((key, list(value) if isinstance(value, list) else [str(value)]))
    if source.team_rule.by == "field" and source.team_rule.field:
        out.append(("team_rule.field", [source.team_rule.field]))
    if source.pi_rule.by == "field" and source.pi_rule.field:
        out.append(("pi_rule.field", [source.pi_rule.field]))
    return out


def _check_fields(
    report: Report, source: SourceConfig, catalog: Iterable[Mapping[str, Any]], id_key: str
) -> None:
    """Each configured field found by name (or id); a list is found when one name is."""
    ids = {str(f.get(id_key)): str(f.get(id_key)) for f in catalog}
    by_name = {str(f.get("name") or "").lower(): str(f.get(id_key)) for f in catalog}
    for key, names in _configured_fields(source):
        found = [(n, ids.get(n) or by_name.get(n.lower())) for n in names]
        hits = [f"'{n}' ({fid})" for n, fid in found if fid]
        if hits:
            report.say(f"field {key} found: {', '.join(hits)}")
        else:
            report.problem(f"field {key} not found: {', '.join(repr(n) for n in names)}")


def _statuses(report: Report, categories: Mapping[str, str | None]) -> None:
    """Statuses seen with their category; the unmapped ones named as a problem."""
    mapped = [f"{name} -> {cat}" for name, cat in categories.items() if cat]
    if mapped:
        report.say(f"statuses: {', '.join(mapped)}")
    unmapped = [name for name, cat in categories.items() if not cat]
    if unmapped:
        report.problem(f"statuses with no category (map them in statuses): {', '.join(unmapped)}")


def check_jira(source: SourceConfig, pis: list[PIConfig]) -> Report:
    report = Report(source.name)
    connector = JiraConnector(source, pis)
    try:
        client = connector.client
        me = client.get("myself")
        who = me.get("emailAddress") or me.get("displayName") or me.get("name")
        report.say(f"authenticated as {who} (Jira {client.flavour})")
        catalog = client.get("field")
        _check_fields(report, source, catalog, "id")
        ctx = JiraContext.build(source, pis, connector._context(False).fields, client.get("status"))
        _statuses(
            report,
            {
                str(s.get("name")): (
                    cat.value
                    if (cat := ctx.category(str(s.get("name")), str(s.get("id")))) is not None
                    else None
                )
                for s in client.get("status")
            },
        )
        sprints, _ = load_sprints(client, source, pis)
        report.say(f"sprints found: {len(sprints.records)}")
        per_project: Counter[str] = Counter()
        for page in IssueSearch(client, connector._jql(None), ["project"], source.page_size):
            per_project.update(
                str(((i.get("fields") or {}).get("project") or {}).get("key")) for i in page
            )
        for project in source.projects:
            if per_project[project]:
                report.say(f"project {project} found: {per_project[project]} items")
            else:
                report.problem(f"project {project}: no issues found (missing, or not visible)")
        report.say(f"would pull {sum(per_project.values())} items ({client.requests} requests)")
    except ConnectorAuthError as exc:
        report.problem(f"authentication failed: {exc}")
    except JiraRequestError as exc:
        report.problem(f"Jira refused a request: {exc}")
    except TrainyardError as exc:
        report.problem(str(exc))
    finally:
        connector.close()
    return report


def _area_paths(tree: Mapping[str, Any], path: str = "") -> set[str]:
    here = f"{path}\\{tree.get('name')}" if path else str(tree.get("name") or "")
    found = {here}
    for child in tree.get("children") or []:
        found |= _area_paths(child, here)
    return found


def check_azure_devops(source: SourceConfig, pis: list[PIConfig]) -> Report:
    report = Report(source.name)
    connector = AzureDevOpsConnector(source, pis)
    client = connector.client
    try:
        catalog = client.fields()
        report.say(f"authenticated (project {source.project})")
        _check_fields(report, source, catalog, "referenceName")
        areas = client._call(
            client.wit,
            "GET",
            AREAS,
            "7.1-preview.2",
            {"project": client.project, "structureGroup": "areas"},
            {"$depth": (10, "int")},
        )
        known = {p.lower() for p in _area_paths(areas)}
        for area in source.area_paths:
            if area.lower() in known:
                report.say(f"area path {area} found")
            else:
                report.problem(f"area path {area} not found")
        categories: dict[str, str | None] = {}
        configured = {k.lower(): v.value for k, v in source.statuses.items()}
        for type_name in item_types(source):
            try:
                states = client.type_states(type_name)
            except AdoRequestError as exc:
                if exc.status != 404:
                    raise
                continue  # the process has no such type: nothing of it to read
            for state in states:
                name = str(state.get("name"))
                ado = ADO_CATEGORIES.get(str(state.get("category")).lower())
                categories.setdefault(
                    name, configured.get(name.lower()) or (ado.value if ado else None)
                )
        _statuses(report, categories)
        ctx = connector.context()
        report.say(f"iterations found: {len(ctx.iterations.records)}")
        report.say(f"would pull {len(connector.scope_ids())} items")
    except ConnectorAuthError as exc:
        report.problem(f"authentication failed: {exc}")
    except TrainyardError as exc:
        report.problem(str(exc))
    finally:
        connector.close()
    return report


def check_source(source: SourceConfig, pis: list[PIConfig]) -> Report:
    """Probe one source; a kind this command cannot probe is said so, not a problem."""
    try:
        if source.kind == "jira":
            return check_jira(source, pis)
        if source.kind == "azure-devops":
            return check_azure_devops(source, pis)
    except TrainyardError as exc:  # the connector refused its configuration
        report = Report(source.name)
        report.problem(str(exc))
        return report
    report = Report(source.name)
    report.say(f"kind {source.kind}: no probe for this kind; configuration only")
    return report


def check(config: TrainyardConfig, only: str | None = None) -> list[Report]:
    """Probe every source (or ``only`` that one) of ``config``."""
    sources = [config.source(only)] if only else config.sources
    return [check_source(s, list(config.art(s.art).pis)) for s in sources]
