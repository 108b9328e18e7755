"""Why a scenario has no plan, in plain words.

First, cheap counting arguments before any solver runs (an account nobody may
serve, a parent group with no common manager, a region whose minimum workload
exceeds its managers' hours). If those find nothing and the solver still proves
infeasibility, CP-SAT is asked for a small set of constraints that conflict
(an infeasibility core over switchable constraint groups), mapped back to rule
names and managers.
"""

from __future__ import annotations

import re
from collections import Counter

import numpy as np
from ortools.sat.python import cp_model

from planner.compile import Compiled
from planner.context import Context
from planner.rules import LIMITS, PAIR_RULES
from planner.solvers.cpsat import build_model
from planner.solvers.decompose import components, limit_shortfalls, sole_agent_load


def presolve_diagnosis(compiled: Compiled) -> list[str]:
    ctx = compiled.ctx
    reasons = _unservable_accounts(compiled)
    if not ctx.dataset.policy.allow_unassigned:
        reasons += _unservable_groups(compiled) + _empty_team_slots(compiled)
        if not reasons:
            reasons += _capacity_shortfalls(compiled)
    return reasons


def _empty_team_slots(compiled: Compiled) -> list[str]:
    """Team slots (planner.teams) nobody may fill: who holds the role, in the region, speaking the
    language, senior enough."""
    if compiled.team is None:
        return []
    prob, first = compiled.problem, compiled.team.first_unit
    options = np.bincount(prob.pair_unit, minlength=prob.n_units)[first:]
    return [
        f"{compiled.unit_name(first + s)}: nobody holds the role and may serve the account there"
        for s in np.nonzero(options == 0)[0].tolist()
    ]


def _unservable_accounts(compiled: Compiled) -> list[str]:
    ctx = compiled.ctx
    nobody = np.nonzero(~compiled.account_eligible.any(axis=1))[0]
    counts: Counter[str] = Counter()
    examples: dict[str, list[str]] = {}
    for i in nobody.tolist():
        why = why_nobody_serves(ctx, i)
        counts[why] += 1
        examples.setdefault(why, []).append(ctx.account_ids[i])
    out = []
    for why, k in counts.most_common():
        ids = examples[why]
        shown = ", ".join(ids[:5]) + (f" and {len(ids) - 5} more" if len(ids) > 5 else "")
        noun = "account" if k == 1 else "accounts"
        out.append(f"{k} {noun} {why} ({shown})")
    return out


def why_nobody_serves(ctx: Context, i: int) -> str:
    """Apply the pair rules one at a time, in registry order, to say which one leaves nobody."""
    managers = np.arange(ctx.n_managers)
    a = np.full(ctx.n_managers, i)
    left = np.ones(ctx.n_managers, dtype=bool)
    for rule in PAIR_RULES.values():
        left &= rule(ctx, a, managers)
        if not left.any():
            return rule.none_left(ctx, i)
    return "have no eligible manager"


def _unservable_groups(compiled: Compiled) -> list[str]:
    ctx = compiled.ctx
    out = []
    for members in ctx.groups:
        if len(members) < 2:
            continue
        each = compiled.account_eligible[members]
        if each.any(axis=1).all() and not each.all(axis=0).any():
            ids = [ctx.account_ids[i] for i in members]
            needs = sorted(
                {
                    f"{a.language or 'any language'} in {a.region}"
                    for a in (ctx.dataset.accounts[i] for i in members)
                }
            )
            out.append(
                f"parent group {ids[0]} ({len(ids)} accounts: {', '.join(ids[:6])}) has no manager who may serve every member "
                f"(they need: {'; '.join(needs)})"
            )
    return out


def _capacity_shortfalls(compiled: Compiled) -> list[str]:
    """Each connected part of the eligibility graph must fit its managers' hours and account limits."""
    ctx = compiled.ctx
    prob = compiled.problem
    if prob.n_pairs == 0:
        return []
    min_hours = np.full(prob.n_units, np.iinfo(np.int64).max)
    np.minimum.at(min_hours, prob.pair_unit, prob.pair_weight)
    out = []
    for units, agents in components(prob):
        if units.size == 0:
            continue
        need = int(min_hours[units].sum())
        have = int(prob.capacity[agents].sum())
        regions = sorted({ctx.dataset.accounts[compiled.unit_accounts(u)[0]].region for u in units})
        label = f"region {regions[0]!r}" if len(regions) == 1 else f"regions {', '.join(map(repr, regions))}"
        if need > have:
            out.append(
                f"{label} needs at least {_hours(need)} h per month for its {sum(len(ctx.groups[u]) for u in units if u < len(ctx.groups))} "
                f"accounts (each served by its cheapest eligible manager), but its {len(agents)} eligible managers have "
                f"{_hours(have)} h"
            )
        for name, need_, have_ in limit_shortfalls(prob, units, agents):
            out.append(
                LIMITS[name].short(label, need_, have_)
                if name in LIMITS
                else f"{label}: {name} needs {_hours(need_)} h, the people's caps allow {_hours(have_)} h"
            )
        too_big = [u for u in units if min_hours[u] > prob.capacity[agents].max()]
        for u in too_big[:5]:
            out.append(
                f"account {compiled.unit_name(u)} (with its parent group) needs at least {min_hours[u] / 100:.1f} h "
                f"per month; no eligible manager has that much capacity"
            )
    return out + _sole_manager_overloads(compiled)


def _sole_manager_overloads(compiled: Compiled) -> list[str]:
    """Units only one manager may serve must fit that manager's hours: a bottleneck a whole
    region's total hides (20,000 accounts, 7 of them tied to one full manager)."""
    ctx, prob = compiled.ctx, compiled.problem
    need, count = sole_agent_load(prob)
    return [
        f"{int(count[a])} account(s) may only be served by {ctx.manager_ids[a]}, who has "
        f"{_hours(int(prob.capacity[a]))} h per month; they need at least {_hours(int(need[a]))} h"
        for a in np.nonzero(need > prob.capacity)[0].tolist()
    ]


_SWITCH = re.compile(r"^(\w+)\[(\d+)\]$")


def conflict_core(compiled: Compiled, time_limit_seconds: float = 10.0) -> list[str]:
    """A small set of constraint groups that cannot hold together, in words."""
    built = build_model(compiled.problem, assumptions=True)
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = time_limit_seconds
    solver.parameters.num_workers = 1  # cores are only reported by the single-thread search
    solver.parameters.catch_sigint_signal = False  # Ctrl-C is the caller's (see solvers.cpsat.configure)
    status = solver.solve(built.model)
    if status != cp_model.INFEASIBLE:
        return []
    by_index = {index: name for name, index in built.switches.items()}
    names = [by_index[i] for i in solver.sufficient_assumptions_for_infeasibility() if i in by_index]
    if not names:
        return ["every account must be assigned, and the eligible managers cannot take them all"]
    out = []
    grouped: dict[str, list[str]] = {}
    for name in names:
        match = _SWITCH.match(name)
        if match:
            rule, j = match.group(1), int(match.group(2))
            grouped.setdefault(rule, []).append(compiled.ctx.manager_ids[j])
        else:
            grouped.setdefault(name, [])
    for rule, managers in grouped.items():
        if managers:
            out.append(f"rule {rule} of manager(s) {', '.join(managers)}")
        else:
            out.append(f"rule {rule}")
    return ["these rules conflict (relaxing any one of them may make a plan possible): " + "; ".join(out)]


def _hours(centi_hours: int) -> str:
    """1 decimal where it matters: '30', '0.9', '1,234.5'."""
    text = f"{centi_hours / 100:,.1f}"
    return text[:-2] if text.endswith(".0") else text
