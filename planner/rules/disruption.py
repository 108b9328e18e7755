"""The disruption budget: at most max_moves voluntary moves (an account whose manager could have
kept it goes to another); moves a leaver or a rule forces are not counted."""

from __future__ import annotations

from planner.rules.base import PlanRule, PlanState, Violation, register_plan_rule


class MaxMoves(PlanRule):
    name = "max_moves"
    words = "voluntary moves stay within the disruption budget"

    def check(self, state: PlanState) -> list[Violation]:
        budget, moved = state.max_moves, state.voluntary_moves
        if budget is None or moved <= budget:
            return []
        return [Violation(self.name, None, None, f"{moved} voluntary moves exceed the budget of {budget}")]


register_plan_rule(MaxMoves())
