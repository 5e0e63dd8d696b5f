"""Pure mapping on Microsoft's documented payloads (tracker-samples), with exact values."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Any

import pytest

from art.config import SourceConfig
from art.errors import BadPayload
from art.records import IterationRecord, LinkRecord, WorkItemRecord
from art.vocabulary import ChangeField, Level, LinkKind, StatusCategory, WorkType
from connectors.azure_devops.client import RevisionsPage
from connectors.azure_devops.fields import FieldRefs, resolve_fields
from connectors.azure_devops.history import changes_from_revisions, complete
from connectors.azure_devops.mapping import Context, links_of, map_item
from connectors.azure_devops.structure import IterationIndex, TeamResolver

from .conftest import REST_SAMPLES

HIERARCHY = "System.LinkTypes.Hierarchy"


def sample(name: str) -> Any:
    return json.loads((REST_SAMPLES / name).read_text(encoding="utf-8"))


def source(**overrides: Any) -> SourceConfig:
    values: dict[str, Any] = {
        "name": "fabrikam",
        "kind": "azure-devops",
        "url": "https://dev.azure.com/fabrikam",
        "art": "ART",
        "project": "Fabrikam-Fiber-Git",
        "token_env": "X",
    }
    values.update(overrides)
    return SourceConfig(**values)


def context(src: SourceConfig | None = None) -> Context:
    src = src or source(team_rule={"by": "area_path", "names": {"Fabrikam-Fiber-Git": "Fiber"}})
    refs = resolve_fields(src, [])  # no field list: reference names are taken as they are
    ctx = Context(
        src,
        refs,
        IterationIndex.build(src, [], sample("classification_nodes_iterations_depth2.json")),
        TeamResolver.build(src, {}),
    )
    ctx.states["product backlog item"] = {
        "new": "Proposed",
        "committed": "InProgress",
        "done": "Completed",
    }
    ctx.states["bug"] = {
        s["name"].lower(): s["category"] for s in sample("workitemtype_states_bug.json")["value"]
    }
    return ctx


def test_work_item_with_relations() -> None:
    item = sample("workitems_list_expand_all_with_relations.json")["value"][0]
    record = map_item(context(), item)
    assert record == WorkItemRecord(
        key="297",
        tracker_id="297",
        title="Customer can sign in using their Microsoft Account",
        item_type="Product Backlog Item",
        level=Level.STORY,
        work_type=WorkType.FEATURE,
        status="New",
        status_category=StatusCategory.TODO,
        created_at=datetime(2014, 12, 29, 20, 49, 20, 770000, tzinfo=UTC),
        updated_at=datetime(2014, 12, 29, 20, 49, 20, 770000, tzinfo=UTC),
        team="Fiber",
        iteration=None,
        pi=None,
        parent=None,
        story_points=8.0,  # Scrum: Effort
        business_value=None,
        target_date=None,
        flagged=False,
        raw=item,
    )
    # Two children (Hierarchy-Forward); the attached file is no link.
    assert links_of(context(), item) == [
        LinkRecord("299", "297", LinkKind.PARENT, HIERARCHY),
        LinkRecord("300", "297", LinkKind.PARENT, HIERARCHY),
    ]


def test_child_side_names_the_parent() -> None:
    child = {
        "id": 299,
        "fields": {"System.WorkItemType": "Task"},
        "relations": [
            {
                "rel": "System.LinkTypes.Hierarchy-Reverse",
                "url": "https://dev.azure.com/fabrikam/_apis/wit/workItems/297",
                "attributes": {"isLocked": False, "name": "Parent"},
            },
            {
                "rel": "System.LinkTypes.Dependency-Forward",
                "url": "https://dev.azure.com/fabrikam/_apis/wit/workItems/301",
                "attributes": {},
            },
            {
                "rel": "System.LinkTypes.Dependency-Reverse",
                "url": "https://dev.azure.com/fabrikam/_apis/wit/workItems/250",
                "attributes": {},
            },
            {
                "rel": "System.LinkTypes.Related",
                "url": "https://dev.azure.com/fabrikam/_apis/wit/workItems/12",
                "attributes": {},
            },
            {"rel": "Hyperlink", "url": "https://example.com/spec", "attributes": {}},
        ],
    }
    dep = "System.LinkTypes.Dependency"
    assert links_of(context(), child) == [
        LinkRecord("299", "297", LinkKind.PARENT, HIERARCHY),  # child -> parent
        LinkRecord("299", "301", LinkKind.BLOCKS, dep),  # 301 is the Successor: 299 blocks it
        LinkRecord("250", "299", LinkKind.BLOCKS, dep),  # 250 is the Predecessor
        LinkRecord("12", "299", LinkKind.RELATES, "System.LinkTypes.Related"),  # by id order
    ]


def test_state_categories_from_the_type_states() -> None:
    ctx = context(source(statuses={"CustomState": "wait"}))
    assert [
        ctx.category("Bug", s) for s in ("New", "Active", "CustomState", "Resolved", "Closed")
    ] == [
        StatusCategory.TODO,
        StatusCategory.ACTIVE,
        StatusCategory.WAIT,
        StatusCategory.ACTIVE,
        StatusCategory.DONE,
    ]
    assert ctx.category("Bug", "Unheard Of") == StatusCategory.TODO


def test_iterations_from_classification_nodes() -> None:
    index = context().iterations
    assert index.records["Fabrikam-Fiber-Git\\Release 1\\Sprint 1"] == IterationRecord(
        key="Fabrikam-Fiber-Git\\Release 1\\Sprint 1",
        name="Sprint 1",
        start=date(2014, 3, 3),
        end=date(2014, 3, 14),
        pi="Release 1",
    )
    assert sorted(index.records) == [
        f"Fabrikam-Fiber-Git\\Release 1\\Sprint {n}" for n in range(1, 7)
    ]  # Release 2-4 are PI-level nodes
    assert index.iteration_of("Fabrikam-Fiber-Git\\Release 2") is None
    assert index.pi_of("Fabrikam-Fiber-Git\\Release 2") == "Release 2"
    assert index.iteration_of("Fabrikam-Fiber-Git") is None


def test_pi_by_pattern_and_dates() -> None:
    tree = sample("classification_nodes_iterations_depth2.json")
    by_pattern = IterationIndex.build(
        source(pi_rule={"by": "iteration_pattern", "pattern": r"(?P<pi>Release \d+)"}), [], tree
    )
    assert by_pattern.pi_of("Fabrikam-Fiber-Git\\Release 1\\Sprint 2") == "Release 1"
    assert "Fabrikam-Fiber-Git\\Release 3" in by_pattern.records  # any leaf is an iteration
    from art.config import PIConfig

    pis = [PIConfig(name="PI 14.1", start=date(2014, 3, 1), end=date(2014, 3, 20))]
    by_dates = IterationIndex.build(source(pi_rule={"by": "dates"}), pis, tree)
    assert by_dates.pi_of("Fabrikam-Fiber-Git\\Release 1\\Sprint 2") == "PI 14.1"
    assert by_dates.pi_of("Fabrikam-Fiber-Git\\Release 1\\Sprint 4") is None  # no dates


def test_teams_from_team_field_values() -> None:
    values = sample("team_field_values_area_paths.json")["values"]
    teams = TeamResolver.build(
        source(),
        {
            "Fabrikam-Fiber Team": values,
            "Optics crew": [{"value": "Fabrikam-Fiber\\Optics\\Lens", "includeChildren": True}],
        },
    )
    assert teams.team_of("Fabrikam-Fiber\\Auto") == "Fabrikam-Fiber Team"
    assert teams.team_of("Fabrikam-Fiber\\Auto\\Parts") is None  # includeChildren false
    assert teams.team_of("Fabrikam-Fiber\\Optics\\Lens\\Coating") == "Optics crew"  # deepest
    leaf = TeamResolver.build(source(team_rule={"by": "area_leaf", "names": {"Auto": "Cars"}}), {})
    assert (leaf.team_of("Fabrikam-Fiber\\Auto"), leaf.team_of("Fabrikam-Fiber\\Fiber")) == (
        "Cars",
        "Fiber",
    )


def test_revisions_page_and_history() -> None:
    page = sample("reporting_workitemrevisions_identityref_watermark.json")
    parsed = RevisionsPage(page["values"], page["continuationToken"], page["isLastBatch"])
    assert (parsed.continuation_token, parsed.is_last_batch) == ("813;350;1", True)
    first = sample("reporting_workitemrevisions_page.json")["values"]
    item1 = [r for r in first if r["id"] == 1]
    assert complete(item1)
    assert changes_from_revisions(context(), "1", item1, "Product Backlog Item") == []
    moved = json.loads(json.dumps(item1[1]))  # rev 3: committed, moved to a sprint
    moved["rev"] = 3
    moved["fields"].update(
        {
            "System.Rev": 3,
            "System.State": "Committed",
            "System.ChangedDate": "2014-03-19T08:00:00.5Z",
            "System.IterationPath": "Fabrikam-Fiber-Git\\Release 1\\Sprint 1",
            "System.ChangedBy": "Jamal Hartnett <fabrikamfiber4@hotmail.com>",
            "Microsoft.VSTS.Scheduling.StoryPoints": 5,
        }
    )
    changes = changes_from_revisions(context(), "1", [*item1, moved], "Product Backlog Item")
    at = datetime(2014, 3, 19, 8, 0, 0, 500000, tzinfo=UTC)
    assert [
        (c.field, c.at, c.from_value, c.to_value, c.from_category, c.to_category, c.author, c.seq)
        for c in changes
    ] == [
        (
            ChangeField.STATUS,
            at,
            "New",
            "Committed",
            StatusCategory.TODO,
            StatusCategory.ACTIVE,
            "Jamal Hartnett",
            0,
        ),
        (
            ChangeField.ITERATION,
            at,
            None,
            "Fabrikam-Fiber-Git\\Release 1\\Sprint 1",
            None,
            None,
            "Jamal Hartnett",
            1,
        ),
        (ChangeField.PI, at, None, "Release 1", None, None, "Jamal Hartnett", 2),
        (ChangeField.POINTS, at, None, "5", None, None, "Jamal Hartnett", 3),
    ]
    assert not complete([moved])


def test_field_names_resolve_against_the_field_list() -> None:
    known = [
        {"name": "Story Points", "referenceName": "Microsoft.VSTS.Scheduling.StoryPoints"},
        {"name": "Blocked", "referenceName": "Microsoft.VSTS.CMMI.Blocked"},
        {"name": "Planned Business Value", "referenceName": "Custom.PlannedBV"},
    ]
    refs = resolve_fields(
        source(fields={"story_points": ["Story Points"], "flagged": "Blocked"}), known
    )
    assert refs == FieldRefs(
        story_points=("Microsoft.VSTS.Scheduling.StoryPoints",),
        business_value=(),
        target_date=(),
        flagged=("Microsoft.VSTS.CMMI.Blocked",),
        planned_bv="Custom.PlannedBV",
    )


def test_malformed_work_items_raise_bad_payload() -> None:
    ctx = context()
    with pytest.raises(BadPayload, match=r"System\.WorkItemType is missing"):
        map_item(ctx, {"id": 7, "fields": {"System.State": "New"}})
    with pytest.raises(BadPayload, match="not an ISO 8601 timestamp: 'soon'"):
        map_item(
            ctx,
            {
                "id": 7,
                "fields": {
                    "System.WorkItemType": "Bug",
                    "System.State": "New",
                    "System.CreatedDate": "soon",
                },
            },
        )
    with pytest.raises(BadPayload, match="without fields"):
        map_item(ctx, {"id": 7})
    assert map_item(ctx, {"id": 8, "fields": {"System.WorkItemType": "Test Case"}}) is None
