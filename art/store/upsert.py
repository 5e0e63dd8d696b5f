"""Dialect upserts: ``INSERT ... ON CONFLICT`` on SQLite and PostgreSQL alike.

Rows go to the driver as one executemany of a single cached statement: SQLAlchemy's
"insertmanyvalues" packs them into multi-row INSERTs itself, within each driver's parameter
limit. Building one ``.values([...])`` statement per chunk instead made SQLAlchemy compile a
new statement with thousands of bind parameters every time, which cost more than the writes.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Table, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from art.models import Base


def dialect_insert(session: Session, table: type[Base]) -> Any:
    """An INSERT of ``table`` in the session's dialect, so it takes ``ON CONFLICT`` clauses."""
    core: Table = table.__table__  # type: ignore[assignment]
    dialect = session.get_bind().dialect.name
    return postgresql.insert(core) if dialect == "postgresql" else sqlite.insert(core)


def insert_ignore(
    session: Session, table: type[Base], rows: Sequence[dict[str, Any]], conflict: Sequence[str]
) -> int:
    """Insert rows, skipping those that collide on ``conflict`` (dedupe); returns inserted."""
    if not rows:
        return 0
    pk = next(iter(table.__table__.primary_key.columns))  # type: ignore[attr-defined]
    stmt = dialect_insert(session, table).on_conflict_do_nothing(index_elements=list(conflict))
    # RETURNING counts what was inserted on both backends (psycopg's rowcount is -1)
    result = session.connection().execute(stmt.returning(pk), list(rows))
    return len(result.all())


def upsert(
    session: Session,
    table: type[Base],
    rows: Sequence[dict[str, Any]],
    conflict: Sequence[str],
    update: Sequence[str],
) -> None:
    """Insert rows or, on a ``conflict`` collision, overwrite the ``update`` columns."""
    if not rows:
        return
    stmt = dialect_insert(session, table)
    stmt = stmt.on_conflict_do_update(
        index_elements=list(conflict), set_={c: stmt.excluded[c] for c in update}
    )
    session.connection().execute(stmt, list(rows))


def refresh_statistics(session: Session) -> None:
    """ANALYZE the tables a pull grows, on PostgreSQL (SQLite plans without statistics).

    A first pull grows them from nothing; with statistics that still say "empty" (autovacuum
    off, or not yet run) the planner scans whole tables for each batch's lookups, and a pull
    slows down as the store grows."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("ANALYZE work_items, changes, links"))
