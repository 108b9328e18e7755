"""Accounts of one parent group (linked by parent_id, transitively) share one manager: a
holding company deals with one face, whichever subsidiary calls."""

from __future__ import annotations

import numpy as np

from planner.rules.base import PlanRule, PlanState, Violation, register_plan_rule


class ParentGroupTogether(PlanRule):
    name = "parent_group_together"
    words = "accounts of one parent group share one manager"

    def check(self, state: PlanState) -> list[Violation]:
        ctx, agent = state.ctx, state.agent
        together, _ = ctx.same_in_group(agent)
        found = []
        for g in np.nonzero(~together)[0]:
            members = ctx.groups[g]
            ids = [ctx.account_ids[i] for i in members]
            names = sorted(
                {ctx.manager_ids[o] if o >= 0 else "(none)" for o in (int(agent[i]) for i in members)}
            )
            found.append(
                Violation(
                    self.name,
                    ids[0],
                    None,
                    f"parent group {', '.join(ids)} is split across managers {', '.join(names)}",
                )
            )
        return found


register_plan_rule(ParentGroupTogether())
