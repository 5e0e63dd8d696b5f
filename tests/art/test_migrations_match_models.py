"""The migrations build the schema the models declare: tables, columns and indexes."""

from __future__ import annotations

from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine

import art.store.reporting  # noqa: F401  (its tables join the models' metadata)
from art.db import upgrade
from art.models import Base


def test_an_upgraded_store_has_every_table_column_and_index_of_the_models(
    tmp_path: Path,
) -> None:
    url = f"sqlite:///{tmp_path / 'store.db'}"
    upgrade(url)
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    finally:
        engine.dispose()
    assert diff == []
