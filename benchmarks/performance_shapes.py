"""Which shape of the performance term meets #18's target, and at what price (not a test).

planner.objective charges weights.performance x value x (1 - performance / 100) on strategic
accounts only. This compares it with the shapes it was chosen over, by putting each in place of
`planner.objective.performance_points` for the run (every backend and the evaluator read that
one function): per shape and weight, on the demo with seeded scores (as
benchmarks/performance_target.py draws them), on how many seeds the top 10 % of accounts by value
are served above the team's mean performance, and the price: the objective without the
performance term against the plan made without it (min-max % over the seeds).

    all        value, on every account (the term before #18's change)
    cube       100 x (value / 100)^3 on every account (value-convex)
    power10    100 x (value / 100)^10 on every account (steeply convex)
    key-tenth  value on strategic accounts, a tenth of it on key ones
    strategic  value on strategic accounts only (the term in planner.objective)

    .venv/bin/python benchmarks/performance_shapes.py
    .venv/bin/python benchmarks/performance_shapes.py --shapes strategic cube --weights 10 20 --seeds 0 1 2 3 4
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

import numpy as np
from performance_target import DEMO, top_share_performance, with_performance, with_weight

from planner import objective
from planner.assign import run_assignment
from planner.context import Context
from planner.evaluate import evaluate
from planner.io.loader import load_dataset
from planner.models import TIER_ORDER, Tier
from planner.solvers import SolveOptions

Weighting = Callable[[Context, np.ndarray], np.ndarray]  # (ctx, accounts) -> value weight


def _tier_share(strategic: float, key: float) -> Weighting:
    def weight(ctx: Context, a: np.ndarray) -> np.ndarray:
        share = np.zeros(len(TIER_ORDER))
        share[TIER_ORDER.index(Tier.strategic)], share[TIER_ORDER.index(Tier.key)] = strategic, key
        return ctx.value[a] * share[ctx.tier[a]]

    return weight


SHAPES: dict[str, Weighting] = {
    "all": lambda ctx, a: ctx.value[a],
    "cube": lambda ctx, a: 100.0 * (ctx.value[a] / 100.0) ** 3,
    "power10": lambda ctx, a: 100.0 * (ctx.value[a] / 100.0) ** 10,
    "key-tenth": _tier_share(1.0, 0.1),
    "strategic": _tier_share(1.0, 0.0),
}


def use_shape(name: str) -> None:
    weighting = SHAPES[name]

    def points(ctx: Context, a: np.ndarray, m: np.ndarray) -> np.ndarray:
        shortfall = 1.0 - np.nan_to_num(ctx.performance[m], nan=100.0) / 100.0
        return ctx.dataset.policy.weights.performance * weighting(ctx, a) * shortfall

    objective.performance_points = points  # priced() looks the function up at each call


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--shapes", nargs="+", default=list(SHAPES), choices=list(SHAPES))
    parser.add_argument("--weights", type=float, nargs="+", default=[5.0, 20.0, 40.0])
    parser.add_argument("--seeds", type=int, nargs="+", default=list(range(10)))
    parser.add_argument("--time-limit", type=float, default=20.0)
    args = parser.parse_args()
    from planner.native_output import python_stdout_only

    python_stdout_only()  # HiGHS' printf (machine code) stays off the rows

    demo = load_dataset(DEMO / "accounts.csv", DEMO / "managers.csv", DEMO / "policy.yaml")
    options = SolveOptions(time_limit_seconds=args.time_limit, threads=2, seed=0)
    bases = {seed: with_performance(demo, seed) for seed in args.seeds}
    plain = {seed: Context.build(with_weight(base, 0.0)) for seed, base in bases.items()}
    team = {seed: float(np.nanmean(ctx.performance[ctx.active])) for seed, ctx in plain.items()}
    reference = {}
    for seed, ctx in plain.items():  # the plan without the preference: the same for every shape
        out = run_assignment(ctx, solver="auto", options=options)
        assert out.plan is not None
        reference[seed] = (evaluate(ctx, out.plan).objective, top_share_performance(ctx, out.plan)[0])
    held0 = [s for s in args.seeds if reference[s][1] > team[s]]
    print(
        f"seeds {args.seeds}; auto, {args.time_limit:g} s; without the preference the target holds on {held0}"
    )
    print(
        f"{'shape':>10}  {'weight':>6}  {'holds':>5}  {'seeds':<32}  {'cost % min-max':>15}  {'max wall s':>10}"
        "  not optimal"
    )
    for shape in args.shapes:
        use_shape(shape)
        for weight in args.weights:
            held, costs, unproven, walls = [], [], [], []
            for seed, base in bases.items():
                started = time.perf_counter()
                out = run_assignment(Context.build(with_weight(base, weight)), solver="auto", options=options)
                walls.append(time.perf_counter() - started)  # against the limit in the first line
                assert out.plan is not None
                if top_share_performance(plain[seed], out.plan)[0] > team[seed]:
                    held.append(seed)
                ref = reference[seed][0]
                costs.append(100 * (evaluate(plain[seed], out.plan).objective - ref) / ref)
                if out.result.status.value != "optimal":
                    unproven.append(seed)
            cost = f"{min(costs):+.1f} .. {max(costs):+.1f}"
            print(
                f"{shape:>10}  {weight:>6g}  {len(held):>5}  {held!s:<32}  {cost:>15}  {max(walls):>10.1f}"
                f"  {unproven or ''}"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
