"""Every backend on small named scenarios whose optimum is derived by hand.

For each scenario and each backend in `SOLVERS`: status optimal, the hand-derived
objective, objective == the evaluator's objective_cp for the returned plan, and no
hard-rule violation. Objectives are in centi-points (cp), the solvers' integer unit.

Arithmetic shared by the toys (see toys.py): a standard account needs 0.5 h per month;
identical accounts have value score 40; a junior manager without the account's industry
leaves 40 x (1 - 0.4) = 24 points = 2400 cp of value unserved, one with it leaves 0.
Balance is weighted 0 unless a scenario says otherwise.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from toys import (
    OPTIONS,
    UNSERVED_JUNIOR_NO_INDUSTRY_CP,
    acc,
    context,
    dataset,
    mgr,
    random_dataset,
    solve,
    weights,
)

from planner.compile import Compiled, compile_problem
from planner.context import Context
from planner.evaluate import evaluate
from planner.models import Account, Manager, TravelModel
from planner.solvers import SOLVERS, SolveOptions, Status

BACKENDS = sorted(SOLVERS)
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning:pulp")  # PuLP 4.0 notices
UNSERVED = UNSERVED_JUNIOR_NO_INDUSTRY_CP


def one_way_hours(delta_lon_degrees: float) -> float:
    """Travel time along the equator: great circle x road factor 1.3 / 60 km/h."""
    return 6371.0088 * math.radians(delta_lon_degrees) * 1.3 / 60


@dataclass(frozen=True)
class Scenario:
    managers: list[Manager]
    accounts: list[Account]
    expected_cp: int
    policy: dict[str, Any] = field(default_factory=dict)
    expected_plan: dict[str, str | None] | None = None  # only where the optimum is unique
    max_moves: int | None = None

    def ctx(self) -> Context:
        return context(self.managers, self.accounts, **self.policy)


SCENARIOS = {
    # Both accounts prefer M1 (industry match, 0 cp each) but M1 has 0.5 h: room for one. The other
    # goes to M2 and leaves 2400 cp unserved. Either account may be the one, so no unique plan.
    "capacity-forces-a-split": Scenario(
        [mgr("M1", 0.5, industries={"x"}), mgr("M2", 0.5)],
        [acc("A1", industry="x"), acc("A2", industry="x")],
        expected_cp=UNSERVED,
    ),
    # Same, with room: both go to M1 and nothing is unserved.
    "no-capacity-pressure": Scenario(
        [mgr("M1", 1.0, industries={"x"}), mgr("M2", 1.0)],
        [acc("A1", industry="x"), acc("A2", industry="x")],
        expected_cp=0,
        expected_plan={"A1": "M1", "A2": "M1"},
    ),
    # Value weight 0: only travel counts. A key account (1 visit per month, round trip) 0.1 degree of
    # longitude from Mnear and 1 degree from Mfar: 2 points per hour x 2 x one-way hours.
    "travel-decides": Scenario(
        [mgr("Mnear", home_lat=0.0, home_lon=0.1), mgr("Mfar", home_lat=0.0, home_lon=1.0)],
        [acc("A1", tier="key", lat=0.0, lon=0.0)],
        expected_cp=round(2.0 * 2 * one_way_hours(0.1) * 100),  # = 96; Mfar would cost 963
        policy={"weights": weights(value_match=0.0)},
        expected_plan={"A1": "Mnear"},
    ),
    # A1 sits with M1 (no industry: 2400 cp unserved). M2 knows the industry (0 unserved) but moving a
    # standard account costs 0.5 x 1 x (10 + 40) = 25 points = 2500 cp > the 2400 gained: it stays.
    "continuity-keeps-the-account": Scenario(
        [mgr("M1"), mgr("M2", industries={"x"})],
        [acc("A1", industry="x", current_manager_id="M1")],
        expected_cp=UNSERVED,
        expected_plan={"A1": "M1"},
    ),
    # Same with move weight 0.4: the move costs 0.4 x 50 = 20 points = 2000 cp < 2400: it moves.
    "gain-exceeds-move-cost": Scenario(
        [mgr("M1"), mgr("M2", industries={"x"})],
        [acc("A1", industry="x", current_manager_id="M1")],
        expected_cp=2000,
        policy={"weights": weights(move=0.4)},
        expected_plan={"A1": "M2"},
    ),
    # A1's manager has left. Moving it is forced: no move cost, and a budget of 0 voluntary moves holds.
    # M1 is the only active manager; 2400 cp unserved.
    "forced-move-is-free": Scenario(
        [mgr("Mgone", active=False, industries={"x"}), mgr("M1")],
        [acc("A1", industry="x", current_manager_id="Mgone")],
        expected_cp=UNSERVED,
        policy={"max_moves": 0},
        expected_plan={"A1": "M1"},
    ),
    # P wants M1 (industry a), C wants M2 (industry b); the group shares one manager, so exactly one
    # of them is served without its industry: 2400 cp. Either manager gives that, so no unique plan.
    "parent-group-together": Scenario(
        [mgr("M1", industries={"a"}), mgr("M2", industries={"b"})],
        [acc("P", industry="a"), acc("C", industry="b", parent_id="P")],
        expected_cp=UNSERVED,
    ),
    # Two accounts with M1; M2 knows their industry; a move costs 0.25 x 50 = 1250 cp < 2400 gained.
    # Without a budget both move: 2 x 1250.
    "moves-without-budget": Scenario(
        [mgr("M1"), mgr("M2", industries={"x"})],
        [acc("A1", industry="x", current_manager_id="M1"), acc("A2", industry="x", current_manager_id="M1")],
        expected_cp=2 * 1250,
        policy={"weights": weights(move=0.25)},
        expected_plan={"A1": "M2", "A2": "M2"},
    ),
    # The same with max_moves = 1: one moves (1250), one stays unserved (2400).
    "max-moves-binding": Scenario(
        [mgr("M1"), mgr("M2", industries={"x"})],
        [acc("A1", industry="x", current_manager_id="M1"), acc("A2", industry="x", current_manager_id="M1")],
        expected_cp=1250 + UNSERVED,
        policy={"weights": weights(move=0.25), "max_moves": 1},
    ),
    # The call's budget overrides the policy's: 0 moves allowed, both stay.
    "max-moves-argument": Scenario(
        [mgr("M1"), mgr("M2", industries={"x"})],
        [acc("A1", industry="x", current_manager_id="M1"), acc("A2", industry="x", current_manager_id="M1")],
        expected_cp=2 * UNSERVED,
        policy={"weights": weights(move=0.25), "max_moves": 5},
        expected_plan={"A1": "M1", "A2": "M1"},
        max_moves=0,
    ),
    # Balance at its default 1000 points per 100 % spread = 100 cp per per-mille. Both on M1 (1 h):
    # utilisation 1000 vs 0 per mille -> 100 000 cp. A split: 500 vs 500 -> 0 spread + 2400 unserved.
    "balance-splits": Scenario(
        [mgr("M1", 1.0, industries={"x"}), mgr("M2", 1.0)],
        [acc("A1", industry="x"), acc("A2", industry="x")],
        expected_cp=UNSERVED,
        policy={"weights": weights(balance=1000.0)},
    ),
    # One manager with 1 h, three 0.5 h accounts, a shortfall allowed: two fit in full (2 x 2400),
    # one is left out. Its lost service: 0.5 h at 100 points an hour x service weight 1 x
    # (1 + 40/100) = 70 points = 7000 cp. The other ways to use the hour cost more: all three
    # at the reduced level (1/6 visit x 1.5 h = 0.25 h each, 0.25 h lost = 35 points each)
    # is 3 x 2400 + 3 x 3500 = 17 700; one full and two reduced, 3 x 2400 + 2 x 3500 = 14 200.
    "allow-unassigned-places-what-fits": Scenario(
        [mgr("M1", 1.0)],
        [acc("A1"), acc("A2"), acc("A3")],
        expected_cp=2 * UNSERVED + 7_000,
        policy={"allow_unassigned": True},
    ),
    # Strategic A1 (10 h) needs a senior: the junior Mj is cheaper on paper (it is not) but illegal.
    # Msen's seniority fit for a strategic account (ideal principal) is 1 - 1/2 = 0.5, match 0.4 x 0.5
    # = 0.2, so 40 x 0.8 = 32 points = 3200 cp.
    "seniority-excludes-the-junior": Scenario(
        [mgr("Mj", seniority="junior", industries={"x"}), mgr("Msen", seniority="senior")],
        [acc("A1", tier="strategic", industry="x")],
        expected_cp=3200,
        expected_plan={"A1": "Msen"},
    ),
    # The pinned manager is the worse one; the pin wins.
    "pin-overrides-cost": Scenario(
        [mgr("M1", industries={"x"}), mgr("M2")],
        [acc("A1", industry="x")],
        expected_cp=UNSERVED,
        policy={"pins": [{"account_id": "A1", "manager_id": "M2"}]},
        expected_plan={"A1": "M2"},
    ),
    # max_accounts 1 on M1 works like capacity: one account each.
    "max-accounts-forces-a-split": Scenario(
        [mgr("M1", industries={"x"}, max_accounts=1), mgr("M2")],
        [acc("A1", industry="x"), acc("A2", industry="x")],
        expected_cp=UNSERVED,
    ),
}


def _params():  # type: ignore[no-untyped-def]
    for name in SCENARIOS:
        for backend in BACKENDS:
            yield pytest.param(name, backend, id=f"{name}-{backend}")


@pytest.mark.parametrize(("name", "backend"), list(_params()))
def test_hand_derived_optimum(name: str, backend: str) -> None:
    sc = SCENARIOS[name]
    ctx = sc.ctx()
    out = solve(ctx, backend, max_moves=sc.max_moves)
    assert out.result.status == Status.OPTIMAL, out.result  # the statistics say how the solver ended
    assert out.plan is not None and out.evaluation is not None
    assert out.evaluation.violations == []
    if sc.expected_plan is not None:
        assert out.plan.assignment == sc.expected_plan
    assert out.evaluation.objective_cp == sc.expected_cp
    # Exactly, not approximately: the objective is an integer by construction.
    assert out.result.objective == out.evaluation.objective_cp
    assert out.result.bound == out.result.objective
    assert out.result.gap == 0


def test_objective_of_the_problem_matches_the_evaluator_on_every_feasible_plan() -> None:
    # The compiled problem's own objective function, the evaluator and the hand numbers agree
    # on all four plans of the balance toy, not only on the optimum.
    sc = SCENARIOS["balance-splits"]
    ctx = sc.ctx()
    compiled = compile_problem(ctx)
    expected = {
        ("M1", "M1"): 100_000,
        ("M1", "M2"): UNSERVED,
        ("M2", "M1"): UNSERVED,
        ("M2", "M2"): 2 * UNSERVED + 100_000,
    }
    for (m1, m2), cp in expected.items():
        p = compiled.to_plan(np.array([ctx.manager_index[m1], ctx.manager_index[m2]]))
        assert evaluate(ctx, p).objective_cp == cp
        assert compiled.problem.objective_of(compiled.from_plan(p)) == cp


@pytest.mark.parametrize("backend", BACKENDS)
def test_group_of_three_is_one_unit(backend: str) -> None:
    # A chain P <- C1 <- C2 is one group of three standard accounts, 1.5 h together. Each would rather
    # have M1 (industry match) but M1 has 1 h, so the whole group goes to M2: 3 x 2400 unserved.
    ctx = context(
        [mgr("M1", 1.0, industries={"x"}), mgr("M2", 1.5)],
        [
            acc("P", industry="x"),
            acc("C1", industry="x", parent_id="P"),
            acc("C2", industry="x", parent_id="C1"),
        ],
    )
    out = solve(ctx, backend)
    assert out.plan is not None and out.plan.assignment == {"P": "M2", "C1": "M2", "C2": "M2"}
    assert out.result.objective == out.evaluation.objective_cp == 3 * UNSERVED


@pytest.mark.parametrize("backend", BACKENDS)
def test_travel_matrix_overrides_the_formula(backend: str, tmp_path: Path) -> None:
    # The formula puts Mnear 96 cp away and Mfar 963 cp; the matrix says Mnear is 600 minutes one way:
    # 1 visit x 2 x 10 h x 2 points = 40 points = 4000 cp. Mfar (not listed) keeps the formula and wins.
    (tmp_path / "travel.csv").write_text("manager_id,account_id,minutes\nMnear,A1,600\n", encoding="utf-8")
    ds = dataset(
        [mgr("Mnear", home_lat=0.0, home_lon=0.1), mgr("Mfar", home_lat=0.0, home_lon=1.0)],
        [acc("A1", tier="key", lat=0.0, lon=0.0)],
        weights=weights(value_match=0.0),
        travel=TravelModel(matrix_file="travel.csv", long_distance_speed_kmh=None),
    )
    ctx = Context.build(ds, base_dir=tmp_path)
    out = solve(ctx, backend)
    assert out.plan is not None and out.plan.assignment == {"A1": "Mfar"}
    assert out.result.objective == out.evaluation.objective_cp == round(2.0 * 2 * one_way_hours(1.0) * 100)


# --- parity and honesty on an instance too big to prove in a blink ------------------------------------


@pytest.fixture(scope="module")
def mid_ctx() -> Context:
    return Context.build(random_dataset(seed=1, n_accounts=40, n_managers=4))


def test_backends_agree_on_the_optimum(mid_ctx: Context) -> None:
    results = {
        b: solve(mid_ctx, b, options=SolveOptions(time_limit_seconds=20, threads=1, seed=0)) for b in BACKENDS
    }
    for b, out in results.items():
        assert out.result.status == Status.OPTIMAL, b
        assert out.evaluation is not None and out.evaluation.violations == []
        assert round(out.result.objective) == out.evaluation.objective_cp, b
    objectives = {round(out.result.objective) for out in results.values()}
    assert len(objectives) == 1, {b: out.result.objective for b, out in results.items()}


@pytest.fixture(scope="module")
def big_compiled() -> Compiled:
    return compile_problem(Context.build(random_dataset(seed=2, n_accounts=150, n_managers=8)))


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("time_limit", [0.01, 0.2])
def test_time_limited_run_is_never_called_optimal_without_proof(
    backend: str, time_limit: float, big_compiled: Compiled
) -> None:
    options = SolveOptions(time_limit_seconds=time_limit, threads=1, seed=0)
    r = SOLVERS[backend].solve(big_compiled.problem, options)
    if r.status == Status.OPTIMAL:
        assert r.bound == r.objective and r.gap == 0
    if r.status.has_solution:
        assert r.unit_agent is not None and r.bound is not None and r.gap is not None
        ev = evaluate(big_compiled.ctx, big_compiled.to_plan(r.unit_agent))
        assert ev.violations == []
        assert r.bound <= ev.objective_cp
    else:
        assert r.unit_agent is None and r.objective is None


# Time limits around the end of CBC's preprocessing, where the bug shows; cycled so that a slower
# or faster machine still lands in the window.
SWEEP = [0.005, 0.01, 0.015, 0.02, 0.03, 0.04] * 5


@pytest.mark.parametrize(
    "backend",
    [
        pytest.param("cpsat"),
        pytest.param("cbc"),
    ],
)
def test_a_time_limit_never_proves_a_feasible_instance_infeasible(
    backend: str, big_compiled: Compiled
) -> None:
    # The instance is feasible (the parity tests solve it). Stops at the first false proof; with the
    # bug present about 20 % of CBC runs here claim infeasibility, so 30 clean runs are a pass.
    limits = SWEEP if backend == "cbc" else SWEEP[:2]  # CP-SAT runs at least 1 s whatever the limit
    for limit in limits:
        r = SOLVERS[backend].solve(
            big_compiled.problem, SolveOptions(time_limit_seconds=limit, threads=1, seed=0)
        )
        assert r.status != Status.INFEASIBLE, f"time limit {limit} s: reported infeasible"


@pytest.mark.parametrize("backend", BACKENDS)
def test_an_early_stop_reports_the_plans_own_objective(backend: str, mid_ctx: Context) -> None:
    # A 50 % gap limit stops the search at an early, non-optimal solution (deterministically, with one
    # thread and a fixed seed). Whatever it returns, the objective reported must be that plan's, not
    # the solver's, which may carry slack in the utilisation spread variables (CP-SAT once reported
    # 182907 for a plan worth 172507 here).
    options = SolveOptions(time_limit_seconds=10, threads=1, seed=0, relative_gap=0.5)
    out = solve(mid_ctx, backend, options=options)
    assert out.result.status.has_solution and out.evaluation is not None
    assert out.result.objective == out.evaluation.objective_cp


def test_same_options_give_the_same_plan(mid_ctx: Context) -> None:
    first = solve(mid_ctx, "cpsat", options=OPTIONS)
    second = solve(mid_ctx, "cpsat", options=OPTIONS)
    assert first.plan == second.plan
