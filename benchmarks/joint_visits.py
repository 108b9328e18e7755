"""Joint visits (#19 item 3; not a test): how many the calendar places on a generated team plan.

A generated data set with support staff (benchmarks/teams.py's `with_support`), the teams policy
plus `joint_visits: strategic: {per_quarter: 1, role: technical_support}`, planned with auto;
then a calendar of a quarter (13 weeks from --start, --country holidays) with a random week of
leave for a share of the people: joint visits asked, placed, not placed by reason, and what the
independent check (planner.calendar.check) finds.

    .venv/bin/python -m benchmarks.joint_visits
    .venv/bin/python -m benchmarks.joint_visits --generated 300x12 --support 4x3 --leave-share 0.3
"""

from __future__ import annotations

import argparse
import datetime as dt
import time
from collections import Counter

import numpy as np

from benchmarks.teams import TEAMS, with_support
from planner.assign import run_assignment
from planner.calendar.build import make_inputs
from planner.calendar.check import check_calendar, count_by_rule
from planner.calendar.inputs import Assignment
from planner.calendar.solve import plan_calendar
from planner.calendar.visits import plan_visits
from planner.calendar.workdays import make_calendar
from planner.context import Context
from planner.generator import generate
from planner.models import Dataset
from planner.solvers import SolveOptions


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--generated", default="300x12", help="accounts x account managers")
    parser.add_argument("--support", default="4x3", help="technical support x after-sales people")
    parser.add_argument(
        "--time-limit", type=float, default=10.0, help="seconds for the plan, and for the calendar"
    )
    parser.add_argument("--start", default="2027-01-04")
    parser.add_argument("--country", default="CN")
    parser.add_argument("--leave-share", type=float, default=0.3, help="share of people with a week of leave")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--per-quarter", type=int, default=1, help="joint visits a quarter (0: none, to compare)"
    )
    args = parser.parse_args()
    from planner.native_output import python_stdout_only

    python_stdout_only()  # HiGHS' printf (machine code) stays off the rows
    n_acc, n_mgr = (int(x) for x in args.generated.split("x"))
    n_ts, n_as = (int(x) for x in args.support.split("x"))
    team_data = with_support(generate(n_acc, n_mgr, seed=args.seed), n_ts, n_as, args.seed)
    joint = {"strategic": {"per_quarter": args.per_quarter, "role": "technical_support"}}
    policy = type(team_data.policy).model_validate(
        {**team_data.policy.model_dump(), "teams": {**TEAMS, "joint_visits": joint}}
    )
    ds = Dataset(managers=team_data.managers, accounts=team_data.accounts, policy=policy)
    plan_started = time.perf_counter()
    out = run_assignment(
        Context.build(ds),
        solver="auto",
        options=SolveOptions(time_limit_seconds=args.time_limit, threads=2, seed=0),
    )
    assert out.plan is not None, out.result
    plan_seconds = time.perf_counter() - plan_started
    plan = out.plan
    assignment = Assignment(
        manager_of={a: m for a, m in plan.assignment.items() if m},
        tier_of={},
        unassigned=tuple(a for a, m in plan.assignment.items() if not m),
        level_of={a: lv for a, lv in plan.service.items() if plan.assignment.get(a) and lv != "full"},
        team_of={
            a: {role: tuple(p for p in people if p) for role, people in by_role.items()}
            for a, by_role in plan.team.items()
            if plan.assignment.get(a)
        },
        team_plan=True,
    )
    work = make_calendar(args.start, 13, args.country, frozenset(range(5)))
    rng = np.random.default_rng(args.seed)
    leave = {}
    for m in ds.managers:
        if rng.random() < args.leave_share:
            first = work.horizon.start + dt.timedelta(days=int(rng.integers(0, 7 * 12)))
            leave[m.manager_id] = frozenset(first + dt.timedelta(days=d) for d in range(7))
    inputs = make_inputs(ds, assignment, work, leave, {})
    started = time.perf_counter()
    calendar = plan_calendar(inputs, time_limit_s=args.time_limit, seed=0, workers=2)
    seconds = time.perf_counter() - started
    visits = plan_visits(calendar)
    found = check_calendar(inputs, visits)
    placed = [j for j in calendar.joint if j.placed]
    print(
        f"plan: {out.result.status.value}, gap {out.result.gap}, {plan_seconds:.1f} s of {args.time_limit:g}; "
        f"people with leave: {len(leave)} of {len(ds.managers)}"
    )
    print(
        f"calendar: {len(visits)} visits by {len(calendar.managers)} people in {seconds:.1f} s of {args.time_limit:g}; "
        f"joint visits asked {len(calendar.joint)}, placed {len(placed)}, "
        f"marked in visits.csv {sum(1 for v in visits if v.joint_with)} rows"
    )
    reasons = Counter(
        (j.reason or "").split(" (")[0].split(":")[0][:90] for j in calendar.joint if not j.placed
    )
    for reason, n in reasons.most_common():
        print(f"  not placed x{n}: {reason}")
    print(f"check: {len(found)} violation(s) {count_by_rule(found)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
