"""Migration 0010: raw records become JSON (not JSONB) on PostgreSQL, keeping each
document; and back."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command

from art.db import alembic_config, make_engine, upgrade
from art.types import JSONType
from tests.art.migrated_store import store_at
from tests.conftest import BACKENDS

DOCUMENT = {"key": "ATLAS-7", "fields": {"summary": 'Ünïcode, "quotes"', "points": 3.5}}


@pytest.fixture(params=BACKENDS)
def store_before_0010(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    with store_at(request.param, "0009", tmp_path) as url:
        yield url


def _payload_type(engine: sa.Engine) -> str:
    columns = sa.inspect(engine).get_columns("raw_records")
    return str(next(c["type"] for c in columns if c["name"] == "payload"))


def test_0010_keeps_every_raw_document_and_goes_back(store_before_0010: str) -> None:
    now = datetime.now(UTC)
    raw = sa.table(
        "raw_records",
        sa.column("work_item_id", sa.Integer),
        sa.column("payload", JSONType),
        sa.column("fetched_at", sa.DateTime(timezone=True)),
    )
    plain = sa.create_engine(store_before_0010)  # SQLite checks no foreign key this way
    with plain.begin() as conn:
        if plain.dialect.name == "postgresql":  # a raw record without its item row
            conn.execute(sa.text("SET LOCAL session_replication_role = replica"))
        conn.execute(raw.insert(), [{"work_item_id": 1, "payload": DOCUMENT, "fetched_at": now}])
    plain.dispose()
    engine = make_engine(store_before_0010)
    before = _payload_type(engine)
    upgrade(store_before_0010, "0010")
    after = _payload_type(engine)
    with engine.connect() as conn:
        assert conn.execute(sa.select(raw.c.payload)).scalar_one() == DOCUMENT
    command.downgrade(alembic_config(store_before_0010), "0009")
    with engine.connect() as conn:
        assert conn.execute(sa.select(raw.c.payload)).scalar_one() == DOCUMENT
    back = _payload_type(engine)
    engine.dispose()
    if engine.dialect.name == "postgresql":
        assert (before, after, back) == ("JSONB", "JSON", "JSONB")
    else:
        assert before == after == back == "JSON"
