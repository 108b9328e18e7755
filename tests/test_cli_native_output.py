"""What machine code prints to standard output during a solve stays off the director's terminal."""

from __future__ import annotations

import os
import sys

import pytest

from planner.cli.common import native_stdout_muted


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
