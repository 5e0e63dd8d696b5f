"""console sessions in the database

The console's sessions lived in the memory of the web process: a restart signed every RTE
out, and behind a load balancer a page served by another replica sent its reader back to
sign-in. Each row is one session: the SHA-256 of the cookie's random id, the token it was
opened with (deleting the token deletes its sessions) and when it ends.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07 04:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import art.types

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "console_sessions",
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("token_id", sa.Integer(), nullable=False),
        sa.Column("created_at", art.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("ends_at", art.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["token_id"],
            ["api_tokens.id"],
            name=op.f("fk_console_sessions_token_id_api_tokens"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("digest", name=op.f("pk_console_sessions")),
    )
    op.create_index("ix_console_sessions_ends_at", "console_sessions", ["ends_at"])


def downgrade() -> None:
    op.drop_index("ix_console_sessions_ends_at", table_name="console_sessions")
    op.drop_table("console_sessions")
