"""Account teams (#19 item 6; not a test): a team of roles per key account, at size.

A generated data set (default 2,000 accounts x 60 account managers, seed 7) gets support staff:
25 technical-support engineers and 20 after-sales people, spread over the regions like the
account managers (each lives where an account manager of the region lives, speaks zh and en, a
few ja; 1-2 industries); every tenth account manager also holds technical support (so one person
may not take both seats of an account: the one-role-per-account rows, planned by CP-SAT). The policy's teams: strategic = account manager + technical support +
after-sales, key = account manager + technical support, standard = account manager alone.

Planned with auto (which plans teams with CP-SAT) at the time limit: status, objective, bound,
gap, wall time, compile time, slots filled / unfilled, and the balance part of the objective
(with teams: each role's utilisation spread summed, planner.teams.balance). Then the same accounts and account
managers without teams (the one-role planner): the same figures, for the single-role speed.

    .venv/bin/python benchmarks/teams.py
    .venv/bin/python benchmarks/teams.py --generated 500x20 --support 8x6 --time-limit 20
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from planner.assign import run_assignment
from planner.compile import compile_problem
from planner.context import Context
from planner.generator import generate
from planner.models import Dataset, Manager
from planner.solvers import SolveOptions

TEAMS = {
    "roles": {
        "technical_support": {
            "visits_per_month": 1,
            "hours_per_visit": 2,
            "admin_hours_per_month": 0.5,
            "ideal_seniority": "senior",
            "move_weight": 2.0,
        },
        "after_sales": {"visit_every_weeks": 8, "hours_per_visit": 1.5, "admin_hours_per_month": 1},
    },
    "tiers": {"strategic": {"technical_support": 1, "after_sales": 1}, "key": {"technical_support": 1}},
}


def with_support(dataset: Dataset, n_support: int, n_after: int, seed: int) -> Dataset:
    """The data set with support staff added and the teams policy on."""
    rng = np.random.default_rng(seed)
    active = [m for m in dataset.managers if m.active]
    industries = sorted({i for m in active for i in m.industries})
    people = []
    for role, count, prefix in (("technical_support", n_support, "TS"), ("after_sales", n_after, "AS")):
        for k in range(count):
            like = active[(k * len(active)) // count]  # regions in proportion to their managers
            people.append(
                Manager(
                    manager_id=f"{prefix}{k + 1:03d}",
                    name=f"{role} {k + 1}",
                    seniority=("junior", "senior", "principal")[int(rng.integers(0, 3))],
                    industries=frozenset(
                        rng.choice(industries, size=int(rng.integers(1, 3)), replace=False).tolist()
                    ),
                    languages=frozenset({"zh", "en"} | ({"ja"} if rng.random() < 0.2 else set())),
                    region=like.region,
                    home_lat=like.home_lat,
                    home_lon=like.home_lon,
                    capacity_hours=float(rng.integers(130, 160)),
                    roles=frozenset({role}),
                )
            )
    both = frozenset({"account_manager", "technical_support"})
    managers = [
        m.model_copy(update={"roles": both}) if k % 10 == 0 else m for k, m in enumerate(dataset.managers)
    ]
    policy = type(dataset.policy).model_validate({**dataset.policy.model_dump(), "teams": TEAMS})
    return Dataset(managers=(*managers, *people), accounts=dataset.accounts, policy=policy)


def run(name: str, dataset: Dataset, options: SolveOptions) -> None:
    ctx = Context.build(dataset)
    started = time.perf_counter()
    compiled = compile_problem(ctx)
    compile_s = time.perf_counter() - started
    started = time.perf_counter()
    out = run_assignment(ctx, solver="auto", options=options)
    seconds = time.perf_counter() - started
    res = out.result
    team = out.evaluation.team if out.evaluation is not None else []
    row = (
        name,
        f"{compiled.problem.n_units:,}",
        f"{compiled.problem.n_pairs:,}",
        f"{len(compiled.problem.exclusive_rows()):,}",
        res.status.value,
        "-" if res.objective is None else f"{res.objective / 100:,.2f}",
        "-" if res.bound is None else f"{res.bound / 100:,.2f}",
        "-" if res.gap is None else f"{100 * res.gap:.3f} %",
        f"{seconds:.1f}",
        f"{compile_s:.2f}",
        f"{sum(r.manager_id is not None for r in team)} / {sum(r.manager_id is None for r in team)}",
        "-" if out.evaluation is None else f"{out.evaluation.parts_cp['balance'] / 100:,.0f}",
    )
    print("  ".join(f"{c:>{w}}" for c, w in zip(row, WIDTHS, strict=True)), flush=True)


HEADER = (
    "data",
    "units",
    "options",
    "1-role rows",
    "status",
    "objective",
    "bound",
    "gap",
    "s",
    "compile s",
    "slots / empty",
    "balance",
)
WIDTHS = (22, 7, 9, 11, 8, 12, 12, 9, 6, 9, 13, 8)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--generated", default="2000x60", help="accounts x account managers")
    parser.add_argument("--support", default="25x20", help="technical support x after-sales people")
    parser.add_argument("--time-limit", type=float, default=60.0)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--runs", default="teams,one-role", help="which of teams, one-role to run")
    args = parser.parse_args()
    from planner.native_output import python_stdout_only

    python_stdout_only()  # HiGHS' printf (machine code) stays off the rows
    n_acc, n_mgr = (int(x) for x in args.generated.split("x"))
    n_ts, n_as = (int(x) for x in args.support.split("x"))
    options = SolveOptions(time_limit_seconds=args.time_limit, threads=2, seed=0)
    base = generate(n_acc, n_mgr, seed=args.seed)
    print("  ".join(f"{c:>{w}}" for c, w in zip(HEADER, WIDTHS, strict=True)))
    runs = args.runs.split(",")
    if "teams" in runs:
        run(f"{n_acc}x{n_mgr}+{n_ts}+{n_as} teams", with_support(base, n_ts, n_as, args.seed), options)
    if "one-role" in runs:
        run(f"{n_acc}x{n_mgr} one role", base, options)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
