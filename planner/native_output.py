"""What machine code writes to standard output, kept off a director's terminal and a server's log.

HiGHS (bundled in OR-Tools) writes a debugging line with `printf`, past its own logging switch:
"HighsMipSolverData::transformNewIntegerFeasibleSolution tmpSolver.run();", a few to dozens per
solve under scarcity. Python's logging never sees it: it goes straight to file descriptor 1.
- A command solving in its own process mutes it around the solve (`native_stdout_muted`): the
  spinner is on standard error, and the command's own output (tables, `--json`) is restored after.
- A worker process (a Dask worker of `planner sweep` and `robustness`, the API server's solve
  pool) writes nothing to standard output that anyone reads: its results go back through pipes,
  its logging to standard error. Its standard output goes to /dev/null for good
  (`mute_process_stdout`); the workers inherit the terminal, or the server's log, otherwise.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager, suppress


def _descriptor_1_to_devnull() -> None:
    with open(os.devnull, "wb") as devnull:
        os.dup2(devnull.fileno(), 1)


@contextmanager
def native_stdout_muted() -> Iterator[None]:
    """Standard output to /dev/null while the block runs; Python's own output is flushed first
    and the descriptor restored after, also when the block raises."""
    sys.stdout.flush()
    try:
        saved = os.dup(1)
    except OSError:  # no standard output to mute (a closed descriptor)
        yield
        return
    try:
        _descriptor_1_to_devnull()
        yield
    finally:
        sys.stdout.flush()
        os.dup2(saved, 1)
        os.close(saved)


def mute_process_stdout() -> None:
    """Standard output of this process to /dev/null from now on (a worker process's initializer;
    calling it again does no harm)."""
    with suppress(OSError, ValueError):  # closed or broken: nothing of ours to keep
        sys.stdout.flush()
    _descriptor_1_to_devnull()


_python_only = False


def python_stdout_only() -> None:
    """For a program that prints as it goes (a benchmark's rows, a JSON stream): from now on
    `print` and `sys.stdout` reach standard output as before, through a duplicate of its
    descriptor, while descriptor 1 itself, where machine code writes, goes to /dev/null.
    HiGHS' printf landed between a benchmark's rows. Calling it again does no harm."""
    global _python_only
    if _python_only:
        return
    sys.stdout.flush()
    try:
        kept = os.dup(1)
    except OSError:  # no standard output at all: nothing to keep or to mute
        return
    sys.stdout = os.fdopen(
        kept, "w", buffering=1, encoding=sys.stdout.encoding, errors=sys.stdout.errors, closefd=True
    )
    _descriptor_1_to_devnull()
    _python_only = True
