"""raw records as JSON, not JSONB, on PostgreSQL

Each pull writes every item's tracker document into ``raw_records`` and nothing searches
inside them; as JSONB the server parsed each one into its binary form, the largest single
statement of a pull into PostgreSQL (5,000 documents of 4.6 KB: 1.0 s into JSONB, 0.45 s into
JSON, in a scratch test). JSON keeps the text as sent. SQLite stores both as text: nothing
changes there.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-07 04:30:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE raw_records ALTER COLUMN payload TYPE json USING payload::json")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE raw_records ALTER COLUMN payload TYPE jsonb USING payload::jsonb")
