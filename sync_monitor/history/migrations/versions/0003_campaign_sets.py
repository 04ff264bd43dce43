"""Campaign sets by id with their latest name: the analysis page's set filter reads this small
table instead of grouping every attempt.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "campaign_sets",
        sa.Column("set_id", sa.String(100), primary_key=True),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("updated_ms", sa.BigInteger, nullable=False),
    )
    op.execute(
        "INSERT INTO campaign_sets (set_id, name, updated_ms) "
        "SELECT set_id, max(set_name), max(updated_ms) FROM attempts GROUP BY set_id"
    )


def downgrade() -> None:
    op.drop_table("campaign_sets")
