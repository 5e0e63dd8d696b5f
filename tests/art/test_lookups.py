"""The lookups every request makes, and JSON columns as orjson writes them."""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine, select, text, update
from sqlalchemy.orm import Session, sessionmaker

from art.db import lookup_sessions, read_stored_json, stored_json, transaction
from art.errors import NotFound
from art.models import ART, Digest
from art.structure_queries import art_by_name, art_version


def _arts(sessions: sessionmaker[Session]) -> tuple[int, int]:
    with transaction(sessions) as session:
        orion = ART(name="Orion", timezone="UTC", data_version=7)
        vega = ART(name="Vega", timezone="UTC", data_version=0)
        session.add_all([orion, vega])
        session.flush()
        return orion.id, vega.id


def test_art_version_is_the_id_and_data_version_of_the_named_art(
    sessions: sessionmaker[Session],
) -> None:
    orion, vega = _arts(sessions)
    with sessions() as session:
        assert art_version(session, "Orion") == (orion, 7)
        assert art_version(session, "Vega") == (vega, 0)
        assert art_by_name(session, "Vega").id == vega
        for ask in (art_version, art_by_name):
            with pytest.raises(NotFound, match=r"no ART named 'Lyra' \(known: Orion, Vega\)"):
                ask(session, "Lyra")


def test_a_lookup_session_commits_each_statement_on_its_own(
    sessions: sessionmaker[Session],
) -> None:
    """No transaction is left to commit: the write is kept although the session is closed
    without a commit (an ordinary session would roll it back)."""
    orion, _ = _arts(sessions)
    with lookup_sessions(sessions)() as session:
        session.execute(update(ART).where(ART.id == orion).values(data_version=8))
        assert art_version(session, "Orion") == (orion, 8)
    with sessions() as session:
        assert session.scalars(select(ART.data_version).where(ART.id == orion)).one() == 8
    with sessions() as session:  # the same write in an ordinary session, closed uncommitted
        session.execute(update(ART).where(ART.id == orion).values(data_version=9))
    with sessions() as session:
        assert session.scalars(select(ART.data_version).where(ART.id == orion)).one() == 8


def test_stored_json_is_compact_and_reads_back_as_the_standard_library_writes_it() -> None:
    assert stored_json({"key": "PHX-1", "points": 2.5, "labels": ["a", "ü"]}) == (
        '{"key":"PHX-1","points":2.5,"labels":["a","ü"]}'
    )
    assert stored_json({1: "one"}) == '{"1":"one"}'  # non-string keys as strings, as json does
    big = {"id": 2**70}  # beyond orjson's 64 bits: the standard library writes it
    assert stored_json(big) == '{"id": 1180591620717411303424}'
    assert json.loads(stored_json(big)) == big


def test_stored_json_reads_what_either_encoder_wrote() -> None:
    assert read_stored_json('{"key":"PHX-1","labels":["a","\u00fc"]}') == {
        "key": "PHX-1",
        "labels": ["a", "ü"],
    }
    # written by the standard library before orjson did: NaN is not JSON, and orjson refuses it
    older = read_stored_json('{"points": NaN, "big": 1180591620717411303424}')
    assert older["big"] == 2**70 and older["points"] != older["points"]
    with pytest.raises(ValueError):
        read_stored_json("{not json")


def test_the_engine_writes_and_reads_json_columns_with_them(
    engine: Engine, sessions: sessionmaker[Session]
) -> None:
    """A digest's last snapshot (report figures) through the store: written compact by
    orjson, an integer orjson refuses written and read all the same, and on SQLite a NaN
    that the standard library wrote before is still read."""
    orion, _ = _arts(sessions)
    snapshot = {"predictability": 87.5, "big": 2**70}
    with transaction(sessions) as session:
        digest = Digest(
            name="weekly",
            art_id=orion,
            cron="0 8 * * MON",
            recipients=["rte@example.com", "po@example.com"],
            sections=["predictability"],
            last_snapshot={"predictability": 87.5},
            created_at=datetime(2026, 12, 6, tzinfo=UTC),
        )
        session.add(digest)
        session.flush()
        digest_id = digest.id
    with engine.connect() as conn:
        stored = conn.execute(text("SELECT recipients FROM digests")).scalar_one()
    if engine.dialect.name == "sqlite":  # the text as written (PostgreSQL keeps jsonb)
        assert stored == '["rte@example.com","po@example.com"]'  # json.dumps: ", " between
    with transaction(sessions) as session:
        session.execute(update(Digest).values(last_snapshot=snapshot))
    with sessions() as session:
        assert session.get(Digest, digest_id).last_snapshot == snapshot  # type: ignore[union-attr]
    if engine.dialect.name == "sqlite":
        with engine.begin() as conn:
            conn.execute(text("""UPDATE digests SET last_snapshot = '{"predictability": NaN}'"""))
        with sessions() as session:
            older = session.get(Digest, digest_id).last_snapshot  # type: ignore[union-attr]
        assert older is not None and math.isnan(older["predictability"])
