"""Skill-gap report (#18 item 5) on a toy with hand-derived hours, and `planner skills`.

One junior manager M1 who knows energy, all in one region (blank), no coordinates (no travel):
- A1 energy, standard (ideal junior): served in full, no gap; 1/3 visit x 1.5 h = 0.5 h;
- A2 retail, standard: served without the industry: 0.5 h without expertise;
- A3 energy, key (ideal senior): below the ideal seniority: 1 visit x 2 h + 1 h admin = 3 h;
- A4 retail, standard: unserved: 0.5 h a month undone.
So energy is short 3 h (A3's seniority), retail 1 h (A2's 0.5 h without expertise + A4's 0.5 h).
"""

from __future__ import annotations

import json
from pathlib import Path

from test_scenario_helpers import write_data, write_plan_dir
from toys import acc, context, mgr, plan
from typer.testing import CliRunner

from planner.cli.app import _register, app
from planner.evaluate import evaluate
from planner.skills import skill_gap

ACCOUNTS = [
    acc("A1", industry="energy"),
    acc("A2", industry="retail"),
    acc("A3", tier="key", industry="energy"),
    acc("A4", industry="retail"),
]
ASSIGNMENT = {"A1": "M1", "A2": "M1", "A3": "M1", "A4": None}


def report_for(**manager: object) -> dict:
    fields = {"seniority": "junior", "industries": frozenset({"energy"}), **manager}
    ctx = context([mgr("M1", **fields)], ACCOUNTS, allow_unassigned=True)
    return skill_gap(ctx, evaluate(ctx, plan(**ASSIGNMENT)), "toy")


def test_gaps_and_hours_short_per_industry_region_language() -> None:
    r = report_for()
    groups = {g["industry"]: g for g in r["groups"]}
    assert set(groups) == {"energy", "retail"}
    energy, retail = groups["energy"], groups["retail"]
    assert (energy["accounts_below_ideal_seniority"], energy["hours_below_ideal_seniority"]) == (1, 3.0)
    assert (energy["hours_without_expertise"], energy["hours_short"], energy["managers_with_expertise"]) == (
        0,
        3.0,
        1,
    )
    assert (retail["accounts_without_expertise"], retail["hours_without_expertise"]) == (1, 0.5)
    assert (retail["hours_unserved"], retail["hours_short"], retail["managers_with_expertise"]) == (
        0.5,
        1.0,
        0,
    )
    assert retail["language"] == "any" and energy["region"] == ""
    assert r["totals"]["hours_short"] == 4.0
    assert [(a["account_id"], a["gaps"]) for a in r["accounts"]] == [
        ("A3", ["seniority"]),
        ("A2", ["industry"]),
    ]


def test_training_in_retail_closes_that_gap_and_a_senior_closes_the_other() -> None:
    # M1 learns retail: A2's 0.5 h gap is gone, A4's unserved 0.5 h stays (retail short 0.5 h).
    trained = {g["industry"]: g for g in report_for(industries=frozenset({"energy", "retail"}))["groups"]}
    assert trained["retail"]["hours_short"] == 0.5 and trained["retail"]["accounts_without_expertise"] == 0
    assert trained["retail"]["managers_with_expertise"] == 1
    # M1 as a senior meets the key tier's ideal; above the standard tier's ideal is no gap.
    senior = report_for(seniority="senior")
    assert [g["industry"] for g in senior["groups"]] == ["retail"]


def test_planner_skills_prints_json_for_a_plan_directory(tmp_path: Path) -> None:
    data = write_data(
        tmp_path / "data",
        [{"manager_id": "M1", "capacity_hours": 10, "seniority": "junior", "industries": "energy"}],
        [{"account_id": "A1", "industry": "energy"}, {"account_id": "A2", "industry": "retail"}],
        policy={"allow_unassigned": True},
    )
    folder = write_plan_dir(tmp_path / "plan", data, {"A1": "M1", "A2": "M1"})
    _register()
    result = CliRunner().invoke(app, ["skills", str(folder), "--json"])
    assert result.exit_code == 0, result.output
    out = json.loads(result.output)
    assert out["totals"]["accounts_without_expertise"] == 1  # A2: retail, which M1 does not know
    assert [g["industry"] for g in out["groups"]] == ["retail"]
    text = CliRunner().invoke(app, ["skills", str(folder)])
    assert "1 account(s) served without industry expertise (0.5 h a month)" in text.output
