"""Workload and cost of serving account a by manager m; the objective's building blocks.

All quantities are integers so that every solver, and the evaluator, get the
same objective to the last digit:
- hours in centi-hours (ch): round(hours x 100) per account-manager pair;
- cost in centi-points (cp): round(points x 100) per account-manager pair;
- utilisation in per-mille of capacity: the spread term uses ceil(max) - floor(min).

Per pair (a, m) at service level l, with v = visits per month of a's tier at level l (level 0
is the tier's full service, 1.. its reduced levels, a tier with fewer levels stays at its last;
an account with its own `visit_every_weeks` E has v = (52/12) / E and no reduced level)
and t = one-way travel hours:
    travel_hours  = v x 2t
    hours         = v x hours_per_visit + travel_hours + admin_hours_per_month
    match         = (w_ind x [m knows a's industry] + w_sen x seniority_fit) / (w_ind + w_sen)
    seniority_fit = 1 - |rank(m) - ideal rank of a's tier| / 2
    cost          = value_match x value(a) x (1 - match) x match_factor(a)     (value left unserved)
                  + travel_hour x travel_hours
                  + move x move_weight(tier) x (10 + value(a)) x move_factor(a)
                    x [a has an active current manager != m]
                  + lost(a) x (v_full - v) x hours_per_visit                   (reduced service)
                  + performance x value(a) x [a is strategic] x (1 - perf(m) / 100)   (m has a score)
    lost(a)       = unassigned x service_weight(tier) x (1 + value(a) / 100)   points per service hour
    unserved(a)   = lost(a) x (v_full x hours_per_visit + admin_hours_per_month)
Plan objective = sum of pair costs + sum of unserved(a) over accounts left unserved
               + balance_cp x (ceil max util - floor min util),
util in per-mille over active managers with capacity > 0, balance_cp = round(balance x 100 / 1000).
With account teams the balance term is one such spread per role, summed (planner.teams.balance).
Peer spreads (fair opportunity, weights value_spread and strategic_spread, 0 = off): over the
active managers with capacity, grouped by seniority, per group
               + value_spread_cp x (max - min of sum over held accounts of round(10 x value(a)))
               + strategic_spread_cp x (max - min of strategic accounts held)
value_spread_cp = round(value_spread x 10) centi-points per tenth of a value point,
strategic_spread_cp = round(strategic_spread x 100). A true max-min per seniority, in every
backend's model (AssignmentProblem.spread_*), not a proxy; decomposed parts leave it out.
Why the performance term is on strategic accounts only: the wish is high performers on the most
valuable accounts (#18: the top 10 % by value served above the team's mean performance), and a
high performer's hours are few. Charged on every account (value x (1 - perf / 100), before #18's
change) or on a value-convex weight (100 x (value / 100)^P), key accounts pull the best performers
too and fill their hours, so the top accounts gain little for a large price. On the demo with 10
seeded score columns (benchmarks/performance_shapes.py; without the preference the target holds
on 8, one more is reachable): every account at weight 5 held it on 7 (8-32 % of the objective)
and on fewer at higher weights; P = 3 never added the ninth (2-37 %); P = 10 did at 40 (4-19 %);
strategic only does at 20 (0.4-11 %), and a tenth of the weight on key accounts as well raised
the price to 1-15 %. The strategic tier is the value rank's top share (plus the data's
overrides): the step follows the value, and the weight stays points per value point.
The 10 in the move term makes even a low-value account's move cost something. match_factor and
move_factor are 1 unless the account is at risk (policy health, planner.models.health, which also
gives an at-risk account its own visit frequency: full_visits below).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from planner.context import Context
from planner.models import TIER_ORDER, Plan, Tier
from planner.models.policy import WEEKS_PER_MONTH
from planner.problem import UTIL_SCALE
from planner.rules import current_may_stay
from planner.travel import one_way_hours


@dataclass(frozen=True)
class PairMetrics:
    hours_ch: np.ndarray  # int64 centi-hours per month
    travel_ch: np.ndarray  # int64 centi-hours per month, part of hours_ch
    match: np.ndarray  # float in [0, 1]
    value_cp: np.ndarray  # int64 centi-points: value left unserved by the match
    travel_cp: np.ndarray  # int64
    move_cp: np.ndarray  # int64, 0 unless this pair moves the account voluntarily
    moved: np.ndarray  # bool: a voluntary move (current manager may stay and is not m)
    reduced_cp: np.ndarray  # int64, value of the service a reduced level leaves undone
    performance_cp: np.ndarray  # int64, value entrusted below top performance (0 without a score)

    @property
    def cost_cp(self) -> np.ndarray:
        return self.value_cp + self.travel_cp + self.move_cp + self.reduced_cp + self.performance_cp


def level_visits(ctx: Context) -> np.ndarray:
    """(tiers, levels) visits per month: column 0 full service, then each tier's reduced
    levels, a tier with fewer levels repeating its last."""
    rules = [ctx.dataset.policy.tiers[t] for t in TIER_ORDER]
    width = 1 + max(len(r.reduced_levels) for r in rules)
    table = np.zeros((len(rules), width))
    for k, rule in enumerate(rules):
        visits = [rule.visits_per_month] + [lv.visits_per_month for lv in rule.reduced_levels]
        table[k] = visits + [visits[-1]] * (width - len(visits))
    return table


def level_counts(ctx: Context) -> np.ndarray:
    """Number of service levels of each tier (1 = full service only)."""
    return np.array([1 + len(ctx.dataset.policy.tiers[t].reduced_levels) for t in TIER_ORDER])


def full_visits(ctx: Context) -> np.ndarray:
    """(N,) visits per month at full service: the account's own frequency (`visit_every_weeks`
    column, or an at-risk account's raised one; a month = 52/12 weeks) where it has one, else its
    tier's."""
    own = ctx.own_every_weeks
    return np.where(np.isnan(own), ctx.tier_param("visits_per_month")[ctx.tier], WEEKS_PER_MONTH / own)


def account_level_counts(ctx: Context) -> np.ndarray:
    """(N,) service levels each account may get: its tier's, or 1 (full only) for an account with
    its own frequency (a contract's or an at-risk customer's is kept or not served, not thinned)."""
    return np.where(np.isnan(ctx.own_every_weeks), level_counts(ctx)[ctx.tier], 1)


def account_level_names(ctx: Context, i: int) -> list[str]:
    """Names of account i's levels: its tier's, or "full" only (`account_level_counts`)."""
    return level_names(ctx, int(ctx.tier[i]))[: int(account_level_counts(ctx)[i])]


def level_names(ctx: Context, tier: int) -> list[str]:
    """Names of a tier's levels, index = level: "full", then its reduced levels'."""
    rule = ctx.dataset.policy.tiers[TIER_ORDER[tier]]
    return ["full"] + [lv.name for lv in rule.reduced_levels]


def plan_level_index(ctx: Context, plan: Plan) -> np.ndarray:
    """Each account's service level index in a plan (0 = full); KeyError names an unknown level."""
    out = np.zeros(ctx.n_accounts, dtype=np.int64)
    for account_id, name in plan.service.items():
        i = ctx.account_index.get(account_id)
        if i is None:
            continue
        names = account_level_names(ctx, i)
        if name not in names:
            raise KeyError(
                f"account {account_id}: unknown service level {name!r} (it has {', '.join(names)})"
            )
        out[i] = names.index(name)
    return out


def lost_points_per_hour(ctx: Context, a: np.ndarray) -> np.ndarray:
    """Points per hour of on-site service per month left undone for account(s) a."""
    w = ctx.dataset.policy.weights
    return w.unassigned * ctx.tier_param("service_weight")[ctx.tier[a]] * (1.0 + ctx.value[a] / 100.0)


def unserved_cp(ctx: Context, a: np.ndarray) -> np.ndarray:
    """Cost of leaving account(s) a unserved: their whole monthly service, priced per hour."""
    tier = ctx.tier[a]
    service_h = (
        full_visits(ctx)[a] * ctx.tier_param("hours_per_visit")[tier]
        + ctx.tier_param("admin_hours_per_month")[tier]
    )
    return np.rint(lost_points_per_hour(ctx, a) * service_h * 100).astype(np.int64)


def match_score(
    ctx: Context, a: np.ndarray, m: np.ndarray, ideal_rank: np.ndarray | int | None = None
) -> np.ndarray:
    """Skill match in [0, 1]; `ideal_rank` the seniority rank the post wants (default: the
    account's tier's ideal; an account team's role brings its own)."""
    weights = ctx.dataset.policy.match
    acc_ind, knows = ctx.industry_match
    industry = np.where(acc_ind[a] >= 0, knows[m, acc_ind[a]], False).astype(float)
    ideal = ctx.ideal_seniority_by_tier[ctx.tier[a]] if ideal_rank is None else ideal_rank
    fit = 1.0 - np.abs(ctx.seniority_rank[m] - ideal) / 2.0
    return (weights.industry * industry + weights.seniority * fit) / (weights.industry + weights.seniority)


def pair_metrics(
    ctx: Context,
    a: np.ndarray,
    m: np.ndarray,
    level: np.ndarray | None = None,
    one_way: np.ndarray | None = None,
) -> PairMetrics:
    """Metrics of serving a by m at `level` (None: full service; a level past the tier's last
    counts as its last). `one_way`: the pairs' `one_way_hours`, where the caller has them (the
    compiler prices each pair at every level, from one set of travel times)."""
    tier = ctx.tier[a]
    full = full_visits(ctx)[a]
    if level is None:
        visits = full
    else:
        level = np.minimum(level, account_level_counts(ctx)[a] - 1)
        visits = np.where(level == 0, full, level_visits(ctx)[tier, level])
    travel_h = visits * 2 * (one_way_hours(ctx, a, m) if one_way is None else one_way)
    hours = (
        visits * ctx.tier_param("hours_per_visit")[tier]
        + travel_h
        + ctx.tier_param("admin_hours_per_month")[tier]
    )
    moved = current_may_stay(ctx)[a] & (ctx.current[a] != m)
    reduced_cp = np.rint(
        lost_points_per_hour(ctx, a) * (full - visits) * ctx.tier_param("hours_per_visit")[tier] * 100
    ).astype(np.int64)
    return priced(
        ctx,
        a,
        m,
        hours,
        travel_h,
        match_score(ctx, a, m),
        moved,
        ctx.tier_param("move_weight")[tier],
        reduced_cp,
    )


def priced(
    ctx: Context,
    a: np.ndarray,
    m: np.ndarray,
    hours: np.ndarray,
    travel_h: np.ndarray,
    match: np.ndarray,
    moved: np.ndarray,
    move_weight: np.ndarray | float,
    reduced_cp: np.ndarray,
) -> PairMetrics:
    """The pair costs of the module docstring, in centi-points, from a pair's hours, travel,
    match and whether it moves the account: one formula for account managers and team roles."""
    w = ctx.dataset.policy.weights
    value = ctx.value[a]
    match_factor, move_factor = ctx.health_factors
    move_points = w.move * move_weight * (10.0 + value) * move_factor[a]
    return PairMetrics(
        hours_ch=np.rint(hours * 100).astype(np.int64),
        travel_ch=np.rint(travel_h * 100).astype(np.int64),
        match=match,
        value_cp=np.rint(w.value_match * value * (1.0 - match) * match_factor[a] * 100).astype(np.int64),
        travel_cp=np.rint(w.travel_hour * travel_h * 100).astype(np.int64),
        move_cp=np.where(moved, np.rint(move_points * 100), 0).astype(np.int64),
        moved=np.asarray(moved, dtype=bool),
        performance_cp=np.rint(performance_points(ctx, a, m) * 100).astype(np.int64),
        reduced_cp=reduced_cp,
    )


def performance_points(ctx: Context, a: np.ndarray, m: np.ndarray) -> np.ndarray:
    """Points for entrusting account(s) a to manager(s) m below top performance: weights.performance
    x value(a) x (1 - performance / 100) on strategic accounts, 0 on the others and where m has
    no score (module docstring: why strategic only)."""
    strategic = ctx.tier[a] == TIER_ORDER.index(Tier.strategic)
    shortfall = 1.0 - np.nan_to_num(ctx.performance[m], nan=100.0) / 100.0
    return ctx.dataset.policy.weights.performance * np.where(strategic, ctx.value[a], 0.0) * shortfall


def spread_terms(ctx: Context) -> tuple[tuple[str, ...], np.ndarray, np.ndarray]:
    """(names, (S,) coefficients in centi-points, (S, N) each account's count) of the peer-spread
    terms that are on: value carried in tenths of a value point, strategic accounts held."""
    w = ctx.dataset.policy.weights
    strategic = (ctx.tier == TIER_ORDER.index(Tier.strategic)).astype(np.int64)
    terms = [
        ("value_spread", round(w.value_spread * 10), np.rint(ctx.value * 10).astype(np.int64)),
        ("strategic_spread", round(w.strategic_spread * 100), strategic),
    ]
    on = [t for t in terms if t[1] > 0]
    return (
        tuple(t[0] for t in on),
        np.array([t[1] for t in on], dtype=np.int64),
        np.array([t[2] for t in on], dtype=np.int64).reshape(len(on), ctx.n_accounts),
    )


def peer_groups(ctx: Context) -> np.ndarray:
    """(M,) each manager's peer group for the spread terms: seniority rank for active managers
    with capacity (those the balance term counts), -1 for the others."""
    return np.where(balanced_managers(ctx), ctx.seniority_rank, -1).astype(np.int64)


def spread_cp(ctx: Context, agent: np.ndarray) -> int:
    """The peer-spread terms of a plan given as account -> manager index (-1 = none)."""
    names, coef, use = spread_terms(ctx)
    group = peer_groups(ctx)
    held = np.nonzero(agent >= 0)[0]
    total = 0
    for s in range(len(names)):
        carried = np.bincount(agent[held], weights=use[s, held], minlength=ctx.n_managers).astype(np.int64)
        for g in np.unique(group[group >= 0]).tolist():
            peers = carried[group == g]
            total += int(coef[s]) * int(peers.max() - peers.min())
    return total


def balance_cp_per_permille(ctx: Context) -> int:
    return round(ctx.dataset.policy.weights.balance * 100 / UTIL_SCALE)


def balanced_managers(ctx: Context) -> np.ndarray:
    """Managers whose utilisation enters the spread term: active and with capacity."""
    return ctx.active & (ctx.capacity_ch > 0)


def util_permille_ceil(load_ch: np.ndarray, capacity_ch: np.ndarray) -> np.ndarray:
    return -((-load_ch * UTIL_SCALE) // capacity_ch)


def util_permille_floor(load_ch: np.ndarray, capacity_ch: np.ndarray) -> np.ndarray:
    return (load_ch * UTIL_SCALE) // capacity_ch
