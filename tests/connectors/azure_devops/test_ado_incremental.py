"""Incremental pulls from the saved feed token: only what changed, with whole histories."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime

from art.records import ChangeRecord, Deletion
from art.vocabulary import ChangeField, StatusCategory
from connectors.metadata import SourceMetadata
from simulators.scenario import ScenarioChange, ScenarioItem

from . import truth
from .conftest import SECRET_ENV, Sim
from .test_ado_pull import change_rows, item_rows

T1 = datetime(2026, 2, 10, 13, tzinfo=UTC)
T2 = datetime(2026, 2, 10, 14, tzinfo=UTC)


def test_incremental_pull_takes_only_what_changed(golden_sim: Sim) -> None:
    sim, world = golden_sim, golden_sim.world
    token = sim.pull()[-1].watermark
    world.mutate("BLUE-6", at=T1, status="Done", points=3)
    world.mutate("RED-4", at=T1, iteration="I4", team="Blue")
    world.mutate("GREEN-3", at=T2, flagged=True)  # id 14: Microsoft.VSTS.CMMI.Blocked = Yes
    world.mutate("RED-5", at=T2, flagged=True)  # id 11 (odd ids): the "Blocked" tag
    sim.log.reset()

    batches = sim.pull(token)

    assert len(batches) == 1
    batch = batches[0]
    changed = [str(world.id_of(k)) for k in ("RED-5", "BLUE-6", "RED-4", "GREEN-3")]
    assert sorted((i.key for i in batch.items), key=int) == sorted(changed, key=int)
    expected = truth.items(world)
    blue6, red4, green3, red5 = (
        str(world.id_of(k)) for k in ("BLUE-6", "RED-4", "GREEN-3", "RED-5")
    )
    assert item_rows(batches)[blue6] == (
        *expected[blue6][:4],
        "Closed",
        StatusCategory.DONE,
        expected[blue6][6],
        T1,
        "Blue",
        "Phoenix\\PI 26.1\\I2",
        "PI 26.1",
        None,
        3.0,
        None,
        None,
        False,
    )
    assert item_rows(batches)[red4][8:11] == ("Blue", "Phoenix\\PI 26.1\\I4", "PI 26.1")
    assert item_rows(batches)[green3][-1] is True
    assert item_rows(batches)[red5][-1] is True
    history = {c for c in change_rows(batches) if c[2] >= T1}
    assert history == {
        (
            blue6,
            ChangeField.STATUS,
            T1,
            "Active",
            "Closed",
            StatusCategory.ACTIVE,
            StatusCategory.DONE,
            "Pat Simulator",
        ),
        (blue6, ChangeField.POINTS, T1, "2", "3", None, None, "Pat Simulator"),
        (
            red4,
            ChangeField.ITERATION,
            T1,
            "Phoenix\\PI 26.1\\I3",
            "Phoenix\\PI 26.1\\I4",
            None,
            None,
            "Pat Simulator",
        ),
        (red4, ChangeField.TEAM, T1, "Red", "Blue", None, None, "Pat Simulator"),
        (green3, ChangeField.FLAGGED, T2, "false", "true", None, None, "Pat Simulator"),
        (red5, ChangeField.FLAGGED, T2, "false", "true", None, None, "Pat Simulator"),
    }
    # whole histories: the older changes of the changed items come again
    older = {c for c in truth.changes(world) if c[0] in changed}
    assert older <= change_rows(batches)
    assert batch.complete_history_for == set(changed)
    assert batch.watermark == f"{len(world.feed)};{red5};2"
    assert sim.log.count("workItemRevisions") == 1
    assert sim.log.count("wiql") == 2  # objectives/risks, then which changed ids are in scope
    assert sim.log.count("workItemsBatch") == 1
    assert sim.log.count("workItems/{id}/revisions") == 4  # one per changed item
    assert batch.requests == sim.log.total


def test_new_items_history_comes_from_the_feed(golden_sim: Sim) -> None:
    """An item whose every revision is in the feed needs no per-item revisions request."""
    sim = golden_sim
    connector = sim.connector()
    token = list(connector.pull(None))[-1].watermark
    new = ScenarioItem(
        key="RED-6",
        team="Red",
        level="story",
        work_type="feature",
        created=T1,
        initial={"status": "To Do", "iteration": "I3", "points": 5, "flagged": False},
        history=[ScenarioChange(T2, "status", "In Progress")],
        title="RED-6 story",
        parent="RED-F1",
    )
    new_id = str(sim.world.add(new))
    sim.log.reset()
    batches = list(connector.pull(token))
    assert [i.key for i in batches[0].items] == [new_id]
    assert batches[0].items[0].parent == str(sim.world.id_of("RED-F1"))
    assert change_rows(batches) == {
        (
            new_id,
            ChangeField.STATUS,
            T2,
            "New",
            "Active",
            StatusCategory.TODO,
            StatusCategory.ACTIVE,
            "Pat Simulator",
        )
    }
    assert sim.log.count("workItems/{id}/revisions") == 0
    assert sim.log.count("fields") == 0  # metadata cached by the connector
    connector.close()


def test_nothing_changed_keeps_the_token_and_costs_one_request(golden_sim: Sim) -> None:
    """The service shares the source's metadata between the connectors it builds."""
    metadata = SourceMetadata()
    first = golden_sim.connector()
    first.share_metadata(metadata)
    token = list(first.pull(None))[-1].watermark
    first.close()
    golden_sim.log.reset()
    connector = golden_sim.connector()
    connector.share_metadata(metadata)
    batches = list(connector.pull(token))
    assert len(batches) == 1 and batches[0].is_empty()
    assert batches[0].watermark == token
    assert golden_sim.log.total == batches[0].requests == 1  # one feed page
    connector.close()


def test_warm_incremental_pull_reads_history_from_the_feed(golden_sim: Sim) -> None:
    """Changed items go on from the revision an earlier pull left them at: no per-item
    revisions request, and the same history rows a whole history gives."""
    sim, world = golden_sim, golden_sim.world
    metadata = SourceMetadata()
    connector = sim.connector()
    connector.share_metadata(metadata)
    token = list(connector.pull(None))[-1].watermark
    keys = ("BLUE-6", "RED-4", "GREEN-3", "RED-5")
    world.mutate("BLUE-6", at=T1, status="Done", points=3)
    world.mutate("RED-4", at=T1, iteration="I4", team="Blue")
    world.mutate("GREEN-3", at=T2, flagged=True)
    world.mutate("RED-5", at=T2, flagged=True)
    world.mutate("RED-5", at=T2, flagged=False)  # two revisions of one item in the feed
    sim.log.reset()
    batches = list(connector.pull(token))
    changed = {str(world.id_of(k)) for k in keys}
    assert {i.key for b in batches for i in b.items} == changed
    new = change_rows(batches)
    assert len(new) == 7 and {c[2] for c in new} == {T1, T2}
    assert all(b.complete_history_for == set() for b in batches)
    assert sim.log.count("workItems/{id}/revisions") == 0
    assert (sim.log.count("workItemRevisions"), sim.log.count("wiql")) == (1, 2)
    assert sim.log.count("workItemsBatch") == 1
    assert sim.log.total == sum(b.requests for b in batches) == 4  # ceil(4/200) + 3
    connector.close()

    cold = sim.connector()  # another process: it asks for the changed items' revisions
    sim.log.reset()
    again = list(cold.pull(token))
    assert sim.log.count("workItems/{id}/revisions") == 4
    assert new == {c for c in change_rows(again) if c[2] >= T1}
    # the warm pull numbered its changes as the whole histories do (same history rows)
    warm = {c for b in batches for c in b.changes}
    assert len(warm) == len(new) and warm <= {c for b in again for c in b.changes}
    cold.close()


def test_deleted_and_moved_out_items_become_deletions(golden_sim: Sim) -> None:
    sim, world = golden_sim, golden_sim.world
    token = sim.pull()[-1].watermark
    world.delete("RED-5")
    world.mutate("GREEN-4", at=T1, team=None)  # to the project root: outside every team area
    batches = sim.pull(token, area_paths=["Phoenix\\Blue", "Phoenix\\Green", "Phoenix\\Red"])
    assert batches[0].deletions == [
        Deletion(str(world.id_of("RED-5"))),
        Deletion(str(world.id_of("GREEN-4"))),
    ]
    assert batches[0].items == []


def test_fetch_returns_whole_items_for_webhooks(golden_sim: Sim) -> None:
    sim, world = golden_sim, golden_sim.world
    connector = sim.connector()
    blue2 = str(world.id_of("BLUE-2"))
    world.delete("RED-5")
    batch = connector.fetch([blue2, str(world.id_of("RED-5")), "PHX-1"])
    assert [i.key for i in batch.items] == [blue2]
    assert batch.deletions == [Deletion(str(world.id_of("RED-5")))]
    assert batch.errors == ["PHX-1: not an Azure DevOps work item id"]
    assert batch.changes[0] == ChangeRecord(
        item_key=blue2,
        field=ChangeField.STATUS,
        at=datetime(2026, 1, 7, 9, tzinfo=UTC),
        from_value="New",
        to_value="Active",
        from_category=StatusCategory.TODO,
        to_category=StatusCategory.ACTIVE,
        author="Pat Simulator",
        seq=0,
    )
    assert {c for c in change_rows([batch])} == {c for c in truth.changes(world) if c[0] == blue2}
    assert batch.complete_history_for == {blue2}
    connector.close()


def test_change_while_paging_is_not_lost(golden_sim: Sim) -> None:
    sim, world = golden_sim, golden_sim.world
    sim.faults.change_during_paging = "BLUE-3"  # flagged right after the first feed page
    connector = sim.connector()
    full = list(connector.pull(None))
    key = str(world.id_of("BLUE-3"))
    again = list(connector.pull(full[-1].watermark))
    pulled = {i.key: i for b in full + again for i in b.items}
    assert pulled[key].flagged is True
    assert world.current("BLUE-3", "flagged") is True
    connector.close()


def test_service_hook_delivery_leads_to_a_fetch(golden_sim: Sim) -> None:
    sim, world = golden_sim, golden_sim.world
    os.environ[SECRET_ENV] = "hook-secret"
    connector = sim.connector(webhook_secret_env=SECRET_ENV)
    rev = world.mutate("GREEN-4", at=T1, status="Done")
    gid = world.id_of("GREEN-4")
    body = json.dumps(
        {
            "subscriptionId": "00000000-0000-0000-0000-000000000001",
            "notificationId": 7,
            "id": "4f2b2f1e-0000-4000-8000-000000000007",
            "eventType": "workitem.updated",
            "publisherId": "tfs",
            "resource": {
                "id": 3,
                "workItemId": gid,
                "rev": rev,
                "fields": {"System.State": {"oldValue": "Active", "newValue": "Closed"}},
            },
        }
    ).encode()
    headers = {"X-Trainyard-Secret": "hook-secret", "Content-Type": "application/json"}
    connector.verify_webhook(headers, body)
    event = connector.parse_webhook(headers, body)
    assert (event.item_key, event.revision, event.refetch) == (str(gid), rev, [str(gid)])
    batch = connector.fetch(event.refetch)
    assert [(i.key, i.status, i.status_category) for i in batch.items] == [
        (str(gid), "Closed", StatusCategory.DONE)
    ]
    connector.close()


def test_an_item_read_past_the_feed_gets_its_whole_history_again(golden_sim: Sim) -> None:
    """A webhook's fetch read the item beyond the pull's token: the feed's revisions do not
    follow on from where its history stands, so the pull asks for all of it (as it would
    after a batch that was mapped but never committed)."""
    sim, world = golden_sim, golden_sim.world
    connector = sim.connector()
    connector.share_metadata(SourceMetadata())
    token = list(connector.pull(None))[-1].watermark
    world.mutate("BLUE-6", at=T1, status="Done")
    blue6 = str(world.id_of("BLUE-6"))
    connector.fetch([blue6])
    world.mutate("RED-4", at=T2, team="Blue")
    red4 = str(world.id_of("RED-4"))
    sim.log.reset()
    batches = list(connector.pull(token))
    assert sim.log.count("workItems/{id}/revisions") == 1  # BLUE-6 only; RED-4 goes on
    assert batches[0].complete_history_for == {blue6}
    assert {c[0] for c in change_rows(batches) if c[2] >= T1} == {blue6, red4}
    connector.close()
