"""Workspaces: every table but the data set versions gets the workspace its row lives in; the
rows already there go to workspace `default`, the one keys without a workspace belong to.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

TABLES = ("datasets", "jobs", "plans", "events", "calendars", "hire_advice")


def upgrade() -> None:
    for table in TABLES:
        op.add_column(table, sa.Column("workspace", sa.String(100), server_default="default", nullable=False))
        op.create_index(f"ix_{table}_workspace", table, ["workspace"])


def downgrade() -> None:
    for table in TABLES:
        # SQLite drops a column by copying the table (batch mode); PostgreSQL alters it in place.
        with op.batch_alter_table(table) as batch:
            batch.drop_index(f"ix_{table}_workspace")
            batch.drop_column("workspace")
