"""Full pulls over real HTTP: the records reproduce the scenario exactly."""

from __future__ import annotations

import math
from datetime import UTC, date, datetime
from typing import Any

from art.records import ChangeRecord, IterationRecord, LinkRecord, RecordBatch, TeamRecord
from art.vocabulary import ChangeField, LinkKind, StatusCategory
from simulators.generator import generate_art

from . import truth
from .conftest import Sim, SimFactory

Row = tuple[Any, ...]


def item_rows(batches: list[RecordBatch]) -> dict[str, Row]:
    return {
        i.key: (
            i.title,
            i.item_type,
            i.level,
            i.work_type,
            i.status,
            i.status_category,
            i.created_at,
            i.updated_at,
            i.team,
            i.iteration,
            i.pi,
            i.parent,
            i.story_points,
            i.business_value,
            i.target_date,
            i.flagged,
        )
        for b in batches
        for i in b.items
    }


def change_rows(batches: list[RecordBatch]) -> set[Row]:
    return {
        (
            c.item_key,
            c.field,
            c.at,
            c.from_value,
            c.to_value,
            c.from_category,
            c.to_category,
            c.author,
        )
        for b in batches
        for c in b.changes
    }


def link_rows(batches: list[RecordBatch]) -> set[Row]:
    return {(k.from_key, k.to_key, k.kind) for b in batches for k in b.links}


def assert_truth(sim: Sim, batches: list[RecordBatch]) -> None:
    world = sim.world
    assert [e for b in batches for e in b.errors] == []
    assert item_rows(batches) == truth.items(world)
    assert change_rows(batches) == truth.changes(world)
    assert link_rows(batches) == truth.links(world)
    assert {
        (i.key, i.name, i.start, i.end, i.pi) for i in batches[0].iterations
    } == truth.iterations(world)
    assert {
        (o.key, o.team, o.pi, o.text, o.committed, o.planned_bv, o.actual_bv, o.items)
        for b in batches
        for o in b.objectives
    } == truth.objectives(world)
    assert {
        (r.key, r.pi, r.text, r.owner, r.roam) for b in batches for r in b.risks
    } == truth.risks(world)
    keys = {i.key for b in batches for i in b.items}
    assert set().union(*(b.complete_history_for for b in batches)) == keys
    assert set().union(*(b.complete_links_for for b in batches)) == keys


def test_full_pull_reproduces_the_golden_art(golden_sim: Sim) -> None:
    batches = golden_sim.pull()
    assert_truth(golden_sim, batches)
    assert len(batches) == 1  # 40 work items: one workitemsbatch
    batch = batches[0]
    assert batch.teams == [
        TeamRecord("Blue", "Blue"),
        TeamRecord("Red", "Red"),
        TeamRecord("Green", "Green"),
    ]
    assert batch.iterations[0] == IterationRecord(
        key="Phoenix\\PI 26.1\\I1",
        name="I1",
        start=date(2026, 1, 5),
        end=date(2026, 1, 18),
        pi="PI 26.1",
    )
    blue2 = str(golden_sim.world.id_of("BLUE-2"))  # a Bug: Active -> Blocked (wait) -> Active
    assert [c for c in batch.changes if c.item_key == blue2][1] == ChangeRecord(
        item_key=blue2,
        field=ChangeField.STATUS,
        at=datetime(2026, 1, 9, 9, tzinfo=UTC),
        from_value="Active",
        to_value="Blocked",
        from_category=StatusCategory.ACTIVE,
        to_category=StatusCategory.WAIT,
        author="Pat Simulator",
        seq=1,
    )
    red_f3, blue_f3 = (str(golden_sim.world.id_of(k)) for k in ("RED-F3", "BLUE-F3"))
    # "RED-F3 depends-on BLUE-F3" is a Predecessor link in ADO: BLUE-F3 blocks RED-F3.
    assert (
        LinkRecord(blue_f3, red_f3, LinkKind.BLOCKS, "System.LinkTypes.Dependency") in batch.links
    )
    assert len(batch.links) == len(set(batch.links)) == 12
    assert batch.watermark == f"{len(golden_sim.world.feed)};5;8"
    assert batch.requests == golden_sim.log.total


def test_golden_pull_makes_the_expected_requests(golden_sim: Sim) -> None:
    golden_sim.pull()
    assert golden_sim.log.counts == {
        "OPTIONS /{org}/_apis": 1,  # the SDK's resource-location negotiation, once
        "GET /{org}/{project}/_apis/wit/fields": 1,
        "GET /{org}/_apis/projects/{project}/teams": 1,
        "GET /{org}/{project}/{team}/_apis/work/teamsettings/teamfieldvalues": 3,
        "GET /{org}/{project}/_apis/wit/classificationNodes/{group}": 1,
        "GET /{org}/{project}/_apis/wit/reporting/workItemRevisions": 1,
        "POST /{org}/{project}/_apis/wit/wiql": 2,  # objectives and risks, then all in scope
        "POST /{org}/{project}/_apis/wit/workItemsBatch": 1,
        "GET /{org}/{project}/_apis/wit/workitemtypes/{type}/states": 3,  # Bug, Feature, Story
    }


def test_feed_is_followed_page_by_page_to_is_last_batch(simulator: SimFactory, golden: Any) -> None:
    sim = simulator(golden, page_cap=7)
    batches = sim.pull()
    revisions = len(sim.world.feed)  # 85 revisions, 7 a page
    assert sim.log.count("workItemRevisions") == math.ceil(revisions / 7) == 13
    assert change_rows(batches) == truth.changes(sim.world)
    assert batches[-1].watermark == f"{revisions};5;8"


def test_generated_art_round_trips(simulator: SimFactory) -> None:
    scenario = generate_art(11, 700, teams=4, today=date(2026, 3, 2))
    sim = simulator(scenario, page_cap=150)
    batches = sim.pull()
    assert_truth(sim, batches)
    assert len(batches) == math.ceil(len(truth.live(scenario)) / 200 + 0.01)
    assert [b.watermark for b in batches[:-1]] == [None] * (len(batches) - 1)
    assert batches[-1].watermark is not None
    assert sum(b.requests for b in batches) == sim.log.total
    flagged = {i.key for b in batches for i in b.items if i.flagged}
    assert flagged == {k for k, row in truth.items(sim.world).items() if row[-1]}


def test_malformed_item_is_reported_and_skipped(golden_sim: Sim) -> None:
    golden_sim.faults.malformed = {"BLUE-2"}
    batches = golden_sim.pull()
    bad = str(golden_sim.world.id_of("BLUE-2"))
    assert batches[0].errors == [
        f"work item {bad}: System.CreatedDate is not an ISO 8601 timestamp: 'last Tuesday'"
    ]
    assert batches[0].skipped_keys == {bad}
    expected = truth.items(golden_sim.world)
    del expected[bad]
    assert item_rows(batches) == expected
    assert bad not in {c.item_key for c in batches[0].changes}


def test_batches_fetched_four_at_a_time_give_what_one_at_a_time_gives(
    simulator: SimFactory,
) -> None:
    scenario = generate_art(11, 700, teams=4, today=date(2026, 3, 2))
    pulls = {}
    for concurrency in (1, 4):
        sim = simulator(scenario, page_cap=150)
        batches = sim.pull(concurrency=concurrency)
        assert_truth(sim, batches)
        assert sum(b.requests for b in batches) == sim.log.total
        pulls[concurrency] = (batches, dict(sim.log.counts))
    (one, one_log), (four, four_log) = pulls[1], pulls[4]
    assert [[i.key for i in b.items] for b in one] == [[i.key for i in b.items] for b in four]
    assert change_rows(one) == change_rows(four)
    assert one_log == four_log


def test_a_429_under_concurrency_is_waited_out_once_per_refusal(simulator: SimFactory) -> None:
    scenario = generate_art(11, 700, teams=4, today=date(2026, 3, 2))
    sim = simulator(scenario, page_cap=150)
    sim.faults.rate_limit_every = 4
    sim.faults.retry_after = 2
    batches = sim.pull(concurrency=4)
    assert_truth(sim, batches)
    refused = sim.log.faults["429"]
    assert refused > 0 and len(sim.sleeps.calls) == refused
    assert all(s >= 2.0 for s in sim.sleeps.calls)
