"""High performers on the most valuable accounts (#18 item 1's target; not a test).

The demo's managers get a seeded performance score (uniform 40-100, as a sales team's target
attainment might spread); the demo is planned without the preference (weights.performance 0)
and with it (the default, or --weights). For each plan: the mean performance of the managers
serving the top 10 % of accounts by value score (one figure per account, so a manager holding
three of them counts three times) against the team mean (active managers), whether the target
holds (above the team mean), and what the preference costs: the plan's objective without the
performance term (every plan priced by the same policy with weights.performance 0), the
difference to the plan made without the preference being the value match, travel, moves and
balance given up for it (points and % of that plan's objective).

The term (planner.objective) charges value x (1 - performance / 100) on strategic accounts only;
benchmarks/performance_shapes.py compares it with other shapes. --floor adds a row with the hard floor
(policy min_performance_by_tier {strategic: the team mean, rounded up}; the demo's top 10 % are
its strategic accounts) on top of the first weight. "unserved" counts accounts the plan leaves
without a manager.

Scores drawn without regard to seniority can put the team's best performers where the hard rules
keep them off strategic accounts (junior, or another region, or out of hours): the "best" column
is the highest mean any full-service plan can reach (the same rules and capacities, solved for
nothing but the top accounts' performance), so a seed whose best is not above the team mean
cannot meet the target whatever the weight.

    .venv/bin/python benchmarks/performance_target.py
    .venv/bin/python benchmarks/performance_target.py --weights 0.5 2 --seeds 0 1 2 --time-limit 20
"""

from __future__ import annotations

import argparse
import dataclasses
import time
from pathlib import Path

import numpy as np

from planner.assign import run_assignment
from planner.compile import compile_problem
from planner.context import Context
from planner.errors import InfeasibleError
from planner.evaluate import evaluate
from planner.io.loader import load_dataset
from planner.models import Dataset, Plan, Tier, Weights
from planner.solvers import SolveOptions, get_solver

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "scenarios" / "demo"


def with_performance(dataset: Dataset, seed: int, low: float = 40.0, high: float = 100.0) -> Dataset:
    rng = np.random.default_rng(seed)
    scores = np.round(rng.uniform(low, high, len(dataset.managers)), 0)
    managers = tuple(
        m.model_copy(update={"performance": float(s)}) for m, s in zip(dataset.managers, scores, strict=True)
    )
    return dataset.model_copy(update={"managers": managers})


def with_weight(dataset: Dataset, weight: float, strategic_floor: float | None = None) -> Dataset:
    policy = dataset.policy.model_copy(
        update={"weights": dataset.policy.weights.model_copy(update={"performance": weight})}
    )
    if strategic_floor is not None:
        settings = {**policy.rule_settings, "min_performance_by_tier": {Tier.strategic: strategic_floor}}
        policy = policy.model_copy(update={"rule_settings": settings})
    return dataset.model_copy(update={"policy": policy})


def top_share_performance(ctx: Context, plan: Plan, share: float = 0.10) -> tuple[float, int]:
    """(mean performance of the managers serving the top `share` of accounts by value, accounts
    counted), over the accounts the plan serves."""
    k = max(1, round(share * ctx.n_accounts))
    top = np.argsort(-ctx.value, kind="stable")[:k]
    scores = [
        ctx.performance[ctx.manager_index[m]]
        for i in top.tolist()
        if (m := plan.manager_of(ctx.account_ids[i])) is not None
    ]
    return float(np.nanmean(scores)), len(scores)


def best_reachable(ctx: Context, options: SolveOptions, share: float = 0.10) -> tuple[float, str]:
    """(the highest mean performance on the top `share` of accounts a plan can reach under the
    data's rules and capacities, the solve's status): the compiled problem with each option
    priced at the top accounts' performance shortfall alone (no balance, spreads or other cost)."""
    compiled = compile_problem(ctx)
    problem = compiled.problem
    k = max(1, round(share * ctx.n_accounts))
    top = np.zeros(ctx.n_accounts, dtype=bool)
    top[np.argsort(-ctx.value, kind="stable")[:k]] = True
    shortfall = np.rint(100.0 - np.nan_to_num(ctx.performance, nan=100.0)).astype(np.int64)
    in_top = np.array([int(top[compiled.unit_accounts(u)].sum()) for u in range(problem.n_units)])
    cost = in_top[problem.pair_unit] * shortfall[problem.pair_agent]
    only = dataclasses.replace(
        problem, pair_cost=cost, balance_coef=0, spread_names=(), spread_coef=None, spread_use=None,
        spread_group=None,
    )  # fmt: skip
    result = get_solver("cpsat").solve(only, options)
    assert result.unit_agent is not None, f"no plan for the best reachable ({result.status.value})"
    mean, _ = top_share_performance(ctx, compiled.to_plan(result.unit_agent, result.unit_level), share)
    return mean, result.status.value


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--accounts", type=Path, default=DEMO / "accounts.csv")
    parser.add_argument("--managers", type=Path, default=DEMO / "managers.csv")
    parser.add_argument("--policy", type=Path, default=DEMO / "policy.yaml")
    parser.add_argument("--seeds", type=int, nargs="+", default=list(range(5)), help="seeds of the scores")
    parser.add_argument(
        "--weights", type=float, nargs="+", default=[Weights().performance], help="weights.performance with"
    )
    parser.add_argument("--floor", action="store_true", help="add the strategic floor at the team mean")
    parser.add_argument("--solver", default="auto")
    parser.add_argument("--time-limit", type=float, default=20.0)
    args = parser.parse_args()
    from planner.native_output import python_stdout_only

    python_stdout_only()  # HiGHS' printf (machine code) stays off the rows

    demo = load_dataset(args.accounts, args.managers, args.policy)
    options = SolveOptions(time_limit_seconds=args.time_limit, threads=2, seed=0)
    print(
        f"{len(demo.accounts)} accounts, {sum(m.active for m in demo.managers)} active managers; performance "
        f"uniform 40-100 per seed; solver {args.solver}, {args.time_limit:g} s; top 10 % by value score"
    )
    header = ("seed", "team", "best", "weight", "status", "gap", "wall s", "top 10 %", "vs team", "holds",
              "obj w/o perf", "cost", "cost %", "moves", "unserved")  # fmt: skip
    widths = (4, 6, 7, 14, 8, 6, 6, 8, 7, 5, 12, 9, 7, 5, 8)
    held: dict[float, list[int]] = {}
    print("  ".join(f"{h:>{w}}" for h, w in zip(header, widths, strict=True)))
    for seed in args.seeds:
        base = with_performance(demo, seed)
        plain = Context.build(with_weight(base, 0.0))  # prices every plan without the performance term
        team = float(np.nanmean(plain.performance[plain.active]))
        reference = None
        floor = float(np.ceil(team))
        best, best_status = best_reachable(plain, options)
        best_text = f"{best:.1f}" + ("" if best_status == "optimal" else "?")  # ? = not proven
        runs: list[tuple[float, float | None]] = [(w, None) for w in [0.0, *args.weights]]
        runs += [(args.weights[0], floor)] if args.floor else []
        for weight, strategic_floor in runs:
            ctx = Context.build(with_weight(base, weight, strategic_floor))
            started = time.perf_counter()
            try:
                out = run_assignment(ctx, solver=args.solver, options=options)
            except InfeasibleError as exc:  # the floor leaves strategic accounts nobody may serve
                print(
                    f"{seed:>4}  {'':>6}  {'':>7}  {f'{weight:g}+floor {strategic_floor:g}':>14}  infeasible: {exc.reasons[0]}"
                )
                continue
            assert out.plan is not None, f"no plan at weights.performance {weight}"
            mean, _ = top_share_performance(ctx, out.plan)
            priced = evaluate(plain, out.plan)
            reference = priced.objective if reference is None else reference
            if weight > 0 and strategic_floor is None and mean > team:
                held.setdefault(weight, []).append(seed)
            gap = out.result.gap
            wall = time.perf_counter() - started  # against the limit in the first line
            row = (
                seed,
                f"{team:.1f}",
                best_text,
                f"{weight:g}" if strategic_floor is None else f"{weight:g}+floor {strategic_floor:g}",
                out.result.status.value,
                "-" if gap is None else f"{100 * gap:.2f}%",
                f"{wall:.1f}",
                f"{mean:.1f}",
                f"{mean - team:+.1f}",
                "yes" if mean > team else "no",
                f"{priced.objective:,.2f}",
                f"{priced.objective - reference:+,.2f}",
                f"{100 * (priced.objective - reference) / reference:+.2f}",
                priced.moves["total"],
                len(priced.unassigned),
            )
            print("  ".join(f"{c:>{w}}" for c, w in zip(row, widths, strict=True)))
    for weight in args.weights:
        seeds = held.get(weight, [])
        print(f"weight {weight:g}: the target holds on {len(seeds)} of {len(args.seeds)} seeds {seeds}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
