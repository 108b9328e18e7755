"""The HR fairness report: its numbers are the evaluator's, its flags count what the shares count."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from test_scenario_helpers import TableParser, write_data, write_plan_dir
from toys import acc, context, mgr, plan
from typer.testing import CliRunner

import planner.cli.scenario  # noqa: F401  (registers the commands on the app)
from planner.cli.app import app
from planner.evaluate import evaluate, fairness_stats
from planner.fairness import fairness_report


@pytest.fixture
def evaluation():  # type: ignore[no-untyped-def]
    """M1 (junior, north, 1 h) holds two 0.5 h accounts: 100 %, overload.
    M2 (senior, north, 10 h) holds one: 5 %, under-use. M3 (senior, south, 1 h) holds one: 50 %, fine.
    M4 has left and holds nothing."""
    ctx = context(
        [
            mgr("M1", 1.0, region="north"),
            mgr("M2", 10.0, region="north", seniority="senior"),
            mgr("M3", 1.0, region="south", seniority="senior"),
            mgr("M4", 5.0, region="south", active=False),
        ],
        [
            acc("A1", region="north"),
            acc("A2", region="north"),
            acc("A3", region="north"),
            acc("A4", region="south"),
        ],
    )
    return evaluate(ctx, plan(A1="M1", A2="M1", A3="M2", A4="M3"))


def test_statistics_are_the_evaluators_verbatim(evaluation) -> None:  # type: ignore[no-untyped-def]
    report = fairness_report(evaluation)
    assert report["statistics"] == evaluation.fairness
    assert report["statistics"]["share_above_90pct"] == round(1 / 3, 4)
    assert report["statistics"]["share_below_50pct"] == round(1 / 3, 4)


def test_per_manager_rows_and_flags(evaluation) -> None:  # type: ignore[no-untyped-def]
    report = fairness_report(evaluation)
    rows = {r["manager_id"]: r for r in report["managers"]}
    assert [rows[m]["flag"] for m in ("M1", "M2", "M3", "M4")] == ["overload", "under-use", "", ""]
    assert (
        rows["M1"]["hours"] == 1.0
        and rows["M1"]["capacity_hours"] == 1.0
        and rows["M1"]["utilisation"] == 1.0
    )
    assert rows["M2"]["utilisation"] == 0.05 and rows["M2"]["accounts_by_tier"]["standard"] == 1
    assert rows["M1"]["value_carried"] == 80.0 and rows["M1"]["travel_share"] == 0.0
    assert report["flags"] == {"overload": ["M1"], "under_use": ["M2"], "left_holding_accounts": []}
    # The flags count exactly the managers the evaluator's shares count.
    n = report["statistics"]["managers"]
    assert len(report["flags"]["overload"]) == round(report["statistics"]["share_above_90pct"] * n)
    assert len(report["flags"]["under_use"]) == round(report["statistics"]["share_below_50pct"] * n)


def test_groups_use_the_evaluators_statistics(evaluation) -> None:  # type: ignore[no-untyped-def]
    report = fairness_report(evaluation)
    seniority = {r["seniority"]: r for r in report["by_seniority"]}
    assert set(seniority) == {"junior", "senior"}  # M4 (junior, left) is not counted
    senior = seniority["senior"]
    assert senior["managers"] == 2 and senior["hours"] == 1.0 and senior["capacity_hours"] == 11.0
    assert senior["statistics"] == fairness_stats(np.array([0.5, 0.5]), np.array([10.0, 1.0]))
    regions = {r["region"]: r for r in report["by_region"]}
    assert regions["north"]["accounts"] == 3 and regions["north"]["overloaded"] == 1
    assert regions["north"]["under_used"] == 1 and regions["south"]["managers"] == 1


def test_cli_json_and_html(tmp_path: Path) -> None:
    data = write_data(
        tmp_path / "data",
        [{"manager_id": "M1", "capacity_hours": 1}, {"manager_id": "M2", "capacity_hours": 10}],
        [{"account_id": f"A{i}", "current_manager_id": "M1"} for i in (1, 2, 3)],
    )
    plan_dir = write_plan_dir(tmp_path / "p", data, {"A1": "M1", "A2": "M1", "A3": "M2"})
    html = tmp_path / "fair.html"
    result = CliRunner().invoke(app, ["fairness", str(plan_dir), "--json", "--html", str(html)])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["flags"]["overload"] == ["M1"] and report["flags"]["under_use"] == ["M2"]
    page = TableParser(html.read_text(encoding="utf-8"))
    assert set(page.tables) == {
        "statistics",
        "managers",
        "by-seniority",
        "by-region",
        "by-industry",  # the data's managers list none: one row, "(none listed)"
        "opportunity-by-seniority",
        "opportunity-by-region",
        "opportunity-by-industry",
    }
    # Fair opportunity (#18 item 4): M1 carries A1 and A2 (value 40 each), M2 carries A3.
    assert page.tables["opportunity-by-seniority"][1][2:6] == ["40.0", "60.0", "80.0", "40.0"]
    managers = {row[0]: row for row in page.tables["managers"][1:]}
    assert managers["M1"][6] == "100.0%" and managers["M1"][-1] == "overload"
    assert managers["M2"][6] == "5.0%" and managers["M2"][-1] == "under-use"
    stats = dict(page.tables["statistics"][1:])
    assert stats["Gini of hours"] == f"{report['statistics']['hours_gini']:.3f}"
    assert page.svg_count == 3  # bars against capacity, the utilisation distribution, peers' value

    terminal = CliRunner().invoke(app, ["fairness", str(plan_dir)])
    assert terminal.exit_code == 0 and "overload" in terminal.stdout
