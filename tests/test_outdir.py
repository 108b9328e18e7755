"""`--out` never destroys anybody's files (planner/io/outdir.py), through the real command line.

Refused (exit 2, nothing changed): the input folder, a folder of foreign files, a planner folder of
another kind or with a file added, a file. Replaced whole: a new, empty or planner-written folder.
An exception or Ctrl-C while writing leaves the previous output byte for byte; a crash's leftovers
are repaired by the next run; an unwritable place is exit 2 naming the folder, no traceback; a
folder another run holds is exit 2. Tests run as root, so a read-only folder or a full disk is
simulated by making the file-system call fail, not by chmod.
"""

from __future__ import annotations

import errno
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import RunCli, planner_command
from test_scenario_helpers import standard_accounts, write_data, write_scenario
from toys import write_rows
from typer.testing import CliRunner

import planner.cli.assign  # the command modules register their commands on the app
import planner.cli.calendar
import planner.cli.generate
import planner.cli.scenario
import planner.io.outdir as outdir
from planner.cli.app import app
from planner.generator import generate, write_csv
from planner.io.outdir import MARKER


def invoke(*args: object):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(app, [str(a) for a in args])


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file below `folder` (hidden ones too) with its bytes."""
    return {
        p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()
    }


def toy_data(folder: Path) -> list[str]:
    """Two managers, three standard accounts: the `assign` arguments for them."""
    folder.mkdir(parents=True, exist_ok=True)
    managers = write_rows(
        folder / "managers.csv",
        [{"manager_id": "M1", "capacity_hours": "10"}, {"manager_id": "M2", "capacity_hours": "10"}],
    )
    accounts = write_rows(
        folder / "accounts.csv", [{"account_id": f"A{i}", "tier": "standard"} for i in range(3)]
    )
    return ["-a", str(accounts), "-m", str(managers)]


def assign(data: list[str], out: Path):  # type: ignore[no-untyped-def]
    return invoke("assign", *data, "-o", out, "--time-limit", 2, "--threads", 1, "-q")


@pytest.fixture
def planned(tmp_path: Path) -> tuple[list[str], Path]:
    """Toy data in tmp/data and a plan written by `assign` in tmp/plan."""
    data = toy_data(tmp_path / "data")
    result = assign(data, tmp_path / "plan")
    assert result.exit_code == 0, result.output
    return data, tmp_path / "plan"


def assert_refused(result, *words: str) -> None:  # type: ignore[no-untyped-def]
    assert result.exit_code == 2, result.output
    assert isinstance(result.exception, SystemExit), repr(result.exception)  # no traceback
    flat = " ".join(result.output.split())  # the console wraps long messages
    for word in words:
        assert " ".join(word.split()) in flat, (word, result.output)


# --- refusals -------------------------------------------------------------------------------------


def _assign_into_data(tmp: Path) -> tuple[list[object], Path, list[str]]:
    data = toy_data(tmp / "data")
    return ["assign", *data, "-o", tmp / "data"], tmp / "data", ["holding your input accounts.csv", "e.g."]


def _assign_into_a_parent_of_data(tmp: Path) -> tuple[list[object], Path, list[str]]:
    data = toy_data(tmp / "in" / "data")
    return ["assign", *data, "-o", tmp / "in"], tmp / "in", ["holds your input data/accounts.csv"]


def _assign_onto_the_accounts_file(tmp: Path) -> tuple[list[object], Path, list[str]]:
    data = toy_data(tmp / "data")
    return ["assign", *data, "-o", data[1]], tmp / "data", ["is a file, not a folder"]


def _calendar_into_its_plan(tmp: Path) -> tuple[list[object], Path, list[str]]:
    data = toy_data(tmp / "data")
    assert assign(data, tmp / "plan").exit_code == 0
    args = ["calendar", "--plan", tmp / "plan", *data, "--start", "2024-02-05", "--weeks", 1]
    return (
        [*args, "--out", tmp / "plan"],
        tmp,
        [f"this is your input {tmp / 'plan'}, which the new calendar would replace", "e.g."],
    )


def _scenario_into_its_folder(tmp: Path) -> tuple[list[object], Path, list[str]]:
    data = write_data(tmp / "data", [{"manager_id": "M1", "capacity_hours": 10}], standard_accounts(2, "M1"))
    scenario = write_scenario(data, [])
    return ["scenario", "run", scenario, "--out", data], data, ["holding your input"]


def _alternatives_into_its_folder(tmp: Path) -> tuple[list[object], Path, list[str]]:
    data = write_data(tmp / "data", [{"manager_id": "M1", "capacity_hours": 10}], standard_accounts(2, "M1"))
    scenario = write_scenario(data, [])
    return ["alternatives", scenario, "--count", 2, "--out", data], data, ["holding your input"]


@pytest.mark.parametrize(
    "case",
    [
        _assign_into_data,
        _assign_into_a_parent_of_data,
        _assign_onto_the_accounts_file,
        _calendar_into_its_plan,
        _scenario_into_its_folder,
        _alternatives_into_its_folder,
    ],
    ids=lambda case: case.__name__.strip("_"),
)
def test_out_holding_an_input_is_refused_and_nothing_changes(
    tmp_path: Path, case: Callable[[Path], tuple[list[object], Path, list[str]]]
) -> None:
    args, watched, words = case(tmp_path)
    before = snapshot(watched)
    result = invoke(*args)
    assert_refused(result, "--out", *words)
    assert snapshot(watched) == before


def _foreign_file(folder: Path, tmp: Path) -> list[str]:
    folder.mkdir()
    (folder / "notes.txt").write_text("mine", encoding="utf-8")
    return ["already holds files the planner did not write (notes.txt)"]


def _many_foreign_files(folder: Path, tmp: Path) -> list[str]:
    folder.mkdir()
    for i in range(7):
        (folder / f"f{i}.csv").write_text("x", encoding="utf-8")
    return ["(f0.csv, f1.csv, f2.csv, f3.csv, f4.csv and 2 more)"]


def _plan_with_a_file_added(folder: Path, tmp: Path) -> list[str]:
    assert assign(toy_data(tmp / "other"), folder).exit_code == 0
    (folder / "edited.csv").write_text("by hand", encoding="utf-8")
    return ["also holds files the planner did not write (edited.csv)"]


def _generated_data(folder: Path, tmp: Path) -> list[str]:
    assert invoke("generate", "--accounts", 5, "--managers", 2, "--out", folder).exit_code == 0
    return ["holds a generated data set the planner wrote, not a plan"]


def _unreadable_marker(folder: Path, tmp: Path) -> list[str]:
    folder.mkdir()
    (folder / MARKER).write_text("{not json", encoding="utf-8")
    (folder / "plan.csv").write_text("account_id,manager_id\n", encoding="utf-8")
    return ["did not write"]


@pytest.mark.parametrize(
    "prepare",
    [_foreign_file, _many_foreign_files, _plan_with_a_file_added, _generated_data, _unreadable_marker],
    ids=lambda f: f.__name__.strip("_"),
)
def test_out_holding_other_files_is_refused_and_untouched(
    tmp_path: Path, prepare: Callable[[Path, Path], list[str]]
) -> None:
    out = tmp_path / "out"
    words = prepare(out, tmp_path)
    before = snapshot(tmp_path)
    result = assign(toy_data(tmp_path / "data"), out)
    assert_refused(result, f"--out {out}", *words, "nothing was changed")
    assert {k: v for k, v in snapshot(tmp_path).items() if not k.startswith("data/")} == before


# --- replacing what the planner wrote -------------------------------------------------------------


def test_an_existing_empty_folder_is_used(tmp_path: Path) -> None:
    (tmp_path / "plan").mkdir()
    result = assign(toy_data(tmp_path / "data"), tmp_path / "plan")
    assert result.exit_code == 0, result.output
    assert {MARKER, "plan.csv", "summary.json"} <= {p.name for p in (tmp_path / "plan").iterdir()}


def test_rerun_into_a_planner_folder_replaces_the_plan(planned: tuple[list[str], Path]) -> None:
    data, plan = planned
    marker = json.loads((plan / MARKER).read_text(encoding="utf-8"))
    assert marker["kind"] == "plan" and {"plan.csv", "summary.json"} <= set(marker["files"])
    (plan / "plan.csv").write_text("account_id,manager_id\nA0,M2\n", encoding="utf-8")  # edited by hand
    result = assign(data, plan)
    assert result.exit_code == 0, result.output
    assert (plan / "plan.csv").read_text(encoding="utf-8").startswith("account_id,manager_id,")
    # Nothing is left beside it: no scratch, no backup, no lock.
    assert sorted(p.name for p in plan.parent.iterdir()) == ["data", "plan"]


def test_generate_reruns_into_its_own_folder_and_refuses_others(tmp_path: Path) -> None:
    out = tmp_path / "gen"
    assert invoke("generate", "--accounts", 5, "--managers", 2, "--out", out, "--seed", 1).exit_code == 0
    first = snapshot(out)
    result = invoke("generate", "--accounts", 6, "--managers", 2, "--out", out, "--seed", 2)
    assert result.exit_code == 0, result.output
    assert snapshot(out)["accounts.csv"] != first["accounts.csv"]
    assert json.loads((out / MARKER).read_text())["kind"] == "generated"
    mine = toy_data(tmp_path / "mine")  # someone's own accounts.csv and managers.csv
    before = snapshot(tmp_path / "mine")
    result = invoke("generate", "--accounts", 5, "--managers", 2, "--out", Path(mine[1]).parent)
    assert_refused(result, "did not write (accounts.csv, managers.csv)")
    assert snapshot(tmp_path / "mine") == before


# --- failures while writing ----------------------------------------------------------------------


def _raise(exc: BaseException) -> Callable[..., None]:
    def fail(*args: object, **kwargs: object) -> None:
        raise exc

    return fail


@pytest.mark.parametrize(
    ("exc", "code", "words"),
    [
        (KeyboardInterrupt(), 130, "interrupted; the previous plan in {out} is untouched"),
        (OSError(errno.ENOSPC, "No space left on device"), 2, "could not write it: No space left on device"),
        (RuntimeError("a bug"), 1, None),
    ],
    ids=["ctrl-c", "disk-full", "bug"],
)
def test_failure_while_writing_leaves_the_previous_plan_byte_for_byte(
    planned: tuple[list[str], Path],
    monkeypatch: pytest.MonkeyPatch,
    exc: BaseException,
    code: int,
    words: str | None,
) -> None:
    data, plan = planned
    before = snapshot(plan.parent)
    # plan.csv is already in the scratch folder when summary.json fails.
    monkeypatch.setattr(planner.cli.assign, "write_json", _raise(exc))
    result = assign(data, plan)
    assert result.exit_code == code, result.output
    if words is None:
        assert isinstance(result.exception, RuntimeError)  # a bug still shows its traceback
    else:
        assert isinstance(result.exception, SystemExit), repr(result.exception)
        assert " ".join(words.format(out=plan).split()) in " ".join(result.output.split())
    assert snapshot(plan.parent) == before  # no scratch, backup or lock file left either


def _fail_on_scratch(real: Callable[..., object], exc: OSError) -> Callable[..., object]:
    """`real`, except that it fails on the planner's scratch folder."""

    def call(*args: object, **kwargs: object) -> object:
        if ".tmp-" in str(args[0]):
            raise exc
        return real(*args, **kwargs)

    return call


@pytest.mark.parametrize(
    ("target", "exc", "words"),
    [
        # The scratch cannot be renamed into place (after the old plan was moved aside).
        (
            (os, "rename"),
            PermissionError(errno.EACCES, "Permission denied"),
            ["could not write it: Permission denied"],
        ),
        # The scratch folder cannot be made at all.
        (
            (Path, "mkdir"),
            OSError(errno.EROFS, "Read-only file system"),
            ["cannot write in", "Read-only file system"],
        ),
    ],
    ids=["rename-denied", "read-only"],
)
def test_unwritable_place_is_exit_2_naming_the_folder(
    planned: tuple[list[str], Path],
    monkeypatch: pytest.MonkeyPatch,
    target: tuple[object, str],
    exc: OSError,
    words: list[str],
) -> None:
    data, plan = planned
    before = snapshot(plan.parent)
    owner, name = target
    monkeypatch.setattr(owner, name, _fail_on_scratch(getattr(owner, name), exc))
    result = assign(data, plan)
    assert_refused(result, f"--out {plan}", *words, "nothing was changed")
    monkeypatch.undo()
    assert snapshot(plan.parent) == before


def test_no_lock_file_possible_is_exit_2(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real_open = os.open

    def read_only(path: object, flags: int, *args: object) -> int:
        if str(path).endswith(".lock"):
            raise OSError(errno.EROFS, "Read-only file system", str(path))
        return real_open(path, flags, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "open", read_only)
    result = assign(toy_data(tmp_path / "data"), tmp_path / "plan")
    assert_refused(result, f"--out {tmp_path / 'plan'}", "cannot use this folder", "Read-only file system")
    assert not (tmp_path / "plan").exists()


# --- leftovers of a run that was killed -----------------------------------------------------------


def test_killed_between_the_renames_the_old_plan_is_restored(planned: tuple[list[str], Path]) -> None:
    data, plan = planned
    before = snapshot(plan)
    backup = plan.parent / ".plan.old-4242"
    plan.rename(backup)  # the old plan moved aside, then the process died
    stale = plan.parent / ".plan.tmp-4242-abcd"
    shutil.copytree(backup, stale)  # a scratch folder of the dead run (it carries the marker)
    (stale / "plan.csv").write_text("half", encoding="utf-8")
    not_ours = plan.parent / ".plan.tmp-mine"  # our naming but not our marker: left alone
    not_ours.mkdir()
    (not_ours / "keep.txt").write_text("keep", encoding="utf-8")
    # The next run fails on bad input, so what is left is exactly what the repair did.
    (plan.parent / "data" / "managers.csv").write_text(
        "manager_id,capacity_hours\nM1,ten\n", encoding="utf-8"
    )
    result = assign(data, plan)
    assert result.exit_code == 2, result.output
    assert "restored it from .plan.old-4242" in " ".join(result.output.split())
    assert snapshot(plan) == before
    assert sorted(p.name for p in plan.parent.iterdir()) == [".plan.tmp-mine", "data", "plan"]
    assert (not_ours / "keep.txt").read_text(encoding="utf-8") == "keep"


def test_killed_after_the_swap_the_superseded_plan_is_removed(planned: tuple[list[str], Path]) -> None:
    data, plan = planned
    shutil.copytree(plan, plan.parent / ".plan.old-4242")
    result = assign(data, plan)
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in plan.parent.iterdir()) == ["data", "plan"]


# --- another run holds the folder -----------------------------------------------------------------


def test_folder_locked_by_another_process_is_exit_2(
    planned: tuple[list[str], Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    data, plan = planned
    lock = plan.parent / ".plan.lock"
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import fcntl, os, sys\n"
            f"fd = os.open({str(lock)!r}, os.O_RDWR | os.O_CREAT)\n"
            "fcntl.flock(fd, fcntl.LOCK_EX)\n"
            "os.write(fd, str(os.getpid()).encode())\n"
            "print('locked', flush=True)\n"
            "sys.stdin.read()\n",
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
        before = snapshot(plan)
        monkeypatch.setattr(outdir, "LOCK_WAIT_SECONDS", 0.2)
        result = assign(data, plan)
        assert_refused(result, f"another planner run (process {holder.pid}) is writing this folder")
        assert snapshot(plan) == before
        assert lock.exists()  # the other run's lock is not ours to remove
    finally:
        holder.communicate("", timeout=30)


# --- a real Ctrl-C ---------------------------------------------------------------------------------


def test_ctrl_c_exits_130_and_keeps_the_previous_plan(tmp_path: Path, run_cli: RunCli) -> None:
    """SIGINT to the real command once it holds its folder, most likely while CP-SAT searches
    (CP-SAT used to swallow it and write its plan with exit 0): exit 130 and the plan from before
    byte for byte. 1,000 accounts x 30 managers: CP-SAT needs several seconds to prove the optimum
    (about 9 s on one core), so two seconds after the claim it is still searching."""
    data = tmp_path / "data"
    write_csv(generate(1_000, 30, seed=1), data)
    inputs = ["-a", data / "accounts.csv", "-m", data / "managers.csv"]
    plan = tmp_path / "plan"
    first = run_cli("assign", *inputs, "-o", plan, "--time-limit", 1, "--threads", 1, "-q")
    assert first.returncode == 0, first.stderr
    before = snapshot(tmp_path)
    env = {**os.environ, "NO_COLOR": "1", "TERM": "dumb"}
    args = [*inputs, "-o", plan, "--time-limit", 120, "--solver", "cpsat", "--threads", 1, "-q"]
    run = subprocess.Popen(
        [*planner_command(), "assign", *map(str, args)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        deadline = time.monotonic() + 60  # a bound on waiting, not a timing assertion
        while not (tmp_path / ".plan.lock").exists() and run.poll() is None:
            assert time.monotonic() < deadline, "the run never claimed its folder"
            time.sleep(0.05)
        time.sleep(2)  # most likely inside the search by now; the outcome is the same anywhere
        run.send_signal(signal.SIGINT)
        _, stderr = run.communicate(timeout=60)
    finally:
        if run.poll() is None:
            run.kill()
    assert run.returncode == 130, stderr
    assert "Traceback" not in stderr
    assert f"interrupted; the previous plan in {plan} is untouched" in " ".join(stderr.split())
    assert snapshot(tmp_path) == before
