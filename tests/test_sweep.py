"""planner sweep (#21): points from a grid or a seeded sample, each a policy; serial and
distributed agree; the Pareto set is the points no other beats on all four criteria."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
import yaml
from conftest import DEMO_DIR, RunCli
from dask_local import dask_address  # noqa: F401 (a fixture)

from planner.distributed import Engine
from planner.errors import InputError
from planner.generator import generate, write_csv
from planner.scenario.spec import SolverSettings
from planner.sweep import PointOutcome, SweepBase, expand, load_sweep, run_sweep, sweep_rows, with_point
from planner.sweep.spec import SweepBlock

DETERMINISTIC = SolverSettings(name="cpsat", time_limit_seconds=0.2, deterministic=True)


def test_two_worker_cluster_gives_the_serial_answers(dask_address: str, tmp_path: Path) -> None:  # noqa: F811
    base = SweepBase(generate(100, 5, seed=4), DETERMINISTIC)
    points = expand(
        SweepBlock(parameters={"weights.balance": [10, 3000], "max_moves": [0, None]})  # type: ignore[dict-item]
    )
    serial = run_sweep(base, points, Engine(workers=0))
    distributed = run_sweep(base, points, Engine(cluster=dask_address), out=tmp_path)
    assert [o.index for o in serial.outcomes] == [0, 1, 2, 3]
    assert all(o.has_plan for o in serial.outcomes)
    assert distributed.outcomes == serial.outcomes
    # The points differ where they should: a budget of 0 allows no voluntary move.
    assert [o.voluntary_moves == 0 for o in serial.outcomes if o.point["max_moves"] == 0] == [True, True]
    assert (tmp_path / "points.jsonl").read_text(encoding="utf-8").count("\n") == 4


def test_grid_is_every_combination_and_random_is_seeded_within_bounds() -> None:
    grid = SweepBlock(parameters={"weights.move": [0.1, 1.0], "utilisation_band": [[0.3, 0.9], None]})  # type: ignore[dict-item]
    assert expand(grid) == [
        {"weights.move": 0.1, "utilisation_band": [0.3, 0.9]},
        {"weights.move": 0.1, "utilisation_band": None},
        {"weights.move": 1.0, "utilisation_band": [0.3, 0.9]},
        {"weights.move": 1.0, "utilisation_band": None},
    ]
    block = SweepBlock.model_validate(
        {
            "mode": "random",
            "samples": 30,
            "seed": 5,
            "parameters": {
                "weights.balance": {"low": 10, "high": 20},
                "max_moves": {"low": 0, "high": 3, "integer": True},
            },
        }
    )
    drawn = expand(block)
    assert drawn == expand(block) and len(drawn) == 30
    assert all(10 <= p["weights.balance"] <= 20 for p in drawn)
    assert {p["max_moves"] for p in drawn} <= {0, 1, 2, 3}


def test_a_point_is_merged_into_the_policy_and_checked_like_one() -> None:
    ds = generate(20, 3, seed=1)
    changed = with_point(ds, {"weights.balance": 7.0, "tiering.strategic_share": 0.2, "max_moves": 4})
    assert changed.policy.weights.balance == 7.0 and changed.policy.max_moves == 4
    assert changed.policy.tiering.strategic_share == 0.2
    assert changed.policy.weights.move == ds.policy.weights.move  # the rest as it was
    with pytest.raises(InputError, match=r"unknown policy field 'weights\.balanse'"):
        with_point(ds, {"weights.balanse": 1.0})
    with pytest.raises(InputError, match="strategic_share"):
        with_point(ds, {"tiering.strategic_share": 2.0})


def test_pareto_marks_only_the_points_nobody_beats_on_all_four() -> None:
    def point(i: int, value: float, spread: float, moves: int, travel: float) -> PointOutcome:
        return PointOutcome(i, {"k": i}, "optimal", value, spread, moves, travel, 0.0, 0, 0.0)

    rows = sweep_rows(
        [
            point(0, 100.0, 0.2, 10, 50.0),
            point(1, 90.0, 0.3, 10, 50.0),  # better value, worse balance: both stay
            point(2, 100.0, 0.2, 12, 50.0),  # point 0 with more moves: dominated
            PointOutcome(3, {"k": 3}, "infeasible", reason="no plan"),
        ]
    )
    assert [r["pareto"] for r in rows] == [True, True, False, False]


def test_sweep_file_errors_name_the_field(tmp_path: Path) -> None:
    spec = {
        "name": "s",
        "data": {"accounts": str(DEMO_DIR / "accounts.csv"), "managers": str(DEMO_DIR / "managers.csv")},
        "sweep": {"mode": "grid", "parameters": {"weights.balance": {"low": 1, "high": 2}}},
    }
    path = tmp_path / "s.yaml"
    path.write_text(yaml.safe_dump(spec), encoding="utf-8")
    with pytest.raises(InputError, match="a grid needs a list of values"):
        load_sweep(path)
    spec["sweep"] = {"mode": "random", "parameters": {"weights.balance": [1, 2]}}
    path.write_text(yaml.safe_dump(spec), encoding="utf-8")
    with pytest.raises(InputError, match="needs samples"):
        load_sweep(path)


def test_cli_writes_the_table_and_the_pareto_chart(tmp_path: Path, run_cli: RunCli) -> None:
    data = tmp_path / "data"
    data.mkdir()
    write_csv(generate(60, 4, seed=2), data)  # what `planner generate` writes, without a process
    spec = {
        "name": "cli",
        "data": {"accounts": "data/accounts.csv", "managers": "data/managers.csv"},
        "solver": {"name": "cpsat", "time_limit_seconds": 0.2, "deterministic": True},
        "sweep": {"parameters": {"weights.balance": [10, 1000], "max_moves": [0, None]}},
    }
    path = tmp_path / "sweep.yaml"
    path.write_text(yaml.safe_dump(spec), encoding="utf-8")
    done = run_cli("sweep", path, "--out", tmp_path / "out", "--serial")
    assert done.returncode == 0, done.stderr
    with (tmp_path / "out" / "sweep.csv").open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert [r["point"] for r in rows] == ["0", "1", "2", "3"]
    assert {"param:weights.balance", "param:max_moves", "value_lost", "pareto"} <= set(rows[0])
    assert any(r["pareto"] == "True" for r in rows)
    assert (tmp_path / "out" / "pareto.png").stat().st_size > 0


def test_the_example_sweep_file_resolves_and_every_point_is_a_valid_policy() -> None:
    from planner.scenario import resolve_scenario

    path = DEMO_DIR.parent / "sweeps" / "example.yaml"
    spec = load_sweep(path)
    dataset = resolve_scenario(spec.scenario, path.parent, path.name).dataset
    points = expand(spec.sweep)
    assert len(points) == 3 * 2 * 2 * 3 * 2  # the grid's lists
    for point in points:
        with_point(dataset, point)
