"""The hard rules, one registry: pair rules (who may serve whom), manager limits (per-manager
caps, each in its own module here) and the structural rules every plan keeps.

Every module of this package is loaded when the package is: a rule module registers itself
(`base.register`), and so does the policy key that switches it on. The compiler, every backend
(through `AssignmentProblem.limit_*`), the evaluator and the diagnosis read the registry; none
of them names a limit rule.
"""

from __future__ import annotations

import importlib
import pkgutil

from planner.rules.base import LIMITS, PAIR_RULES, ManagerLimit, PairRule, Violation
from planner.rules.pair import current_may_stay, eligible, failed_pair_rules

for _module in pkgutil.iter_modules(__path__):
    importlib.import_module(f"{__name__}.{_module.name}")

# Rules over whole plans that are the model's structure rather than rows a module adds: each is
# enforced by every backend and checked by the evaluator (planner.evaluate).
STRUCTURAL_RULES: dict[str, str] = {
    "assign_exactly_one": "every account goes to exactly one active manager",
    "capacity_hours": "a manager's monthly hours (visits + travel + admin) stay within capacity_hours",
    "parent_group_together": "accounts of one parent group share one manager",
    "max_moves": "voluntary moves stay within the disruption budget",
    "utilisation_band": "every active manager's utilisation stays inside the policy band",
}


def aggregate_rules() -> dict[str, str]:
    """Name -> words of every rule over whole plans: the structural ones and each limit."""
    return {**STRUCTURAL_RULES, **{name: rule.words for name, rule in LIMITS.items()}}


AGGREGATE_RULES = aggregate_rules()

__all__ = [
    "AGGREGATE_RULES",
    "LIMITS",
    "PAIR_RULES",
    "STRUCTURAL_RULES",
    "ManagerLimit",
    "PairRule",
    "Violation",
    "aggregate_rules",
    "current_may_stay",
    "eligible",
    "failed_pair_rules",
]
