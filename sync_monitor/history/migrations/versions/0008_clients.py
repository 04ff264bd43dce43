"""Clients and notifications (issue 24): each campaign set's owner as Dotoro names it (its team
and ad account, kept from the API's and the queue's job data where they carry them: the
account managers' page groups the sets by client), and the log of what the monitor sent
(alerts and digests): one row per message and channel, whose unique key is how a digest or an
alert is claimed once per deployment, whichever replica or restart sends it.

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("campaign_sets") as table:
        table.add_column(sa.Column("team_id", sa.String(100)))
        table.add_column(sa.Column("ad_account_id", sa.String(100)))
    op.create_table(
        "deliveries",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True),
        sa.Column("kind", sa.String(20), nullable=False),  # alert | digest
        sa.Column("key", sa.String(300), nullable=False),  # what was sent, e.g. digest:ops:2026-W49
        sa.Column("channel", sa.String(400), nullable=False),  # a channel's name, never its URL
        sa.Column("at_ms", sa.BigInteger, nullable=False),
        sa.Column("outcome", sa.String(20), nullable=False),  # claimed | sent | failed
        sa.Column("message", sa.Text, nullable=False),
        sa.UniqueConstraint("kind", "key", "channel", name="uq_deliveries_once"),
    )
    op.create_index("ix_deliveries_at", "deliveries", ["at_ms"])


def downgrade() -> None:
    op.drop_index("ix_deliveries_at", "deliveries")
    op.drop_table("deliveries")
    with op.batch_alter_table("campaign_sets") as table:
        table.drop_column("ad_account_id")
        table.drop_column("team_id")
