"""alternatives: the ε-constraint sweep on a toy whose front is known, the Pareto filter, the directory."""

from __future__ import annotations

import json
from pathlib import Path

from test_scenario_helpers import TableParser, write_data, write_scenario
from typer.testing import CliRunner

import planner.cli.scenario  # noqa: F401  (registers the commands on the app)
from planner.cli.app import app
from planner.compare import load_source
from planner.io.outdir import MARKER
from planner.scenario import load_and_resolve, solve_scenario
from planner.scenario.alternatives import sweep
from planner.scenario.pareto import dominates, pareto_mask, spaced_budgets


def test_pareto_mask_keeps_the_non_dominated() -> None:
    points = [(0, 5.0, 9.0), (2, 4.0, 9.0), (2, 5.0, 9.0), (4, 1.0, 1.0)]
    assert pareto_mask(points) == [True, True, False, True]
    assert dominates((1, 1, 1), (1, 1, 2)) and not dominates((1, 1, 1), (1, 1, 1))


def test_spaced_budgets() -> None:
    assert spaced_budgets(0, 4, 3) == [0, 2, 4]
    assert spaced_budgets(27, 49, 5) == [27, 32, 38, 44, 49]
    assert spaced_budgets(3, 3, 5) == [3]
    assert spaced_budgets(0, 2, 5) == [0, 1, 2]


def _four_key_accounts(tmp_path: Path) -> Path:
    """Four key accounts with junior M1; senior M2 knows their industry. Each move saves
    32 points of value unserved and costs 10 (see test_scenario), so the free plan moves all
    four, and a budget of b moves exactly b: value unserved = 32 x (4 - b)."""
    managers = [
        {"manager_id": "M1", "seniority": "junior", "capacity_hours": 100},
        {"manager_id": "M2", "seniority": "senior", "industries": "energy", "capacity_hours": 100},
    ]
    accounts = [
        {"account_id": f"K{i}", "tier": "key", "industry": "energy", "current_manager_id": "M1"}
        for i in range(1, 5)
    ]
    write_data(tmp_path, managers, accounts, policy={"weights": {"balance": 0, "move": 0.1}})
    return write_scenario(tmp_path, [], name="four")


def test_sweep_finds_the_known_front(tmp_path: Path) -> None:
    result = sweep(load_and_resolve(_four_key_accounts(tmp_path)), 3, solve_scenario)
    points = [a.point for a in result.alternatives]
    assert [p["moves"] for p in points] == [0, 2, 4]
    assert [p["value_unserved"] for p in points] == [128.0, 64.0, 0.0]
    assert [p["label"] for p in points] == ["≤ 0 moves", "≤ 2 moves", "as written"]
    assert result.dropped == []


def test_cli_writes_plan_dirs_chart_and_index(tmp_path: Path) -> None:
    scenario = _four_key_accounts(tmp_path / "data")
    out = tmp_path / "alts"
    result = CliRunner().invoke(app, ["alternatives", str(scenario), "--count", "3", "--out", str(out)])
    assert result.exit_code == 0, result.output
    dirs = ["01-moves-0000", "02-moves-0002", "03-moves-0004-as-written"]
    assert sorted(p.name for p in out.iterdir()) == sorted(
        [MARKER, *dirs, "front.json", "front.png", "front.svg", "index.html"]
    )
    assert (out / "front.png").read_bytes().startswith(b"\x89PNG")
    front = json.loads((out / "front.json").read_text())
    assert [p["dir"] for p in front["plans"]] == dirs
    # Each alternative is a full plan directory that compare can re-score from its own record.
    source = load_source(out / dirs[1])
    assert source.data_from == "inputs/ recorded with the plan"
    assert source.evaluation.moves["voluntary"] == 2 and source.ctx.dataset.policy.max_moves == 2
    page = TableParser((out / "index.html").read_text(encoding="utf-8"))
    assert [row[0] for row in page.tables["front"][1:]] == dirs
    assert [row[2] for row in page.tables["front"][1:]] == ["0", "2", "4"]
    assert page.svg_count == 1
