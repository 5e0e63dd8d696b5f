"""inbox revision as a 64-bit integer

Jira's webhook revision is its ``timestamp`` in milliseconds (1.7e12 today): it does not fit
PostgreSQL's 32-bit INTEGER, which refused every real Jira delivery.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27 18:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("inbox_events") as batch_op:
        batch_op.alter_column(
            "revision", existing_type=sa.Integer(), type_=sa.BigInteger(), existing_nullable=True
        )


def downgrade() -> None:
    with op.batch_alter_table("inbox_events") as batch_op:
        batch_op.alter_column(
            "revision", existing_type=sa.BigInteger(), type_=sa.Integer(), existing_nullable=True
        )
