"""work items indexed by ART and sync time, the order the item list pages in

`GET /items` (and a BI tool's incremental load of it) reads one ART's items ordered by
(synced_at, id); with only the ART's other indexes the database sorted every item of the ART
to answer a page of 1,000 (about 30 ms at 50,000 items on SQLite, per page).

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-05 23:30:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_work_items_art_synced", "work_items", ["art_id", "synced_at", "id"])


def downgrade() -> None:
    op.drop_index("ix_work_items_art_synced", table_name="work_items")
