"""The evaluator: the one source of truth for a plan's cost, feasibility and fairness.

It scores any plan — a solver's or one edited by hand in a spreadsheet — from
the data set alone, with the same rule and cost functions the compiler uses, so
a backend's reported objective must equal `evaluate(...).objective_cp`.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import TYPE_CHECKING, TypeVar

import numpy as np

from planner.context import Context
from planner.models import TIER_ORDER, Plan, Tier
from planner.objective import (
    PairMetrics,
    balance_cp_per_permille,
    balanced_managers,
    pair_metrics,
    plan_level_index,
    spread_cp,
    unserved_cp,
    util_permille_ceil,
    util_permille_floor,
)
from planner.rules import LIMITS, PAIR_RULES, PLAN_RULES, PlanState, Violation, current_may_stay
from planner.teams import teams_on
from planner.teams.balance import role_spreads_permille
from planner.teams.evaluate import TeamPart, TeamRow, team_part

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

Row = TypeVar("Row", bound="DataclassInstance")

# Why an account changed manager (plan.csv's move_reason). A rule reason reads "rule: <rule name>".
VOLUNTARY = "voluntary"  # today's manager could have kept it: a choice, counted against the budget
MANAGER_LEFT = "manager_left"  # today's manager is inactive
UNASSIGNED = "unassigned"  # today's manager could have kept it; the plan leaves it without one
RULE_PREFIX = "rule: "  # today's manager is active but a hard rule now forbids the pair


@dataclass(frozen=True)
class AccountRow:
    account_id: str
    manager_id: str | None
    tier: str
    previous_manager_id: str | None
    moved: bool  # manager differs from the current one (forced or voluntary)
    voluntary_move: bool
    workload_hours: float
    travel_hours: float
    match_score: float
    value_score: float
    cost_points: float
    # Names beside the ids, for people reading plan.csv; move_reason is None when not moved.
    account_name: str = ""
    manager_name: str = ""
    move_reason: str | None = None
    service: str = "full"  # 'full', a reduced level's name, or 'unserved'


@dataclass(frozen=True)
class ManagerRow:
    manager_id: str
    name: str
    region: str
    seniority: str
    active: bool
    accounts: int
    accounts_by_tier: dict[str, int]
    hours: float
    travel_hours: float
    capacity_hours: float
    utilisation: float | None
    value_carried: float


@dataclass(frozen=True)
class Evaluation:
    objective_cp: int
    parts_cp: dict[str, int]
    violations: list[Violation]
    accounts: list[AccountRow]
    managers: list[ManagerRow]
    moves: dict[str, float]
    fairness: dict[str, float]
    tiers: dict[str, object]
    unassigned: list[str] = field(default_factory=list)
    team: list[TeamRow] = field(default_factory=list)  # account teams: one row per slot (planner.teams)

    @property
    def objective(self) -> float:
        return self.objective_cp / 100

    @property
    def feasible(self) -> bool:
        return not self.violations

    @property
    def budget_moves(self) -> int:
        """The voluntary moves the disruption budget (max_moves) counts: the accounts' (moves
        'voluntary') and, with account teams, the team slots' ('team_voluntary')."""
        return int(self.moves["voluntary"] + self.moves.get("team_voluntary", 0))


@dataclass(frozen=True)
class _Scored:
    """What the objective and the rules need of a plan; `evaluate` adds the report to it."""

    agent: np.ndarray  # (A,) manager index per account, -1 unassigned
    level: np.ndarray  # (A,) service level per account
    metrics: PairMetrics  # of the assigned accounts' pairs
    load: np.ndarray  # (M,) centi-hours, every role's on a person with account teams
    travel: np.ndarray  # (M,) centi-hours of travel
    team: TeamPart | None
    voluntary: int  # the accounts' voluntary moves
    parts: dict[str, int]
    violations: list[Violation]
    mask: np.ndarray  # (M,) the balanced managers
    spread_permille: int


def score(ctx: Context, plan: Plan, max_moves: int | None = None) -> tuple[int, list[Violation]]:
    """The plan's objective (centi-points) and the rules it breaks: `evaluate` without the
    report (account and manager rows, move reasons, fairness), for callers that score many
    plans, such as the property tests' enumeration of every plan (40 % of their time went to
    the report). The same computation: `evaluate` is this plus the report."""
    scored = _score(ctx, plan, max_moves)
    return sum(scored.parts.values()), scored.violations


def evaluate(ctx: Context, plan: Plan, max_moves: int | None = None) -> Evaluation:
    s = _score(ctx, plan, max_moves)
    agent, level, metrics, load, travel, team = s.agent, s.level, s.metrics, s.load, s.travel, s.team
    n = ctx.n_accounts
    a_idx = np.nonzero(agent >= 0)[0]
    count = np.bincount(agent[a_idx], minlength=ctx.n_managers)
    value = np.bincount(agent[a_idx], weights=ctx.value[a_idx], minlength=ctx.n_managers)
    reasons = move_reasons(ctx, agent)
    service = ["full"] * n
    for k in np.nonzero((level > 0) | (agent < 0))[0].tolist():
        service[k] = plan.service_of(ctx.account_ids[k])
    account_rows = _account_rows(ctx, agent, a_idx, metrics, reasons, service)
    manager_rows = _manager_rows(ctx, agent, load, travel, count, value)
    moved = np.array([r is not None for r in reasons], dtype=bool)
    by_leaver = np.array([r == MANAGER_LEFT for r in reasons], dtype=bool)
    by_rule = np.array([r is not None and r.startswith(RULE_PREFIX) for r in reasons], dtype=bool)
    strategic = ctx.tier == TIER_ORDER.index(Tier.strategic)
    voluntary_mask = np.zeros(n, dtype=bool)
    voluntary_mask[a_idx] = metrics.moved
    moves = {
        "voluntary": s.voluntary,  # what the disruption budget counts (with teams: + team_voluntary)
        "forced": int(by_leaver.sum() + by_rule.sum()),  # = forced_by_leaver + forced_by_rule
        "forced_by_leaver": int(by_leaver.sum()),
        "forced_by_rule": int(by_rule.sum()),
        "total": int(moved.sum()),  # every account whose manager changes, for whatever reason
        "value_moved": round(float(ctx.value[moved].sum()), 2),
        "value_moved_voluntary": round(float(ctx.value[voluntary_mask].sum()), 2),
        "strategic_moved": int(np.sum(moved & strategic)),
        "strategic_moved_voluntary": int(np.sum(voluntary_mask & strategic)),
    }
    if team is not None:  # team slots that change hands, and those by choice (in the budget too)
        moves["team_moved"] = sum(r.moved for r in team.rows)
        moves["team_voluntary"] = team.voluntary_moves
    return Evaluation(
        objective_cp=sum(s.parts.values()),
        parts_cp=s.parts,
        violations=s.violations,
        accounts=account_rows,
        managers=manager_rows,
        moves=moves,
        fairness=fairness_stats(load[s.mask] / 100, ctx.capacity_ch[s.mask] / 100, s.spread_permille),
        tiers=ctx.tiering.report(),
        unassigned=[ctx.account_ids[i] for i in np.nonzero(agent < 0)[0]],
        team=team.rows if team is not None else [],
    )


def _score(ctx: Context, plan: Plan, max_moves: int | None) -> _Scored:
    ds = ctx.dataset
    policy = ds.policy
    violations: list[Violation] = []
    n = ctx.n_accounts

    agent = np.full(n, -1, dtype=np.int64)
    for account_id, manager_id in plan.assignment.items():
        if account_id not in ctx.account_index:
            violations.append(
                Violation(
                    "unknown_account", account_id, manager_id, f"plan names unknown account {account_id!r}"
                )
            )
            continue
        if manager_id is not None:
            if manager_id not in ctx.manager_index:
                violations.append(
                    Violation(
                        "unknown_manager",
                        account_id,
                        manager_id,
                        f"account {account_id}: unknown manager {manager_id!r}",
                    )
                )
                continue
            agent[ctx.account_index[account_id]] = ctx.manager_index[manager_id]

    assigned = np.nonzero(agent >= 0)[0]

    # Pair rules on the plan's own pairs.
    a_idx, m_idx = assigned, agent[assigned]
    for rule_name, rule in PAIR_RULES.items():
        ok = rule(ctx, a_idx, m_idx)
        for i in np.nonzero(~ok)[0]:
            acc, mgr = ctx.account_ids[a_idx[i]], ctx.manager_ids[m_idx[i]]
            violations.append(
                Violation(rule_name, acc, mgr, _pair_message(ctx, rule_name, int(a_idx[i]), int(m_idx[i])))
            )

    try:
        level = plan_level_index(ctx, plan)
    except KeyError as exc:
        violations.append(Violation("service_level", None, None, str(exc.args[0])))
        level = np.zeros(n, dtype=np.int64)
    metrics = pair_metrics(ctx, a_idx, m_idx, level[a_idx])
    load = np.bincount(m_idx, weights=metrics.hours_ch, minlength=ctx.n_managers).astype(np.int64)
    travel = np.bincount(m_idx, weights=metrics.travel_ch, minlength=ctx.n_managers).astype(np.int64)

    team = team_part(ctx, plan, agent, load) if teams_on(ctx) else None
    if team is not None:  # every role's hours count on the person: capacity, band and balance
        load, travel = load + team.load, travel + team.travel
        violations += team.violations

    budget = policy.max_moves if max_moves is None else max_moves
    voluntary = int(metrics.moved.sum())  # the accounts'; the team slots' are counted apart
    in_budget = voluntary + (team.voluntary_moves if team is not None else 0)
    state = PlanState(ctx, plan, agent, level, load, in_budget, budget)
    for whole in PLAN_RULES.values():  # coverage, hours, groups, moves: each rule checks itself
        violations += whole.check(state)
    for limit in LIMITS.values():  # every registered manager limit checks itself
        violations += limit.check(ctx, agent)

    # Objective, with exactly the compiler's integer arithmetic.
    balance = 0
    spread_permille = 0
    mask = balanced_managers(ctx)
    if mask.any():
        spread_permille = int(
            util_permille_ceil(load[mask], ctx.capacity_ch[mask]).max()
            - util_permille_floor(load[mask], ctx.capacity_ch[mask]).min()
        )
        balance = balance_cp_per_permille(ctx) * spread_permille
        if team is not None:  # account teams balance each role apart (planner.teams.balance)
            balance = balance_cp_per_permille(ctx) * sum(role_spreads_permille(ctx, load).values())
    parts = {
        "value_match": int(metrics.value_cp.sum()),
        "travel": int(metrics.travel_cp.sum()),
        "moves": int(metrics.move_cp.sum()),
        "balance": int(balance),
        "reduced_service": int(metrics.reduced_cp.sum()),
        "performance": int(metrics.performance_cp.sum()),
        "opportunity": spread_cp(ctx, agent),
        "unassigned": int(unserved_cp(ctx, np.nonzero(agent < 0)[0]).sum()) if policy.allow_unassigned else 0,
    }
    if team is not None:
        parts["team"] = team.cost_cp
    return _Scored(
        agent, level, metrics, load, travel, team, voluntary, parts, violations, mask, spread_permille
    )


def fairness_stats(hours: np.ndarray, capacity: np.ndarray, spread_permille: int = 0) -> dict[str, float]:
    """Utilisation and hours statistics over the managers who carry workload."""
    if hours.size == 0:
        return {}
    util = hours / capacity
    mean_h = float(hours.mean())
    return {
        "managers": int(hours.size),
        "utilisation_min": round(float(util.min()), 4),
        "utilisation_mean": round(float(util.mean()), 4),
        "utilisation_max": round(float(util.max()), 4),
        "utilisation_spread_permille": spread_permille,
        "utilisation_cv": round(float(util.std() / util.mean()), 4) if util.mean() > 0 else 0.0,
        "hours_cv": round(float(hours.std() / mean_h), 4) if mean_h > 0 else 0.0,
        "hours_gini": round(gini(hours), 4),
        "share_above_90pct": round(float(np.mean(util > 0.9)), 4),
        "share_below_50pct": round(float(np.mean(util < 0.5)), 4),
        "max_min_hours_ratio": round(float(hours.max() / hours.min()), 4)
        if hours.min() > 0
        else float("inf"),
    }


def gini(x: np.ndarray) -> float:
    """Gini coefficient of a non-negative vector (0 = all equal)."""
    x = np.sort(np.asarray(x, dtype=float))
    n = x.size
    if n == 0 or x.sum() == 0:
        return 0.0
    ranks = np.arange(1, n + 1)
    return float((2 * np.sum(ranks * x) / (n * x.sum())) - (n + 1) / n)


def move_reasons(ctx: Context, agent: np.ndarray) -> list[str | None]:
    """Per account, why its manager changes (None: it does not): see VOLUNTARY and the others.
    A forced move names the first pair rule that forbids today's pair, in PAIR_RULES order, so a
    leaver reads manager_left rather than every rule an inactive manager fails."""
    cur = ctx.current
    moved = (cur >= 0) & (cur != agent)
    out: list[str | None] = [None] * ctx.n_accounts
    for i in np.nonzero(moved & current_may_stay(ctx))[0].tolist():
        out[i] = VOLUNTARY if agent[i] >= 0 else UNASSIGNED
    forced = np.nonzero(moved & ~current_may_stay(ctx))[0]
    if forced.size:
        pending = np.ones(forced.size, dtype=bool)
        for name, rule in PAIR_RULES.items():
            fails = pending & ~rule(ctx, forced, cur[forced])
            reason = MANAGER_LEFT if name == "manager_active" else RULE_PREFIX + name
            for k in np.nonzero(fails)[0].tolist():
                out[int(forced[k])] = reason
            pending &= ~fails
    return out


def _account_rows(
    ctx: Context,
    agent: np.ndarray,
    a_idx: np.ndarray,
    metrics,
    reasons: list[str | None],
    service: list[str],
) -> list[AccountRow]:
    # Scatter the pair metrics onto accounts once (unassigned accounts keep 0), then build the
    # rows from plain lists, column by column: per-row numpy indexing made this the slowest
    # part of a re-plan.
    n = ctx.n_accounts

    def per_account(values: np.ndarray) -> list[float]:
        out = np.zeros(n, dtype=float)
        out[a_idx] = values
        return out.tolist()

    voluntary = current_may_stay(ctx).copy()
    voluntary[a_idx] = metrics.moved
    current = ctx.current.tolist()
    agents = agent.tolist()
    tiers = [t.value for t in TIER_ORDER]
    ids = ctx.manager_ids
    manager_names = [m.name for m in ctx.dataset.managers]
    columns = {
        "account_id": ctx.account_ids,
        "manager_id": [ids[j] if j >= 0 else None for j in agents],
        "tier": [tiers[t] for t in ctx.tier.tolist()],
        "previous_manager_id": [ids[c] if c >= 0 else None for c in current],
        "moved": [c >= 0 and c != j for c, j in zip(current, agents, strict=True)],
        "voluntary_move": voluntary.tolist(),
        "workload_hours": per_account(metrics.hours_ch / 100),
        "travel_hours": per_account(metrics.travel_ch / 100),
        "match_score": per_account(np.round(metrics.match, 4)),
        "value_score": np.round(ctx.value, 2).tolist(),
        "cost_points": per_account(metrics.cost_cp / 100),
        "account_name": [a.name for a in ctx.dataset.accounts],
        "manager_name": [manager_names[j] if j >= 0 else "" for j in agents],
        "move_reason": reasons,
        "service": service,
    }
    return _frozen_rows(AccountRow, columns)


_ROW_FIELDS: dict[type, tuple[str, ...]] = {}


def _frozen_rows(cls: type[Row], columns: dict[str, list]) -> list[Row]:
    """Instances of a frozen dataclass, one per position of the columns (one per field). The
    same objects the constructor makes (fields, equality, hash, repr), made by setting each
    instance's attribute dict at once: a frozen dataclass's __init__ sets field by field through
    object.__setattr__, a third of an evaluation of 5,000 accounts."""
    names = _ROW_FIELDS.setdefault(cls, tuple(f.name for f in fields(cls)))
    assert set(columns) == set(names), "a column for every field, and no other"
    assert not hasattr(cls, "__post_init__") and not getattr(cls, "__slots__", ()), "plain fields only"
    new, set_attribute = object.__new__, object.__setattr__
    rows = []
    for values in zip(*(columns[name] for name in names), strict=True):
        row = new(cls)
        set_attribute(row, "__dict__", dict(zip(names, values, strict=True)))
        rows.append(row)
    return rows


def _manager_rows(ctx, agent, load, travel, count, value) -> list[ManagerRow]:
    rows = []
    placed = agent >= 0
    tier_counts = np.zeros((ctx.n_managers, len(TIER_ORDER)), dtype=np.int64)
    np.add.at(tier_counts, (agent[placed], ctx.tier[placed]), 1)
    for j, m in enumerate(ctx.dataset.managers):
        by_tier = {t.value: int(tier_counts[j, k]) for k, t in enumerate(TIER_ORDER)}
        cap = ctx.capacity_ch[j] / 100
        rows.append(
            ManagerRow(
                manager_id=m.manager_id,
                name=m.name,
                region=m.region,
                seniority=m.seniority.value,
                active=m.active,
                accounts=int(count[j]),
                accounts_by_tier=by_tier,
                hours=load[j] / 100,
                travel_hours=travel[j] / 100,
                capacity_hours=cap,
                utilisation=round(load[j] / 100 / cap, 4) if cap > 0 else None,
                value_carried=round(float(value[j]), 2),
            )
        )
    return rows


def _pair_message(ctx: Context, rule: str, a: int, m: int) -> str:
    return PAIR_RULES[rule].breach(ctx, a, m)
