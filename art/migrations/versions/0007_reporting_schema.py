"""the reporting schema: version 1 of the views BI tools read, and the tables behind them

On PostgreSQL the views live in a schema of their own, ``reporting`` (``reporting.items``),
so one role can be granted that schema and nothing else; SQLite has no schemas, so there they
are named ``reporting_<view>``. The ``rpt_*`` tables hold what the worker computes through
the report service (each item's state per day, its start, done and flow time, the PI
reports' dependencies and predictability); the views join them with the internal tables.

The views' columns are version 1 and never change: a change of columns comes as a new
version beside this one (docs/bi.md "Versions").

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-05 20:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import art.types

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

VERSION = 1

# view name -> SELECT; the column list of each is pinned by tests/art/test_reporting_views.py
VIEWS: dict[str, str] = {
    "schema_version": f"""
SELECT {VERSION} AS version,
       'columns of every view are fixed; a change of columns comes as a new version' AS note
""",
    "items": """
SELECT w.id AS item_id, a.name AS art, src.name AS source, w.key AS key,
       COALESCE(f.display_key, w.key) AS display_key, f.url AS url, w.title AS title,
       t.name AS team, w.level AS level, w.work_type AS work_type, w.item_type AS item_type,
       w.status AS status, w.status_category AS status_category,
       COALESCE(NULLIF(it.name, ''), it.key) AS iteration, it.key AS iteration_key,
       f.pi AS pi, w.parent_key AS parent_key, w.story_points AS points,
       w.business_value AS business_value, w.target_date AS target_date,
       w.flagged AS flagged, w.created_at AS created_at, w.updated_at AS updated_at,
       f.started_at AS started_at, f.done_at AS done_at, f.done_date AS done_date,
       f.flow_days AS flow_days, w.synced_at AS synced_at
FROM work_items w
JOIN arts a ON a.id = w.art_id
JOIN sources src ON src.id = w.source_id
LEFT JOIN teams t ON t.id = w.team_id
LEFT JOIN iterations it ON it.id = w.iteration_id
LEFT JOIN rpt_item_facts f ON f.item_id = w.id
WHERE NOT w.deleted
""",
    "item_daily": """
SELECT a.name AS art, d.item_id AS item_id, w.key AS key, d.day AS day,
       d.status AS status, d.status_category AS status_category,
       d.iteration AS iteration, d.pi AS pi, d.team AS team, d.points AS points,
       d.flagged AS flagged, d.blocked AS blocked, d.started AS started
FROM rpt_item_daily d
JOIN arts a ON a.id = d.art_id
JOIN work_items w ON w.id = d.item_id
""",
    "status_changes": """
SELECT c.id AS change_id, a.name AS art, c.work_item_id AS item_id, w.key AS key,
       c.at AS at, c.from_value AS from_status, c.to_value AS to_status,
       c.from_category AS from_category, c.to_category AS to_category,
       c.author AS author, c.recorded_at AS recorded_at
FROM changes c
JOIN work_items w ON w.id = c.work_item_id
JOIN arts a ON a.id = w.art_id
WHERE c.field = 'status' AND NOT w.deleted
""",
    "links": """
SELECT l.id AS link_id, a.name AS art, src.name AS source, l.from_key AS from_key,
       l.to_key AS to_key, l.kind AS kind, l.tracker_type AS tracker_type,
       l.recorded_at AS recorded_at
FROM links l
JOIN sources src ON src.id = l.source_id
LEFT JOIN arts a ON a.id = src.art_id
""",
    "dependencies": """
SELECT a.name AS art, r.pi AS pi,
       r.provider_key AS provider_key, r.provider_display_key AS provider_display_key,
       r.provider_url AS provider_url, r.provider_title AS provider_title,
       r.provider_team AS provider_team, r.provider_iteration AS provider_iteration,
       r.provider_status_category AS provider_status_category,
       r.consumer_key AS consumer_key, r.consumer_display_key AS consumer_display_key,
       r.consumer_url AS consumer_url, r.consumer_title AS consumer_title,
       r.consumer_team AS consumer_team, r.consumer_iteration AS consumer_iteration,
       r.consumer_status_category AS consumer_status_category,
       r.cross_team AS cross_team, r.status AS status, r.upstream AS upstream,
       r.in_cycle AS in_cycle, r.planned_by AS planned_by, r.needed_by AS needed_by,
       r.reason AS reason, r.as_of AS as_of
FROM rpt_dependencies r
JOIN arts a ON a.id = r.art_id
""",
    "iterations": """
SELECT it.id AS iteration_id, a.name AS art, src.name AS source, it.key AS key,
       COALESCE(NULLIF(it.name, ''), it.key) AS name, t.name AS team, p.name AS pi,
       it.start_date AS start_date, it.end_date AS end_date, it.state AS state
FROM iterations it
JOIN sources src ON src.id = it.source_id
LEFT JOIN teams t ON t.id = it.team_id
LEFT JOIN pis p ON p.id = it.pi_id
LEFT JOIN arts a ON a.id = COALESCE(src.art_id, p.art_id)
""",
    "pis": """
SELECT p.id AS pi_id, a.name AS art, p.name AS name, p.start_date AS start_date,
       p.end_date AS end_date
FROM pis p
JOIN arts a ON a.id = p.art_id
""",
    "teams": """
SELECT t.id AS team_id, a.name AS art, t.name AS name
FROM teams t
JOIN arts a ON a.id = t.art_id
""",
    "objectives": """
SELECT o.id AS objective_id, a.name AS art, p.name AS pi, t.name AS team, o.key AS key,
       o.text AS text, o.committed AS committed, o.planned_bv AS planned_bv,
       o.actual_bv AS actual_bv, o.updated_at AS updated_at
FROM pi_objectives o
JOIN arts a ON a.id = o.art_id
LEFT JOIN pis p ON p.id = o.pi_id
LEFT JOIN teams t ON t.id = o.team_id
WHERE NOT o.deleted
""",
    "predictability": """
SELECT a.name AS art, r.pi AS pi, r.team AS team, r.planned_bv AS planned_bv,
       r.actual_bv AS actual_bv, r.predictability_pct AS predictability_pct,
       r.band AS band, r.complete AS complete, r.scored AS scored,
       r.objectives AS objectives, r.state AS state, r.earned_pct AS earned_pct,
       r.as_of AS as_of
FROM rpt_predictability r
JOIN arts a ON a.id = r.art_id
""",
    "sync_runs": """
SELECT r.id AS run_id, a.name AS art, src.name AS source, r.mode AS mode,
       r.status AS status, r.started_at AS started_at, r.finished_at AS finished_at,
       r.fetched AS fetched, r.created AS created, r.updated AS updated,
       r.deleted AS deleted, r.skipped AS skipped, r.requests AS requests, r.error AS error
FROM sync_runs r
JOIN sources src ON src.id = r.source_id
LEFT JOIN arts a ON a.id = src.art_id
""",
}


def view_name(name: str, dialect: str) -> str:
    """``reporting.<name>`` on PostgreSQL, ``reporting_<name>`` on SQLite."""
    return f"reporting.{name}" if dialect == "postgresql" else f"reporting_{name}"


def _tables() -> None:
    utc = art.types.UTCDateTime(timezone=True)
    op.create_table(
        "rpt_item_daily",
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("art_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=100), nullable=False),
        sa.Column("status_category", sa.String(length=20), nullable=False),
        sa.Column("iteration", sa.String(length=400), nullable=True),
        sa.Column("pi", sa.String(length=100), nullable=True),
        sa.Column("team", sa.String(length=200), nullable=True),
        sa.Column("points", sa.Float(), nullable=True),
        sa.Column("flagged", sa.Boolean(), nullable=False),
        sa.Column("blocked", sa.Boolean(), nullable=False),
        sa.Column("started", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["item_id"],
            ["work_items.id"],
            name=op.f("fk_rpt_item_daily_item_id_work_items"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["art_id"], ["arts.id"], name=op.f("fk_rpt_item_daily_art_id_arts")
        ),
        sa.PrimaryKeyConstraint("item_id", "day", name=op.f("pk_rpt_item_daily")),
    )
    op.create_index("ix_rpt_item_daily_art_day", "rpt_item_daily", ["art_id", "day"])
    op.create_table(
        "rpt_item_facts",
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("art_id", sa.Integer(), nullable=False),
        sa.Column("display_key", sa.String(length=100), nullable=False),
        sa.Column("url", sa.String(length=1000), nullable=True),
        sa.Column("pi", sa.String(length=100), nullable=True),
        sa.Column("started_at", utc, nullable=True),
        sa.Column("done_at", utc, nullable=True),
        sa.Column("done_date", sa.Date(), nullable=True),
        sa.Column("flow_days", sa.Float(), nullable=True),
        sa.ForeignKeyConstraint(
            ["item_id"],
            ["work_items.id"],
            name=op.f("fk_rpt_item_facts_item_id_work_items"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["art_id"], ["arts.id"], name=op.f("fk_rpt_item_facts_art_id_arts")
        ),
        sa.PrimaryKeyConstraint("item_id", name=op.f("pk_rpt_item_facts")),
    )
    op.create_index("ix_rpt_item_facts_art", "rpt_item_facts", ["art_id", "done_date"])
    ends = [
        sa.Column(f"{end}_{col}", kind, nullable=nullable)
        for end in ("provider", "consumer")
        for col, kind, nullable in (
            ("key", sa.String(length=100), False),
            ("display_key", sa.String(length=100), False),
            ("url", sa.String(length=1000), True),
            ("title", sa.Text(), False),
            ("team", sa.String(length=200), True),
            ("iteration", sa.String(length=400), True),
            ("status_category", sa.String(length=20), True),
        )
    ]
    op.create_table(
        "rpt_dependencies",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("art_id", sa.Integer(), nullable=False),
        sa.Column("pi", sa.String(length=100), nullable=False),
        *ends,
        sa.Column("cross_team", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("upstream", sa.Boolean(), nullable=False),
        sa.Column("in_cycle", sa.Boolean(), nullable=False),
        sa.Column("planned_by", utc, nullable=True),
        sa.Column("needed_by", utc, nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("as_of", utc, nullable=False),
        sa.ForeignKeyConstraint(
            ["art_id"], ["arts.id"], name=op.f("fk_rpt_dependencies_art_id_arts")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rpt_dependencies")),
    )
    op.create_index("ix_rpt_dependencies_art_pi", "rpt_dependencies", ["art_id", "pi"])
    op.create_table(
        "rpt_predictability",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("art_id", sa.Integer(), nullable=False),
        sa.Column("pi", sa.String(length=100), nullable=False),
        sa.Column("team", sa.String(length=200), nullable=True),
        sa.Column("planned_bv", sa.Float(), nullable=False),
        sa.Column("actual_bv", sa.Float(), nullable=False),
        sa.Column("predictability_pct", sa.Float(), nullable=True),
        sa.Column("band", sa.String(length=20), nullable=True),
        sa.Column("complete", sa.Boolean(), nullable=False),
        sa.Column("scored", sa.Integer(), nullable=False),
        sa.Column("objectives", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=True),
        sa.Column("earned_pct", sa.Float(), nullable=True),
        sa.Column("as_of", utc, nullable=False),
        sa.ForeignKeyConstraint(
            ["art_id"], ["arts.id"], name=op.f("fk_rpt_predictability_art_id_arts")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rpt_predictability")),
    )
    op.create_index("ix_rpt_predictability_art_pi", "rpt_predictability", ["art_id", "pi"])
    op.create_table(
        "rpt_refresh",
        sa.Column("art_id", sa.Integer(), nullable=False),
        sa.Column("data_version", sa.BigInteger(), nullable=False),
        sa.Column("structure", sa.String(length=64), nullable=False),
        sa.Column("through_day", sa.Date(), nullable=False),
        sa.Column("refreshed_at", utc, nullable=False),
        sa.ForeignKeyConstraint(["art_id"], ["arts.id"], name=op.f("fk_rpt_refresh_art_id_arts")),
        sa.PrimaryKeyConstraint("art_id", name=op.f("pk_rpt_refresh")),
    )


def upgrade() -> None:
    _tables()
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        op.execute("CREATE SCHEMA IF NOT EXISTS reporting")
    for name, body in VIEWS.items():
        op.execute(f"CREATE VIEW {view_name(name, dialect)} AS {body.strip()}")


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    for name in reversed(VIEWS):
        op.execute(f"DROP VIEW IF EXISTS {view_name(name, dialect)}")
    if dialect == "postgresql":
        op.execute("DROP SCHEMA IF EXISTS reporting")
    for table in (
        "rpt_refresh",
        "rpt_predictability",
        "rpt_dependencies",
        "rpt_item_facts",
        "rpt_item_daily",
    ):
        op.drop_table(table)
