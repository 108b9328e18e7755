"""Plan every manager's calendar: one periodic visit planning problem each, solved in parallel.

The time limit is shared out by required visits (a manager with twice the visits gets twice
the time), each manager's search stops early once it stalls, and `workers` processes run
side by side. Seeds are fixed per manager, so a run is reproducible for a given time limit
up to the time-based stopping of the search.
"""

from __future__ import annotations

import logging
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from dataclasses import dataclass

from planner.budget import Budget
from planner.calendar.build import CalendarInputs, ManagerProblem, build_manager, managers_with_accounts
from planner.calendar.joint import JointVisit
from planner.calendar.joint_plan import confirm, plan_joint
from planner.errors import Cancelled
from planner.pvrp.problem import PeriodicProblem
from planner.pvrp.search import SearchParams, SearchResult, solve

logger = logging.getLogger(__name__)

# Rounds without improvement after which a manager's search stops: calendars are small, and
# most improvement comes in the first few hundred rounds.
STALL_ROUNDS = 400
MIN_SECONDS = 0.3


@dataclass(frozen=True)
class ManagerCalendar:
    built: ManagerProblem
    result: SearchResult


@dataclass(frozen=True)
class CalendarPlan:
    inputs: CalendarInputs
    managers: tuple[ManagerCalendar, ...]
    runtime_s: float
    # Joint visits of account teams (planner.calendar.joint): each asked one, placed or with why not.
    joint: tuple[JointVisit, ...] = ()


def calendar_params(time_limit_s: float, seed: int) -> SearchParams:
    return SearchParams(
        time_limit_s=time_limit_s,
        seed=seed,
        excess_penalty=None,  # a working day never runs over
        route_scale=1.0,  # travel is already whole minutes
        polish_share=0.1,
        polish_guided=False,
        stall_rounds=STALL_ROUNDS,
    )


def plan_calendar(
    inputs: CalendarInputs,
    *,
    time_limit_s: float = 30.0,
    seed: int = 0,
    workers: int = 1,
    budget: Budget | None = None,
) -> CalendarPlan:
    """Within `budget` (default: one of `time_limit_s`). Its cancellation (looked at once per
    search round, and between managers) raises `planner.errors.Cancelled`: a cancelled build
    frees its core within a round."""
    budget = Budget(time_limit_s) if budget is None else budget
    # Joint visits first: their days and times bind two calendars, each then planned alone.
    joint = plan_joint(inputs)
    built = [build_manager(inputs, m, joint) for m in managers_with_accounts(inputs)]
    weights = [max(1, b.problem.required_visits()) for b in built]
    total = sum(weights) or 1
    # Each worker gets the whole time limit; managers share it by weight.
    core_seconds = max(budget.remaining(), 0.1) * max(1, workers) * 0.9
    jobs = [
        (b.problem, calendar_params(max(MIN_SECONDS, core_seconds * w / total), seed + k))
        for k, (b, w) in enumerate(zip(built, weights, strict=True))
    ]
    if workers > 1 and len(jobs) > 1:
        results = _in_pool(jobs, workers, budget)
    else:
        results = [solve(problem, params, budget.child(params.time_limit_s)) for problem, params in jobs]
    managers = tuple(ManagerCalendar(b, r) for b, r in zip(built, results, strict=True))
    for m in managers:
        logger.info(
            "%s: %s, %d visits missed, %.0f travel minutes, %d rounds in %.1fs",
            m.built.manager_id,
            m.result.status,
            sum(m.result.report.missed.values()),
            m.result.report.cost,
            m.result.rounds,
            m.result.runtime_s,
        )
    return CalendarPlan(inputs, managers, budget.elapsed(), confirm(inputs, joint, _joint_days(managers)))


def _joint_days(managers: tuple[ManagerCalendar, ...]) -> dict[tuple[str, str], set[int]]:
    """(person, account) -> the days the person's calendar holds the account's joint visit."""
    out: dict[tuple[str, str], set[int]] = {}
    for m in managers:
        for d, day in enumerate(m.built.routes(m.result.solution.routes)):
            for route in day:
                for c in route:
                    if c in m.built.joint:
                        out.setdefault((m.built.manager_id, m.built.account_ids[c - 1]), set()).add(d)
    return out


def _in_pool(
    jobs: list[tuple[PeriodicProblem, SearchParams]], workers: int, budget: Budget
) -> list[SearchResult]:
    """The managers' searches in `workers` processes (each with a budget of its own share:
    a budget stays in its process). A cancellation is seen between managers: queued ones
    never start, running ones end with their own limit."""
    pool = ProcessPoolExecutor(max_workers=workers)
    try:
        futures = [pool.submit(_solve, job) for job in jobs]
        pending = set(futures)
        while pending:
            if budget.cancelled:
                raise Cancelled("the calendar build was asked to stop")
            _, pending = wait(pending, timeout=0.5, return_when=FIRST_COMPLETED)
        return [f.result() for f in futures]
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _solve(job: tuple) -> SearchResult:
    problem, params = job
    return solve(problem, params)
