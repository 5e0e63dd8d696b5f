"""stored webhook deliveries keep only the headers worth keeping

Deliveries stored before this revision kept every header but Authorization, among them
X-Trainyard-Secret (the Azure DevOps shared secret, in plain text), X-Hub-Signature and any
cookie or API key a proxy added. The receiver now keeps an allow-list; this rewrites the
headers already stored to the same list, so no secret stays in the inbox.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-05 18:00:00.000000
"""

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import context, op

from art.types import JSONType

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# sync.inbox.KEPT_HEADERS as of this revision (a migration keeps the rule it was written with)
KEPT = frozenset(
    {
        "content-type",
        "content-length",
        "user-agent",
        "x-request-id",
        "x-atlassian-webhook-identifier",
        "x-atlassian-webhook-retry",
        "x-atlassian-webhook-flow",
    }
)
PAGE = 1000

inbox = sa.table("inbox_events", sa.column("id", sa.Integer), sa.column("headers", JSONType))


def _kept(headers: Any) -> dict[str, Any]:
    if not isinstance(headers, dict):
        return {}
    return {k: v for k, v in headers.items() if k.lower() in KEPT}


def upgrade() -> None:
    if context.is_offline_mode():  # rows cannot be read into an SQL script
        return
    bind = op.get_bind()
    last = 0
    while True:
        rows = bind.execute(
            sa.select(inbox.c.id, inbox.c.headers)
            .where(inbox.c.id > last)
            .order_by(inbox.c.id)
            .limit(PAGE)
        ).all()
        if not rows:
            return
        changed = [
            {"row_id": row_id, "kept": _kept(headers)}
            for row_id, headers in rows
            if _kept(headers) != headers
        ]
        if changed:
            bind.execute(
                inbox.update()
                .where(inbox.c.id == sa.bindparam("row_id"))
                .values(headers=sa.bindparam("kept", type_=JSONType)),
                changed,
            )
        last = rows[-1][0]


def downgrade() -> None:
    """Nothing to undo: the headers dropped were never to be kept."""
