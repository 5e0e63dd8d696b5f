"""The reporting schema's materialized tables and their writes (docs/bi.md).

BI tools read views (``reporting.*`` on PostgreSQL, ``reporting_*`` on SQLite, migration
0007); behind four of them sit tables the worker keeps (app.reporting), because their figures
are the report service's and SQL must not compute them a second way:

- ``rpt_item_daily``: each item's state at the end of each day, the snapshot behind trends;
- ``rpt_item_facts``: each item's display key, URL, start, done and flow time;
- ``rpt_dependencies`` and ``rpt_predictability``: the PI reports' rows as of the refresh;
- ``rpt_refresh``: per ART, the data version, structure and last day the rows stand for.

The ``rpt_`` prefix keeps them apart from the views: a reporting role reads the views only.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    Engine,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    delete,
    select,
    text,
)
from sqlalchemy.orm import Mapped, Session, mapped_column

from art.chunks import IN_LIST, chunks
from art.errors import BadRequest
from art.models import Base, WorkItem
from art.store.upsert import dialect_insert, upsert


class ItemDay(Base):
    """One item at the end of one day (the refresh's own day: at the refresh)."""

    __tablename__ = "rpt_item_daily"
    __table_args__ = (Index("ix_rpt_item_daily_art_day", "art_id", "day"),)
    item_id: Mapped[int] = mapped_column(
        ForeignKey("work_items.id", ondelete="CASCADE"), primary_key=True
    )
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    art_id: Mapped[int] = mapped_column(ForeignKey("arts.id"))
    status: Mapped[str] = mapped_column(String(100))
    status_category: Mapped[str] = mapped_column(String(20))
    iteration: Mapped[str | None] = mapped_column(String(400))
    pi: Mapped[str | None] = mapped_column(String(100))
    team: Mapped[str | None] = mapped_column(String(200))
    points: Mapped[float | None] = mapped_column(Float)
    flagged: Mapped[bool] = mapped_column(Boolean)
    blocked: Mapped[bool] = mapped_column(Boolean)
    started: Mapped[bool] = mapped_column(Boolean)


class ItemFacts(Base):
    """An item's display key, URL, PI, start, done and flow time at the refresh."""

    __tablename__ = "rpt_item_facts"
    __table_args__ = (Index("ix_rpt_item_facts_art", "art_id", "done_date"),)
    item_id: Mapped[int] = mapped_column(
        ForeignKey("work_items.id", ondelete="CASCADE"), primary_key=True
    )
    art_id: Mapped[int] = mapped_column(ForeignKey("arts.id"))
    display_key: Mapped[str] = mapped_column(String(100))
    url: Mapped[str | None] = mapped_column(String(1000))
    pi: Mapped[str | None] = mapped_column(String(100))
    started_at: Mapped[datetime | None]
    done_at: Mapped[datetime | None]
    done_date: Mapped[date | None] = mapped_column(Date)
    flow_days: Mapped[float | None] = mapped_column(Float)


class DependencyRow(Base):
    """One dependency of one PI's dependency report, as of the refresh."""

    __tablename__ = "rpt_dependencies"
    __table_args__ = (Index("ix_rpt_dependencies_art_pi", "art_id", "pi"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    art_id: Mapped[int] = mapped_column(ForeignKey("arts.id"))
    pi: Mapped[str] = mapped_column(String(100))
    provider_key: Mapped[str] = mapped_column(String(100))
    provider_display_key: Mapped[str] = mapped_column(String(100))
    provider_url: Mapped[str | None] = mapped_column(String(1000))
    provider_title: Mapped[str] = mapped_column(Text)
    provider_team: Mapped[str | None] = mapped_column(String(200))
    provider_iteration: Mapped[str | None] = mapped_column(String(400))
    provider_status_category: Mapped[str | None] = mapped_column(String(20))
    consumer_key: Mapped[str] = mapped_column(String(100))
    consumer_display_key: Mapped[str] = mapped_column(String(100))
    consumer_url: Mapped[str | None] = mapped_column(String(1000))
    consumer_title: Mapped[str] = mapped_column(Text)
    consumer_team: Mapped[str | None] = mapped_column(String(200))
    consumer_iteration: Mapped[str | None] = mapped_column(String(400))
    consumer_status_category: Mapped[str | None] = mapped_column(String(20))
    cross_team: Mapped[bool] = mapped_column(Boolean)
    status: Mapped[str] = mapped_column(String(20))
    upstream: Mapped[bool] = mapped_column(Boolean)
    in_cycle: Mapped[bool] = mapped_column(Boolean)
    planned_by: Mapped[datetime | None]
    needed_by: Mapped[datetime | None]
    reason: Mapped[str] = mapped_column(Text)
    as_of: Mapped[datetime]


class PredictabilityRow(Base):
    """One team's (``team`` null: the ART's) predictability in one PI, as of the refresh."""

    __tablename__ = "rpt_predictability"
    __table_args__ = (Index("ix_rpt_predictability_art_pi", "art_id", "pi"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    art_id: Mapped[int] = mapped_column(ForeignKey("arts.id"))
    pi: Mapped[str] = mapped_column(String(100))
    team: Mapped[str | None] = mapped_column(String(200))
    planned_bv: Mapped[float] = mapped_column(Float)
    actual_bv: Mapped[float] = mapped_column(Float)
    predictability_pct: Mapped[float | None] = mapped_column(Float)
    band: Mapped[str | None] = mapped_column(String(20))
    complete: Mapped[bool] = mapped_column(Boolean)
    scored: Mapped[int] = mapped_column(Integer)
    objectives: Mapped[int] = mapped_column(Integer)
    state: Mapped[str | None] = mapped_column(String(20))
    earned_pct: Mapped[float | None] = mapped_column(Float)
    as_of: Mapped[datetime]


class Refresh(Base):
    """What an ART's reporting rows stand for: the data version and structure they were
    computed from, and the last day they cover."""

    __tablename__ = "rpt_refresh"
    art_id: Mapped[int] = mapped_column(ForeignKey("arts.id"), primary_key=True)
    data_version: Mapped[int] = mapped_column(BigInteger)
    structure: Mapped[str] = mapped_column(String(64))
    through_day: Mapped[date] = mapped_column(Date)
    refreshed_at: Mapped[datetime]


def last_refresh(session: Session, art_id: int) -> Refresh | None:
    return session.get(Refresh, art_id)


def save_refresh(
    session: Session, art_id: int, version: int, structure: str, through: date, at: datetime
) -> None:
    row = {
        "art_id": art_id,
        "data_version": version,
        "structure": structure,
        "through_day": through,
        "refreshed_at": at,
    }
    upsert(session, Refresh, [row], ["art_id"], [k for k in row if k != "art_id"])


def item_ids(
    session: Session, art_id: int, after_version: int | None = None
) -> dict[str, tuple[int, bool]]:
    """key -> (store id, deleted) of the ART's items; with ``after_version`` only those
    stamped with a later data version (changed since, or their history or links)."""
    query = select(WorkItem.key, WorkItem.id, WorkItem.deleted).where(WorkItem.art_id == art_id)
    if after_version is not None:
        query = query.where(WorkItem.art_version > after_version)
    return {key: (id_, bool(gone)) for key, id_, gone in session.execute(query)}


def clear_items(session: Session, art_id: int, ids: Collection[int] | None = None) -> None:
    """Delete the daily rows and facts of ``ids`` (None: of every item of the ART)."""
    for table in (ItemDay, ItemFacts):
        if ids is None:
            session.execute(delete(table).where(table.art_id == art_id))
            continue
        for part in chunks(sorted(ids), IN_LIST):
            session.execute(delete(table).where(table.item_id.in_(part)))


def insert_rows(session: Session, table: type[Base], rows: Sequence[dict[str, Any]]) -> None:
    """Insert rows of one of these tables in one executemany."""
    if rows:
        session.connection().execute(dialect_insert(session, table), list(rows))


def add_days(session: Session, rows: Sequence[dict[str, Any]]) -> None:
    """Daily rows for days an item has none yet (or replacing the one it has)."""
    if not rows:
        return
    columns = [c for c in rows[0] if c not in ("item_id", "day")]
    upsert(session, ItemDay, rows, ["item_id", "day"], columns)


def refresh_statistics(session: Session) -> None:
    """ANALYZE the daily rows and facts on PostgreSQL after a large write: with statistics
    that still say "empty", the planner joins the views' rows by nested loops and a BI
    query over a freshly filled item_daily takes minutes instead of milliseconds."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("ANALYZE rpt_item_daily, rpt_item_facts"))


def replace_art_rows(
    session: Session, table: type[DependencyRow] | type[PredictabilityRow], art_id: int, rows: Any
) -> None:
    """The ART's rows of a PI table replaced by ``rows``, in the caller's transaction."""
    session.execute(delete(table).where(table.art_id == art_id))
    insert_rows(session, table, [{**r, "art_id": art_id} for r in rows])


ROLE_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


def grant_reporting_role(engine: Engine, name: str, password: str) -> str:
    """Create (or update) the PostgreSQL login role ``name`` that reads the reporting views
    and nothing else: USAGE on schema ``reporting``, SELECT on its views, and default
    privileges so views a later migration adds there are covered too. Returns the database
    it may connect to. BadRequest for SQLite (no roles) or a name that is not a plain
    lowercase identifier."""
    if engine.dialect.name != "postgresql":
        raise BadRequest(
            "a reporting role needs PostgreSQL: SQLite has no roles or grants; BI tools "
            "read the reporting_* views straight from the database file (docs/bi.md)"
        )
    if not ROLE_NAME.match(name):
        raise BadRequest(
            f"role name '{name}' must be a lowercase identifier (letters, digits, _; "
            "at most 63), e.g. grafana_reader"
        )
    if not password or "\x00" in password:
        raise BadRequest("the reporting role needs a non-empty password")
    secret = "'" + password.replace("'", "''") + "'"
    with engine.begin() as conn:
        exists = conn.scalar(text("SELECT 1 FROM pg_roles WHERE rolname = :n"), {"n": name})
        verb = "ALTER" if exists else "CREATE"
        conn.exec_driver_sql(
            f"{verb} ROLE {name} WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE "
            f"NOREPLICATION PASSWORD {secret}"
        )
        database = conn.scalar(text("SELECT current_database()"))
        quoted = '"' + str(database).replace('"', '""') + '"'
        for grant in (
            f"GRANT CONNECT ON DATABASE {quoted} TO {name}",
            f"REVOKE CREATE ON SCHEMA public FROM {name}",
            f"GRANT USAGE ON SCHEMA reporting TO {name}",
            f"GRANT SELECT ON ALL TABLES IN SCHEMA reporting TO {name}",
            f"ALTER DEFAULT PRIVILEGES IN SCHEMA reporting GRANT SELECT ON TABLES TO {name}",
        ):
            conn.exec_driver_sql(grant)
    return str(database)
