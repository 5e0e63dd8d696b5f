"""Migration 0006: deliveries stored before it lose every header but the allow-list.

Before 0006 the inbox kept every header but Authorization, so an Azure DevOps shared secret
(X-Trainyard-Secret) sat in plain text in inbox_events.headers.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa

from art.db import make_engine, upgrade
from art.types import JSONType
from tests.art.migrated_store import store_at
from tests.conftest import BACKENDS

SOURCES = sa.table(
    "sources",
    sa.column("id", sa.Integer),
    sa.column("name", sa.String),
    sa.column("kind", sa.String),
    sa.column("url", sa.String),
    sa.column("created_at", sa.DateTime(timezone=True)),
)
INBOX = sa.table(
    "inbox_events",
    sa.column("id", sa.Integer),
    sa.column("source_id", sa.Integer),
    sa.column("delivery_id", sa.String),
    sa.column("headers", JSONType),
    sa.column("body", sa.LargeBinary),
    sa.column("received_at", sa.DateTime(timezone=True)),
    sa.column("status", sa.String),
    sa.column("attempts", sa.Integer),
)


@pytest.fixture(params=BACKENDS)
def store_before_0006(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty store migrated to 0005, the revision before 0006."""
    with store_at(request.param, "0005", tmp_path) as url:
        yield url


STORED = {  # as the receiver stored them before 0006: lower-cased, Authorization dropped
    "accept": "*/*",
    "content-length": "812",
    "content-type": "application/json; charset=utf-8",
    "cookie": "ARRAffinity=abc",
    "host": "trainyard.example.com",
    "user-agent": "VSServices/16.255.35320.1",
    "x-api-key": "k-123",
    "x-hub-signature": "sha256=" + "a" * 64,
    "x-request-id": "r-1",
    "x-trainyard-secret": "s3cret-in-plain-text",
    "x-atlassian-webhook-identifier": "7a1b",
}


def test_0006_keeps_only_the_headers_worth_keeping(store_before_0006: str) -> None:
    engine = make_engine(store_before_0006)
    now = datetime.now(UTC)
    with engine.begin() as conn:
        conn.execute(
            SOURCES.insert(),
            [{"id": 1, "name": "ado", "kind": "azure-devops", "url": "u", "created_at": now}],
        )
        conn.execute(
            INBOX.insert(),
            [
                {
                    "id": n,
                    "source_id": 1,
                    "delivery_id": f"d-{n}",
                    "headers": headers,
                    "body": b"{}",
                    "received_at": now,
                    "status": "applied",
                    "attempts": 1,
                }
                for n, headers in [(1, STORED), (2, {}), (3, {"content-type": "application/json"})]
            ],
        )
    upgrade(store_before_0006, "0006")
    with engine.connect() as conn:
        rows = conn.execute(sa.select(INBOX.c.id, INBOX.c.headers).order_by(INBOX.c.id)).all()
    engine.dispose()
    assert [(i, h) for i, h in rows] == [
        (
            1,
            {
                "content-length": "812",
                "content-type": "application/json; charset=utf-8",
                "user-agent": "VSServices/16.255.35320.1",
                "x-atlassian-webhook-identifier": "7a1b",
                "x-request-id": "r-1",
            },
        ),
        (2, {}),
        (3, {"content-type": "application/json"}),
    ]
