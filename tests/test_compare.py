"""compare: exact KPIs and diffs on hand-made plans, the terminal/JSON/HTML outputs, exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from test_scenario_helpers import TableParser, standard_accounts, write_data, write_plan_dir
from typer.testing import CliRunner

import planner.cli.scenario  # noqa: F401  (registers the commands on the app)
from planner.cli.app import app
from planner.compare import comparison, load_source, plan_kpis
from planner.compare.sources import DataFiles
from planner.errors import InputError

CURRENT = {"A1": "M1", "A2": "M1", "A3": "M2", "A4": "M2"}


@pytest.fixture
def data(tmp_path: Path) -> Path:
    """Two junior managers of 10 h; four identical standard accounts, two each today.
    Each account: 0.5 h, value 40, match 0.4 (no industry) -> 24 points unserved, value x match 16."""
    managers = [{"manager_id": "M1", "capacity_hours": 10}, {"manager_id": "M2", "capacity_hours": 10}]
    accounts = [*standard_accounts(2, "M1"), *standard_accounts(2, "M2")]
    accounts[2]["account_id"], accounts[3]["account_id"] = "A3", "A4"
    # Full service required: an account left without a manager is a hard-rule violation here.
    return write_data(tmp_path / "data", managers, accounts, policy={"allow_unassigned": False})


@pytest.fixture
def plans(tmp_path: Path, data: Path) -> tuple[Path, Path]:
    a = write_plan_dir(tmp_path / "a", data, CURRENT)
    b = write_plan_dir(tmp_path / "b", data, {**CURRENT, "A1": "M2"})  # one voluntary move
    return a, b


def test_kpis_of_a_hand_made_plan(plans: tuple[Path, Path]) -> None:
    source = load_source(plans[1])
    k = plan_kpis(source.evaluation, source.summary)
    # 4 x 24 unserved + one move 0.5 x 1.0 x (10 + 40) = 96 + 25; balance weight 0.
    assert k["objective"] == 121.0
    assert k["objective_parts"] == {
        "value_match": 96.0,
        "travel": 0.0,
        "moves": 25.0,
        "balance": 0.0,
        "reduced_service": 0.0,
        "performance": 0.0,
        "opportunity": 0.0,
        "unassigned": 0.0,
    }
    assert k["value_served_match"] == 64.0
    assert k["moves"] == {
        "voluntary": 1,
        "forced": 0,
        "forced_by_leaver": 0,
        "forced_by_rule": 0,
        "total": 1,
        "value_moved": 40.0,
        "value_moved_voluntary": 40.0,
        "strategic_moved": 0,
        "strategic_moved_voluntary": 0,
    }
    assert k["travel_hours"] == 0.0
    # Hours 0.5 and 1.5 of 10: utilisation 5 % and 15 %; Gini of (0.5, 1.5) = 2(0.5 + 3)/(2 x 2) - 3/2 = 0.25.
    assert k["utilisation"] == {"min": 0.05, "mean": 0.1, "max": 0.15, "cv": 0.5}
    assert k["hours"] == {"cv": 0.5, "gini": 0.25}
    assert k["accounts_per_manager"] == {"min": 1, "mean": 2.0, "max": 3}
    assert k["hard_rule_violations"] == 0 and k["unassigned"] == 0
    assert k["solver"]["status"] == "optimal" and k["solver"]["gap"] == 0.0


def test_diff_lists_each_move_and_each_managers_gains_and_losses(plans: tuple[Path, Path]) -> None:
    report = comparison([load_source(p) for p in plans])
    (diff,) = report["diffs"]
    assert diff["moved"] == [
        {
            "account_id": "A1",
            "account_name": "",
            "from": "M1",
            "from_name": "",
            "to": "M2",
            "to_name": "",
            "tier": "standard",
            "value_score": 40.0,
        }
    ]
    assert diff["managers"] == [
        {
            "manager_id": "M1",
            "name": "",
            "status": "active",
            "gained": [],
            "lost": ["A1"],
            "accounts_before": 2,
            "accounts_after": 1,
            "hours_before": 1.0,
            "hours_after": 0.5,
            "utilisation_before": 0.1,
            "utilisation_after": 0.05,
        },
        {
            "manager_id": "M2",
            "name": "",
            "status": "active",
            "gained": ["A1"],
            "lost": [],
            "accounts_before": 2,
            "accounts_after": 3,
            "hours_before": 1.0,
            "hours_after": 1.5,
            "utilisation_before": 0.1,
            "utilisation_after": 0.15,
        },
    ]


def test_compare_needs_two_plans(plans: tuple[Path, Path]) -> None:
    with pytest.raises(ValueError):
        comparison([load_source(plans[0])])


def test_explicit_files_override_the_recorded_ones(plans: tuple[Path, Path], data: Path) -> None:
    files = DataFiles(data / "accounts.csv", data / "managers.csv", data / "policy.yaml")
    assert load_source(plans[1], files).data_from == "files given on the command line"
    assert load_source(plans[1]).data_from == "summary.json inputs"


def test_a_plan_without_recorded_inputs_asks_for_files(tmp_path: Path, plans: tuple[Path, Path]) -> None:
    bare = tmp_path / "bare"
    bare.mkdir()
    (bare / "plan.csv").write_text((plans[0] / "plan.csv").read_text())
    with pytest.raises(InputError, match="pass --accounts and --managers"):
        load_source(bare)


def test_cli_json_html_and_exit_code_on_violations(
    tmp_path: Path, plans: tuple[Path, Path], data: Path
) -> None:
    broken = write_plan_dir(
        tmp_path / "c", data, {**CURRENT, "A4": None}
    )  # unassigned: a hard-rule violation
    html = tmp_path / "report" / "compare.html"
    runner = CliRunner()
    ok = runner.invoke(app, ["compare", str(plans[0]), str(plans[1]), "--json"])
    assert ok.exit_code == 0, ok.output
    report = json.loads(ok.stdout)
    assert [p["name"] for p in report["plans"]] == ["a", "b"]
    assert report["diffs"][0]["moved_count"] == 1

    bad = runner.invoke(app, ["compare", str(plans[0]), str(plans[1]), str(broken), "--html", str(html)])
    assert bad.exit_code == 1  # plan c breaks assign_exactly_one
    assert "A1" in bad.stdout and "hard-rule violations" in bad.stdout

    page = TableParser(html.read_text(encoding="utf-8"))
    kpis = {row[0]: row[1:] for row in page.tables["kpis"][1:]}
    assert page.tables["kpis"][0] == ["KPI", "a", "b", "c"]
    assert kpis["moves, voluntary"] == ["0", "1", "0"]
    assert kpis["hard-rule violations (must be 0)"] == ["0", "0", "1"]
    assert page.tables["moved-1"][1:] == [["A1", "M1", "M2", "standard", "40.0"]]
    assert page.tables["moved-2"][1:] == [["A4", "M2", "–", "standard", "40.0"]]
    assert page.tables["managers-1"][1] == ["M1", "active", "0", "1", "2", "1", "1.0", "0.5"]
    assert page.svg_count == 2  # KPI bars and utilisation per manager, inline: no network needed
    text = html.read_text()
    assert "<script" not in text and "<link" not in text and 'src="http' not in text  # nothing fetched


def test_missing_plan_directory_exits_2(tmp_path: Path, plans: tuple[Path, Path]) -> None:
    result = CliRunner().invoke(app, ["compare", str(plans[0]), str(tmp_path / "nope")])
    assert result.exit_code == 2
