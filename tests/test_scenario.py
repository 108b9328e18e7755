"""Scenario files: parsing with located errors, each change applied as written, traced and reproducible."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from test_scenario_helpers import standard_accounts, write_data, write_scenario
from typer.testing import CliRunner

import planner.cli.scenario  # noqa: F401  (registers the commands on the app)
from planner.cli.app import app
from planner.errors import InputError
from planner.io.outdir import MARKER
from planner.io.plan_dir import read_plan, read_summary
from planner.scenario import RESOLVED_FILE, load_and_resolve, rebuild, solve_scenario, write_plan_dir
from planner.scenario.load import field_path
from planner.scenario.resolve import sha256_of

ROOT = Path(__file__).resolve().parents[1]
WORKED = sorted(p for p in (ROOT / "scenarios").glob("*.yaml") if p.name != "policy.example.yaml")


def _problems(exc: pytest.ExceptionInfo[InputError]) -> list[str]:
    return [str(p) for p in exc.value.problems]


# --- the file: every error names the file and the field ---------------------------------------
def test_unknown_field_is_named_with_file_and_path(tmp_path: Path) -> None:
    write_data(tmp_path, [{"manager_id": "M1", "capacity_hours": 10}], standard_accounts(1, "M1"))
    path = write_scenario(tmp_path, [{"kind": "set_capacity", "manager_id": "M1", "hourz": 5}])
    with pytest.raises(InputError) as exc:
        load_and_resolve(path)
    problems = _problems(exc)
    assert any(p.startswith("toy.yaml, column 'changes[0].hourz'") and "unknown field" in p for p in problems)


def test_capacity_needs_exactly_one_of_hours_or_factor(tmp_path: Path) -> None:
    write_data(tmp_path, [{"manager_id": "M1", "capacity_hours": 10}], standard_accounts(1, "M1"))
    path = write_scenario(tmp_path, [{"kind": "set_capacity", "hours": 5, "factor": 0.5}])
    with pytest.raises(InputError) as exc:
        load_and_resolve(path)
    assert "changes[0]" in _problems(exc)[0] and "exactly one of 'hours'" in _problems(exc)[0]


def test_unknown_manager_in_a_change_is_an_input_error(tmp_path: Path) -> None:
    write_data(tmp_path, [{"manager_id": "M1", "capacity_hours": 10}], standard_accounts(1, "M1"))
    path = write_scenario(tmp_path, [{"kind": "remove_manager", "manager_id": "M9"}])
    with pytest.raises(InputError) as exc:
        load_and_resolve(path)
    assert _problems(exc) == [
        "toy.yaml, column 'changes[0].manager_id': unknown manager_id 'M9' (not in the managers file or the hires)"
    ]


def test_bad_policy_override_names_the_field(tmp_path: Path) -> None:
    write_data(tmp_path, [{"manager_id": "M1", "capacity_hours": 10}], standard_accounts(1, "M1"))
    path = write_scenario(tmp_path, [], policy_overrides={"weights": {"move": -1}})
    with pytest.raises(InputError) as exc:
        load_and_resolve(path)
    assert _problems(exc)[0].startswith("toy.yaml, column 'policy_overrides.weights.move'")


def test_field_path_drops_the_change_kind_pydantic_adds() -> None:
    assert field_path(("changes", 2, "set_capacity", "hours")) == "changes[2].hours"
    assert field_path(("data", "accounts")) == "data.accounts"


# --- each change, applied ---------------------------------------------------------------------
def test_removed_manager_holds_no_account(tmp_path: Path) -> None:
    managers = [{"manager_id": "M1", "capacity_hours": 10}, {"manager_id": "M2", "capacity_hours": 10}]
    write_data(tmp_path, managers, standard_accounts(3, "M1"))
    resolved = load_and_resolve(write_scenario(tmp_path, [{"kind": "remove_manager", "manager_id": "M1"}]))
    assert not resolved.dataset.manager_by_id["M1"].active
    outcome = solve_scenario(resolved)
    assert outcome.evaluation is not None
    assert set(outcome.plan.assignment.values()) == {"M2"}  # type: ignore[union-attr]
    rows = {m.manager_id: m for m in outcome.evaluation.managers}
    assert rows["M1"].accounts == 0
    assert outcome.evaluation.moves["forced"] == 3 and outcome.evaluation.moves["voluntary"] == 0


def test_leaver_dated_after_as_of_is_not_in_force(tmp_path: Path) -> None:
    managers = [{"manager_id": "M1", "capacity_hours": 10}, {"manager_id": "M2", "capacity_hours": 10}]
    write_data(tmp_path, managers, standard_accounts(1, "M1"))
    change = {"kind": "remove_manager", "manager_id": "M1", "effective_date": "2025-12-31"}
    resolved = load_and_resolve(write_scenario(tmp_path, [change], as_of="2025-10-01"))
    assert resolved.dataset.manager_by_id["M1"].active
    assert "not in force" in resolved.notes[0]


def test_hire_receives_accounts_when_capacity_is_tight(tmp_path: Path) -> None:
    # Six standard accounts of 0.5 h = 3 h; M1 and M2 have 1 h each, so without the hire no plan
    # exists, and with it the hire must take exactly the 2 accounts (1 h) the others cannot.
    managers = [{"manager_id": "M1", "capacity_hours": 1}, {"manager_id": "M2", "capacity_hours": 1}]
    accounts = standard_accounts(3, "M1") + standard_accounts(3, "M2", prefix="B")
    write_data(tmp_path, managers, accounts)
    hire = {"manager_id": "H1", "seniority": "senior", "region": "r", "capacity_hours": 1}
    resolved = load_and_resolve(write_scenario(tmp_path, [{"kind": "add_hires", "hires": [hire]}]))
    outcome = solve_scenario(resolved)
    counts = {m.manager_id: m.accounts for m in outcome.evaluation.managers}  # type: ignore[union-attr]
    assert counts == {"M1": 2, "M2": 2, "H1": 2}


def test_capacity_change_absolute_one_manager_and_factor_for_all(tmp_path: Path) -> None:
    managers = [
        {"manager_id": "M1", "capacity_hours": 100},
        {"manager_id": "M2", "capacity_hours": 50},
        {"manager_id": "M3", "capacity_hours": 40, "active": "false"},
    ]
    write_data(tmp_path, managers, standard_accounts(1, "M1"))
    changes = [
        {"kind": "set_capacity", "manager_id": "M1", "hours": 80},
        {"kind": "set_capacity", "factor": 0.5},  # every manager still active: M1 (now 80) and M2
    ]
    resolved = load_and_resolve(write_scenario(tmp_path, changes))
    caps = {m.manager_id: m.capacity_hours for m in resolved.dataset.managers}
    assert caps == {"M1": 40.0, "M2": 25.0, "M3": 40.0}


def test_weights_budget_pins_and_forbidden_reach_the_effective_policy(tmp_path: Path) -> None:
    managers = [{"manager_id": "M1", "capacity_hours": 10}, {"manager_id": "M2", "capacity_hours": 10}]
    write_data(tmp_path, managers, standard_accounts(2, "M1"))
    changes = [
        {"kind": "set_weights", "move": 2.5},
        {"kind": "set_max_moves", "max_moves": 1},
        {"kind": "pin", "pairs": [{"account_id": "A1", "manager_id": "M2"}]},
        {"kind": "forbid", "pairs": [{"account_id": "A2", "manager_id": "M2"}]},
    ]
    policy = load_and_resolve(write_scenario(tmp_path, changes)).dataset.policy
    assert policy.weights.move == 2.5 and policy.weights.balance == 0  # the file's value survives
    assert policy.max_moves == 1
    assert [(p.account_id, p.manager_id) for p in policy.pins] == [("A1", "M2")]
    assert [(p.account_id, p.manager_id) for p in policy.forbidden] == [("A2", "M2")]


def test_pin_to_a_manager_the_scenario_removes_is_refused(tmp_path: Path) -> None:
    managers = [{"manager_id": "M1", "capacity_hours": 10}, {"manager_id": "M2", "capacity_hours": 10}]
    write_data(tmp_path, managers, standard_accounts(1, "M1"))
    changes = [
        {"kind": "pin", "pairs": [{"account_id": "A1", "manager_id": "M1"}]},
        {"kind": "remove_manager", "manager_id": "M1"},
    ]
    with pytest.raises(InputError) as exc:
        load_and_resolve(write_scenario(tmp_path, changes))
    assert "changes[0].pairs[0].manager_id" in _problems(exc)[0]


def _key_accounts_better_elsewhere(tmp_path: Path) -> Path:
    """Two key accounts with junior M1, who lacks their industry; senior M2 has it.
    Match with M1 = 0.4 x 0.5 = 0.2 (seniority fit of a junior on a key tier), so each leaves
    40 x 0.8 = 32 points unserved; a move costs 0.1 x 2 x (10 + 40) = 10 points: both move."""
    managers = [
        {"manager_id": "M1", "seniority": "junior", "capacity_hours": 100},
        {"manager_id": "M2", "seniority": "senior", "industries": "energy", "capacity_hours": 100},
    ]
    accounts = [
        {"account_id": f"K{i}", "tier": "key", "industry": "energy", "current_manager_id": "M1"}
        for i in (1, 2)
    ]
    return write_data(tmp_path, managers, accounts, policy={"weights": {"balance": 0, "move": 0.1}})


def test_without_freeze_the_key_accounts_move(tmp_path: Path) -> None:
    _key_accounts_better_elsewhere(tmp_path)
    outcome = solve_scenario(load_and_resolve(write_scenario(tmp_path, [])))
    assert outcome.evaluation is not None and outcome.evaluation.moves["voluntary"] == 2


def test_frozen_tier_has_no_moves(tmp_path: Path) -> None:
    _key_accounts_better_elsewhere(tmp_path)
    resolved = load_and_resolve(write_scenario(tmp_path, [{"kind": "freeze_tier", "tier": "key"}]))
    assert resolved.notes == ["froze tier key: 2 account(s) pinned to their current manager"]
    outcome = solve_scenario(resolved)
    assert outcome.evaluation is not None
    assert [r.moved for r in outcome.evaluation.accounts if r.tier == "key"] == [False, False]


def test_freeze_leaves_accounts_a_hard_rule_moves_anyway(tmp_path: Path) -> None:
    # Strategic needs a senior: the junior's strategic account cannot be frozen in place.
    managers = [
        {"manager_id": "J", "seniority": "junior", "capacity_hours": 100},
        {"manager_id": "S", "seniority": "senior", "capacity_hours": 100},
    ]
    accounts = [
        {"account_id": "S1", "tier": "strategic", "current_manager_id": "J"},
        {"account_id": "S2", "tier": "strategic", "current_manager_id": "S"},
    ]
    write_data(tmp_path, managers, accounts)
    resolved = load_and_resolve(write_scenario(tmp_path, [{"kind": "freeze_tier", "tier": "strategic"}]))
    assert [(p.account_id, p.manager_id) for p in resolved.dataset.policy.pins] == [("S2", "S")]
    assert "1 not frozen" in resolved.notes[0]


# --- outputs: same files as assign, traced, reproducible --------------------------------------
def test_run_writes_plan_summary_and_resolved_with_hashes(tmp_path: Path) -> None:
    managers = [{"manager_id": "M1", "capacity_hours": 10}, {"manager_id": "M2", "capacity_hours": 10}]
    data = write_data(tmp_path / "data", managers, standard_accounts(2, "M1"))
    scenario = write_scenario(data, [{"kind": "remove_manager", "manager_id": "M1"}])
    result = CliRunner().invoke(app, ["scenario", "run", str(scenario), "--out", str(tmp_path / "out"), "-q"])
    assert result.exit_code == 0, result.output
    out = tmp_path / "out"
    # inputs/: the data the plan was solved on (tests/test_recorded_inputs.py)
    names = sorted(p.name for p in out.iterdir())
    assert names == [MARKER, "inputs", "plan.csv", RESOLVED_FILE, "summary.json"]
    record = yaml.safe_load((out / RESOLVED_FILE).read_text())
    accounts = record["inputs"]["accounts"]
    assert Path(accounts["path"]) == (data / "accounts.csv").resolve()
    assert accounts["sha256"] == sha256_of(data / "accounts.csv")
    assert record["scenario"]["file"]["sha256"] == sha256_of(scenario)
    assert record["roster"]["inactive"] == ["M1"]
    assert record["effective_policy"]["weights"]["balance"] == 0
    assert record["applied"][0]["change"] == "changes[0] remove_manager"
    summary = read_summary(out)
    assert summary["inputs"]["resolved"] == RESOLVED_FILE  # type: ignore[index]
    assert set(read_plan(out).assignment.values()) == {"M2"}


def test_rebuild_from_resolved_gives_the_same_data_set(tmp_path: Path) -> None:
    managers = [{"manager_id": "M1", "capacity_hours": 10}, {"manager_id": "M2", "capacity_hours": 10}]
    write_data(tmp_path, managers, standard_accounts(2, "M1"))
    hire = {"manager_id": "H1", "region": "r", "capacity_hours": 5}
    resolved = load_and_resolve(
        write_scenario(
            tmp_path, [{"kind": "add_hires", "hires": [hire]}, {"kind": "freeze_tier", "tier": "standard"}]
        )
    )
    write_plan_dir(tmp_path / "out", resolved, solve_scenario(resolved))
    assert rebuild(tmp_path / "out").dataset == resolved.dataset


def test_rebuild_refuses_changed_input_files(tmp_path: Path) -> None:
    managers = [{"manager_id": "M1", "capacity_hours": 10}]
    write_data(tmp_path, managers, standard_accounts(2, "M1"))
    resolved = load_and_resolve(write_scenario(tmp_path, []))
    write_plan_dir(tmp_path / "out", resolved, solve_scenario(resolved))
    with (tmp_path / "accounts.csv").open("a") as fh:
        fh.write("A9,,r,M1,standard,\n")
    with pytest.raises(InputError) as exc:
        rebuild(tmp_path / "out")
    assert "changed since this plan was made" in _problems(exc)[0]


def test_bad_scenario_exits_2_through_the_cli(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("name: x\ndata: {accounts: a.csv}\n")
    result = CliRunner().invoke(app, ["scenario", "run", str(path), "--out", str(tmp_path / "o")])
    assert result.exit_code == 2
    assert not (tmp_path / "o").exists()


def test_rerun_with_same_inputs_and_seed_gives_the_same_plan(tmp_path: Path) -> None:
    # The demo leaver on 2 workers: a proven optimum, so the plan is the same on every rerun.
    resolved = load_and_resolve(ROOT / "scenarios" / "leaver.yaml")
    assert resolved.spec.solver.threads == 2
    for k in (1, 2):
        write_plan_dir(tmp_path / f"run{k}", resolved, solve_scenario(resolved))
    assert (tmp_path / "run1" / "plan.csv").read_bytes() == (tmp_path / "run2" / "plan.csv").read_bytes()
    assert read_summary(tmp_path / "run1")["solver"]["status"] == "optimal"  # type: ignore[index]


def test_deterministic_setting_means_one_worker(tmp_path: Path) -> None:
    write_data(tmp_path, [{"manager_id": "M1", "capacity_hours": 10}], standard_accounts(1, "M1"))
    path = write_scenario(tmp_path, [])
    spec = yaml.safe_load(path.read_text())
    spec["solver"] = {"threads": 2, "deterministic": True}
    path.write_text(yaml.safe_dump(spec))
    settings = load_and_resolve(path).spec.solver
    assert settings.threads == 2 and settings.effective_threads == 1


@pytest.mark.parametrize("path", WORKED, ids=[p.stem for p in WORKED])
def test_worked_scenarios_resolve(path: Path) -> None:
    resolved = load_and_resolve(path)
    assert resolved.spec.changes and all(resolved.notes)


def test_at_least_four_worked_scenarios_ship() -> None:
    names = {p.stem for p in WORKED}
    assert {"leaver", "two-hires", "capacity-cut", "frozen-strategic"} <= names


def test_infeasible_scenario_exits_3_with_reasons(tmp_path: Path) -> None:
    write_data(
        tmp_path,
        [{"manager_id": "M1", "capacity_hours": 10}],
        standard_accounts(1, "M1"),
        policy={"allow_unassigned": False},  # full service required: a shortfall is infeasible
    )
    scenario = write_scenario(tmp_path, [{"kind": "remove_manager", "manager_id": "M1"}])
    result = CliRunner().invoke(app, ["scenario", "run", str(scenario), "--out", str(tmp_path / "o")])
    assert result.exit_code == 3
    assert "A1" in result.output
    assert not (tmp_path / "o").exists()


def test_a_scenario_that_leaves_an_account_without_anyone_still_plans_and_says_so(tmp_path: Path) -> None:
    write_data(tmp_path, [{"manager_id": "M1", "capacity_hours": 10}], standard_accounts(1, "M1"))
    scenario = write_scenario(tmp_path, [{"kind": "remove_manager", "manager_id": "M1"}])
    result = CliRunner().invoke(app, ["scenario", "run", str(scenario), "--out", str(tmp_path / "o")])
    assert result.exit_code == 0, result.output
    assert "unserved A1" in result.output
    assert "Not enough hours for full service" in result.output
