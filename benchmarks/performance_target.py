"""High performers on the most valuable accounts (#18 item 1's target; not a test).

The demo's managers get a seeded performance score (uniform 40-100, as a sales team's target
attainment might spread); the demo is planned twice, without the preference
(weights.performance 0) and with it (the default 0.5, or --weights). For each plan: the mean
performance of the managers serving the top 10 % of accounts by value score (one figure per
account, so a manager holding three of them counts three times) against the team mean (active
managers), and what the preference costs: the plan's objective without the performance term
(both plans priced by the same policy with weights.performance 0), the difference being the
value match, travel, moves and balance given up for it.

A last row per seed adds the hard floor (policy min_performance_by_tier {strategic: the team mean,
rounded up}; the demo's top 10 % are its strategic accounts) to the default weight: the soft term
charges value x (1 - performance / 100) on every account, so a larger weight moves many mid-value
accounts to the best performers and fills their hours, not specifically the top ones; the floor
does target them. "unserved" counts accounts the plan leaves without a manager.

Scores drawn without regard to seniority can put the team's best performers where the hard rules
keep them off strategic accounts (junior, or another region): the "ceiling" column is the best mean
any plan could reach (each top account with its best eligible manager, capacity ignored), so a
seed whose ceiling is under the team mean cannot meet the target whatever the weight.

    .venv/bin/python benchmarks/performance_target.py
    .venv/bin/python benchmarks/performance_target.py --weights 0.5 2 --seeds 0 1 2 --time-limit 20
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from planner.assign import run_assignment
from planner.context import Context
from planner.errors import InfeasibleError
from planner.evaluate import evaluate
from planner.io.loader import load_dataset
from planner.models import Dataset, Plan, Tier
from planner.rules import eligible
from planner.solvers import SolveOptions

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


def ceiling(ctx: Context, share: float = 0.10) -> float:
    """The best mean performance on the top `share` of accounts any plan could reach: each account
    with its best-performing eligible manager (capacity and account limits ignored)."""
    k = max(1, round(share * ctx.n_accounts))
    top = np.argsort(-ctx.value, kind="stable")[:k]
    ok = eligible(ctx, top[:, None], np.arange(ctx.n_managers)[None, :])
    best = np.where(ok, ctx.performance[None, :], np.nan)
    return float(np.nanmean(np.nanmax(best, axis=1)))


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--accounts", type=Path, default=DEMO / "accounts.csv")
    parser.add_argument("--managers", type=Path, default=DEMO / "managers.csv")
    parser.add_argument("--policy", type=Path, default=DEMO / "policy.yaml")
    parser.add_argument("--seeds", type=int, nargs="+", default=list(range(5)), help="seeds of the scores")
    parser.add_argument("--weights", type=float, nargs="+", default=[0.5], help="weights.performance with")
    parser.add_argument("--solver", default="auto")
    parser.add_argument("--time-limit", type=float, default=20.0)
    args = parser.parse_args()

    demo = load_dataset(args.accounts, args.managers, args.policy)
    options = SolveOptions(time_limit_seconds=args.time_limit, threads=2, seed=0)
    print(
        f"{len(demo.accounts)} accounts, {sum(m.active for m in demo.managers)} active managers; performance "
        f"uniform 40-100 per seed; solver {args.solver}, {args.time_limit:g} s; top 10 % by value score"
    )
    header = ("seed", "team", "ceiling", "weight", "status", "top 10 %", "vs team", "obj w/o perf", "cost", "moves",
              "unserved")  # fmt: skip
    widths = (4, 6, 7, 14, 8, 8, 7, 12, 9, 5, 8)
    print("  ".join(f"{h:>{w}}" for h, w in zip(header, widths, strict=True)))
    for seed in args.seeds:
        base = with_performance(demo, seed)
        plain = Context.build(with_weight(base, 0.0))  # prices every plan without the performance term
        team = float(np.nanmean(plain.performance[plain.active]))
        reference = None
        floor = float(np.ceil(team))
        runs = [(w, None) for w in [0.0, *args.weights]] + [(args.weights[0], floor)]
        for weight, strategic_floor in runs:
            ctx = Context.build(with_weight(base, weight, strategic_floor))
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
            row = (
                seed,
                f"{team:.1f}",
                f"{ceiling(ctx):.1f}",
                f"{weight:g}" if strategic_floor is None else f"{weight:g}+floor {strategic_floor:g}",
                out.result.status.value,
                f"{mean:.1f}",
                f"{mean - team:+.1f}",
                f"{priced.objective:,.2f}",
                f"{priced.objective - reference:+,.2f}",
                priced.moves["total"],
                len(priced.unassigned),
            )
            print("  ".join(f"{c:>{w}}" for c, w in zip(row, widths, strict=True)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
