"""An incremental pull in a new process goes on from the store's histories (sync.stored_history):
no item's whole history is read again, and what it stores equals what a full pull stores."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from app.demo import ADO_PAT, ENV
from art.models import Change, WorkItem
from simulators.azure_devops import ado_world, create_ado_simulator
from simulators.faults import RequestLog
from simulators.server import serve
from sync.runner import PullResult, PullRunner
from sync.structure import apply_config
from tests.e2e.pipeline import ADO_ORG, ado_config
from tests.metrics.test_golden import SCENARIO

T1 = datetime(2026, 2, 10, 13, tzinfo=UTC)
T2 = datetime(2026, 2, 10, 14, tzinfo=UTC)


def histories(sessions: sessionmaker[Session]) -> set[tuple[object, ...]]:
    with sessions() as session:
        return set(
            session.execute(
                select(
                    WorkItem.key,
                    Change.seq,
                    Change.field,
                    Change.at,
                    Change.from_value,
                    Change.to_value,
                    Change.from_category,
                    Change.to_category,
                    Change.author,
                ).join(WorkItem, WorkItem.id == Change.work_item_id)
            ).all()
        )


def test_a_new_process_goes_on_from_the_stored_histories(
    sessions: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in ENV.items():
        monkeypatch.setenv(name, value)
    app = create_ado_simulator(SCENARIO, org=ADO_ORG, project=SCENARIO.art, pat=ADO_PAT)
    world = ado_world(app)
    log: RequestLog = app.state.requests
    with serve(app) as url:
        config = ado_config(url, world)
        with sessions() as session, session.begin():
            apply_config(session, config)

        def pull(full: bool) -> PullResult:
            runner = PullRunner(sessions, config, config.sources[0])  # a process of its own
            try:
                result = runner.run(full=full)
            finally:
                runner.close()
            assert result.status == "succeeded", result.error
            return result

        pull(full=True)
        world.mutate("BLUE-6", at=T1, status="Done", points=3)
        world.mutate("RED-4", at=T1, iteration="I4", team="Blue")
        world.mutate("GREEN-3", at=T2, flagged=True)
        log.reset()
        result = pull(full=False)
        after_incremental = histories(sessions)
        asked = Counter({name: n for name, n in log.counts.items() if n})
        pull(full=True)
        after_full = histories(sessions)

    assert result.mode == "incremental"
    assert (result.counts.fetched, result.counts.updated) == (3, 3)
    assert log.count("workItems/{id}/revisions") == 0  # no item's whole history read again
    # a new process reads the metadata again: fields, teams and their 3 area paths, the
    # iterations, the changed items' type states (7); then the feed, the 2 WIQL queries
    # (objectives and risks, which changed items are in scope) and 1 workitemsbatch
    assert sum(asked.values()) == result.requests == 7 + 1 + 2 + 1
    blue6, red4, green3 = (str(world.id_of(k)) for k in ("BLUE-6", "RED-4", "GREEN-3"))
    pat, i3, i4 = "Pat Simulator", "Phoenix\\PI 26.1\\I3", "Phoenix\\PI 26.1\\I4"
    # each item's new changes numbered on from its stored ones
    assert {row for row in after_incremental if row[3] >= T1} == {
        (blue6, 1, "status", T1, "Active", "Closed", "active", "done", pat),
        (blue6, 2, "points", T1, "2", "3", None, None, pat),
        (red4, 2, "iteration", T1, i3, i4, None, None, pat),
        (red4, 3, "team", T1, "Red", "Blue", None, None, pat),
        (green3, 3, "flagged", T2, "false", "true", None, None, pat),
    }
    assert after_incremental == after_full  # as a full pull stores them, seq for seq
