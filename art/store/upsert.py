"""Dialect upserts: ``INSERT ... ON CONFLICT`` on SQLite and PostgreSQL alike.

A few rows (fewer than ``BULK_MIN_ROWS``) go to the driver as one executemany of a single
cached statement: SQLAlchemy's "insertmanyvalues" packs them into multi-row INSERTs itself,
within each driver's parameter limit. Building one ``.values([...])`` statement per chunk
instead made SQLAlchemy compile a new statement with thousands of bind parameters every time,
which cost more than the writes.

Many rows (a pull's batches) are bound here, each value as its column type binds it, and skip
SQLAlchemy's per-row parameter layer, which cost more than the writes themselves; they still
pass its engine events (but COPY's stream):

- SQLite takes them as one plain executemany (the driver counts what was inserted);
- PostgreSQL takes them as one ``INSERT ... SELECT FROM unnest(...)`` of one array per column:
  a few bind parameters instead of one per value. Rows with JSON documents stay on the
  statement path: psycopg dumps arrays of long strings slowly;
- PostgreSQL takes ``COPY_MIN_ROWS`` and more (a pull's history rows) through ``COPY`` into a
  temporary table and one ``INSERT ... SELECT ... ON CONFLICT`` from it: COPY streams the rows,
  and does not take ``ON CONFLICT`` itself.

A single statement cannot update one row twice (PostgreSQL refuses it), so the paths that
write all rows in one go first fold the rows of one key into one, as applying them in turn
would leave it.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import JSON, Connection, Dialect, String, Table, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from art.models import Base

BULK_MIN_ROWS = 10  # from this many rows, they are bound here and skip SQLAlchemy's layer
COPY_MIN_ROWS = 500  # from this many rows, PostgreSQL gets them through COPY
_temp_names = itertools.count(1)

Values = list[tuple[Any, ...]]
BulkWrite = Callable[[Connection, Table, list[str], Values, Sequence[str], str], int]


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
    bulk = _bulk(session, table, rows)
    if bulk is not None:
        return bulk.write(rows, conflict, "DO NOTHING")
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
    bulk = _bulk(session, table, rows)
    if bulk is not None:
        prep = session.get_bind().dialect.identifier_preparer
        sets = ", ".join(f"{prep.quote(c)} = excluded.{prep.quote(c)}" for c in update)
        bulk.write(fold_rows(rows, conflict, update), conflict, f"DO UPDATE SET {sets}")
        return
    stmt = dialect_insert(session, table)
    stmt = stmt.on_conflict_do_update(
        index_elements=list(conflict), set_={c: stmt.excluded[c] for c in update}
    )
    session.connection().execute(stmt, list(rows))


def fold_rows(
    rows: Sequence[dict[str, Any]], conflict: Sequence[str], update: Sequence[str]
) -> list[dict[str, Any]]:
    """One row per ``conflict`` key, as upserting the rows in turn leaves it: the first row
    of a key, its ``update`` columns overwritten by each later row of that key."""
    folded: dict[tuple[Any, ...], dict[str, Any]] = {}
    for row in rows:
        key = tuple(row[c] for c in conflict)
        first = folded.get(key)
        folded[key] = row if first is None else {**first, **{c: row[c] for c in update}}
    return list(folded.values())


@dataclass(frozen=True)
class _Bulk:
    """A bulk path (module docstring) for rows of one table and one set of columns."""

    conn: Connection
    core: Table
    columns: list[str]
    writer: BulkWrite

    def write(self, rows: Sequence[dict[str, Any]], conflict: Sequence[str], action: str) -> int:
        """Write ``rows`` with ``ON CONFLICT (conflict) action``; returns the rows written."""
        values = _bound(self.conn, self.core, self.columns, rows)
        return self.writer(self.conn, self.core, self.columns, values, conflict, action)


def _bulk(session: Session, table: type[Base], rows: Sequence[dict[str, Any]]) -> _Bulk | None:
    """The bulk path ``rows`` take, or None for the statement path."""
    core: Table = table.__table__  # type: ignore[assignment]
    writer = _bulk_writer(session, core, len(rows))
    columns = None if writer is None else _columns(core, rows[0])
    if writer is None or columns is None:
        return None
    return _Bulk(session.connection(), core, columns, writer)


def _bulk_writer(session: Session, core: Table, count: int) -> BulkWrite | None:
    """The writer of ``count`` rows of ``core`` in the session's dialect, if any."""
    if count < BULK_MIN_ROWS:
        return None
    if session.get_bind().dialect.name == "sqlite":
        return _executemany
    if count >= COPY_MIN_ROWS:
        return _copy_in
    if any(isinstance(c.type, JSON) for c in core.columns):
        return None
    return _unnest


def _columns(core: Table, row: dict[str, Any]) -> list[str] | None:
    """The columns an INSERT of ``row`` writes: its own, and those it lacks that have a scalar
    Python default (as SQLAlchemy adds them); None when one has a computed default."""
    missing = [c for c in core.columns if c.name not in row and c.default is not None]
    if any(not c.default.is_scalar for c in missing):  # type: ignore[union-attr]
        return None
    return [*row, *(c.name for c in missing)]


def _bound(
    conn: Connection, core: Table, columns: list[str], rows: Sequence[dict[str, Any]]
) -> Values:
    """Each row's values in ``columns`` order, as the column types bind them in this dialect
    (UTC timestamps, JSON documents, and booleans and dates on SQLite); a column the rows lack
    takes its default."""
    dialect = conn.dialect
    own = set(rows[0])
    plan = [
        (
            name,
            core.c[name].type.dialect_impl(dialect).bind_processor(dialect),
            None if name in own else core.c[name].default.arg,  # type: ignore[union-attr]
        )
        for name in columns
    ]
    # column by column, then zipped into rows: a pull binds about a million values, and one
    # pass per column calls each binder through map instead of a per-value branch
    by_column: list[list[Any]] = []
    for name, bind, default in plan:
        values = (
            [row[name] for row in rows]
            if default is None
            else [row.get(name, default) for row in rows]
        )
        if bind is None:
            by_column.append(values)
        elif all(v is values[0] for v in values):
            # one object in every row (a batch's time, a flag): bound once
            by_column.append([bind(values[0])] * len(values))
        else:
            by_column.append(list(map(bind, values)))
    return list(zip(*by_column, strict=True))


def _executemany(
    conn: Connection,
    core: Table,
    columns: list[str],
    values: Values,
    conflict: Sequence[str],
    action: str,
) -> int:
    """SQLite: one executemany of a plain INSERT; the driver sums the rows each one inserted."""
    target, names = _quoted(conn, core, columns)
    marks = ", ".join("?" for _ in columns)
    sql = f"INSERT INTO {target} ({names}) VALUES ({marks}) {_on_conflict(conn, conflict, action)}"
    return conn.exec_driver_sql(sql, values).rowcount


def _unnest(
    conn: Connection,
    core: Table,
    columns: list[str],
    values: Values,
    conflict: Sequence[str],
    action: str,
) -> int:
    """PostgreSQL: one INSERT of the rows unnested from one array parameter per column."""
    target, names = _quoted(conn, core, columns)
    arrays = ", ".join(f"%s::{_element_type(core, c, conn.dialect)}[]" for c in columns)
    sql = (
        f"INSERT INTO {target} ({names}) "
        f"SELECT * FROM unnest({arrays}) {_on_conflict(conn, conflict, action)}"
    )
    return conn.exec_driver_sql(sql, tuple(list(col) for col in zip(*values, strict=True))).rowcount


def _element_type(core: Table, column: str, dialect: Dialect) -> str:
    """The SQL type of ``column``'s array, without a string's length: an explicit cast to
    VARCHAR(n) cuts an over-long value short, where the INSERT itself refuses it."""
    impl = core.c[column].type.dialect_impl(dialect)
    if isinstance(impl, String) and impl.length is not None:
        impl = type(impl)()
    return str(impl.compile(dialect))


def _copy_in(
    conn: Connection,
    core: Table,
    columns: list[str],
    values: Values,
    conflict: Sequence[str],
    action: str,
) -> int:
    """PostgreSQL: COPY the rows into a temporary table shaped like theirs, then INSERT them
    from it in one statement."""
    target, names = _quoted(conn, core, columns)
    temp = f"trainyard_copy_{next(_temp_names)}"
    conn.exec_driver_sql(
        f"CREATE TEMP TABLE {temp} ON COMMIT DROP AS SELECT {names} FROM {target} WITH NO DATA"
    )
    driver = conn.connection.driver_connection
    assert driver is not None
    with driver.cursor() as cursor, cursor.copy(f"COPY {temp} ({names}) FROM STDIN") as copy:
        for row in values:
            copy.write_row(row)
    sql = f"INSERT INTO {target} ({names}) SELECT {names} FROM {temp} "
    inserted = conn.exec_driver_sql(sql + _on_conflict(conn, conflict, action)).rowcount
    conn.exec_driver_sql(f"DROP TABLE {temp}")
    return inserted


def _quoted(conn: Connection, core: Table, columns: list[str]) -> tuple[str, str]:
    """The table's name and the column list as the dialect quotes them in SQL text."""
    prep = conn.dialect.identifier_preparer
    return prep.format_table(core), ", ".join(prep.quote(c) for c in columns)


def _on_conflict(conn: Connection, conflict: Sequence[str], action: str) -> str:
    prep = conn.dialect.identifier_preparer
    return f"ON CONFLICT ({', '.join(prep.quote(c) for c in conflict)}) {action}"


def refresh_statistics(session: Session) -> None:
    """ANALYZE the tables a pull grows, on PostgreSQL (SQLite plans without statistics).

    A first pull grows them from nothing; with statistics that still say "empty" (autovacuum
    off, or not yet run) the planner scans whole tables for each batch's lookups, and a pull
    slows down as the store grows."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("ANALYZE work_items, changes, links"))
