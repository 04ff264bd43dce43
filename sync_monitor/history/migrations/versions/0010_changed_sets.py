"""The attempts by when they were last written: the clients' board reads again only the sets
whose attempts changed since its last read (issue 24), a range of this index, instead of every
set of the history every 30 s.

Revision ID: 0010
Revises: 0009
"""

from __future__ import annotations

from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_attempts_updated", "attempts", ["updated_ms", "set_id"])


def downgrade() -> None:
    op.drop_index("ix_attempts_updated", "attempts")
