"""The ART model as SQLAlchemy 2.0 tables.

Work items, changes and links are keyed on (source, tracker key) so that a pull and a
webhook carrying the same change agree in either order. Relationships are ``lazy="raise"``:
every query says what it loads, so no report can fall into a per-row query loop.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from art.types import JSONType, UTCDateTime

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {datetime: UTCDateTime(), dict[str, Any]: JSONType, list[Any]: JSONType}


class Source(Base):
    """One configured tracker instance."""

    __tablename__ = "sources"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    kind: Mapped[str] = mapped_column(String(40))
    url: Mapped[str] = mapped_column(String(500))
    art_id: Mapped[int | None] = mapped_column(ForeignKey("arts.id"))
    created_at: Mapped[datetime]


class ART(Base):
    """An Agile Release Train. ``data_version`` grows with every committed change."""

    __tablename__ = "arts"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    data_version: Mapped[int] = mapped_column(Integer, default=0)


class Team(Base):
    __tablename__ = "teams"
    __table_args__ = (UniqueConstraint("art_id", "name"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    art_id: Mapped[int] = mapped_column(ForeignKey("arts.id"))
    name: Mapped[str] = mapped_column(String(200))


class PI(Base):
    """A Program Increment; start and end are inclusive calendar dates."""

    __tablename__ = "pis"
    __table_args__ = (UniqueConstraint("art_id", "name"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    art_id: Mapped[int] = mapped_column(ForeignKey("arts.id"))
    name: Mapped[str] = mapped_column(String(100))
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date] = mapped_column(Date)


class Iteration(Base):
    """A sprint or iteration node; team-scoped or ART-wide, with inclusive dates."""

    __tablename__ = "iterations"
    __table_args__ = (UniqueConstraint("source_id", "key"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("sources.id"))
    key: Mapped[str] = mapped_column(String(400))
    name: Mapped[str] = mapped_column(String(400))
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id"))
    pi_id: Mapped[int | None] = mapped_column(ForeignKey("pis.id"), index=True)
    start_date: Mapped[date | None] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date)
    state: Mapped[str | None] = mapped_column(String(40))
    completed_at: Mapped[datetime | None]


class WorkItem(Base):
    """An epic, feature, story... normalized, with the tracker's own names kept beside."""

    __tablename__ = "work_items"
    __table_args__ = (
        UniqueConstraint("source_id", "key"),
        Index("ix_work_items_synced", "synced_at", "id"),
        Index("ix_work_items_art_synced", "art_id", "synced_at", "id"),
        Index("ix_work_items_art_level", "art_id", "level", "status_category"),
        Index("ix_work_items_team", "team_id"),
        Index("ix_work_items_pi", "pi_id"),
        Index("ix_work_items_iteration", "iteration_id"),
        Index("ix_work_items_art_version", "art_id", "art_version"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("sources.id"))
    art_id: Mapped[int] = mapped_column(ForeignKey("arts.id"))
    key: Mapped[str] = mapped_column(String(100))
    tracker_id: Mapped[str] = mapped_column(String(100))
    title: Mapped[str] = mapped_column(Text)
    item_type: Mapped[str] = mapped_column(String(100))
    level: Mapped[str] = mapped_column(String(20))
    work_type: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(100))
    status_category: Mapped[str] = mapped_column(String(20))
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id"))
    iteration_id: Mapped[int | None] = mapped_column(ForeignKey("iterations.id"))
    pi_id: Mapped[int | None] = mapped_column(ForeignKey("pis.id"))
    parent_key: Mapped[str | None] = mapped_column(String(100))
    story_points: Mapped[float | None] = mapped_column(Float)
    business_value: Mapped[float | None] = mapped_column(Float)
    target_date: Mapped[date | None] = mapped_column(Date)
    flagged: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    deleted: Mapped[bool] = mapped_column(Boolean, default=False)
    deleted_at: Mapped[datetime | None]
    synced_at: Mapped[datetime]  # when Trainyard last changed this row: drives updated_since
    # the ART's data_version of the commit that last changed this item or its history:
    # incremental report loads re-read the items stamped after the version they hold
    art_version: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")


class RawRecord(Base):
    """The last tracker JSON of each item, so a changed mapping can be re-applied.

    ``payload`` is JSON, not JSONB, on PostgreSQL: it is written whole by every pull and read
    whole, never searched inside, and JSONB made the server parse each document (the
    largest statement of a pull into PostgreSQL)."""

    __tablename__ = "raw_records"
    work_item_id: Mapped[int] = mapped_column(
        ForeignKey("work_items.id", ondelete="CASCADE"), primary_key=True
    )
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    fetched_at: Mapped[datetime]


class Change(Base):
    """One change of status, iteration, PI, team, points or flagged; the flow metrics' input."""

    __tablename__ = "changes"
    __table_args__ = (
        UniqueConstraint("work_item_id", "dedupe_key"),
        Index("ix_changes_item_at", "work_item_id", "at"),
        Index("ix_changes_recorded", "recorded_at", "id"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    work_item_id: Mapped[int] = mapped_column(ForeignKey("work_items.id", ondelete="CASCADE"))
    field: Mapped[str] = mapped_column(String(20))
    from_value: Mapped[str | None] = mapped_column(Text)
    to_value: Mapped[str | None] = mapped_column(Text)
    from_category: Mapped[str | None] = mapped_column(String(20))
    to_category: Mapped[str | None] = mapped_column(String(20))
    at: Mapped[datetime]
    seq: Mapped[int] = mapped_column(Integer, default=0)
    author: Mapped[str | None] = mapped_column(String(200))
    dedupe_key: Mapped[str] = mapped_column(String(64))
    recorded_at: Mapped[datetime]


class Link(Base):
    """``from_key kind to_key`` within a source; ends may not be stored (yet)."""

    __tablename__ = "links"
    __table_args__ = (
        UniqueConstraint("source_id", "from_key", "to_key", "kind"),
        Index("ix_links_to", "source_id", "to_key"),
        Index("ix_links_recorded", "recorded_at", "id"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("sources.id"))
    from_key: Mapped[str] = mapped_column(String(100))
    to_key: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(20))
    tracker_type: Mapped[str] = mapped_column(String(100))
    recorded_at: Mapped[datetime]


class PIObjective(Base):
    """A team's PI objective, from the tracker (source + key) or entered through the API."""

    __tablename__ = "pi_objectives"
    __table_args__ = (
        UniqueConstraint("source_id", "key"),
        Index("ix_pi_objectives_pi", "pi_id", "team_id"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    art_id: Mapped[int] = mapped_column(ForeignKey("arts.id"))
    pi_id: Mapped[int | None] = mapped_column(ForeignKey("pis.id"))
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id"))
    source_id: Mapped[int | None] = mapped_column(ForeignKey("sources.id"))
    key: Mapped[str | None] = mapped_column(String(100))
    text: Mapped[str] = mapped_column(Text)
    committed: Mapped[bool] = mapped_column(Boolean, default=True)
    planned_bv: Mapped[float | None] = mapped_column(Float)
    actual_bv: Mapped[float | None] = mapped_column(Float)
    items: Mapped[list[Any]] = mapped_column(default=list)
    deleted: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[datetime]


class Risk(Base):
    """A PI risk with its ROAM state."""

    __tablename__ = "risks"
    __table_args__ = (UniqueConstraint("source_id", "key"), Index("ix_risks_pi", "pi_id"))
    id: Mapped[int] = mapped_column(primary_key=True)
    art_id: Mapped[int] = mapped_column(ForeignKey("arts.id"))
    pi_id: Mapped[int | None] = mapped_column(ForeignKey("pis.id"))
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id"))
    source_id: Mapped[int | None] = mapped_column(ForeignKey("sources.id"))
    key: Mapped[str | None] = mapped_column(String(100))
    text: Mapped[str] = mapped_column(Text)
    owner: Mapped[str | None] = mapped_column(String(200))
    roam: Mapped[str] = mapped_column(String(20))
    deleted: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[datetime]


class PlanBaseline(Base):
    """The plan of a PI frozen at its start (features per team iteration, objectives, scope)."""

    __tablename__ = "plan_baselines"
    id: Mapped[int] = mapped_column(primary_key=True)
    pi_id: Mapped[int] = mapped_column(ForeignKey("pis.id"), unique=True)
    frozen_at: Mapped[datetime]
    plan: Mapped[dict[str, Any]]


class SyncRun(Base):
    """One pull (full, incremental) or webhook application, with its counts."""

    __tablename__ = "sync_runs"
    __table_args__ = (Index("ix_sync_runs_source", "source_id", "started_at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("sources.id"))
    mode: Mapped[str] = mapped_column(String(20))  # full | incremental
    status: Mapped[str] = mapped_column(String(20))  # running | succeeded | failed
    started_at: Mapped[datetime]
    finished_at: Mapped[datetime | None]
    fetched: Mapped[int] = mapped_column(Integer, default=0)
    created: Mapped[int] = mapped_column(Integer, default=0)
    updated: Mapped[int] = mapped_column(Integer, default=0)
    deleted: Mapped[int] = mapped_column(Integer, default=0)
    skipped: Mapped[int] = mapped_column(Integer, default=0)
    requests: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(Text)
    item_errors: Mapped[list[Any]] = mapped_column(default=list)


class Watermark(Base):
    """Where the next incremental pull of a source resumes (a timestamp or a token)."""

    __tablename__ = "watermarks"
    source_id: Mapped[int] = mapped_column(ForeignKey("sources.id"), primary_key=True)
    stream: Mapped[str] = mapped_column(String(40), primary_key=True, default="items")
    value: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime]


class Lease(Base):
    """A named lease with expiry: one replica runs a scheduled pull at a time."""

    __tablename__ = "leases"
    name: Mapped[str] = mapped_column(String(200), primary_key=True)
    holder: Mapped[str] = mapped_column(String(200))
    expires_at: Mapped[datetime]


class InboxEvent(Base):
    """A webhook body stored durably before it is applied."""

    __tablename__ = "inbox_events"
    __table_args__ = (
        UniqueConstraint("source_id", "delivery_id"),
        Index("ix_inbox_events_pending", "status", "id"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("sources.id"))
    delivery_id: Mapped[str] = mapped_column(String(200))
    event_type: Mapped[str | None] = mapped_column(String(100))
    item_key: Mapped[str | None] = mapped_column(String(100))
    revision: Mapped[int | None] = mapped_column(BigInteger)  # Jira's: a ms timestamp
    headers: Mapped[dict[str, Any]]
    body: Mapped[bytes] = mapped_column(LargeBinary)
    received_at: Mapped[datetime]
    processed_at: Mapped[datetime | None]
    status: Mapped[str] = mapped_column(String(20), default="pending")  # pending|applied|failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(Text)


class OutboxEvent(Base):
    """An outgoing event, written in the transaction of the change that caused it."""

    __tablename__ = "outbox_events"
    __table_args__ = (Index("ix_outbox_events_pending", "dispatched", "id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[str] = mapped_column(String(64), unique=True)
    type: Mapped[str] = mapped_column(String(60))
    payload: Mapped[dict[str, Any]]
    created_at: Mapped[datetime]
    dispatched: Mapped[bool] = mapped_column(Boolean, default=False)


class Subscription(Base):
    """An outgoing webhook endpoint and the events it wants."""

    __tablename__ = "subscriptions"
    id: Mapped[int] = mapped_column(primary_key=True)
    url: Mapped[str] = mapped_column(String(2000))
    events: Mapped[list[Any]]
    secret: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    consecutive_failures: Mapped[int] = mapped_column(Integer, default=0)
    disabled_at: Mapped[datetime | None]
    created_at: Mapped[datetime]


class Delivery(Base):
    """One event to one subscription, retried until delivered or given up."""

    __tablename__ = "deliveries"
    __table_args__ = (
        UniqueConstraint("subscription_id", "event_id"),
        Index("ix_deliveries_due", "status", "next_attempt_at"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    subscription_id: Mapped[int] = mapped_column(ForeignKey("subscriptions.id"))
    event_id: Mapped[str] = mapped_column(String(64))
    event_type: Mapped[str] = mapped_column(String(60))
    payload: Mapped[dict[str, Any]]
    status: Mapped[str] = mapped_column(String(20), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime]
    created_at: Mapped[datetime]
    delivered_at: Mapped[datetime | None]


class DeliveryAttempt(Base):
    """Every attempt of a delivery, logged: status, latency, response snippet."""

    __tablename__ = "delivery_attempts"
    id: Mapped[int] = mapped_column(primary_key=True)
    delivery_id: Mapped[int] = mapped_column(ForeignKey("deliveries.id"), index=True)
    at: Mapped[datetime]
    status_code: Mapped[int | None] = mapped_column(Integer)
    latency_ms: Mapped[float] = mapped_column(Float)
    response_snippet: Mapped[str | None] = mapped_column(Text)
    error: Mapped[str | None] = mapped_column(Text)


class Digest(Base):
    """A scheduled digest email: cron, time zone, recipients, ART and sections."""

    __tablename__ = "digests"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    art_id: Mapped[int] = mapped_column(ForeignKey("arts.id"))
    cron: Mapped[str] = mapped_column(String(100))
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    recipients: Mapped[list[Any]]
    sections: Mapped[list[Any]]
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    last_sent_at: Mapped[datetime | None]
    last_snapshot: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    created_at: Mapped[datetime]


class ApiToken(Base):
    """A bearer token, stored as a SHA-256 hash; scopes are space-separated.

    ``last_used_at`` is recorded at most once a minute; a token stops working once
    ``revoked_at`` is set or ``expires_at`` (null: never) has passed."""

    __tablename__ = "api_tokens"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    scopes: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime]
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]
    expires_at: Mapped[datetime | None]


class ConsoleSession(Base):
    """A signed-in console session, stored so that every web replica (and a restarted one)
    knows it: the SHA-256 of the random id in the browser's cookie, never the id itself, the
    token it was opened with, and when it ends. Deleting the token ends its sessions."""

    __tablename__ = "console_sessions"
    __table_args__ = (Index("ix_console_sessions_ends_at", "ends_at"),)
    digest: Mapped[str] = mapped_column(String(64), primary_key=True)
    token_id: Mapped[int] = mapped_column(ForeignKey("api_tokens.id", ondelete="CASCADE"))
    created_at: Mapped[datetime]
    ends_at: Mapped[datetime]


class ReportSnapshot(Base):
    """The last figures an outgoing event was decided on (dependency statuses, predictability).

    Comparing a new computation with this row is how Trainyard knows that a dependency turned
    late or a PI's predictability moved, whether a tracker change or the passing of time did it.
    """

    __tablename__ = "report_snapshots"
    __table_args__ = (UniqueConstraint("art_id", "name"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    art_id: Mapped[int] = mapped_column(ForeignKey("arts.id"))
    name: Mapped[str] = mapped_column(String(100))
    payload: Mapped[dict[str, Any]]
    updated_at: Mapped[datetime]
