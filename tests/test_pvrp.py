"""The periodic visit planning engine on Cordeau's PVRP files and on toys.

Instance tests read ../shared/benchmarks/pvrp and skip cleanly when it is absent.
"""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pytest
import typer
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from planner.bench.cordeau import decode_combo, format_solution, read_instance, read_solution
from planner.bench.pvrp import best_known_values, run_instance
from planner.cli.calendar import pvrp_command
from planner.pvrp.check import check
from planner.pvrp.improve import improve_route
from planner.pvrp.problem import INF, DayCombos, PeriodicProblem, PeriodicSolution
from planner.pvrp.search import SearchParams, _Engine, solve

PVRP = Path(__file__).resolve().parents[2] / "shared" / "benchmarks" / "pvrp"
needs_pvrp = pytest.mark.skipif(
    not (PVRP / "instances" / "p01").exists(), reason="PVRP benchmark files absent"
)


def _toy(
    points: list[tuple[float, float]],
    combos: list[tuple[tuple[int, ...], ...]],
    *,
    n_days: int,
    vehicles: int,
    capacity: float,
    demand: list[float],
) -> PeriodicProblem:
    xy = np.array(points, dtype=float)
    travel = np.sqrt(((xy[:, None, :] - xy[None, :, :]) ** 2).sum(axis=2))
    n = len(points) - 1
    miss = np.full(n + 1, INF)
    miss[0] = 0
    return PeriodicProblem(
        name="toy",
        travel=travel,
        service=np.zeros(n + 1),
        demand=np.array([0.0, *demand]),
        vehicles=np.full(n_days, vehicles),
        capacity=np.full(n_days, capacity),
        max_duration=np.full(n_days, INF),
        rules=tuple(DayCombos(c) for c in combos),
        miss_cost=miss,
    )


def test_combination_codes_read_leftmost_bit_as_day_one():
    assert decode_combo(10, 5) == (1, 3)  # 01010: days 2 and 4
    assert decode_combo(2, 2) == (0,)  # 10: day 1 only
    assert decode_combo(31, 5) == (0, 1, 2, 3, 4)


def test_toy_optimum_pairs_neighbours_on_a_day():
    """Two customers east (x=10, 11) and two west (x=-10, -11), each once on day 1 or 2, one
    vehicle a day of capacity 2. Optimal: one side per day, 2 x (10 + 1 + 11) = 44; mixing
    sides on a day costs 2 x (10 + 10) + ... more, so the engine must group by side."""
    problem = _toy(
        [(0, 0), (10, 0), (11, 0), (-10, 0), (-11, 0)],
        [((0,), (1,))] * 4,
        n_days=2,
        vehicles=1,
        capacity=2,
        demand=[1, 1, 1, 1],
    )
    result = solve(problem, SearchParams(time_limit_s=1.0, seed=3, excess_penalty=100.0, max_rounds=50))
    assert result.report.feasible and not result.report.missed
    assert result.report.cost == pytest.approx(44.0)


def test_checker_flags_wrong_days_overload_and_missing():
    problem = _toy(
        [(0, 0), (1, 0), (2, 0)], [((0,),), ((0, 1),)], n_days=2, vehicles=1, capacity=1, demand=[1, 1]
    )
    # Customer 1 (day 0 only) on both days breaks its combination; day 0 carries load 2 > 1;
    # customer 2 (days 0 and 1) seen on day 0 only is one visit short, not a broken rule.
    report = check(problem, PeriodicSolution((((1, 2),), ((1,),))))
    assert sorted((v.rule, v.customer) for v in report.violations) == [("capacity", None), ("visit_days", 1)]
    assert report.missed == {2: 1}
    report = check(problem, PeriodicSolution((((1,),), ())))
    assert report.feasible and report.missed == {2: 2}


@settings(max_examples=60, deadline=None)
@given(st.integers(3, 18), st.integers(0, 10_000))
def test_route_improvement_never_worsens(n, seed):
    rng = np.random.default_rng(seed)
    xy = rng.random((n + 1, 2)) * 100
    travel = np.sqrt(((xy[:, None] - xy[None]) ** 2).sum(-1))
    route = [int(c) for c in rng.permutation(np.arange(1, n + 1))]

    def length(r):
        tour = [0, *r, 0]
        return sum(travel[a, b] for a, b in itertools.pairwise(tour))

    better = improve_route(travel, route)
    assert sorted(better) == sorted(route)
    assert length(better) <= length(route) + 1e-9


@needs_pvrp
def test_checker_reproduces_cordeau_costs():
    """Parity with the published solution files: recomputed cost equals the stated one."""
    for name in ("p01", "p02", "p14", "p24", "pr01", "pr07"):
        problem = read_instance(PVRP / "instances" / name)
        stated, solution = read_solution(PVRP / "cordeau_solutions" / f"{name}.res", problem.n_days)
        report = check(problem, solution)
        assert report.cost == pytest.approx(stated, abs=0.01)
        assert report.feasible
        # p01's dummy customer 51 (at the depot, demand = Q) is never visited in Cordeau's file.
        assert report.missed == ({51: 1} if name == "p01" else {})


@needs_pvrp
def test_fast_reinsertion_prices_match_remove_and_insert():
    problem = read_instance(PVRP / "instances" / "pr01")  # has duration limits
    engine = _Engine(problem, SearchParams(excess_penalty=50.0), np.random.default_rng(0))
    engine.construct()
    state = engine.state
    for c in range(1, problem.n_customers + 1, 5):
        before = state.score()
        saving, best = state.reinsertion(c)
        where = state.remove(c)
        assert saving == pytest.approx(before[1] - state.score()[1])
        direct, _ = state.insertion(c)
        state.restore(c, where)
        finite = np.isfinite(direct)
        assert (np.isfinite(best) == finite).all()
        assert best[finite] == pytest.approx(direct[finite])


@needs_pvrp
def test_p01_feasible_and_written_in_cordeau_layout(tmp_path):
    known = best_known_values(PVRP / "instances" / "p01")
    row, problem, result = run_instance(
        PVRP / "instances" / "p01", time_limit_s=4.0, seed=0, best_known=known
    )
    assert row.feasible and row.violations == 0 and row.missed_visits == 0
    assert row.gap_pct is not None and row.gap_pct < 8.0
    text = format_solution(problem, result.solution)
    (tmp_path / "p01.res").write_text(text)
    stated, again = read_solution(tmp_path / "p01.res", problem.n_days)
    assert stated == pytest.approx(check(problem, again).cost, abs=0.01)


@needs_pvrp
def test_pvrp_command_prints_cost_gap_and_feasibility(tmp_path):
    bench = typer.Typer()
    bench.command("pvrp")(pvrp_command)
    bench.command("other")(lambda: None)  # a group, as `planner bench` will be
    done = CliRunner().invoke(
        bench,
        [
            "pvrp",
            str(PVRP / "instances" / "p14"),
            "--time-limit",
            "1",
            "--json",
            "--write-solutions",
            str(tmp_path),
        ],
    )
    assert done.exit_code == 0, done.output
    assert '"feasible": true' in done.output and '"gap_pct"' in done.output
    assert (tmp_path / "p14.res").exists()


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 10_000), st.booleans())
def test_any_returned_plan_keeps_every_hard_rule(seed, windows):
    """Random small calendars (window rules, hard day limits, optional time windows): whatever
    the engine returns, the checker finds no broken rule; visits may only be missed."""
    from planner.pvrp.problem import WindowRule

    rng = np.random.default_rng(seed)
    n, n_days = int(rng.integers(2, 7)), int(rng.integers(7, 22))
    xy = rng.random((n + 1, 2)) * 60
    travel = np.ceil(np.sqrt(((xy[:, None] - xy[None]) ** 2).sum(-1)))
    rules = []
    for _ in range(n):
        k = int(rng.integers(1, 3))
        cuts = [i * n_days // k for i in range(k + 1)]
        wins = tuple((cuts[i], cuts[i + 1] - 1) for i in range(k))
        rules.append(WindowRule(wins, int(rng.integers(0, 6)), rng.random(n_days) < 0.8))
    tw = None
    if windows:
        lo = rng.integers(0, 200, n + 1).astype(float)
        tw = np.stack([lo, lo + rng.integers(60, 300, n + 1)], axis=1)
        tw[0] = (0, 480)
    problem = PeriodicProblem(
        name="random",
        travel=travel,
        service=np.array([0.0, *rng.integers(30, 180, n)]),
        demand=np.zeros(n + 1),
        vehicles=(rng.random(n_days) < 0.75).astype(np.int64),
        capacity=np.full(n_days, INF),
        max_duration=np.full(n_days, 480.0),
        rules=tuple(rules),
        miss_cost=np.array([0.0, *rng.integers(1_000, 100_000, n)]),
        time_window=tw,
    )
    result = solve(
        problem, SearchParams(time_limit_s=2, seed=seed, route_scale=1.0, max_rounds=15, polish_guided=False)
    )
    assert result.report.violations == ()
    assert result.status.value in ("complete", "partial")
