"""Shared test plumbing: the tiny-data builders in `toys.py` and the real `planner` command line."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

TESTS_DIR = Path(__file__).resolve().parent
ROOT = TESTS_DIR.parent
DEMO_DIR = ROOT / "scenarios" / "demo"

# `from toys import ...` must work whether or not tests/ is ever made a package.
if str(TESTS_DIR) not in sys.path:
    sys.path.insert(0, str(TESTS_DIR))


def planner_command() -> list[str]:
    """The installed console script next to this interpreter, else the same entry point via -c."""
    script = Path(sys.executable).parent / "planner"
    if script.exists():
        return [str(script)]
    found = shutil.which("planner")
    if found:
        return [found]
    return [sys.executable, "-c", "from planner.cli import main; main()"]


RunCli = Callable[..., subprocess.CompletedProcess[str]]


@pytest.fixture(scope="session")
def run_cli() -> RunCli:
    """Run `planner <args>` in a subprocess, as a user would; returns the finished process."""

    def run(*args: object, cwd: Path | None = None, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        env = {**os.environ, "COLUMNS": "200", "NO_COLOR": "1", "TERM": "dumb"}
        return subprocess.run(
            [*planner_command(), *(str(a) for a in args)],
            capture_output=True,
            text=True,
            cwd=cwd,
            env=env,
            timeout=timeout,
            check=False,
        )

    return run


@pytest.fixture(scope="session")
def spare_servers(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """One pool of API servers booted ahead of their tests, for the whole session (api_conftest)."""
    from api_conftest import SpareServers

    pool = SpareServers(tmp_path_factory.mktemp("servers"))
    try:
        yield pool
    finally:
        pool.close()
