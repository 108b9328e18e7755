"""One frequency: stored policies whose tiers (or reduced levels) wrote visits_per_month and
visit_every_weeks with different meanings (the defaults did: strategic 2 a month and every 2
weeks) keep visits_per_month, the figure their plans' hours were computed from, and lose
visit_every_weeks, which the policy now derives from it. Without this such a data set would no
longer load (planner.models.policy.one_frequency refuses two disagreeing figures).

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

WEEKS_PER_MONTH = 52 / 12
AGREE = 0.02  # as planner.models.policy: closer than this is the same frequency, rounded


def one_frequency(rule: Any) -> bool:
    """Drop a disagreeing visit_every_weeks from one tier rule or level (a dict); True if changed."""
    if not isinstance(rule, dict):
        return False
    visits, every = rule.get("visits_per_month"), rule.get("visit_every_weeks")
    if not isinstance(visits, int | float) or not isinstance(every, int | float):
        return False
    if visits > 0 and every > 0 and abs(visits * every / WEEKS_PER_MONTH - 1) > AGREE:
        del rule["visit_every_weeks"]
        return True
    return False


def fix_dataset(payload: Any) -> bool:
    """Apply `one_frequency` to every tier and level of a stored Dataset dump; True if changed."""
    policy = payload.get("policy") if isinstance(payload, dict) else None
    tiers = policy.get("tiers") if isinstance(policy, dict) else None
    if not isinstance(tiers, dict):
        return False
    changed = False
    for rule in tiers.values():
        changed |= one_frequency(rule)
        for level in rule.get("reduced_levels") or [] if isinstance(rule, dict) else []:
            changed |= one_frequency(level)
    return changed


def _fix(table: str, column: str) -> None:
    bind = op.get_bind()
    data = sa.table(table, sa.column("id"), sa.column(column, sa.JSON))
    for row_id, payload in bind.execute(sa.select(data.c.id, data.c[column])).all():
        if payload is not None and fix_dataset(payload):
            bind.execute(sa.update(data).where(data.c.id == row_id).values({column: payload}))


def upgrade() -> None:
    _fix("dataset_versions", "payload")
    _fix("plans", "scenario_dataset")


def downgrade() -> None:
    pass  # the policies keep their one frequency: an older server reads them as they are
