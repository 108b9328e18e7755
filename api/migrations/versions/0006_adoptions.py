"""Adoptions: the audit of the plan in force (#15 item 1): which plan, the one before, how, who, when.

A data set that already has a plan in force gets one row for it, `before_audit`, dated when the
plan was made and by whom (the true time of its adoption was not kept before).

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "adoptions",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("dataset_id", sa.String(32), sa.ForeignKey("datasets.id"), nullable=False),
        sa.Column("plan_id", sa.String(32), nullable=False),
        sa.Column("previous_plan_id", sa.String(32), nullable=True),
        sa.Column("how", sa.String(20), nullable=False),
        sa.Column("adopted_at", sa.DateTime(timezone=True), nullable=False),  # api.db.UtcDateTime
        sa.Column("adopted_by", sa.String(100), nullable=False),
        sa.Column("workspace", sa.String(100), nullable=False, server_default="default"),
    )
    op.create_index("ix_adoptions_dataset_id", "adoptions", ["dataset_id"])
    op.create_index("ix_adoptions_workspace", "adoptions", ["workspace"])
    op.execute(
        "INSERT INTO adoptions (dataset_id, plan_id, previous_plan_id, how, adopted_at, adopted_by, workspace) "
        "SELECT d.id, p.id, NULL, 'before_audit', p.created_at, p.created_by, d.workspace "
        "FROM datasets d JOIN plans p ON p.id = d.current_plan_id"
    )


def downgrade() -> None:
    op.drop_index("ix_adoptions_workspace", "adoptions")
    op.drop_index("ix_adoptions_dataset_id", "adoptions")
    op.drop_table("adoptions")
