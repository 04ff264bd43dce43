"""The attempts table (issue 11).

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "attempts",
        sa.Column("key", sa.String(200), primary_key=True),
        sa.Column("set_id", sa.String(100), nullable=False),
        sa.Column("set_name", sa.Text, nullable=False),
        sa.Column("platform", sa.String(20), nullable=False),
        sa.Column("job_id", sa.String(100)),
        sa.Column("attempt", sa.Integer, nullable=False),
        sa.Column("at_ms", sa.BigInteger, nullable=False),
        sa.Column("queued_ms", sa.BigInteger),
        sa.Column("started_ms", sa.BigInteger),
        sa.Column("finished_ms", sa.BigInteger),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("synced", sa.Integer),
        sa.Column("failed", sa.Integer),
        sa.Column("total", sa.Integer),
        sa.Column("error", sa.Text),
        sa.Column("category", sa.String(30), nullable=False),
        sa.Column("signature", sa.String(200), nullable=False),
        sa.Column("source", sa.String(20), nullable=False),
        sa.Column("updated_ms", sa.BigInteger, nullable=False),
    )
    op.create_index("ix_attempts_at", "attempts", ["at_ms"])
    op.create_index("ix_attempts_set", "attempts", ["set_id", "at_ms"])
    op.create_index("ix_attempts_open", "attempts", ["state"])


def downgrade() -> None:
    op.drop_table("attempts")
