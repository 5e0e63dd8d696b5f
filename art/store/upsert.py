"""Dialect upserts: ``INSERT ... ON CONFLICT`` on SQLite and PostgreSQL alike.

Rows go to the driver as one executemany of a single cached statement: SQLAlchemy's
"insertmanyvalues" packs them into multi-row INSERTs itself, within each driver's parameter
limit. Building one ``.values([...])`` statement per chunk instead made SQLAlchemy compile a
new statement with thousands of bind parameters every time, which cost more than the writes.

On PostgreSQL, many rows (``COPY_MIN_ROWS`` and more: a pull's history rows) go through
``COPY`` into a temporary table and one ``INSERT ... SELECT ... ON CONFLICT`` from it: COPY
streams the rows without a bind parameter each, and does not take ``ON CONFLICT`` itself.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Table, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from art.models import Base

COPY_MIN_ROWS = 500  # from this many rows, PostgreSQL gets them through COPY
_temp_names = itertools.count(1)


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
    if _copies(session, rows):
        return _copy_in(session, table, rows, conflict, "DO NOTHING", returning=pk.name)
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
    if _copies(session, rows):
        last = {tuple(r[c] for c in conflict): r for r in rows}  # one row per key: the last
        prep = session.get_bind().dialect.identifier_preparer
        sets = ", ".join(f"{prep.quote(c)} = EXCLUDED.{prep.quote(c)}" for c in update)
        _copy_in(session, table, list(last.values()), conflict, f"DO UPDATE SET {sets}")
        return
    stmt = dialect_insert(session, table)
    stmt = stmt.on_conflict_do_update(
        index_elements=list(conflict), set_={c: stmt.excluded[c] for c in update}
    )
    session.connection().execute(stmt, list(rows))


def _copies(session: Session, rows: Sequence[dict[str, Any]]) -> bool:
    return len(rows) >= COPY_MIN_ROWS and session.get_bind().dialect.name == "postgresql"


def _copy_in(
    session: Session,
    table: type[Base],
    rows: Sequence[dict[str, Any]],
    conflict: Sequence[str],
    action: str,
    returning: str | None = None,
) -> int:
    """COPY ``rows`` into a temporary table shaped like theirs, then INSERT them from it
    with ``ON CONFLICT (conflict) action``; returns the rows inserted when ``returning``."""
    conn = session.connection()
    dialect = conn.dialect
    prep = dialect.identifier_preparer
    core: Table = table.__table__  # type: ignore[assignment]
    columns = list(rows[0])
    names = ", ".join(prep.quote(c) for c in columns)
    target, temp = prep.format_table(core), f"trainyard_copy_{next(_temp_names)}"
    conn.exec_driver_sql(
        f"CREATE TEMP TABLE {temp} ON COMMIT DROP AS SELECT {names} FROM {target} WITH NO DATA"
    )
    # each value as the column type binds it (UTC timestamps, JSONB documents)
    binds = [core.c[c].type.bind_processor(dialect) for c in columns]
    driver = conn.connection.driver_connection
    assert driver is not None
    with driver.cursor() as cursor, cursor.copy(f"COPY {temp} ({names}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(
                [bind(row[c]) if bind else row[c] for c, bind in zip(columns, binds, strict=True)]
            )
    keys = ", ".join(prep.quote(c) for c in conflict)
    sql = f"INSERT INTO {target} ({names}) SELECT {names} FROM {temp} ON CONFLICT ({keys}) {action}"
    if returning:
        sql += f" RETURNING {prep.quote(returning)}"
    result = conn.exec_driver_sql(sql)
    inserted = len(result.all()) if returning else 0
    conn.exec_driver_sql(f"DROP TABLE {temp}")
    return inserted


def refresh_statistics(session: Session) -> None:
    """ANALYZE the tables a pull grows, on PostgreSQL (SQLite plans without statistics).

    A first pull grows them from nothing; with statistics that still say "empty" (autovacuum
    off, or not yet run) the planner scans whole tables for each batch's lookups, and a pull
    slows down as the store grows."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("ANALYZE work_items, changes, links"))
