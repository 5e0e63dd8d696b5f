"""The lookups every request makes, and JSON columns as orjson writes them."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from art.db import lookup_sessions, read_stored_json, stored_json, transaction
from art.errors import NotFound
from art.models import ART
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
