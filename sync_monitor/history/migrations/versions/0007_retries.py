"""Each attempt says whether it retries a failure (issue 23's "first tries"): `retry` is true
when the set's attempt just before it (by when they began) failed. Kept at write time beside the
attempt's number (store.py `_renumber`), so the analysis counts first tries in the same pass over
the hours' index as every other count (the index takes `retry` in place of the attempt's number,
which no aggregate reads), instead of looking up a million predecessors.

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

HOURS = ["hour", "platform", "state", "retry", "at_ms", "set_id"]
OLD_HOURS = ["hour", "platform", "state", "attempt", "at_ms", "set_id"]
# The set's attempt just before this one (the numbering's order: when they began, then key).
FILL = """
UPDATE attempts SET retry = COALESCE((
    SELECT p.state = 'failed' FROM attempts p
    WHERE p.set_id = attempts.set_id
      AND (p.at_ms < attempts.at_ms OR (p.at_ms = attempts.at_ms AND p.key < attempts.key))
    ORDER BY p.at_ms DESC, p.key DESC LIMIT 1
), false)
"""


def upgrade() -> None:
    with op.batch_alter_table("attempts") as table:
        table.add_column(sa.Column("retry", sa.Boolean, nullable=False, server_default=sa.false()))
    op.execute(FILL)
    op.drop_index("ix_attempts_hours", "attempts")
    op.create_index("ix_attempts_hours", "attempts", HOURS)


def downgrade() -> None:
    op.drop_index("ix_attempts_hours", "attempts")
    op.create_index("ix_attempts_hours", "attempts", OLD_HOURS)
    with op.batch_alter_table("attempts") as table:
        table.drop_column("retry")
