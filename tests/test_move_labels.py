"""Every move carries its reason, and the move counts add up by reason (issue #14: a strategic
account moved off a junior manager was counted as "forced by leavers", and "strategic moved"
counted only voluntary moves)."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from toys import acc, context, mgr, pairs, plan

from planner.evaluate import Evaluation, evaluate
from planner.io.plan_dir import PLAN_COLUMNS, write_plan_csv


@pytest.fixture(scope="module")
def evaluation() -> Evaluation:
    managers = [
        mgr("M1", name="Li Wei", seniority="senior"),
        mgr("M2", name="Wang Fang", seniority="junior"),
        mgr("M3", name="Zhao Lei", seniority="senior", active=False),  # has left
        mgr("M4", name="Chen Jing", seniority="senior"),
    ]
    accounts = [
        acc("A1", tier="strategic", name="Alpha", current_manager_id="M2"),  # junior may not keep it
        acc("A2", name="Beta", current_manager_id="M3"),  # the manager left
        acc("A3", name="Gamma", current_manager_id="M1"),  # moved by choice
        acc("A4", name="Delta", current_manager_id="M2"),  # stays
        acc("A5", tier="strategic", name="Epsilon", current_manager_id="M3"),  # the manager left
        acc("A6", name="Zeta", current_manager_id="M1"),  # the pair is forbidden now
        acc("A7", tier="strategic", name="Eta", current_manager_id="M1"),  # strategic, moved by choice
    ]
    ctx = context(managers, accounts, forbidden=pairs(("A6", "M1")))
    chosen = plan(A1="M1", A2="M1", A3="M2", A4="M2", A5="M4", A6="M2", A7="M4")
    return evaluate(ctx, chosen)


def test_each_moved_row_names_its_reason(evaluation: Evaluation) -> None:
    reasons = {row.account_id: row.move_reason for row in evaluation.accounts}
    assert reasons == {
        "A1": "rule: seniority_by_tier",
        "A2": "manager_left",
        "A3": "voluntary",
        "A4": None,
        "A5": "manager_left",
        "A6": "rule: forbidden_pair",
        "A7": "voluntary",
    }


def test_move_counts_split_by_reason_and_strategic_counts_every_move(evaluation: Evaluation) -> None:
    assert evaluation.moves == {
        "voluntary": 2,  # A3, A7: what the disruption budget counts
        "forced": 4,  # kept for old readers: leaver + rule
        "forced_by_leaver": 2,  # A2, A5
        "forced_by_rule": 2,  # A1 (seniority), A6 (forbidden pair)
        "total": 6,
        "value_moved": pytest.approx(sum(r.value_score for r in evaluation.accounts if r.moved), abs=0.01),
        "value_moved_voluntary": pytest.approx(
            sum(r.value_score for r in evaluation.accounts if r.move_reason == "voluntary"), abs=0.01
        ),
        "strategic_moved": 3,  # A1 (rule), A5 (leaver), A7 (choice)
        "strategic_moved_voluntary": 1,  # A7
    }
    assert not evaluation.violations


def test_plan_csv_has_names_beside_ids_and_the_move_reason(evaluation: Evaluation, tmp_path: Path) -> None:
    path = tmp_path / "plan.csv"
    write_plan_csv(path, evaluation)
    with path.open(newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        rows = {r["account_id"]: r for r in reader}
        assert reader.fieldnames is not None
        assert list(reader.fieldnames) == list(PLAN_COLUMNS)
    assert list(PLAN_COLUMNS[:2]) == ["account_id", "manager_id"]  # ids first: readers rely on them
    assert rows["A1"]["account_name"] == "Alpha" and rows["A1"]["manager_name"] == "Li Wei"
    assert rows["A1"]["move_reason"] == "rule: seniority_by_tier"
    assert rows["A2"]["move_reason"] == "manager_left" and rows["A2"]["previous_manager_id"] == "M3"
    assert rows["A4"]["move_reason"] == "" and rows["A4"]["moved"] == "false"


def test_an_unassigned_account_whose_manager_could_keep_it_says_so() -> None:
    ctx = context(
        [mgr("M1", name="Li Wei")], [acc("A1", current_manager_id="M1"), acc("A2")], allow_unassigned=True
    )
    ev = evaluate(ctx, plan(A1=None, A2="M1"))
    row = next(r for r in ev.accounts if r.account_id == "A1")
    assert row.move_reason == "unassigned" and row.manager_name == ""
    assert ev.moves["total"] == 1 and ev.moves["voluntary"] == 0 and ev.moves["forced"] == 0


def test_print_evaluation_words(evaluation: Evaluation, capsys: pytest.CaptureFixture[str]) -> None:
    from planner.cli.assign import print_evaluation

    print_evaluation(evaluation)
    out = capsys.readouterr().out
    assert "2 voluntary, 2 because the manager left, 2 required by a rule" in out
    assert "strategic accounts moved 3 (1 voluntarily)" in out
    assert "forced by leavers" not in out
    assert "Li Wei" in out and "Wang Fang" in out  # the manager table shows names beside ids
