"""Plan teams: a plan's account teams (#19), account_id -> role -> the person in each slot.

A column of its own rather than a key of the summary: the summary is answered with every plan,
and a team names a person for every slot of every strategic and key account. Plans made before
teams, and plans without them, keep null: the one-role plan they always were.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("plans", sa.Column("team", sa.JSON, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("plans") as batch:  # SQLite drops a column by copying the table
        batch.drop_column("team")
