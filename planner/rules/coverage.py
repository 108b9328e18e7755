"""Every account is served, once: by exactly one active manager, in full unless a shortfall is
allowed (the policy's allow_unassigned); then it may be reduced or left out, but only as a row
the plan writes down."""

from __future__ import annotations

import numpy as np

from planner.rules.base import PlanRule, PlanState, Violation, register_plan_rule


class AssignExactlyOne(PlanRule):
    name = "assign_exactly_one"
    words = "every account goes to exactly one active manager"

    def check(self, state: PlanState) -> list[Violation]:
        ctx, plan = state.ctx, state.plan
        missing = [ctx.account_ids[i] for i in np.nonzero(state.agent < 0)[0]]
        if not ctx.dataset.policy.allow_unassigned:
            return [Violation(self.name, a, None, f"account {a} has no manager") for a in missing]
        # Unserved is a decision a plan writes down (a row with no manager); an account the plan
        # does not mention at all is data the plan was not made for.
        return [
            Violation(
                self.name,
                a,
                None,
                f"account {a} is not in the plan (give it a row; a blank manager leaves it unserved)",
            )
            for a in missing
            if a not in plan.assignment
        ]


class FullService(PlanRule):
    name = "full_service"
    words = "every account is served at its tier's full frequency unless a shortfall is allowed"

    def check(self, state: PlanState) -> list[Violation]:
        ctx = state.ctx
        if ctx.dataset.policy.allow_unassigned:
            return []
        reduced = np.nonzero((state.level > 0) & (state.agent >= 0))[0]
        return [
            Violation(self.name, a, None, f"account {a} gets reduced service; full service is required")
            for a in (ctx.account_ids[i] for i in reduced)
        ]


register_plan_rule(AssignExactlyOne())
register_plan_rule(FullService())
