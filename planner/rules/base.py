"""What a rule is: the parts every hard rule brings, whatever backend or report uses it.

A pair rule decides whether manager m may serve account a at all; it is a filter on the
model's columns, and the explainer and the diagnosis name it in words.

A manager limit caps, per manager, a count over the accounts they hold ("at most 40 accounts",
"at most 3 strategic accounts"). It brings the per-account use and the per-manager limit; from
these alone come its model rows (every backend writes `AssignmentProblem.limit_*` the same
way), the evaluator's check, the pre-solve counting argument and their words. A new limit is one
module in this package that defines a subclass and calls `register`: nothing else changes.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from planner.context import Context
from planner.models.policy import register_setting


@dataclass(frozen=True)
class Violation:
    rule: str
    account_id: str | None
    manager_id: str | None
    message: str

    def __str__(self) -> str:
        return f"[{self.rule}] {self.message}"


@dataclass(frozen=True)
class PairRule:
    name: str
    allowed: Callable[[Context, np.ndarray, np.ndarray], np.ndarray]  # broadcastable a, m -> bool
    words: str  # what the rule says, for people
    # Why accounts have no manager at all when this rule is the one that empties their list,
    # completing "N account(s) ..." (the diagnosis); the context and one such account index.
    none_left: Callable[[Context, int], str]
    # Words for a plan that gives account a to manager m against this rule (check, explain).
    breach: Callable[[Context, int, int], str]
    # Costly per pair (travel times): evaluated only on the pairs the other rules allow.
    expensive: bool = False

    def __call__(self, ctx: Context, a: np.ndarray, m: np.ndarray) -> np.ndarray:
        return self.allowed(ctx, a, m)


class ManagerLimit(ABC):
    """sum over the accounts a manager holds of use(account) <= limit(manager)."""

    name: str  # the rule's name in violations, conflict cores and plan checks
    words: str  # what the rule says, for people

    @abstractmethod
    def use(self, ctx: Context) -> np.ndarray:
        """(N,) int64: how much of the limit each account takes."""

    @abstractmethod
    def limit(self, ctx: Context) -> np.ndarray | None:
        """(M,) int64 per manager, -1 = no limit; None when the rule is off."""

    @abstractmethod
    def over(self, manager: str, count: int, limit: int) -> str:
        """Words for one manager holding `count` against a limit of `limit`."""

    @abstractmethod
    def short(self, where: str, need: int, have: int) -> str:
        """Words for a region (`where`) whose accounts need `need` but whose managers' limits
        add up to `have`: the counting argument of the pre-solve diagnosis."""

    def check(self, ctx: Context, agent: np.ndarray) -> list[Violation]:
        """Violations of a plan given as account -> manager index (-1 = none)."""
        limit = self.limit(ctx)
        if limit is None:
            return []
        held = agent >= 0
        count = np.bincount(agent[held], weights=self.use(ctx)[held], minlength=ctx.n_managers).astype(
            np.int64
        )
        return [
            Violation(
                self.name,
                None,
                ctx.manager_ids[j],
                self.over(ctx.manager_ids[j], int(count[j]), int(limit[j])),
            )
            for j in np.nonzero((limit >= 0) & (count > limit))[0].tolist()
        ]


@dataclass(frozen=True)
class PlanState:
    """What the evaluator knows of a plan that the rules over whole plans check."""

    ctx: Context
    plan: Any  # planner.models.Plan (its rows: which accounts it mentions, their service levels)
    agent: np.ndarray  # (N,) manager index per account, -1 = none
    level: np.ndarray  # (N,) service level index per account, 0 = full
    load: np.ndarray  # (M,) int64 centi-hours a month per manager
    voluntary_moves: int
    max_moves: int | None  # the disruption budget in force, None = none


class PlanRule(ABC):
    """A rule over a whole plan that is the model's structure rather than rows a module adds
    (every account served once, hours within capacity, groups together, the move budget): every
    backend keeps it by construction, and its check here is the evaluator's."""

    name: str
    words: str

    @abstractmethod
    def check(self, state: PlanState) -> list[Violation]:
        """Violations of the plan, each naming the account or manager it is about."""


PAIR_RULES: dict[str, PairRule] = {}
LIMITS: dict[str, ManagerLimit] = {}
PLAN_RULES: dict[str, PlanRule] = {}


Setting = tuple[str, Any, Any, str]  # (policy key, type, default, doc)


def register_pair(rule: PairRule, setting: Setting | None = None) -> PairRule:
    """Add a pair rule after those of planner.rules.pair (the diagnosis applies them in order);
    `setting` as for `register`."""
    _add(PAIR_RULES, rule, setting)
    return rule


def register(rule: ManagerLimit, setting: Setting | None = None) -> ManagerLimit:
    """Add a limit to the registry; `setting` when a top-level policy key switches it on (the
    policy then accepts and validates that key)."""
    _add(LIMITS, rule, setting)
    return rule


def register_plan_rule(rule: PlanRule) -> PlanRule:
    """Add a rule over whole plans; the evaluator checks every one."""
    _add(PLAN_RULES, rule, None)
    return rule


def _add(registry: dict[str, Any], rule: PairRule | ManagerLimit | PlanRule, setting: Setting | None) -> None:
    if rule.name in LIMITS or rule.name in PAIR_RULES or rule.name in PLAN_RULES:
        raise ValueError(f"rule {rule.name!r} is registered twice")
    registry[rule.name] = rule
    if setting is not None:
        register_setting(*setting)
