"""A plan directory carries its inputs (issue #14, "files you can trust"): `check`, `explain`,
`calendar` and `check-calendar` need the plan directory alone, judge it by the policy it was
made under, and say so when a file given on the command line is not the plan's own."""

from __future__ import annotations

import csv
import datetime as dt
import json
from pathlib import Path

import holidays
import pytest
from conftest import DEMO_DIR, ROOT, RunCli
from toys import write_rows
from typer.testing import CliRunner

import planner.cli.assign
import planner.cli.calendar
import planner.cli.scenario  # noqa: F401  (these register the commands on the app)
from planner.calendar.workdays import make_calendar
from planner.cli.app import app
from planner.context import Context
from planner.evaluate import evaluate
from planner.io.loader import load_dataset
from planner.io.plan_dir import read_plan, read_summary
from planner.io.recorded import sha256_of

MANAGERS = [
    {"manager_id": "M1", "name": "Li Wei", "seniority": "senior", "region": "east", "capacity_hours": 40},
    {"manager_id": "M2", "name": "Wang Fang", "seniority": "senior", "region": "east", "capacity_hours": 40},
]
ACCOUNTS = [
    {
        "account_id": f"A{k}",
        "name": f"Account {k}",
        "region": "east",
        "current_manager_id": "M1",
        "tier": "standard",
    }
    for k in range(1, 5)
]


def invoke(*args: object):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(app, [str(a) for a in args])


@pytest.fixture(scope="module")
def toy_plan(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A plan made under a policy that forbids A1 with M2; the data files then move away."""
    folder = tmp_path_factory.mktemp("toy")
    write_rows(folder / "managers.csv", MANAGERS)
    write_rows(folder / "accounts.csv", ACCOUNTS)
    (folder / "policy.yaml").write_text(
        "forbidden: [{account_id: A1, manager_id: M2}]\ntiers: {standard: {visits_per_month: 1}}\n",
        encoding="utf-8",
    )
    out = folder / "plan"
    done = invoke(
        "assign", "-a", folder / "accounts.csv", "-m", folder / "managers.csv", "-p", folder / "policy.yaml",
        "--out", out, "--time-limit", 5, "--threads", 1, "-q",
    )  # fmt: skip
    assert done.exit_code == 0, done.output
    return out


def test_assign_copies_its_inputs_and_records_paths_and_hashes(toy_plan: Path) -> None:
    folder = toy_plan.parent
    files = read_summary(toy_plan)["inputs"]["files"]  # type: ignore[index]
    for name in ("accounts", "managers"):
        entry = files[name]
        assert Path(entry["path"]) == (folder / f"{name}.csv").resolve()
        assert entry["sha256"] == sha256_of(folder / f"{name}.csv")
        copy = toy_plan / entry["copy"]
        assert copy.read_bytes() == (folder / f"{name}.csv").read_bytes()
        assert entry["copy_sha256"] == sha256_of(copy)
    assert files["policy"]["sha256"] == sha256_of(folder / "policy.yaml")
    # The recorded policy is the effective one: defaults spelt out, the override and the ban kept.
    recorded = (toy_plan / files["policy"]["copy"]).read_text(encoding="utf-8")
    assert "visits_per_month: 1" in recorded and "A1" in recorded and "hours_per_visit" in recorded


def test_check_needs_the_plan_directory_alone(toy_plan: Path) -> None:
    done = invoke("check", "--plan", toy_plan)
    assert done.exit_code == 0, done.output
    assert "No hard-rule violations" in done.output


def test_a_hand_edit_breaking_the_recorded_forbidden_pair_fails_check(toy_plan: Path, tmp_path: Path) -> None:
    edited = tmp_path / "plan"
    edited.mkdir()
    for name in ("summary.json",):
        (edited / name).write_bytes((toy_plan / name).read_bytes())
    (edited / "inputs").mkdir()
    for f in (toy_plan / "inputs").iterdir():
        (edited / "inputs" / f.name).write_bytes(f.read_bytes())
    with (toy_plan / "plan.csv").open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    for row in rows:
        if row["account_id"] == "A1":
            row["manager_id"] = "M2"
    write_rows(edited / "plan.csv", rows)
    done = invoke("check", "--plan", edited)
    assert done.exit_code == 1, done.output
    assert "forbidden_pair" in done.output and "A1" in done.output


def test_explain_needs_the_plan_directory_alone_and_names_people(toy_plan: Path) -> None:
    done = invoke("explain", "--plan", toy_plan, "--account", "A1", "--json")
    assert done.exit_code == 0, done.output
    info = json.loads(done.stdout)
    assert info["account_name"] == "Account 1"
    assert info["manager_name"] in ("Li Wei", "Wang Fang")
    assert "M2" not in [a["manager_id"] for a in info["alternatives"]]  # the recorded ban holds


def test_a_given_file_that_differs_from_the_recorded_one_is_used_with_a_warning(
    toy_plan: Path, tmp_path: Path, run_cli: RunCli
) -> None:
    same = run_cli("check", "--plan", toy_plan, "--accounts", toy_plan.parent / "accounts.csv")
    assert same.returncode == 0, same.stderr
    assert "Warning" not in same.stderr
    other = write_rows(tmp_path / "accounts.csv", [*ACCOUNTS, {**ACCOUNTS[0], "account_id": "A9"}])
    done = run_cli("check", "--plan", toy_plan, "--accounts", other)
    assert "Warning" in done.stderr and "not the data this plan was made from" in done.stderr
    assert "sha256" in done.stderr
    assert done.returncode == 1  # A9 is in the file given but not in the plan: no manager
    assert "Traceback" not in done.stdout + done.stderr


def test_an_edited_input_copy_is_refused(toy_plan: Path, tmp_path: Path) -> None:
    copy = tmp_path / "plan"
    copy.mkdir()
    for f in ("plan.csv", "summary.json"):
        (copy / f).write_bytes((toy_plan / f).read_bytes())
    (copy / "inputs").mkdir()
    for f in (toy_plan / "inputs").iterdir():
        (copy / "inputs" / f.name).write_bytes(f.read_bytes())
    with (copy / "inputs" / "managers.csv").open("a", encoding="utf-8") as fh:
        fh.write("M3,,junior,,,east,,,10,,true\n")
    done = invoke("check", "--plan", copy)
    assert done.exit_code == 2, done.output
    assert "changed since the plan was made" in done.output


@pytest.mark.parametrize("text", ["{ not json", "[1, 2]", "\xff\xfe"])
def test_a_corrupt_summary_is_exit_2_with_words(
    toy_plan: Path, tmp_path: Path, text: str, run_cli: RunCli
) -> None:
    broken = tmp_path / "plan"
    broken.mkdir()
    (broken / "plan.csv").write_bytes((toy_plan / "plan.csv").read_bytes())
    (broken / "summary.json").write_bytes(text.encode("latin-1"))
    done = run_cli("check", "--plan", broken)
    assert done.returncode == 2, (done.stdout, done.stderr)
    assert "summary.json" in done.stderr and "Traceback" not in done.stderr


def test_a_plan_csv_without_records_still_asks_for_the_files(toy_plan: Path, tmp_path: Path) -> None:
    bare = tmp_path / "plan.csv"
    bare.write_bytes((toy_plan / "plan.csv").read_bytes())
    done = invoke("check", "--plan", bare)
    assert done.exit_code == 2 and "--accounts and --managers" in done.output
    folder = toy_plan.parent
    given = invoke(
        "check",
        "--plan",
        bare,
        "-a",
        folder / "accounts.csv",
        "-m",
        folder / "managers.csv",
        "-p",
        folder / "policy.yaml",
    )
    assert given.exit_code == 0, given.output


# --- scenario plans: the data after the scenario's changes -----------------------------------------
@pytest.fixture(scope="module")
def leaver_plan(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("leaver") / "plan"
    done = invoke("scenario", "run", ROOT / "scenarios" / "leaver.yaml", "--out", out, "-q")
    assert done.exit_code == 0, done.output
    return out


def test_a_scenario_plan_records_the_changed_roster(leaver_plan: Path) -> None:
    files = read_summary(leaver_plan)["inputs"]["files"]  # type: ignore[index]
    assert files["managers"]["changed_by_scenario"] is True
    assert files["accounts"]["changed_by_scenario"] is False
    copy = load_dataset(leaver_plan / "inputs" / "accounts.csv", leaver_plan / "inputs" / "managers.csv")
    assert not copy.manager_by_id["M010"].active  # the leaver, as the plan saw it


def test_check_of_a_scenario_plan_reproduces_its_kpis(leaver_plan: Path) -> None:
    done = invoke("check", "--plan", leaver_plan, "--json")
    assert done.exit_code == 0, done.output
    checked = json.loads(done.stdout)
    recorded = read_summary(leaver_plan)["evaluation"]
    assert checked["objective"] == recorded["objective"]  # type: ignore[index]
    assert checked["moves"] == recorded["moves"]  # type: ignore[index]


def test_checking_a_scenario_plan_against_the_base_files_warns(leaver_plan: Path, run_cli: RunCli) -> None:
    done = run_cli("check", "--plan", leaver_plan, "--managers", DEMO_DIR / "managers.csv")
    assert "scenario that changed the managers" in done.stderr
    assert "Traceback" not in done.stderr


def test_the_recorded_inputs_rebuild_the_solved_data_set(leaver_plan: Path) -> None:
    from planner.scenario import rebuild

    inputs = leaver_plan / "inputs"
    copy = load_dataset(inputs / "accounts.csv", inputs / "managers.csv", inputs / "policy.yaml")
    assert copy == rebuild(leaver_plan).dataset
    ev = evaluate(Context.build(copy), read_plan(leaver_plan))
    assert ev.objective == read_summary(leaver_plan)["evaluation"]["objective"]  # type: ignore[index]


# --- calendar --------------------------------------------------------------------------------------
def test_calendar_needs_the_plan_directory_alone(toy_plan: Path, tmp_path: Path) -> None:
    done = invoke(
        "calendar", "--plan", toy_plan, "--start", "2026-03-02", "--weeks", 2, "--out", tmp_path / "cal", "-q"
    )
    assert done.exit_code == 0, done.output
    assert (tmp_path / "cal" / "visits.csv").exists()
    checked = invoke(
        "check-calendar",
        "--visits",
        tmp_path / "cal",
        "--plan",
        toy_plan,
        "--start",
        "2026-03-02",
        "--weeks",
        2,
    )
    assert checked.exit_code == 0, checked.output


def test_calendar_refuses_a_plan_missing_accounts(toy_plan: Path, tmp_path: Path) -> None:
    partial = tmp_path / "plan.csv"
    with (toy_plan / "plan.csv").open(newline="", encoding="utf-8") as fh:
        rows = [r for r in csv.DictReader(fh) if r["account_id"] not in ("A2", "A4")]
    write_rows(partial, rows)
    folder = toy_plan.parent
    done = invoke(
        "calendar", "--plan", partial, "-a", folder / "accounts.csv", "-m", folder / "managers.csv",
        "--start", "2026-03-02", "--weeks", 1, "--out", tmp_path / "cal",
    )  # fmt: skip
    assert done.exit_code == 2, done.output
    assert "2 account(s)" in done.output and "A2" in done.output and "A4" in done.output
    assert not (tmp_path / "cal").exists()


def test_calendar_refuses_a_plan_naming_unknown_accounts(toy_plan: Path, tmp_path: Path) -> None:
    with (toy_plan / "plan.csv").open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    rows.append({**rows[0], "account_id": "A99"})
    edited = write_rows(tmp_path / "plan.csv", rows)
    folder = toy_plan.parent
    done = invoke(
        "calendar", "--plan", edited, "-a", folder / "accounts.csv", "-m", folder / "managers.csv",
        "--start", "2026-03-02", "--weeks", 1, "--out", tmp_path / "cal",
    )  # fmt: skip
    assert done.exit_code == 2 and "A99" in done.output


def test_open_ended_leave_is_bounded_by_the_horizon(toy_plan: Path, tmp_path: Path, run_cli: RunCli) -> None:
    leave = write_rows(
        tmp_path / "leave.csv", [{"manager_id": "M1", "start": "2026-03-04", "end": "9999-12-31"}]
    )
    out = tmp_path / "cal"
    done = run_cli(
        "calendar",
        "--plan",
        toy_plan,
        "--start",
        "2026-03-02",
        "--weeks",
        2,
        "--leave",
        leave,
        "--out",
        out,
        "-q",
    )
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    with (out / "visits.csv").open(newline="", encoding="utf-8") as fh:
        visits = list(csv.DictReader(fh))
    late = [v for v in visits if v["manager_id"] == "M1" and v["date"] >= "2026-03-04"]
    assert late == []  # on leave from the 4th to the end of the horizon


def test_a_holidays_year_the_package_lacks_is_named() -> None:
    weekdays = frozenset(range(5))
    known = make_calendar("2026-02-09", 2, "CN", weekdays)
    assert known.holiday_gaps() == []
    decreed = holidays.country_holidays("CN", years=[]).special_public_holidays
    beyond = max(decreed) + 1
    later = make_calendar(dt.date(beyond, 3, 1).isoformat(), 2, "CN", weekdays)
    (gap,) = later.holiday_gaps()
    assert str(beyond) in gap and "make-up working days" in gap
