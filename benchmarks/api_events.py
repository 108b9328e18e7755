"""Latency of a staff-change event through the API on 5,000 accounts x 150 managers.

Not a test. Solves the generated data once (the plan in force), then posts `manager_left`
events for several managers, each from that same plan, and prints a table: `uncov.` accounts
left without a manager, of which `no succ.` nobody active may serve (uncovered in every plan);
`limit s` the re-plan's time limit after the default grew it.
    .venv/bin/python benchmarks/api_events.py [--events 10] [--solve-seconds 20]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

from fastapi.testclient import TestClient

from api.app import create_app
from api.auth import parse_keys
from api.settings import Settings
from planner.assign import run_assignment
from planner.context import Context
from planner.generator import generate
from planner.solvers import SolveOptions

HEADERS = {"X-API-Key": "bench"}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=10)
    parser.add_argument("--solve-seconds", type=float, default=20.0)
    args = parser.parse_args()
    from planner.native_output import python_stdout_only

    python_stdout_only()  # HiGHS' printf (machine code) stays off the rows

    dataset = generate(5000, 150, seed=7)
    started = time.perf_counter()
    base = run_assignment(
        Context.build(dataset), "cpsat", SolveOptions(time_limit_seconds=args.solve_seconds)
    )
    assert base.plan is not None
    print(f"plan in force: {base.result.status.value} in {time.perf_counter() - started:.1f} s")
    # The plan in force becomes the data's current managers, as a CRM export would show it.
    accounts = [
        {**a.model_dump(mode="json"), "current_manager_id": base.plan.assignment[a.account_id] or ""}
        for a in dataset.accounts
    ]
    body = {
        "managers": [m.model_dump(mode="json") for m in dataset.managers],
        "accounts": accounts,
        "policy": dataset.policy.model_dump(mode="json"),
    }
    holders = sorted({m for m in base.plan.assignment.values() if m})

    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(
            database_url=f"sqlite:///{Path(tmp) / 'bench.db'}",
            api_keys=tuple(parse_keys("bench:bench:write", "bench")),
        )
        rows = []
        with TestClient(create_app(settings)) as client:
            for k, manager_id in enumerate(holders[: args.events]):
                # A fresh data set per event, so each one starts from the same solved plan.
                ds = client.post(
                    "/api/v1/datasets", headers=HEADERS, json={"name": f"bench-{k}", **body}
                ).json()["id"]
                event = {"type": "manager_left", "idempotency_key": f"bench-{k}", "manager_id": manager_id}
                t0 = time.perf_counter()
                r = client.post(f"/api/v1/datasets/{ds}/events", headers=HEADERS, json=event)
                wall = time.perf_counter() - t0
                out = r.json()
                t1 = time.perf_counter()
                client.post(f"/api/v1/datasets/{ds}/events", headers=HEADERS, json=event)
                replay = time.perf_counter() - t1
                diff = out.get("diff") or {}
                # Uncovered because nobody active may serve them (a language or rule only the
                # leaver met): uncovered in every plan, not a miss of the re-plan.
                nobody = sum(1 for u in diff.get("unserved", []) if "nobody may serve" in u.get("why", ""))
                rows.append(
                    (
                        manager_id,
                        r.status_code,
                        out.get("status"),
                        wall,
                        replay,
                        diff.get("forced_moves"),
                        diff.get("voluntary_moves"),
                        len(out.get("uncovered", [])),
                        nobody,
                        out.get("time_limit_seconds"),
                        out.get("timing_seconds", {}),
                    )
                )
    print(
        f"{'manager':8} {'http':>4} {'status':>9} {'seconds':>8} {'replay s':>8} {'forced':>6} {'volunt.':>7} "
        f"{'uncov.':>6} {'no succ.':>8} {'limit s':>7}  timing"
    )
    for mid, code, status, wall, replay, forced, vol, uncovered, nobody, limit, timing in rows:
        print(
            f"{mid:8} {code:>4} {status!s:>9} {wall:8.3f} {replay:8.3f} {forced!s:>6} {vol!s:>7} "
            f"{uncovered:>6} {nobody:>8} {limit!s:>7}  {timing}"
        )
    walls = [r[3] for r in rows]
    short = sum(1 for r in rows if r[7] > r[8])
    print(
        f"\nmedian {statistics.median(walls):.3f} s, max {max(walls):.3f} s over {len(walls)} events "
        f"(target: median under 1 s); {short} event(s) leave accounts uncovered that some manager may serve"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
