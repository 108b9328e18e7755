"""The LP bound is not started when it cannot be set up before the deadline.

Building the relaxation and loading it into HiGHS cannot be interrupted; a LP started without
the time for that held a core for seconds after the plan came back (auto at 20,000 x 500 with
a 2 s limit).
"""

from __future__ import annotations

import time
from functools import cache

import planner.solvers.lp_bound as lp_module
from planner.budget import Budget
from planner.compile import compile_problem
from planner.context import Context
from planner.generator import generate
from planner.problem import AssignmentProblem
from planner.solvers.lp_bound import BackgroundBound, lp_bound


@cache
def _problem() -> AssignmentProblem:
    return compile_problem(Context.build(generate(60, 4, seed=3))).problem


def test_background_bound_runs_when_there_is_time() -> None:
    lp = BackgroundBound(_problem(), Budget(30.0))
    found = lp.wait(30.0)
    assert found is not None and found.bound is not None
    assert lp.finished and not lp.running


def test_background_bound_not_started_without_time_to_set_it_up(monkeypatch) -> None:
    problem = _problem()
    # As if each pair took a second to build and load: 30 s is not enough.
    monkeypatch.setattr(lp_module, "SETUP_SECONDS_PER_PAIR", 1.0)
    lp = BackgroundBound(problem, Budget(30.0))
    assert not lp.running and not lp.finished  # never started: no thread to outlive the solve
    for found in (lp.wait(1.0), lp.collect(0.0)):
        assert found is not None and found.bound is None and "no time" in found.reason


def test_lp_not_loaded_when_the_build_used_the_time(monkeypatch) -> None:
    real = lp_module.relaxation_proto

    def slow(problem):
        time.sleep(0.3)  # a build of 0.3 s, so loading would take about as long again
        return real(problem)

    monkeypatch.setattr(lp_module, "relaxation_proto", slow)
    found = lp_bound(_problem(), Budget(0.5))  # at most 0.2 s left after the build
    assert found.bound is None and found.reason == "no time left to load the LP after building it"
