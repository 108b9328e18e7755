"""The hard rules, one registry: pair rules (who may serve whom), manager limits (per-manager
caps) and the rules over whole plans every backend keeps by construction (coverage, hours,
parent groups, the move budget), each in its own module here.

Every module of this package is loaded when the package is: a rule module registers itself
(`base.register`), and so does the policy key that switches it on. The compiler, every backend
(through `AssignmentProblem.limit_*`), the evaluator and the diagnosis read the registry; none
of them names a limit rule.
"""

from __future__ import annotations

import importlib
import pkgutil

from planner.rules.base import (
    LIMITS,
    PAIR_RULES,
    PLAN_RULES,
    ManagerLimit,
    PairRule,
    PlanRule,
    PlanState,
    Violation,
)
from planner.rules.pair import current_may_stay, eligible, failed_pair_rules

for _module in pkgutil.iter_modules(__path__):
    importlib.import_module(f"{__name__}.{_module.name}")

# Rules over whole plans that are the model's structure rather than rows a module adds: each is
# enforced by every backend and checked by the evaluator (planner.evaluate) through its module.
STRUCTURAL_RULES: dict[str, str] = {name: rule.words for name, rule in PLAN_RULES.items()}


def aggregate_rules() -> dict[str, str]:
    """Name -> words of every rule over whole plans: the structural ones and each limit."""
    return {**STRUCTURAL_RULES, **{name: rule.words for name, rule in LIMITS.items()}}


AGGREGATE_RULES = aggregate_rules()

__all__ = [
    "AGGREGATE_RULES",
    "LIMITS",
    "PAIR_RULES",
    "PLAN_RULES",
    "STRUCTURAL_RULES",
    "ManagerLimit",
    "PairRule",
    "PlanRule",
    "PlanState",
    "Violation",
    "aggregate_rules",
    "current_may_stay",
    "eligible",
    "failed_pair_rules",
]
