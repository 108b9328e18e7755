"""What machine code prints to standard output during a solve stays off the director's terminal."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from planner.native_output import native_stdout_muted


def test_native_writes_to_stdout_are_muted_and_python_output_is_kept(
    capfd: pytest.CaptureFixture[str],
) -> None:
    print("before", flush=True)
    with native_stdout_muted():
        # What HiGHS' printf does: a write to file descriptor 1, below Python's sys.stdout.
        os.write(1, b"HighsMipSolverData::transformNewIntegerFeasibleSolution tmpSolver.run();\n")
        os.write(2, b"spinner\n")  # standard error is untouched
    print("after", flush=True)
    out, err = capfd.readouterr()
    assert out == "before\nafter\n"
    assert err == "spinner\n"


def test_stdout_is_restored_when_the_solve_raises(capfd: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(RuntimeError), native_stdout_muted():
        raise RuntimeError("solver failed")
    os.write(1, b"visible\n")
    sys.stdout.flush()
    assert capfd.readouterr().out == "visible\n"


@pytest.mark.skipif(not os.path.exists("/proc/self/fd/1"), reason="needs Linux's /proc")
def test_the_api_solve_pool_sends_its_workers_standard_output_nowhere() -> None:
    # The server's log is its standard output, inherited by the spawned solve workers, where
    # HiGHS' printf landed. The pool's own machinery, not a store, is what this needs.
    from api.services.jobs import JobService

    service = JobService(None, "", 1)  # type: ignore[arg-type]
    try:
        target = service._executor().submit(os.readlink, "/proc/self/fd/1").result(timeout=60)
    finally:
        service.shutdown()
    assert target == os.devnull


def test_a_muted_process_writes_nothing_after_the_call_and_keeps_what_came_before() -> None:
    code = (
        "import os; from planner.native_output import mute_process_stdout;"
        "os.write(1, b'before '); mute_process_stdout(); mute_process_stdout();"
        "os.write(1, b'HighsMipSolverData'); print('python too')"
    )
    assert _stdout_of(code) == "before "


def test_python_stdout_only_keeps_prints_and_mutes_machine_code() -> None:
    code = (
        "import os, sys; from planner.native_output import python_stdout_only;"
        "print('row 1'); python_stdout_only(); python_stdout_only();"
        "os.write(1, b'HighsMipSolverData\\n'); print('row 2'); sys.stdout.write('row 3\\n')"
    )
    assert _stdout_of(code) == "row 1\nrow 2\nrow 3\n"


def _stdout_of(code: str) -> str:
    """What a fresh Python process running `code` writes to its standard output."""
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    return done.stdout
