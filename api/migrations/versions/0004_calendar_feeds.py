"""Calendar feeds: per-manager secret .ics URLs a calendar app can subscribe to (#16 item 4).

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "calendar_feeds",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("dataset_id", sa.String(32), sa.ForeignKey("datasets.id"), nullable=False),
        sa.Column("manager_id", sa.String(100), nullable=False),
        sa.Column("token_sha256", sa.String(64), nullable=False, unique=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),  # api.db.UtcDateTime
        sa.Column("created_by", sa.String(100), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("workspace", sa.String(100), server_default="default", nullable=False),
    )
    op.create_index("ix_calendar_feeds_dataset_id", "calendar_feeds", ["dataset_id"])
    op.create_index("ix_calendar_feeds_workspace", "calendar_feeds", ["workspace"])


def downgrade() -> None:
    op.drop_index("ix_calendar_feeds_workspace", "calendar_feeds")
    op.drop_index("ix_calendar_feeds_dataset_id", "calendar_feeds")
    op.drop_table("calendar_feeds")
