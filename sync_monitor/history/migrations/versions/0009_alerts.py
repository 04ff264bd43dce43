"""Alerts (issue 24): one row per firing of an alert, from its start to its end, with what came
of its two messages (sent, or held over the hourly cap). Kept in the history database so that a
restart or another replica taking over as collector neither fires an alert again nor forgets
one that is firing.

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "alerts",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True),
        sa.Column("key", sa.String(300), nullable=False),
        # The key while it fires, NULL once it ended: one open alert per key.
        sa.Column("open_key", sa.String(300), unique=True),
        sa.Column("rule", sa.String(40), nullable=False),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("detail", sa.Text, nullable=False),
        sa.Column("link", sa.Text, nullable=False),
        sa.Column("started_ms", sa.BigInteger, nullable=False),
        sa.Column("ended_ms", sa.BigInteger),
        sa.Column("fired", sa.String(10), nullable=False),  # sent | held
        sa.Column("resolved", sa.String(10)),  # sent | held | none; NULL while it fires
        sa.Column("updated_ms", sa.BigInteger, nullable=False),
    )
    op.create_index("ix_alerts_started", "alerts", ["started_ms"])
    op.create_index("ix_alerts_ended", "alerts", ["ended_ms"])


def downgrade() -> None:
    op.drop_index("ix_alerts_ended", "alerts")
    op.drop_index("ix_alerts_started", "alerts")
    op.drop_table("alerts")
