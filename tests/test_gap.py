"""The GAP engine and `planner bench gap`: parsing, proven optima, honest results, side constraints.

Instance files are read from ../shared/benchmarks/gap (or $GAP_DATA) and never copied here;
tests that need them skip when the folder is absent.
"""

from __future__ import annotations

import json
import os
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

import planner.cli.bench  # noqa: F401  (registers `bench` on the app)
from planner.bench.gap import read_solution
from planner.bench.gap_instance import GapFormatError, parse_gap, read_best_known, read_gap_file
from planner.cli.app import app
from planner.gap.local_search import warm_up
from planner.problem import AssignmentProblem
from planner.solvers.base import SolveOptions, Status
from planner.solvers.cpsat import CpSatSolver
from planner.solvers.gap_engine import GapEngineSolver, side_constraints

DATA = Path(os.environ.get("GAP_DATA", Path(__file__).resolve().parents[2] / "shared" / "benchmarks" / "gap"))


def data_file(*parts: str) -> Path:
    path = DATA.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"GAP benchmark data not found at {path}")
    return path


@pytest.fixture(scope="module", autouse=True)
def _compiled() -> None:
    warm_up()  # numba's one-off compile must not eat a test's time limit


def options(seconds: float = 10.0) -> SolveOptions:
    return SolveOptions(time_limit_seconds=seconds, threads=2, seed=0)


# -- parsing ------------------------------------------------------------------------------


def test_yagiura_layout_ignores_line_breaks() -> None:
    # m=2, n=3, a row wrapped over two lines and stray blanks, as in yagiura/a05100.
    text = "  2 3\n 1 2\n 3\n4 5 6\n 7 8 9 10 11 12\n 20 30 \n"
    (inst,) = parse_gap(text, "toy")
    assert inst.name == "toy"
    assert inst.cost.tolist() == [[1, 2, 3], [4, 5, 6]]
    assert inst.weight.tolist() == [[7, 8, 9], [10, 11, 12]]
    assert inst.capacity.tolist() == [20, 30]


def test_orlib_layout_has_problem_count() -> None:
    block = "1 2 5 6 3 4 10"  # m=1 n=2, c=[5 6], a=[3 4], b=[10]
    insts = parse_gap(f"2\n{block}\n{block}\n", "gapX")
    assert [i.name for i in insts] == ["gapX-1", "gapX-2"]
    assert insts[1].capacity.tolist() == [10]


def test_leftover_tokens_are_an_error() -> None:
    with pytest.raises(GapFormatError, match="left after"):
        parse_gap("1 1 2 5 6 3 4 10 99", "bad")


def test_orlib_file_token_count() -> None:
    path = data_file("orlib", "gap1.txt")
    tokens = len(path.read_text().split())
    insts = read_gap_file(path)
    assert [(i.n_agents, i.n_jobs) for i in insts] == [(5, 15)] * 5
    # FORMAT.md: a file has 1 + sum over problems of (2 + 2 m n + m) tokens.
    assert tokens == 1 + sum(2 + 2 * i.n_agents * i.n_jobs + i.n_agents for i in insts)


def test_yagiura_file_token_count() -> None:
    path = data_file("yagiura", "d201600")
    (inst,) = read_gap_file(path)
    assert (inst.n_agents, inst.n_jobs) == (20, 1600)
    assert len(path.read_text().split()) == 2 + 2 * 20 * 1600 + 20


# -- proven optima on gap1..gap12, both senses ----------------------------------------------

# gap7..gap12 (8-10 agents, 40-60 jobs) take a few seconds each: CI runs them as `slow`.
ORLIB = [f"gap{k}" for k in range(1, 7)] + [
    pytest.param(f"gap{k}", marks=pytest.mark.slow) for k in range(7, 13)
]


@pytest.mark.parametrize("sense", ["min", "max"])
@pytest.mark.parametrize("stem", ORLIB)
def test_orlib_optimal(stem: str, sense: str) -> None:
    path = data_file("orlib", f"{stem}.txt")
    known = read_best_known(DATA / "best_known.csv")
    engine = GapEngineSolver()
    for inst in read_gap_file(path):
        problem = inst.to_problem(sense)  # type: ignore[arg-type]
        result = engine.solve(problem, options())
        assert result.status == Status.OPTIMAL, (inst.name, sense, result)
        assert result.unit_agent is not None and result.objective is not None
        # Maximisation is solved as min(-c): the engine's objective is the negated profit.
        value = -result.objective if sense == "max" else result.objective
        assert value == known[(inst.name, sense)], (inst.name, sense)
        assert result.objective == problem.objective_of(result.unit_agent)
        assert result.bound == result.objective and result.gap == 0
        assert inst.is_feasible(result.unit_agent)


# -- honest results on a larger instance -----------------------------------------------------


def test_large_instance_result_is_honest() -> None:
    (inst,) = read_gap_file(data_file("yagiura", "c10400"))
    problem = inst.to_problem()
    result = GapEngineSolver().solve(problem, options(4.0))
    assert result.status in (Status.OPTIMAL, Status.FEASIBLE)
    assert result.unit_agent is not None and inst.is_feasible(result.unit_agent)
    assert result.objective == problem.objective_of(result.unit_agent)
    best = read_best_known(DATA / "best_known.csv")[("c10400", "min")]  # proven optimal there
    assert result.bound is not None and result.bound <= best <= result.objective
    assert result.objective <= 1.01 * best
    assert result.time_to_best_seconds is not None and result.time_to_best_seconds <= result.runtime_seconds


def test_mid_size_full_path_is_honest_and_on_time() -> None:
    # 15 x 900 = 13,500 pairs, 60 jobs per agent: HiGHS on the full model, and a second HiGHS
    # on the reduced (heuristic) pair set, whose bound must not become the problem's.
    (inst,) = read_gap_file(data_file("yagiura", "c15900"))
    problem = inst.to_problem()
    result = GapEngineSolver().solve(problem, options(4.0))
    assert result.unit_agent is not None and inst.is_feasible(result.unit_agent)
    assert result.objective == problem.objective_of(result.unit_agent)
    best = read_best_known(DATA / "best_known.csv")[("c15900", "min")]  # a feasible plan's cost
    assert result.bound is not None and result.bound <= best
    assert result.status == Status.FEASIBLE  # 4 s is nowhere near a proof here
    assert result.statistics["highs_scope"] == "full"
    assert result.statistics.get("highs2_scope", "heuristic") == "heuristic"
    assert result.runtime_seconds <= 4.0 + 2.0  # a late low-priority phase is not waited for


# -- the CLI -------------------------------------------------------------------------------


def test_cli_writes_solutions_that_recheck(tmp_path: Path) -> None:
    path = data_file("orlib", "gap3.txt")
    out = tmp_path / "sol"
    runner = CliRunner()
    res = runner.invoke(
        app,
        [
            "bench",
            "gap",
            str(path),
            "--time-limit",
            "5",
            "--json",
            "--sense",
            "max",
            "--write-solutions",
            str(out),
        ],
    )
    assert res.exit_code == 0, res.output
    rows = [json.loads(line) for line in res.output.splitlines() if line.startswith("{")]
    summary = rows.pop()["summary"]
    assert summary["instances"] == 5 and summary["max_gap_best_pct"] == 0.0
    for inst, row in zip(read_gap_file(path), rows, strict=True):
        assert row["instance"] == inst.name and row["status"] == "optimal"
        assert isinstance(row["statistics"]["path"], str)  # the engine's account of the run
        assign = read_solution(out / f"{inst.name}.sol")
        assert assign.min() >= 0  # the file is 1-based
        assert inst.is_feasible(assign)
        assert inst.objective(assign) == row["objective"] == row["best_known"]


def test_cli_table_and_peers() -> None:
    path = data_file("orlib", "gap1.txt")
    res = CliRunner().invoke(app, ["bench", "gap", str(path), "--time-limit", "2", "--peers"])
    assert res.exit_code == 0, res.output
    assert "gap1-5" in res.output and "highs" in res.output and "cpsat" in res.output
    assert "strictly better than highs" in res.output


def test_summary_counts_against_all_peers() -> None:
    from planner.bench.gap import BenchRow, PeerRow, summary

    def row(name: str, ours: float, cpsat: float | None, highs: float) -> BenchRow:
        r = BenchRow(name, "min", 2, 4, "feasible", ours, None, None, None, None, None, 1.0)
        r.peers = {"cpsat": PeerRow("feasible", cpsat, 1.0), "highs": PeerRow("optimal", highs, 1.0)}
        return r

    rows = [
        row("won", 10, 12, 11),  # strictly better than both
        row("tied", 10, None, 10),  # a tie at the optimum: no worse, not better
        row("lost", 10, 9, 12),  # cpsat did better
    ]
    s = summary(rows)
    assert s["beats_every_peer"] == 1
    assert s["no_worse_than_any_peer"] == 2
    assert s["worse_than_a_peer"] == ["lost:cpsat"]


def test_cli_rejects_bad_sense() -> None:
    path = data_file("orlib", "gap1.txt")
    res = CliRunner().invoke(app, ["bench", "gap", str(path), "--time-limit", "1", "--sense", "up"])
    assert res.exit_code != 0


# -- any AssignmentProblem: side constraints and sparse eligibility ---------------------------


def random_problem(seed: int, n_units: int = 9, n_agents: int = 3, sides: bool = True) -> AssignmentProblem:
    """A planner-like toy: sparse eligibility, hours-like weights, optional side constraints."""
    rng = np.random.default_rng(seed)
    units, agents = [], []
    for u in range(n_units):
        allowed = rng.choice(n_agents, size=int(rng.integers(1, n_agents + 1)), replace=False)
        units += [u] * len(allowed)
        agents += sorted(allowed.tolist())
    pu, pa = np.array(units), np.array(agents)
    weight = rng.integers(5, 40, size=pu.size)
    problem = AssignmentProblem(
        n_units=n_units,
        n_agents=n_agents,
        pair_unit=pu,
        pair_agent=pa,
        pair_cost=rng.integers(0, 50, size=pu.size),
        pair_weight=weight,
        capacity=np.full(n_agents, int(weight.sum() * 0.9 / n_agents) + 40),
    )
    if not sides:
        return problem
    hint = np.array([pa[pu == u][0] for u in range(n_units)])
    return replace(
        problem,
        pair_moves=(pa != hint[pu]).astype(np.int64),
        max_moves=n_units // 2,
        lower=np.full(n_agents, 10),
        limit_names=("max_accounts",),
        limit_use=np.ones((1, pu.size), dtype=np.int64),
        limit_upper=np.full((1, n_agents), n_units // 2 + 1),
        balance_coef=int(rng.integers(0, 3)),
        balance_agents=np.ones(n_agents, dtype=bool),
        unassigned_cost=np.full(n_units, 200),
        hint=hint,
    )


@pytest.mark.parametrize("seed", range(6))
def test_side_constraints_match_cpsat_optimum(seed: int) -> None:
    problem = random_problem(seed)
    assert side_constraints(problem)
    ours = GapEngineSolver().solve(problem, options(5.0))
    reference = CpSatSolver().solve(problem, options(5.0))
    assert ours.status == reference.status
    if reference.status == Status.OPTIMAL:
        assert ours.objective == reference.objective
        assert ours.unit_agent is not None
        assert ours.objective == problem.objective_of(ours.unit_agent)


@pytest.mark.parametrize("seed", range(6))
def test_sparse_gap_matches_cpsat_optimum(seed: int) -> None:
    # No side constraints: the engine's own GAP path, on pairs that are not all eligible.
    problem = random_problem(100 + seed, n_units=14, n_agents=4, sides=False)
    assert not side_constraints(problem)
    ours = GapEngineSolver().solve(problem, options(5.0))
    reference = CpSatSolver().solve(problem, options(5.0))
    assert ours.status == reference.status
    if reference.status == Status.OPTIMAL:
        assert ours.unit_agent is not None
        assert ours.objective == reference.objective == problem.objective_of(ours.unit_agent)
        eligible = set(zip(problem.pair_unit.tolist(), problem.pair_agent.tolist(), strict=True))
        assert all((u, int(a)) in eligible for u, a in enumerate(ours.unit_agent))


def test_highs_accepts_the_incumbent_as_hint() -> None:
    # The engine hands its incumbent to HiGHS as a MathOpt solution hint; whatever HiGHS
    # does with it, its answer may not be worse than the hint it started from.
    from planner.gap.highs import solve_highs

    (inst, *_) = read_gap_file(data_file("orlib", "gap4.txt"))
    problem = inst.to_problem()
    first = GapEngineSolver().solve(problem, options(5.0))
    assert first.unit_agent is not None and first.objective is not None
    out = solve_highs(problem, 5.0, hint=first.unit_agent)
    assert out.unit_agent is not None and out.objective is not None
    assert inst.is_feasible(out.unit_agent)
    assert out.objective <= first.objective


def test_small_infeasible_gap_is_reported_infeasible() -> None:
    # Every job weighs more than half of any capacity and there are more jobs than agents,
    # so some agent would take two: no plan exists. The full-model HiGHS proves it.
    problem = random_problem(3, n_units=6, n_agents=3, sides=False)
    heavy = replace(problem, pair_weight=np.full(problem.n_pairs, 10), capacity=np.full(3, 19))
    result = GapEngineSolver().solve(heavy, options(5.0))
    assert result.status == Status.INFEASIBLE and result.unit_agent is None


def test_feasible_checks_eligibility_and_capacity() -> None:
    from planner.solvers.gap_engine import feasible

    problem = random_problem(7, n_units=5, n_agents=2, sides=False)
    first_pair = [int(problem.pair_agent[problem.pair_unit == u][0]) for u in range(5)]
    plan = np.array(first_pair)
    load = sum(
        int(problem.pair_weight[(problem.pair_unit == u) & (problem.pair_agent == a)][0])
        for u, a in enumerate(plan)
    )
    tight = replace(problem, capacity=np.full(2, load))
    assert feasible(tight, plan)
    assert not feasible(replace(problem, capacity=np.zeros(2, dtype=np.int64)), plan)
    assert not feasible(problem, np.full(5, -1))
