"""Several replicas, one collector (issue 22): the collector's lease, the changes it publishes
for the other replicas with the current state beside them, and the actions any replica asks it
to make. Used on PostgreSQL only (a fleet shares one database); created everywhere so that one
schema serves both.

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer, "sqlite")


def upgrade() -> None:
    # One row per lease name; its holder and epoch change only by taking an expired lease.
    op.create_table(
        "fleet_lease",
        sa.Column("name", sa.String(40), primary_key=True),
        sa.Column("holder", sa.String(200), nullable=False),
        sa.Column("epoch", sa.BigInteger, nullable=False),
        sa.Column("taken_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
    )
    # The collector's changes, in order; a follower reads the rows after the last it has.
    op.create_table(
        "fleet_events",
        sa.Column("id", BIG_ID, primary_key=True),
        sa.Column("epoch", sa.BigInteger, nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("body", sa.Text, nullable=False),
    )
    # The whole current state, for a follower that starts or fell too far behind.
    op.create_table(
        "fleet_state",
        sa.Column("name", sa.String(40), primary_key=True),
        sa.Column("epoch", sa.BigInteger, nullable=False),
        sa.Column("event_id", sa.BigInteger, nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("body", sa.Text, nullable=False),
    )
    # Retries and cancels asked for on any replica, executed by the collector.
    op.create_table(
        "fleet_requests",
        sa.Column("id", BIG_ID, primary_key=True),
        sa.Column("uid", sa.String(64), nullable=False, unique=True),
        sa.Column("asked_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("replica", sa.String(200), nullable=False),
        sa.Column("who", sa.Text, nullable=False),
        sa.Column("role", sa.String(20), nullable=False),
        sa.Column("action", sa.String(20), nullable=False),
        sa.Column("target", sa.Text, nullable=False),
        sa.Column("taken_by_epoch", sa.BigInteger, nullable=True),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("outcome", sa.Text, nullable=True),
    )
    op.create_index("ix_fleet_requests_open", "fleet_requests", ["answered_at", "id"])


def downgrade() -> None:
    op.drop_index("ix_fleet_requests_open", "fleet_requests")
    op.drop_table("fleet_requests")
    op.drop_table("fleet_state")
    op.drop_table("fleet_events")
    op.drop_table("fleet_lease")
