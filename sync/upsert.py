"""Dialect upserts: ``INSERT ... ON CONFLICT`` on SQLite and PostgreSQL alike."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from art.models import Base

# SQLite limits bound parameters per statement; chunking keeps every batch under the limit.
CHUNK_ROWS = 500


def _insert(session: Session, table: type[Base]) -> Any:
    dialect = session.get_bind().dialect.name
    return postgresql.insert(table) if dialect == "postgresql" else sqlite.insert(table)


def insert_ignore(
    session: Session, table: type[Base], rows: Sequence[dict[str, Any]], conflict: Sequence[str]
) -> int:
    """Insert rows, skipping those that collide on ``conflict`` (dedupe); returns inserted."""
    inserted = 0
    for start in range(0, len(rows), CHUNK_ROWS):
        chunk = rows[start : start + CHUNK_ROWS]
        if chunk:
            stmt = _insert(session, table).values(list(chunk))
            stmt = stmt.on_conflict_do_nothing(index_elements=list(conflict))
            # RETURNING counts what was inserted on both backends (psycopg's rowcount is -1)
            pk = next(iter(table.__mapper__.primary_key))
            inserted += len(session.execute(stmt.returning(pk)).all())
    return inserted


def upsert(
    session: Session,
    table: type[Base],
    rows: Sequence[dict[str, Any]],
    conflict: Sequence[str],
    update: Sequence[str],
) -> None:
    """Insert rows or, on a ``conflict`` collision, overwrite the ``update`` columns."""
    for start in range(0, len(rows), CHUNK_ROWS):
        chunk = rows[start : start + CHUNK_ROWS]
        if not chunk:
            continue
        stmt = _insert(session, table).values(list(chunk))
        stmt = stmt.on_conflict_do_update(
            index_elements=list(conflict), set_={c: stmt.excluded[c] for c in update}
        )
        session.execute(stmt)
