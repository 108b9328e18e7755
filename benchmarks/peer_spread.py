"""Fair opportunity among peers (#18 item 4; not a test): what the peer-spread terms buy and cost.

The demo (300 accounts, 12 managers) and a generated data set (default 2,000 x 60, split by region
by the auto backend) are planned with weights.value_spread / weights.strategic_spread off (the
default) and on. Per run: status, the objective without the peer-spread part (both plans priced
by the same policy with the terms off: the difference is the travel, match, moves and balance
given up for fairness), the spread (max - min) of value carried and of strategic accounts summed
over the seniorities (the fairness report's opportunity rows), accounts moved, wall time.

    .venv/bin/python benchmarks/peer_spread.py
    .venv/bin/python benchmarks/peer_spread.py --generated 5000x150 --time-limit 60
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from planner.assign import run_assignment
from planner.context import Context
from planner.evaluate import evaluate
from planner.fairness import fairness_report
from planner.generator import generate
from planner.io.loader import load_dataset
from planner.models import Dataset
from planner.solvers import SolveOptions

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "scenarios" / "demo"


def with_weights(dataset: Dataset, value: float, strategic: float) -> Dataset:
    weights = dataset.policy.weights.model_copy(update={"value_spread": value, "strategic_spread": strategic})
    return dataset.model_copy(update={"policy": dataset.policy.model_copy(update={"weights": weights})})


def spreads(ctx: Context, evaluation) -> tuple[float, int]:  # type: ignore[no-untyped-def]
    rows = fairness_report(evaluation)["opportunity"]["by_seniority"]
    return sum(r["value_carried_spread"] for r in rows), sum(r["strategic_spread"] for r in rows)


def run(name: str, dataset: Dataset, settings: list[tuple[float, float]], options: SolveOptions) -> None:
    plain = Context.build(with_weights(dataset, 0.0, 0.0))
    reference = None
    for value, strategic in settings:
        ctx = Context.build(with_weights(dataset, value, strategic))
        started = time.perf_counter()
        out = run_assignment(ctx, solver="auto", options=options)
        seconds = time.perf_counter() - started
        assert out.plan is not None and out.evaluation is not None, f"{name}: no plan"
        priced = evaluate(plain, out.plan)
        reference = priced.objective if reference is None else reference
        value_spread, strategic_spread = spreads(plain, priced)
        row = (
            name,
            f"{value:g} / {strategic:g}",
            out.result.status.value,
            f"{priced.objective:,.2f}",
            f"{priced.objective - reference:+,.2f}",
            f"{value_spread:,.1f}",
            strategic_spread,
            priced.moves["total"],
            f"{seconds:.1f}",
        )
        print("  ".join(f"{c:>{w}}" for c, w in zip(row, WIDTHS, strict=True)))


HEADER = ("data", "value / strategic", "status", "obj w/o spread", "cost", "value spread", "strat spread",
          "moves", "s")  # fmt: skip
WIDTHS = (16, 17, 8, 14, 10, 12, 12, 6, 6)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--generated", default="2000x60", help="accounts x managers, or 'none'")
    parser.add_argument("--time-limit", type=float, default=20.0)
    args = parser.parse_args()
    from planner.native_output import python_stdout_only

    python_stdout_only()  # HiGHS' printf (machine code) stays off the rows
    options = SolveOptions(time_limit_seconds=args.time_limit, threads=2, seed=0)
    settings = [(0.0, 0.0), (0.5, 0.0), (0.0, 20.0), (0.5, 20.0), (2.0, 50.0)]
    print("auto backend; spreads summed over seniorities; cost = objective w/o spread minus the first row's")
    print("  ".join(f"{h:>{w}}" for h, w in zip(HEADER, WIDTHS, strict=True)))
    run(
        "demo 300x12",
        load_dataset(DEMO / "accounts.csv", DEMO / "managers.csv", DEMO / "policy.yaml"),
        settings,
        options,
    )
    if args.generated != "none":
        n_accounts, n_managers = (int(x) for x in args.generated.split("x"))
        run(f"gen {args.generated}", generate(n_accounts, n_managers, seed=7), settings, options)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
