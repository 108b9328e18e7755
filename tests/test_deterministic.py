"""`planner assign --deterministic`: reruns give the same plan.csv byte for byte, even when the
time limit stops the search (issue #14)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import RunCli
from ortools.sat.python import cp_model

from planner.scenario.spec import SolverSettings
from planner.solvers import SolveOptions
from planner.solvers.cpsat import configure

# 1,200 accounts x 40 managers stopped after 0.2 units of deterministic time: measured
# 'feasible' (the limit binds, CP-SAT has not proved optimality), about 0.7 s per run.
ACCOUNTS, MANAGERS, LIMIT = 1200, 40, 0.2


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory, run_cli: RunCli) -> Path:
    out = tmp_path_factory.mktemp("det") / "data"
    done = run_cli("generate", "--accounts", ACCOUNTS, "--managers", MANAGERS, "--seed", 5, "--out", out)
    assert done.returncode == 0, done.stderr
    return out


def test_two_runs_with_a_binding_limit_write_the_same_plan(
    data: Path, tmp_path: Path, run_cli: RunCli
) -> None:
    plans = []
    for k in (1, 2):
        out = tmp_path / f"run{k}"
        done = run_cli(
            "assign", "-a", data / "accounts.csv", "-m", data / "managers.csv", "--out", out,
            "--time-limit", LIMIT, "--threads", 2, "--deterministic", "-q",
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
        assert "--deterministic solves with cpsat" in done.stderr  # the default solver is `auto`
        summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
        solver = summary["solver"]
        assert solver["name"] == "cpsat" and summary["inputs"]["deterministic"] is True
        # The limit did bind: the search stopped on deterministic time, not on a proof.
        assert solver["status"] == "feasible", "instance solved to optimality: pick a larger one"
        assert solver["statistics"]["deterministic_time"] >= LIMIT * 0.99
        plans.append((out / "plan.csv").read_bytes())
    assert plans[0] == plans[1]


def test_deterministic_options_set_one_worker_and_deterministic_time() -> None:
    solver = cp_model.CpSolver()
    configure(solver, SolveOptions(time_limit_seconds=3.0, threads=4, seed=7, deterministic=True))
    params = solver.parameters
    assert params.num_workers == 1 and params.random_seed == 7
    assert params.max_deterministic_time == 3.0
    assert params.max_time_in_seconds >= 60  # only a guard against a runaway
    plain = cp_model.CpSolver()
    configure(plain, SolveOptions(time_limit_seconds=3.0, threads=4))
    assert plain.parameters.num_workers == 4 and plain.parameters.max_time_in_seconds == 3.0


def test_a_deterministic_scenario_solves_with_cpsat_on_one_worker() -> None:
    settings = SolverSettings(name="auto", threads=4, deterministic=True)
    assert settings.effective_name == "cpsat" and settings.effective_threads == 1
    assert SolverSettings(name="auto").effective_name == "auto"
