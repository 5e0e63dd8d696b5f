"""The pure mapping on real Jira payloads (DevLake's Cloud and Server captures, Pinpoint's
webhook bodies, Atlassian's spec examples), with hand-checked expected records."""

from __future__ import annotations

import copy
from datetime import UTC, date, datetime
from typing import Any

import pytest
from jira_support import sample

from art.config import SourceConfig
from art.errors import BadPayload
from art.records import ChangeRecord, IterationRecord, LinkRecord
from art.vocabulary import ChangeField, Level, LinkKind, StatusCategory, WorkType
from connectors.jira.context import Context
from connectors.jira.fields import EPIC_LINK_SCHEMA, POINTS_SCHEMA, SPRINT_SCHEMA, resolve
from connectors.jira.history import Current, change_records
from connectors.jira.mapping import map_issue
from connectors.jira.sprints import sprint_record
from connectors.jira.values import parse_time, sprint_refs

S, T = ChangeField.STATUS, StatusCategory
CATALOG = [
    {"id": "status", "name": "Status", "schema": {"type": "status", "system": "status"}},
    {"id": "customfield_10020", "name": "Sprint", "schema": {"custom": SPRINT_SCHEMA}},
    {"id": "customfield_10014", "name": "Epic Link", "schema": {"custom": EPIC_LINK_SCHEMA}},
    {"id": "customfield_10024", "name": "Story Points", "schema": {"type": "number"}},
    {
        "id": "customfield_10016",
        "name": "Story point estimate",
        "schema": {"custom": POINTS_SCHEMA},
    },
    {"id": "customfield_10101", "name": "Epic Link (DC)", "schema": {"custom": "x"}},
]


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


def context(known: list[dict[str, Any]] | None = None, **config: Any) -> Context:
    """A context for the site of the samples; ``known``: its ``/status`` entries."""
    source = SourceConfig.model_validate(
        {"name": "s", "kind": "jira", "art": "A", "url": "https://merico.atlassian.net", **config}
    )
    return Context.build(source, [], resolve(CATALOG, source), known or [])


def test_cloud_issue_with_changelog_sprint_and_story_points() -> None:
    issue = sample("cloud_agile_issue_expand_changelog_sprint_storypoints_EE-2.json")
    ctx = context(
        [issue["fields"]["status"]],
        statuses={
            "Inbox": "todo",
            "Ready for Dev": "todo",
            "To Do": "todo",
            "Open": "todo",
            "Resolved": "done",
            "Closed": "done",
        },
    )
    m = map_issue(issue, ctx)
    item = m.item
    assert (item.key, item.tracker_id, item.item_type, item.level, item.work_type) == (
        "EE-2",
        "10064",
        "故事",
        Level.STORY,
        WorkType.FEATURE,
    )
    assert (item.status, item.status_category, item.team, item.iteration, item.pi) == (
        "已完成",
        T.DONE,
        "EE",
        "7",
        None,
    )
    assert (item.created_at, item.updated_at) == (
        at("2020-06-12T08:15:36.123+08:00"),
        at("2021-03-28T16:05:55.016+08:00"),
    )
    assert (item.story_points, item.parent, item.flagged, item.target_date) == (
        2.0,
        None,
        False,
        None,
    )
    assert m.new_iterations == [
        IterationRecord(
            "7",
            "EE Sprint 7",
            date(2020, 6, 12),
            date(2020, 6, 26),
            "closed",
            "EE",
            None,
            at("2020-06-22T05:59:58.980+00:00"),
        )
    ]
    rz = "Rankin Zheng"
    created = item.created_at
    assert m.changes == [
        ChangeRecord("EE-2", S, created, None, "Inbox", None, T.TODO, None, 0),
        ChangeRecord("EE-2", ChangeField.POINTS, created, None, "2", seq=1),
        ChangeRecord(
            "EE-2",
            ChangeField.ITERATION,
            at("2020-06-12T08:29:19.487+08:00"),
            None,
            "7",
            author=rz,
            seq=2,
        ),
        ChangeRecord(
            "EE-2",
            S,
            at("2020-06-12T09:45:27.521+08:00"),
            "Inbox",
            "Ready for Dev",
            T.TODO,
            T.TODO,
            rz,
            3,
        ),
        ChangeRecord(
            "EE-2",
            S,
            at("2020-06-12T12:58:47.299+08:00"),
            "Ready for Dev",
            "To Do",
            T.TODO,
            T.TODO,
            rz,
            4,
        ),
        ChangeRecord(
            "EE-2", S, at("2020-06-12T13:01:20.593+08:00"), "To Do", "Open", T.TODO, T.TODO, rz, 5
        ),
        ChangeRecord(
            "EE-2",
            S,
            at("2020-06-23T18:20:59.052+08:00"),
            "Open",
            "Resolved",
            T.TODO,
            T.DONE,
            "Dingding Zhang",
            6,
        ),
        ChangeRecord(
            "EE-2",
            S,
            at("2020-11-10T09:43:02.579+08:00"),
            "Resolved",
            "Closed",
            T.DONE,
            T.DONE,
            rz,
            7,
        ),
        ChangeRecord(
            "EE-2",
            S,
            at("2021-03-28T16:05:55.017+08:00"),
            "Closed",
            "已完成",
            T.DONE,
            T.DONE,
            rz,
            8,
        ),
    ]
    assert m.links == [] and m.objective is None and m.risk is None


def test_cloud_company_managed_parent_wins_over_epic_link() -> None:
    issue = sample("cloud_agile_issue_parent_epic_activesprint_K5-2.json")
    m = map_issue(issue, context())
    assert (m.item.parent, m.item.iteration, m.item.status_category, m.item.team) == (
        "K5-1",
        "175",
        T.TODO,
        "K5",
    )
    assert m.links == [LinkRecord("K5-2", "K5-1", LinkKind.PARENT, "Parent")]
    created = at("2022-07-16T06:29:49.026+08:00")
    assert m.changes == [  # created in the sprint: no Sprint change, so it started there
        ChangeRecord("K5-2", S, created, None, "To Do", None, T.TODO, None, 0),
        ChangeRecord("K5-2", ChangeField.ITERATION, created, None, "175", seq=1),
    ]
    assert m.new_iterations[0] == IterationRecord(
        "175", "K5 Sprint 1", date(2022, 7, 15), date(2022, 7, 29), "active", "K5", None, None
    )


def test_cloud_team_managed_project_uses_parent_and_story_point_estimate() -> None:
    issue = copy.deepcopy(sample("cloud_agile_issue_parent_epic_activesprint_K5-2.json"))
    fields = issue["fields"]
    fields["project"]["simplified"] = True  # what a team-managed project reports
    del fields["customfield_10014"]  # no Epic Link there
    fields["customfield_10016"] = 3.0  # Story point estimate
    m = map_issue(issue, context())
    assert (m.item.parent, m.item.story_points) == ("K5-1", 3.0)
    assert m.links == [LinkRecord("K5-2", "K5-1", LinkKind.PARENT, "Parent")]


def test_server_issue_links_by_direction_and_type_name() -> None:
    m = map_issue(sample("server_agile_issue_issuelinks_2xBlocks_DZFNK0168-20.json"), context())
    assert (m.item.item_type, m.item.level, m.item.work_type) == (
        "Bug",
        Level.STORY,
        WorkType.DEFECT,
    )
    assert m.item.created_at == at("2023-05-29T03:57:45+00:00")
    assert m.links == [
        LinkRecord("DZFNK0168-20", "IP8CUD168-35304", LinkKind.BLOCKS, "Blocks"),
        LinkRecord("IP8CUD168-35406", "DZFNK0168-20", LinkKind.BLOCKS, "Blocks"),
    ]
    dup = sample("server_agile_issue_issuelinks_blocks_duplicate_DZFNK0168-5.json")
    assert map_issue(dup, context()).links == [
        LinkRecord("DZFNK0168-5", "DZFNK0168-1", LinkKind.BLOCKS, "Blocks")
    ]  # Duplicate: unmapped
    mapped = map_issue(dup, context(link_types={"Blocks": "blocks", "Duplicate": "relates"}))
    assert mapped.links == [
        LinkRecord("DZFNK0168-5", "DZFNK0168-1", LinkKind.BLOCKS, "Blocks"),
        LinkRecord("DZFNK0168-11", "DZFNK0168-5", LinkKind.RELATES, "Duplicate"),
    ]


def test_data_center_parent_comes_from_the_epic_link_field() -> None:
    issue = copy.deepcopy(sample("server_agile_issue_issuelinks_2xBlocks_DZFNK0168-20.json"))
    issue["fields"]["customfield_10101"] = "DZFNK0168-1"  # Epic Link, as Data Center sends it
    m = map_issue(issue, context(fields={"epic_link": "Epic Link (DC)"}))
    assert m.item.parent == "DZFNK0168-1"
    assert m.links[-1] == LinkRecord("DZFNK0168-20", "DZFNK0168-1", LinkKind.PARENT, "Epic Link")


def test_changelog_entries_sprint_ids_and_status_names() -> None:
    sprint = sample("cloud_issue_changelog_history_entry_sprint_change.json")
    status = sample("cloud_issue_changelog_history_entry_status_change.json")
    ctx = context(
        [
            {"id": "10074", "name": "开发中", "statusCategory": {"key": "indeterminate"}},
            {"id": "1", "name": "Open", "statusCategory": {"key": "new"}},
        ]
    )
    created = at("2021-01-25T11:00:00+08:00")
    now = Current("开发中", "10074", T.ACTIVE, "34", None, False)
    assert change_records("EE-100", created, [status, sprint], now, ctx) == [
        ChangeRecord("EE-100", S, created, None, "Open", None, T.TODO, None, 0),
        ChangeRecord(
            "EE-100",
            ChangeField.ITERATION,
            at("2021-01-25T11:10:03.564+08:00"),
            None,
            "34",
            author="Runjuu",
            seq=1,
        ),
        ChangeRecord(
            "EE-100",
            S,
            at("2021-01-25T21:49:52.514+08:00"),
            "Open",
            "开发中",
            T.TODO,
            T.ACTIVE,
            "Runjuu",
            2,
        ),
    ]


def test_legacy_sprint_strings_and_sprint_objects() -> None:
    hook = sample("jira_issue_updated.sprint_ids.json")
    (ref,) = sprint_refs(hook["issue"]["fields"]["customfield_10107"])
    assert (ref.id, ref.name, ref.state, ref.board) == ("197", "TES Sprint 3", "active", "9")
    assert (ref.start, ref.end, ref.complete) == (
        at("2020-07-31T16:17:17.777+00:00"),
        at("2020-08-15T16:17:00+00:00"),
        None,
    )
    source = context().source
    assert sprint_record(
        sample("cloud_agile_board_sprint_item_closed.json"), source, [], "EE"
    ) == IterationRecord(
        "7",
        "EE Sprint 7",
        date(2020, 6, 12),
        date(2020, 6, 26),
        "closed",
        "EE",
        None,
        at("2020-06-22T05:59:58.980+00:00"),
    )


def test_bulk_changelog_example_timestamps_are_epoch_seconds() -> None:
    page = sample("changelog_bulkfetch_page.json")
    history = page["issueChangeLogs"][0]["changeHistories"][0]
    assert parse_time(history["created"]) == datetime(2017, 4, 13, 8, 0, 29, tzinfo=UTC)


@pytest.mark.parametrize(
    ("field", "value", "problem"),
    [
        ("status", None, "EE-2: field 'status' is missing or not an object"),
        ("created", "yesterday", "EE-2: created/updated is not a timestamp"),
        ("customfield_10024", "three", "EE-2: unreadable value (ValueError"),
    ],
)
def test_a_malformed_issue_names_its_key_and_problem(field: str, value: Any, problem: str) -> None:
    issue = copy.deepcopy(sample("cloud_agile_issue_expand_changelog_sprint_storypoints_EE-2.json"))
    issue["fields"][field] = value
    with pytest.raises(BadPayload) as caught:
        map_issue(issue, context(statuses={"Inbox": "todo"}))
    assert str(caught.value).startswith(problem)
