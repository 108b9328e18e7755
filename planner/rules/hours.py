"""A manager's monthly hours (visits, travel and admin at the levels the plan chose) stay within
their capacity, and within the policy's utilisation band when it has one (below it too, for an
active manager). Over capacity is reported as that alone, not also as above the band."""

from __future__ import annotations

import numpy as np

from planner.context import Context
from planner.rules.base import PlanRule, PlanState, Violation, register_plan_rule


def band(ctx: Context) -> tuple[np.ndarray, np.ndarray]:
    """(lowest, highest) centi-hours per manager that the utilisation band allows (0 and the
    capacity without a band): the compiler's agent rows and this rule's check."""
    high = ctx.capacity_ch.copy()
    low = np.zeros(ctx.n_managers, dtype=np.int64)
    if ctx.dataset.policy.utilisation_band is not None:
        lo, hi = ctx.dataset.policy.utilisation_band
        high = np.minimum(ctx.capacity_ch, np.floor(ctx.capacity_ch * hi).astype(np.int64))
        low = np.where(ctx.active, np.ceil(ctx.capacity_ch * lo).astype(np.int64), 0)
    return low, high


class CapacityHours(PlanRule):
    name = "capacity_hours"
    words = "a manager's monthly hours (visits + travel + admin) stay within capacity_hours"

    def check(self, state: PlanState) -> list[Violation]:
        ctx, load = state.ctx, state.load
        over = np.nonzero(load > ctx.capacity_ch)[0]
        return [
            Violation(
                self.name,
                None,
                ctx.manager_ids[j],
                f"manager {ctx.manager_ids[j]}: {load[j] / 100:.2f} h per month exceeds the limit of "
                f"{ctx.capacity_ch[j] / 100:.2f} h",
            )
            for j in over.tolist()
        ]


class UtilisationBand(PlanRule):
    name = "utilisation_band"
    words = "every active manager's utilisation stays inside the policy band"

    def check(self, state: PlanState) -> list[Violation]:
        ctx, load = state.ctx, state.load
        low, high = band(ctx)
        found = []
        for j in range(ctx.n_managers):
            mid = ctx.manager_ids[j]
            if high[j] < load[j] <= ctx.capacity_ch[j]:
                found.append(
                    Violation(
                        self.name,
                        None,
                        mid,
                        f"manager {mid}: {load[j] / 100:.2f} h per month is above the band's {high[j] / 100:.2f} h",
                    )
                )
            if load[j] < low[j]:
                found.append(
                    Violation(
                        self.name,
                        None,
                        mid,
                        f"manager {mid}: {load[j] / 100:.2f} h per month is below the band's {low[j] / 100:.2f} h",
                    )
                )
        return found


register_plan_rule(CapacityHours())
register_plan_rule(UtilisationBand())
