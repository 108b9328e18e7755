"""Planning under scarcity (issue #12): more work than hours, the planner against a value-first greedy.

Not a test. The data is `planner generate --realistic`: each region's workload is 1.05-1.30 times its
managers' capacity (drawn per region), regions span cities 330-870 km apart (Urumqi further), and
managers live only in their region's one or two biggest cities. Accounts may be left unassigned (and
the utilisation band is off), so every plan is feasible and the question is which accounts it serves.

    .venv/bin/python benchmarks/scarcity.py --time-limit 30
    .venv/bin/python benchmarks/scarcity.py --sizes 1000x30 --json bench-results/scarcity.json

Each size runs in its own process, so peak memory is that size's alone. Per size, two rows:

- ``planner``: `plan_with_planner` below (the one place to change when the planner's API does);
  status, objective, best bound and gap as the solver reports them (objective and bound in points),
  wall time against the limit.
- ``greedy``: value first. Parent groups (which go together) in order of tier (strategic, key,
  standard; a group takes its best member's tier), then revenue descending (a group's summed); each
  to the eligible manager (`planner.rules.eligible` for every member) with the least travel hours
  who still has the hours (`planner.objective.pair_metrics`) and the account count room.

For both: revenue served (% of all accounts' annual revenue), value kept as a share of the most
any plan can keep by the LP (`value_ceiling`: the planner's own price of service, per hour and
tier), accounts left unserved per tier, accounts served at a reduced service level, wall time.

Below each size: the exact workload over capacity (every account with its nearest eligible manager,
which is what the generator's demand ratio means) and a lower bound on the strategic accounts that no
plan can serve in full, by a counting argument on strategic accounts alone:

1. nobody may serve it (no eligible manager), or no eligible manager has the capacity for it alone;
2. otherwise take the graph joining each strategic account to the eligible managers with room for it.
   In a connected part with capacity C (its managers' hours), serving a set S of its strategic
   accounts needs at least the sum over S of each one's cheapest hours, and only these managers can
   give them; so at most k of them can be served, k the most of the cheapest that fit in C, and at
   least (part's strategic accounts - k) are unserved whatever the plan.

Both parts ignore key and standard accounts, parent groups and account limits, so the count is a
true lower bound; strategic accounts a plan leaves unserved beyond it were its choice, not a lack of
hours.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import resource
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from planner.context import Context
    from planner.models import Dataset, Plan

DEFAULT_SIZES = ("1000x30", "3000x80")
TIER_NAMES = ("strategic", "key", "standard")


@dataclass(frozen=True)
class PlannerRun:
    plan: Plan | None
    status: str
    objective_points: float | None
    bound_points: float | None
    gap: float | None
    reduced_service: int  # accounts served at a reduced service level
    statistics: dict[str, float | int | str]  # where the bound came from, phase times (JSON only)


def plan_with_planner(dataset: Dataset, seconds: float, threads: int = 2, seed: int = 0) -> PlannerRun:
    """The planner as a user runs it with unassigned accounts allowed (`planner assign
    --allow-unassigned`, no utilisation band). The one place to adapt when its API changes."""
    from planner.assign import run_assignment
    from planner.cli.common import with_overrides
    from planner.context import Context
    from planner.solvers import SolveOptions

    ctx = Context.build(with_overrides(dataset, allow_unassigned=True, utilisation_band=None))
    outcome = run_assignment(
        ctx, solver="auto", options=SolveOptions(time_limit_seconds=seconds, threads=threads, seed=seed)
    )
    result = outcome.result
    return PlannerRun(
        plan=outcome.plan,
        status=result.status.value,
        objective_points=None if result.objective is None else result.objective / 100,
        bound_points=None if result.bound is None else result.bound / 100,
        gap=result.gap,
        # Plans carry service levels once the planner has them (issue #12); none before.
        reduced_service=len(getattr(outcome.plan, "service", None) or {}),
        statistics=dict(result.statistics),
    )


def value_first_greedy(ctx: Context) -> np.ndarray:
    """Manager index per account, -1 where unserved; see the module docstring for the order."""
    from planner.objective import pair_metrics
    from planner.rules import eligible

    a, m = np.arange(ctx.n_accounts)[:, None], np.arange(ctx.n_managers)[None, :]
    allowed = eligible(ctx, a, m)
    metrics = pair_metrics(ctx, a, m)
    revenue = _revenue(ctx)
    hours_left = ctx.capacity_ch.copy()
    accounts_left = np.where(ctx.max_accounts < 0, np.iinfo(np.int64).max, ctx.max_accounts)
    manager_of = np.full(ctx.n_accounts, -1, dtype=np.int64)
    order = sorted(
        range(len(ctx.groups)),
        key=lambda g: (int(ctx.tier[ctx.groups[g]].min()), -float(revenue[ctx.groups[g]].sum()), g),
    )
    for g in order:
        members = ctx.groups[g]
        hours = metrics.hours_ch[members].sum(axis=0)
        fits = allowed[members].all(axis=0) & (hours <= hours_left) & (accounts_left >= len(members))
        if not fits.any():
            continue
        j = int(np.argmin(np.where(fits, metrics.travel_ch[members].sum(axis=0), np.iinfo(np.int64).max)))
        manager_of[members] = j
        hours_left[j] -= hours[j]
        accounts_left[j] -= len(members)
    return manager_of


def least_hours(ctx: Context) -> tuple[np.ndarray, np.ndarray]:
    """(cheapest full-service hours per account over its eligible managers, in centi-hours, inf where
    nobody may serve it; the (accounts, managers) hours matrix, inf where not eligible)."""
    from planner.objective import pair_metrics
    from planner.rules import eligible

    a, m = np.arange(ctx.n_accounts)[:, None], np.arange(ctx.n_managers)[None, :]
    hours = np.where(eligible(ctx, a, m), pair_metrics(ctx, a, m).hours_ch.astype(float), np.inf)
    return hours.min(axis=1), hours


def unservable_strategic(ctx: Context) -> dict[str, int]:
    """Lower bound on strategic accounts no plan serves in full (the counting argument in the module
    docstring), by reason."""
    import networkx as nx

    _, hours = least_hours(ctx)
    strategic = np.flatnonzero(ctx.tier == 0)
    capacity = ctx.capacity_ch.astype(float)
    hours = hours[strategic]
    fits = hours <= capacity[None, :]
    nobody = ~np.isfinite(hours).any(axis=1)
    too_big = ~nobody & ~fits.any(axis=1)
    graph = nx.Graph()
    rows, cols = np.nonzero(fits)
    graph.add_edges_from((("a", int(r)), ("m", int(c))) for r, c in zip(rows, cols, strict=True))
    over = 0
    for part in nx.connected_components(graph):
        accounts = [i for kind, i in part if kind == "a"]
        managers = [j for kind, j in part if kind == "m"]
        need = np.sort(np.where(fits[accounts], hours[accounts], np.inf).min(axis=1))
        servable = int(np.searchsorted(np.cumsum(need), capacity[managers].sum(), side="right"))
        over += len(accounts) - servable
    return {
        "strategic": len(strategic),
        "nobody_eligible": int(nobody.sum()),
        "too_big_for_any_eligible": int(too_big.sum()),
        "over_capacity": over,
        "total": int(nobody.sum() + too_big.sum()) + over,
    }


def served_metrics(ctx: Context, manager_of: np.ndarray, reduced: int = 0) -> dict[str, object]:
    revenue = _revenue(ctx)
    served = manager_of >= 0
    row: dict[str, object] = {"revenue_served_pct": round(100 * revenue[served].sum() / revenue.sum(), 2)}
    for t, name in enumerate(TIER_NAMES):
        row[f"unserved_{name}"] = int(((ctx.tier == t) & ~served).sum())
    row["reduced_service"] = reduced
    return row


def value_ceiling(ctx: Context) -> tuple[float, float]:
    """(value of every account's full service, the most of it any plan can keep by the LP): the
    value is the planner's own price of lost service (`planner.objective.unserved_cp`); the LP
    minimises only lost service (match, travel, moves and balance weighted 0) over every
    option, so V_total - its optimum bounds what any plan keeps. In centi-points."""
    from planner.compile import compile_problem
    from planner.context import Context
    from planner.objective import unserved_cp
    from planner.solvers.lp_bound import lp_bound

    total = float(unserved_cp(ctx, np.arange(ctx.n_accounts)).sum())
    policy = ctx.dataset.policy
    weights = policy.weights.model_copy(
        update={"value_match": 0.0, "travel_hour": 0.0, "move": 0.0, "balance": 0.0}
    )
    only_value = ctx.dataset.model_copy(
        update={"policy": policy.model_copy(update={"weights": weights, "allow_unassigned": True})}
    )
    relaxed = lp_bound(compile_problem(Context.build(only_value)).problem, 120.0)
    lost = relaxed.bound if relaxed.bound is not None else 0.0
    return total, total - lost


def revenue_ceiling_pct(ctx: Context) -> float:
    """The most revenue any plan can serve, as a % of all accounts' revenue, by the LP: every
    option of the shortfall model (reduced levels included, so each account at its lightest
    hours) with revenue served as the only objective, every hard rule kept. The greedy's revenue
    plus the issue's 5 points is reachable only below this."""
    from dataclasses import replace

    from planner.compile import compile_problem
    from planner.solvers.lp_bound import lp_bound

    problem = compile_problem(ctx).problem
    revenue = _revenue(ctx)
    unit_revenue = np.bincount(ctx.group_of, weights=revenue, minlength=problem.n_units)
    # Thousands of yuan as the LP's unit: `lp_bound` rounds to whole units, so the figure is exact to
    # within a few thousand yuan of revenue in the hundreds of millions.
    only_revenue = replace(
        problem,
        pair_cost=-np.round(unit_revenue[problem.pair_unit] / 1000.0).astype(np.int64),
        unassigned_cost=np.zeros(problem.n_units, dtype=np.int64),
        balance_coef=0,
        hint=None,
    )
    relaxed = lp_bound(only_revenue, 120.0)
    if relaxed.bound is None:
        return float("nan")
    return round(100 * min(-relaxed.bound * 1000.0 / revenue.sum(), 1.0), 2)


def value_kept_pct(ctx: Context, plan: Plan, ceiling: tuple[float, float]) -> float:
    """Value the plan keeps (the planner's price of service, see `value_ceiling`) as a share of
    the LP's ceiling."""
    from planner.evaluate import evaluate

    parts = evaluate(ctx, plan).parts_cp
    total, most = ceiling
    kept = total - parts["unassigned"] - parts.get("reduced_service", 0)
    return round(100 * kept / most, 2) if most > 0 else 100.0


def _revenue(ctx: Context) -> np.ndarray:
    return np.array([a.annual_revenue or 0.0 for a in ctx.dataset.accounts], dtype=float)


def run_one(size: str, time_limit: float, threads: int, seed: int, queue: mp.Queue) -> None:
    from planner.context import Context
    from planner.generator import REALISTIC_DEMAND_RATIO, WIDE_SPREAD_KM, generate
    from planner.models import Plan

    n_acc, n_mgr = (int(x) for x in size.split("x"))
    t0 = time.perf_counter()
    dataset = generate(
        n_acc,
        n_mgr,
        seed=seed,
        demand_ratio=REALISTIC_DEMAND_RATIO,
        spread_km=WIDE_SPREAD_KM,
        managers_in_big_cities=True,
    )
    ctx = Context.build(dataset)
    need, _ = least_hours(ctx)
    report: dict[str, object] = {
        "size": size,
        "seed": seed,
        "generate_s": round(time.perf_counter() - t0, 2),
        "workload_over_capacity": round(
            float(need[np.isfinite(need)].sum() / ctx.capacity_ch[ctx.active].sum()), 3
        ),
        "unservable_strategic": unservable_strategic(ctx),
    }

    shortfall_ctx = Context.build(
        dataset.model_copy(update={"policy": dataset.policy.model_copy(update={"allow_unassigned": True})})
    )
    ceiling = value_ceiling(shortfall_ctx)
    report["revenue_ceiling_pct"] = revenue_ceiling_pct(shortfall_ctx)
    t1 = time.perf_counter()
    greedy = value_first_greedy(ctx)
    report["greedy"] = {"method": "greedy", **served_metrics(ctx, greedy), "wall_s": _since(t1)}
    greedy_plan = Plan(
        assignment={
            a: (ctx.manager_ids[j] if j >= 0 else None) for a, j in zip(ctx.account_ids, greedy, strict=True)
        }
    )
    report["greedy"]["value_kept_pct_of_lp"] = value_kept_pct(shortfall_ctx, greedy_plan, ceiling)

    t2 = time.perf_counter()
    planner_row: dict[str, object] = {"method": "planner", "limit_s": time_limit}
    try:
        run = plan_with_planner(dataset, time_limit, threads=threads, seed=seed)
    except Exception as exc:  # a benchmark reports a crash and carries on with the next size
        planner_row.update(status=f"error: {type(exc).__name__}: {exc}", wall_s=_since(t2))
    else:
        planner_row.update(
            status=run.status,
            objective=run.objective_points,
            bound=run.bound_points,
            gap_pct=None if run.gap is None else round(100 * run.gap, 2),
            wall_s=_since(t2),
            statistics=run.statistics,
        )
        if run.plan is not None:
            index = ctx.manager_index
            manager_of = np.array(
                [-1 if (mid := run.plan.manager_of(a)) is None else index[mid] for a in ctx.account_ids]
            )
            planner_row.update(served_metrics(ctx, manager_of, reduced=run.reduced_service))
            planner_row["value_kept_pct_of_lp"] = value_kept_pct(shortfall_ctx, run.plan, ceiling)
    report["planner"] = planner_row
    report["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    queue.put(report)


def _since(t: float) -> float:
    return round(time.perf_counter() - t, 2)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", nargs="+", default=list(DEFAULT_SIZES), help="ACCOUNTSxMANAGERS")
    parser.add_argument("--time-limit", type=float, default=30.0, help="the planner's, in seconds")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--json", type=Path, help="write the reports here")
    args = parser.parse_args(argv)
    from planner.native_output import python_stdout_only

    python_stdout_only()  # HiGHS' printf (machine code) stays off the rows

    reports = []
    ctx = mp.get_context("spawn")
    for size in args.sizes:
        queue: mp.Queue = ctx.Queue()
        proc = ctx.Process(target=run_one, args=(size, args.time_limit, args.threads, args.seed, queue))
        proc.start()
        proc.join()
        report = queue.get() if not queue.empty() else {"size": size, "crashed": proc.exitcode}
        reports.append(report)
        _print_report(report, header=len(reports) == 1)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(reports, indent=2) + "\n")
    return 0


COLUMNS = (
    ("size", 8),
    ("method", 7),
    ("revenue_served_pct", 18),
    ("value_kept_pct_of_lp", 20),
    ("unserved_strategic", 18),
    ("unserved_key", 12),
    ("unserved_standard", 17),
    ("reduced_service", 15),
    ("wall_s", 7),
    ("limit_s", 7),
    ("status", 9),
    ("objective", 11),
    ("bound", 11),
    ("gap_pct", 7),
)


def _print_report(report: dict, header: bool) -> None:
    if header:
        print("  ".join(name.rjust(width) for name, width in COLUMNS))
    if "crashed" in report:
        print(f"{report['size']}: crashed (exit code {report['crashed']})")
        return
    for method in ("planner", "greedy"):
        row = {"size": report["size"], **report[method]}
        print("  ".join(_cell(row.get(name), width) for name, width in COLUMNS))
    bound = report["unservable_strategic"]
    print(
        f"{'':8}  workload {report['workload_over_capacity']:.2f} x capacity; strategic accounts no plan "
        f"can serve in full: at least {bound['total']} of {bound['strategic']} (nobody eligible "
        f"{bound['nobody_eligible']}, too big for any eligible manager {bound['too_big_for_any_eligible']}, "
        f"eligible managers' hours short {bound['over_capacity']}); peak RSS {report['peak_rss_mb']} MB"
    )
    print(f"{'':8}  most revenue any plan can serve (LP): {report['revenue_ceiling_pct']:.2f} %")
    status = str(report["planner"].get("status", ""))
    if status.startswith("error"):
        print(f"{'':8}  planner {status}")
    sys.stdout.flush()


def _cell(value: object, width: int) -> str:
    if value is None:
        text = ""
    elif isinstance(value, float):
        text = f"{value:.0f}" if abs(value) >= 1000 else f"{value:.2f}"
    else:
        text = str(value)
    if len(text) > width:
        text = text[: width - 1] + "…"
    return text.rjust(width)


if __name__ == "__main__":
    raise SystemExit(main())
