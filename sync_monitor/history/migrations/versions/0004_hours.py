"""Group without sorting: each attempt's hour (epoch ms // 3,600,000) kept beside its time, and
indexes in the order the aggregates group by, so that SQLite (and PostgreSQL) read a window's
counts and histograms in index order instead of sorting a million rows; every index the
analysis reads covers the hour, so none of them goes back to the table for it.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

HOURS = ["hour", "platform", "state", "attempt", "at_ms", "set_id"]
SET_TIME = ["set_id", "at_ms", "state", "hour"]
FAILURES = ["state", "at_ms", "signature", "platform", "category", "set_id", "hour"]
RUNS = ["platform", "run_s", "state", "at_ms", "hour"]
WAITS = ["platform", "wait_s", "state", "at_ms", "hour"]


def upgrade() -> None:
    with op.batch_alter_table("attempts") as table:
        table.add_column(sa.Column("hour", sa.BigInteger))
    op.execute("UPDATE attempts SET hour = at_ms / 3600000")
    op.create_index("ix_attempts_hours", "attempts", HOURS)
    op.create_index("ix_attempts_runs", "attempts", RUNS)
    op.create_index("ix_attempts_waits", "attempts", WAITS)
    op.drop_index("ix_attempts_window", "attempts")
    op.drop_index("ix_attempts_set_time", "attempts")
    op.create_index("ix_attempts_set_hour", "attempts", SET_TIME)
    op.drop_index("ix_attempts_failures", "attempts")
    op.create_index("ix_attempts_failed", "attempts", FAILURES)


def downgrade() -> None:
    op.drop_index("ix_attempts_failed", "attempts")
    op.create_index(
        "ix_attempts_failures",
        "attempts",
        ["state", "at_ms", "signature", "platform", "category", "set_id"],
    )
    op.drop_index("ix_attempts_set_hour", "attempts")
    op.create_index("ix_attempts_set_time", "attempts", ["set_id", "at_ms", "state"])
    op.create_index(
        "ix_attempts_window",
        "attempts",
        ["at_ms", "state", "platform", "attempt", "set_id", "run_s", "wait_s"],
    )
    op.drop_index("ix_attempts_waits", "attempts")
    op.drop_index("ix_attempts_runs", "attempts")
    op.drop_index("ix_attempts_hours", "attempts")
    with op.batch_alter_table("attempts") as table:
        table.drop_column("hour")
