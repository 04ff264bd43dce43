"""Faster analysis over large windows (bench/analysis.py: a million attempts).

Durations and queue waits kept in whole seconds beside the times, so that their histograms
read one column; a covering index of the narrow columns every aggregate reads, so a window is
scanned without touching the wide rows; the failures alone, for the signatures; each set's
attempts by time and state, for "was it retried later?".

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

WINDOW = ["at_ms", "state", "platform", "attempt", "set_id", "run_s", "wait_s"]
FAILURES = ["state", "at_ms", "signature", "platform", "category", "set_id"]


def upgrade() -> None:
    with op.batch_alter_table("attempts") as table:
        table.add_column(sa.Column("run_s", sa.Integer))
        table.add_column(sa.Column("wait_s", sa.Integer))
    op.execute(
        "UPDATE attempts SET run_s = (finished_ms - started_ms) / 1000, "
        "wait_s = (started_ms - queued_ms) / 1000"
    )
    op.drop_index("ix_attempts_at", "attempts")
    op.drop_index("ix_attempts_set", "attempts")
    op.create_index("ix_attempts_window", "attempts", WINDOW)
    op.create_index("ix_attempts_set_time", "attempts", ["set_id", "at_ms", "state"])
    op.create_index("ix_attempts_failures", "attempts", FAILURES)


def downgrade() -> None:
    op.drop_index("ix_attempts_failures", "attempts")
    op.drop_index("ix_attempts_set_time", "attempts")
    op.drop_index("ix_attempts_window", "attempts")
    op.create_index("ix_attempts_set", "attempts", ["set_id", "at_ms"])
    op.create_index("ix_attempts_at", "attempts", ["at_ms"])
    with op.batch_alter_table("attempts") as table:
        table.drop_column("wait_s")
        table.drop_column("run_s")
