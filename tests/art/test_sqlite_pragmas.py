"""The settings each SQLite connection of the store is opened with."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import text

from art.db import make_engine


def test_a_file_store_runs_in_wal_mode_and_checkpoints_every_64_mib(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'store.sqlite'}")
    try:
        with engine.connect() as conn:
            settings = [
                conn.execute(text(f"PRAGMA {name}")).scalar_one()
                for name in (
                    "journal_mode",
                    "wal_autocheckpoint",
                    "journal_size_limit",
                    "synchronous",
                    "foreign_keys",
                )
            ]
    finally:
        engine.dispose()
    assert settings == ["wal", 16_384, 67_108_864, 1, 1]  # synchronous 1 is NORMAL
