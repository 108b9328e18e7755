"""Tier flips on a ±2 % revenue change, with hysteresis off and on (#18 item 3's target; not a test).

Tier the demo once and make those tiers each account's current_tier (what the CRM holds after an
evaluation). Then, one account at a time, change its annual revenue by -2 % and by +2 % and tier
again: a flip is any account whose tier differs from its current tier — the account changed, or
another one the share cut pushed across a line. One row per hysteresis setting.

    .venv/bin/python benchmarks/tier_flips.py                       # the demo, hysteresis 0 / 0.02 / 0.05 / 0.10
    .venv/bin/python benchmarks/tier_flips.py --change 0.05 --hysteresis 0 0.05
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from planner.io.loader import load_dataset
from planner.models import TIER_ORDER, Dataset
from planner.tiering import compute_tiers

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "scenarios" / "demo"


def flips(dataset: Dataset, hysteresis: float, change: float) -> dict[str, int]:
    policy = dataset.policy.model_copy(
        update={"tiering": dataset.policy.tiering.model_copy(update={"hysteresis": hysteresis})}
    )
    # Today's tiers are the plain cut's, as after an evaluation without hysteresis.
    today = [
        a.model_copy(update={"current_tier": TIER_ORDER[int(k)]})
        for a, k in zip(dataset.accounts, compute_tiers(dataset).tier_index, strict=True)
    ]
    current = np.array([TIER_ORDER.index(a.current_tier) for a in today if a.current_tier is not None])
    anchored = dataset.model_copy(update={"policy": policy, "accounts": tuple(today)})
    out = {
        "changes": 0,
        "changes_with_a_flip": 0,
        "flips": 0,
        "flips_of_the_changed": 0,
        "flips_of_others": 0,
    }
    for i, a in enumerate(today):
        for factor in (1 - change, 1 + change):
            accounts = list(today)
            accounts[i] = a.model_copy(update={"annual_revenue": a.annual_revenue * factor})
            tiers = compute_tiers(anchored.model_copy(update={"accounts": tuple(accounts)})).tier_index
            moved = np.nonzero(tiers != current)[0]
            out["changes"] += 1
            out["changes_with_a_flip"] += int(moved.size > 0)
            out["flips"] += int(moved.size)
            out["flips_of_the_changed"] += int(i in moved)
            out["flips_of_others"] += int(moved.size - (i in moved))
    return out


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--accounts", type=Path, default=DEMO / "accounts.csv")
    parser.add_argument("--managers", type=Path, default=DEMO / "managers.csv")
    parser.add_argument("--policy", type=Path, default=DEMO / "policy.yaml")
    parser.add_argument("--change", type=float, default=0.02, help="relative revenue change, each way")
    parser.add_argument("--hysteresis", type=float, nargs="+", default=[0.0, 0.02, 0.05, 0.10])
    args = parser.parse_args()
    dataset = load_dataset(args.accounts, args.managers, args.policy)
    n = len(dataset.accounts)
    print(
        f"{n} accounts; each account's revenue x {1 - args.change:g} and x {1 + args.change:g}, one at a time"
    )
    header = ("hysteresis", "changes", "with a flip", "flips", "of the changed", "of others")
    print("  ".join(f"{h:>14}" for h in header))
    for h in args.hysteresis:
        r = flips(dataset, h, args.change)
        row = (
            f"{h:g}",
            r["changes"],
            r["changes_with_a_flip"],
            r["flips"],
            r["flips_of_the_changed"],
            r["flips_of_others"],
        )
        print("  ".join(f"{c:>14}" for c in row))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
