"""Helpers of the Jira connector tests: real samples, a source configured for a simulator,
a recording sleep, and the comparison of a pull with the Scenario served (the truth)."""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import date
from pathlib import Path
from typing import Any

from art.config import PIConfig, SourceConfig
from art.records import ChangeRecord, RecordBatch, WorkItemRecord
from simulators.scenario import Scenario, ScenarioItem

Row = tuple[str, Any, str | None]  # field, at, to_value
# the golden ART and captured tracker payloads (see tests/conftest.py)
FIXTURES = Path(__file__).parents[2] / "fixtures"
SAMPLES = FIXTURES / "tracker-samples"
GOLDEN = FIXTURES / "golden" / "reference-art.json"
TODAY = date(2026, 3, 4)
CREDENTIALS = {
    "JIRA_EMAIL": "rte@example.com",
    "JIRA_TOKEN": "cloud-token",
    "JIRA_PAT": "dc-pat",
    "JIRA_HOOK_SECRET": "s3cret",
}


def sample(name: str) -> Any:
    """A real payload by file name, from the DevLake, Pinpoint or Atlassian folders."""
    found = sorted(SAMPLES.glob(f"*/{name}"))
    assert len(found) == 1, f"{name}: {found}"
    return json.loads(found[0].read_text(encoding="utf-8"))


def sample_bytes(name: str) -> bytes:
    """A webhook capture exactly as delivered (signatures cover the raw bytes)."""
    return (SAMPLES / "pinpt_jira_webhook_captures" / name).read_bytes()


class Sleeps(list[float]):
    """A ``sleep`` that records instead of waiting."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


def source_for(url: str, scenario: Scenario, flavour: str, **overrides: Any) -> SourceConfig:
    """A source as an RTE would configure it for the scenario's projects."""
    keys = sorted({i.key.rsplit("-", 1)[0]: i.team for i in scenario.items}.items())
    data: dict[str, Any] = {
        "name": f"jira-{flavour}",
        "kind": "jira",
        "url": url,
        "art": scenario.art,
        "flavour": flavour,
        "token_env": "JIRA_TOKEN" if flavour == "cloud" else "JIRA_PAT",
        "email_env": "JIRA_EMAIL" if flavour == "cloud" else None,
        "projects": [k for k, _ in keys],
        "team_rule": {"names": dict(keys)},
        "statuses": {"Blocked": "wait", "Won't Do": "removed"},
        "work_type_labels": {
            "tech-debt": "debt",
            "enabler": "enabler",
            "defect": "defect",
            "risk": "risk",
        },
        "page_size": 50,
        "webhook_secret_env": "JIRA_HOOK_SECRET",
    }
    data.update(overrides)
    return SourceConfig.model_validate(data)


def pis_of(scenario: Scenario) -> list[PIConfig]:
    return [PIConfig(name=p.name, start=p.start, end=p.end) for p in scenario.pis]


def num(value: Any) -> str | None:
    if value is None:
        return None
    f = float(value)
    return str(int(f)) if f.is_integer() else str(f)


def expected_changes(item: ScenarioItem) -> list[Row]:
    """The records a complete history of ``item`` must give: state at creation, then changes
    (a change to the value a field already has is no change)."""
    text = {
        "status": lambda v: str(v),
        "iteration": lambda v: None if v is None else str(v),
        "points": num,
        "flagged": lambda v: "true" if v else "false",
    }
    current = {k: text[k](item.initial.get(k)) for k in text}
    rows: list[Row] = [("status", item.created, current["status"])]
    for name in ("iteration", "points"):
        if current[name] is not None:
            rows.append((name, item.created, current[name]))
    if current["flagged"] == "true":
        rows.append(("flagged", item.created, "true"))
    for change in item.history:
        value = text[change.field](change.to)
        if value != current[change.field]:
            rows.append((change.field, change.at, value))
            current[change.field] = value
    return rows


class Pulled:
    """Everything a list of batches carries, indexed."""

    def __init__(self, batches: list[RecordBatch]) -> None:
        self.batches = batches
        self.items: dict[str, WorkItemRecord] = {}
        self.changes: dict[str, list[ChangeRecord]] = defaultdict(list)
        self.iterations = {it.key: it for b in batches for it in b.iterations}
        self.links = {(k.from_key, k.to_key, k.kind.value) for b in batches for k in b.links}
        self.objectives = {o.key: o for b in batches for o in b.objectives}
        self.risks = {r.key: r for b in batches for r in b.risks}
        self.errors = [e for b in batches for e in b.errors]
        for batch in batches:
            for item in batch.items:
                self.items[item.key] = item
                self.changes[item.key] = [c for c in batch.changes if c.item_key == item.key]

    def iteration_name(self, key: str | None) -> str | None:
        return None if key is None else self.iterations[key].name

    def rows(self, key: str) -> list[Row]:
        out = []
        for c in self.changes[key]:
            value = self.iteration_name(c.to_value) if c.field.value == "iteration" else c.to_value
            out.append((c.field.value, c.at, value))
        return out


def assert_matches(pulled: Pulled, scenario: Scenario, keys: set[str] | None = None) -> int:
    """Every (or every named) live item of ``scenario`` came out exactly; returns the count."""
    alive = {i.key for i in scenario.items if not i.deleted}
    checked = 0
    for item in scenario.items:
        if item.deleted or (keys is not None and item.key not in keys):
            continue
        rec = pulled.items[item.key]
        status = str(item.current("status"))
        parent = item.parent if item.parent in alive else None
        got = (
            rec.team,
            rec.level.value,
            rec.work_type.value,
            rec.title,
            rec.status,
            rec.status_category.value,
            pulled.iteration_name(rec.iteration),
            rec.story_points,
            rec.flagged,
            rec.parent,
            rec.business_value,
            rec.target_date,
            rec.created_at,
            rec.updated_at,
        )
        points = item.current("points")
        want = (
            item.team,
            item.level,
            item.work_type,
            item.title,
            status,
            scenario.statuses[status],
            item.current("iteration"),
            None if points is None else float(points),
            bool(item.current("flagged")),
            parent,
            None if item.business_value is None else float(item.business_value),
            item.target_date,
            item.created,
            item.updated,
        )
        assert got == want, f"{item.key}: {got} != {want}"
        assert pulled.rows(item.key) == expected_changes(item), item.key
        _consistent(pulled.changes[item.key], scenario)
        if rec.iteration is not None:
            assert pulled.iterations[rec.iteration].team == item.team, item.key
        checked += 1
    return checked


def _consistent(changes: list[ChangeRecord], scenario: Scenario) -> None:
    """Each change starts from the value the previous one of its field ended with."""
    last: dict[str, str | None] = {"flagged": "false"}  # not flagged unless recorded
    for c in changes:
        assert c.from_value == last.get(c.field.value), c
        last[c.field.value] = c.to_value
        if c.field.value == "status":
            assert c.to_category is not None
            assert c.to_category.value == scenario.statuses[str(c.to_value)], c
    assert [c.seq for c in changes] == list(range(len(changes)))


def expected_links(scenario: Scenario) -> set[tuple[str, str, str]]:
    alive = {i.key for i in scenario.items if not i.deleted}
    links = {
        (k.from_key, k.to_key, k.kind)
        for k in scenario.links
        if k.from_key in alive and k.to_key in alive
    }
    links |= {
        (i.key, i.parent, "parent") for i in scenario.items if i.key in alive and i.parent in alive
    }
    return links
