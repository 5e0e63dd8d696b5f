"""work items carry the ART data version that last changed them

Incremental report loads re-read only the items stamped after the version they hold, instead
of loading a whole ART (seconds at 200k items) on every change.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-27 21:45:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("work_items") as batch_op:
        batch_op.add_column(
            sa.Column("art_version", sa.BigInteger(), nullable=False, server_default="0")
        )
        batch_op.create_index("ix_work_items_art_version", ["art_id", "art_version"])


def downgrade() -> None:
    with op.batch_alter_table("work_items") as batch_op:
        batch_op.drop_index("ix_work_items_art_version")
        batch_op.drop_column("art_version")
