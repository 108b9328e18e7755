"""Property tests: on random small data sets every returned plan passes the evaluator's hard rules,
reports the evaluator's objective, and on tiny ones is the true optimum found by enumeration.

The enumeration uses nothing but the evaluator: a manager is a candidate for an account if the
evaluator finds no pair-rule violation for it, whole parent groups share one candidate, and every
such plan is scored by `evaluate`. The minimum over violation-free plans is the truth.
"""

from __future__ import annotations

import itertools
import math
from collections import defaultdict
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, event, given, note, settings
from hypothesis import strategies as st
from pydantic import ValidationError
from toys import solve

from planner.compile import compile_problem
from planner.context import Context
from planner.errors import InfeasibleError
from planner.evaluate import evaluate, score
from planner.models import Account, Dataset, Manager, Pair, Plan, Policy, Weights
from planner.models.policy import RULE_SETTINGS
from planner.rules import LIMITS, PAIR_RULES
from planner.solvers import SOLVERS, SolveOptions, Status
from planner.solvers.lp_bound import lp_bound

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning:pulp")

OPTIONS = SolveOptions(time_limit_seconds=2.0, threads=1, seed=0)
PROPERTY_SETTINGS = settings(
    max_examples=100,
    deadline=None,
    derandomize=True,  # the same examples on every run: a red CI run can be reproduced
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

LANGUAGES = ["", "", "", "en", "ja"]
REGIONS = ["north", "south"]
INDUSTRIES = ["", "energy", "retail"]


@st.composite
def datasets(draw: st.DrawFn, max_managers: int = 5, max_accounts: int = 12) -> Dataset:
    n_m = draw(st.integers(2, max_managers))
    n_a = draw(st.integers(3, max_accounts))
    managers = [
        Manager(
            manager_id=f"M{j}",
            seniority=draw(st.sampled_from(["junior", "senior", "senior", "principal"])),
            languages=draw(st.frozensets(st.sampled_from(["en", "ja"]))),
            industries=draw(st.frozensets(st.sampled_from(["energy", "retail"]))),
            region=draw(st.sampled_from(REGIONS)),
            # 0.5 h = one standard account, 3 h = one key, 10 h = one strategic.
            capacity_hours=draw(st.sampled_from([0.0, 0.5, 1.0, 3.0, 10.0, 14.0, 40.0, 40.0, 40.0])),
            max_accounts=draw(st.sampled_from([None, None, None, 1, 2, 4])),
            active=draw(st.sampled_from([True, True, True, True, True, False])),
            home_lat=draw(st.none() | st.floats(30.0, 30.5)),
            home_lon=draw(st.none() | st.floats(120.0, 120.5)),
        )
        for j in range(n_m)
    ]
    ids = [m.manager_id for m in managers]
    accounts = []
    for i in range(n_a):
        parent = draw(st.none() | st.integers(0, i - 1)) if i and draw(st.integers(0, 3)) == 0 else None
        accounts.append(
            Account(
                account_id=f"A{i}",
                industry=draw(st.sampled_from(INDUSTRIES)),
                language=draw(st.sampled_from(LANGUAGES)),
                region=draw(st.sampled_from(REGIONS)),
                lat=draw(st.none() | st.floats(30.0, 30.5)),
                lon=draw(st.none() | st.floats(120.0, 120.5)),
                annual_revenue=float(draw(st.integers(0, 100))),
                contract_value=float(draw(st.integers(0, 10))),
                years_as_customer=float(draw(st.integers(0, 5))),
                strategic_importance=draw(st.integers(1, 5)),
                parent_id="" if parent is None else f"A{parent}",
                current_manager_id=draw(st.sampled_from(["", *ids])),
                tier=draw(st.sampled_from([None, None, None, "strategic", "key", "standard"])),
                risk=draw(st.sampled_from([None, None, None, "medium", "high"])),
            )
        )
    account_ids = [a.account_id for a in accounts]
    pair = st.builds(Pair, account_id=st.sampled_from(account_ids), manager_id=st.sampled_from(ids))
    pins = draw(st.lists(pair, max_size=1))
    policy = Policy(
        **rule_settings(draw),
        pins=pins,
        forbidden=draw(st.lists(pair, max_size=2)),
        max_moves=draw(st.none() | st.integers(0, 3)),
        allow_unassigned=draw(st.booleans()),
        enforce_region=draw(st.sampled_from([True, False, False])),
        region_neighbours=draw(st.sampled_from([{}, {"north": ["south"]}])),
        utilisation_band=draw(st.sampled_from([None, None, None, None, (0.0, 0.9), (0.05, 1.0)])),
        weights=Weights(
            balance=draw(st.sampled_from([0.0, 1000.0])),
            move=draw(st.sampled_from([0.0, 0.5, 3.0])),
            unassigned=draw(st.sampled_from([10000.0, 1.0])),
            value_spread=draw(st.sampled_from([0.0, 0.0, 0.5])),
            strategic_spread=draw(st.sampled_from([0.0, 0.0, 10.0])),
        ),
    )
    return Dataset(managers=tuple(managers), accounts=tuple(accounts), policy=policy)


def rule_settings(draw: st.DrawFn) -> dict[str, Any]:
    """A value for every rule module's policy key (planner.rules): its default, or a small number
    where the key takes one, so a rule added later is in every property below without a line here."""
    out = {}
    for key, spec in RULE_SETTINGS.items():
        value = draw(st.sampled_from([spec.default, spec.default, 0, 1, 2]))
        try:
            out[key] = spec.adapter.validate_python(value)
        except ValidationError:
            out[key] = spec.default
    return out


def groups_by_parent(ds: Dataset) -> list[list[str]]:
    """Parent groups from parent_id links (union-find), independent of the library's graph code."""
    parent = {a.account_id: a.account_id for a in ds.accounts}

    def root(x: str) -> str:
        while parent[x] != x:
            x = parent[x]
        return x

    for a in ds.accounts:
        if a.parent_id:
            parent[root(a.account_id)] = root(a.parent_id)
    out: dict[str, list[str]] = defaultdict(list)
    for a in ds.accounts:
        out[root(a.account_id)].append(a.account_id)
    return list(out.values())


def service_levels(ctx: Context, members: list[str]) -> list[dict[str, str]]:
    """A group's service options: level l serves each member at its tier's level l, or its
    last (full service only, unless a shortfall is allowed); as Plan.service entries."""
    if not ctx.dataset.policy.allow_unassigned:
        return [{}]
    names = {}
    for a in members:
        rule = ctx.dataset.policy.tiers[ctx.tiering.tier_of(ctx.account_index[a])]
        names[a] = ["full"] + [lv.name for lv in rule.reduced_levels]
    width = max(len(n) for n in names.values())
    return [
        {a: n[min(k, len(n) - 1)] for a, n in names.items() if min(k, len(n) - 1) > 0} for k in range(width)
    ]


def true_optimum(ctx: Context, limit: int = 5000) -> tuple[int | None, int]:
    """(best evaluator objective over violation-free plans or None, plans scored)."""
    ds = ctx.dataset
    ids = [a.account_id for a in ds.accounts]
    allowed: dict[str, set[str]] = {a: set() for a in ids}
    for m in ds.managers:
        ev = evaluate(ctx, Plan(assignment=dict.fromkeys(ids, m.manager_id)))
        blocked = {v.account_id for v in ev.violations if v.rule in PAIR_RULES}
        for a in ids:
            if a not in blocked:
                allowed[a].add(m.manager_id)
    choices = []
    groups = groups_by_parent(ds)
    for members in groups:
        common = sorted(set.intersection(*(allowed[a] for a in members)))
        levels = service_levels(ctx, members)
        options: list[tuple[str | None, dict[str, str]]] = [(m, lv) for m in common for lv in levels]
        if ds.policy.allow_unassigned:
            options.append((None, {}))
        choices.append(options)
    assume(math.prod(len(c) for c in choices) <= limit)  # enumeration within this test's budget
    best: int | None = None
    scored = 0
    for combo in itertools.product(*choices):
        scored += 1
        assignment = {a: m for members, (m, _) in zip(groups, combo, strict=True) for a in members}
        service = {a: name for _, (_, lv) in zip(groups, combo, strict=True) for a, name in lv.items()}
        objective, violations = score(ctx, Plan(assignment=assignment, service=service))
        if not violations and (best is None or objective < best):
            best = objective
    return best, scored


@PROPERTY_SETTINGS
@given(ds=datasets())
def test_cpsat_plan_passes_the_evaluator(ds: Dataset) -> None:
    ctx = Context.build(ds)
    try:
        out = solve(ctx, "cpsat", options=OPTIONS)
    except InfeasibleError as exc:
        event("infeasible")
        assert exc.reasons and all(r.strip() for r in exc.reasons)
        return
    r = out.result
    event(r.status.value)
    assert r.status in (Status.OPTIMAL, Status.FEASIBLE), r.status  # 2 s is plenty at this size
    assert out.evaluation is not None and out.plan is not None
    assert out.evaluation.violations == [], [str(v) for v in out.evaluation.violations]
    assert set(out.plan.assignment) == {a.account_id for a in ds.accounts}
    assert r.bound is not None and r.bound <= out.evaluation.objective_cp
    # round(): an unrounded CP-SAT float is a separate, known bug (see test_solvers.py).
    assert round(r.objective) == out.evaluation.objective_cp


@settings(PROPERTY_SETTINGS, max_examples=25)
@given(ds=datasets())
def test_every_backend_keeps_every_rule(ds: Dataset) -> None:
    """Every backend's plan passes every registered rule's check (the evaluator runs them all):
    a rule module added to planner.rules is kept by every solver, or this fails."""
    ctx = Context.build(ds)
    for backend in SOLVERS:
        try:
            out = solve(ctx, backend, options=OPTIONS)
        except InfeasibleError:
            continue
        if out.evaluation is None:
            # No plan within the time (seen under a loaded machine: the shortfall solver's start
            # missed a tight move budget); this property is about the plans that come back.
            event(f"{backend}: no plan")
            continue
        broken = [str(v) for v in out.evaluation.violations]
        assert broken == [], (backend, broken)
        for rule in LIMITS.values():
            assert rule.check(ctx, _agents(ctx, out.plan)) == [], (backend, rule.name)


def _agents(ctx: Context, plan: Plan):  # type: ignore[no-untyped-def]
    import numpy as np

    return np.array(
        [ctx.manager_index.get(plan.manager_of(a) or "", -1) for a in ctx.account_ids], dtype=np.int64
    )


@settings(PROPERTY_SETTINGS, max_examples=80)
@given(ds=datasets(max_managers=3, max_accounts=6))
def test_tiny_cpsat_optimum_is_the_true_optimum(ds: Dataset) -> None:
    ctx = Context.build(ds)
    best, scored = true_optimum(ctx)
    note(f"enumerated {scored} plans, best {best}")
    try:
        out = solve(ctx, "cpsat", options=OPTIONS)
    except InfeasibleError as exc:
        event("infeasible")
        assert best is None, f"reported infeasible ({exc.reasons}), but a plan costing {best} breaks no rule"
        return
    event("solved")
    assert best is not None, "a plan was returned where enumeration finds none without violations"
    assert out.result.status == Status.OPTIMAL
    assert out.evaluation is not None and out.evaluation.violations == []
    assert out.evaluation.objective_cp == best


@settings(PROPERTY_SETTINGS, max_examples=30)
@given(ds=datasets(max_managers=4, max_accounts=8))
def test_cbc_and_cpsat_agree(ds: Dataset) -> None:
    ctx = Context.build(ds)
    outcomes = {}
    for backend in ("cpsat", "cbc"):
        try:
            outcomes[backend] = solve(ctx, backend, options=OPTIONS)
        except InfeasibleError:
            outcomes[backend] = None
    assert (outcomes["cpsat"] is None) == (outcomes["cbc"] is None)
    if outcomes["cpsat"] is None:
        return
    for out in outcomes.values():
        assert out.result.status == Status.OPTIMAL
        assert out.evaluation.violations == []
        assert round(out.result.objective) == out.evaluation.objective_cp
    assert outcomes["cpsat"].evaluation.objective_cp == outcomes["cbc"].evaluation.objective_cp


@settings(PROPERTY_SETTINGS, max_examples=60)
@given(ds=datasets(max_managers=3, max_accounts=6), budget=st.sampled_from([None, 0, 1, 3]))
def test_lp_relaxation_never_exceeds_the_true_optimum(ds: Dataset, budget: int | None) -> None:
    """The LP bound (the only one the split backend has for balance) must be a bound: at most
    the enumerated optimum, with every side constraint and the move budget in the model."""
    ds = ds.model_copy(update={"policy": ds.policy.model_copy(update={"max_moves": budget})})
    ctx = Context.build(ds)
    best, _ = true_optimum(ctx)
    assume(best is not None)
    relaxed = lp_bound(compile_problem(ctx).problem, 10.0)
    assert relaxed.bound is not None, relaxed.reason
    event("tight" if relaxed.bound == best else "below")
    assert relaxed.bound <= best


@PROPERTY_SETTINGS
@given(ds=datasets())
def test_score_is_evaluate_without_the_report(ds: Dataset) -> None:
    """`score` (the enumeration above uses it) gives evaluate's objective and violations."""
    ctx = Context.build(ds)
    ids = [a.account_id for a in ds.accounts]
    managers = [m.manager_id for m in ds.managers] + [None]
    for k in range(3):
        plan = Plan(assignment={a: managers[(i + k) % len(managers)] for i, a in enumerate(ids)})
        ev = evaluate(ctx, plan)
        assert score(ctx, plan) == (ev.objective_cp, ev.violations)
