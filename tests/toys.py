"""Tiny data sets for the tests, built in a line or two.

Defaults are chosen so that hand arithmetic stays easy:
- every account is tier `standard` (an explicit override: with a handful of accounts the
  computed cut would make the top one strategic), 0.5 h per month
  (1/3 visit x 1.5 h, no admin, no travel without coordinates);
- accounts with identical attributes all get value score 40: each percentile rank is the
  mid-rank 0.5 and importance 1 adds 0, so 100 x (0.4 + 0.3 + 0.1) x 0.5 = 40;
- a junior manager without the account's industry matches a standard account at
  0.4 (seniority fit 1 x weight 0.4), so 40 x (1 - 0.4) = 24 points = 2400 cp go unserved;
  with the industry the match is 1.0 and nothing goes unserved.
"""

from __future__ import annotations

import csv
import itertools
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import numpy as np

from planner.assign import AssignmentOutcome, run_assignment
from planner.context import Context
from planner.models import Account, Dataset, Manager, Pair, Plan, Policy, Weights
from planner.models.policy import TravelModel
from planner.problem import AssignmentProblem
from planner.solvers import SolveOptions
from planner.solvers.cpsat import satisfies

# One thread and a fixed seed: the same answer on a loaded 2-core machine as on a laptop.
OPTIONS = SolveOptions(time_limit_seconds=10.0, threads=1, seed=0)

STANDARD_HOURS_CH = 50  # 1/3 visit x 1.5 h = 0.5 h per month
UNSERVED_JUNIOR_NO_INDUSTRY_CP = 2400  # value 40 x (1 - 0.4) x 100


def mgr(manager_id: str, capacity_hours: float = 100.0, **fields: Any) -> Manager:
    return Manager(manager_id=manager_id, capacity_hours=capacity_hours, **fields)


def acc(account_id: str, tier: str | None = "standard", **fields: Any) -> Account:
    return Account(account_id=account_id, tier=tier, **fields)


def weights(**points: float) -> Weights:
    """Objective weights with balance switched off unless asked for: most toys isolate one term."""
    return Weights(**{"balance": 0.0, **points})


def pairs(*items: tuple[str, str]) -> list[Pair]:
    return [Pair(account_id=a, manager_id=m) for a, m in items]


def dataset(managers: Iterable[Manager], accounts: Iterable[Account], **policy: Any) -> Dataset:
    """Toys test the full-service model (every account served in full) by road only unless they
    say otherwise; the shortfall toys pass allow_unassigned=True."""
    policy.setdefault("weights", weights())
    policy.setdefault("allow_unassigned", False)
    # By road only (great circle x 1.3 / 60 km/h), so hand-derived travel stays one formula; a toy
    # about trains or planes says so.
    policy.setdefault("travel", TravelModel(long_distance_speed_kmh=None))
    return Dataset(managers=tuple(managers), accounts=tuple(accounts), policy=Policy(**policy))


def context(managers: Iterable[Manager], accounts: Iterable[Account], **policy: Any) -> Context:
    return Context.build(dataset(managers, accounts, **policy))


def solve(ctx: Context, solver: str = "cpsat", **kwargs: Any) -> AssignmentOutcome:
    return run_assignment(ctx, solver=solver, options=kwargs.pop("options", OPTIONS), **kwargs)


def plan(**assignment: str | None) -> Plan:
    return Plan(assignment=dict(assignment))


def write_rows(path: Path, rows: list[Mapping[str, Any]], columns: list[str] | None = None) -> Path:
    columns = columns or list(dict.fromkeys(c for row in rows for c in row))
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=columns)
        writer.writeheader()
        for row in rows:
            writer.writerow({c: row.get(c, "") for c in columns})
    return path


def random_dataset(seed: int, n_accounts: int, n_managers: int, **policy: Any) -> Dataset:
    """A mid-sized single-region instance with coordinates, spare capacity and current managers:
    rich enough that a solver cannot prove optimality in a few milliseconds."""
    rng = np.random.default_rng(seed)
    industries = ["energy", "retail", "telecom", "healthcare"]
    managers = [
        mgr(
            f"M{j:02d}",
            capacity_hours=float(rng.integers(70, 100)),
            seniority=("junior", "senior", "principal")[j % 3],
            industries=frozenset(rng.choice(industries, size=2, replace=False).tolist()),
            home_lat=float(31 + rng.uniform(-0.3, 0.3)),
            home_lon=float(121 + rng.uniform(-0.3, 0.3)),
        )
        for j in range(n_managers)
    ]
    accounts = [
        Account(
            account_id=f"A{i:03d}",
            industry=str(rng.choice(industries)),
            lat=float(31 + rng.uniform(-0.3, 0.3)),
            lon=float(121 + rng.uniform(-0.3, 0.3)),
            annual_revenue=float(rng.pareto(1.2) * 1e7),
            contract_value=float(rng.uniform(1e5, 1e6)),
            years_as_customer=float(rng.integers(0, 15)),
            strategic_importance=int(rng.integers(1, 6)),
            current_manager_id=f"M{int(rng.integers(n_managers)):02d}",
        )
        for i in range(n_accounts)
    ]
    policy.setdefault("weights", Weights())
    policy.setdefault("allow_unassigned", False)
    return Dataset(managers=tuple(managers), accounts=tuple(accounts), policy=Policy(**policy))


# --- small options models, solved by enumeration (the Lagrangian bound and the column pool) --------
def options_toy(seed: int, balance: bool = True) -> AssignmentProblem:
    """2-3 agents, 3-6 units, each (unit, agent) pair at full and maybe a reduced level, an
    account cap on some agents, unserved allowed at a price; with `balance`, balance on in odd seeds
    (the instance is otherwise the same draw of the generator)."""
    rng = np.random.default_rng(seed)
    n_units, n_agents = int(rng.integers(3, 7)), int(rng.integers(2, 4))
    unit, agent, level, cost, weight = [], [], [], [], []
    for u in range(n_units):
        for m in range(n_agents):
            if rng.random() < 0.3:
                continue  # not eligible
            hours = int(rng.integers(2, 12)) * 25
            unit += [u]
            agent += [m]
            level += [0]
            cost += [int(rng.integers(0, 40))]
            weight += [hours]
            if rng.random() < 0.5:  # a reduced level: fewer hours, a cost for the value lost
                unit += [u]
                agent += [m]
                level += [1]
                cost += [cost[-1] + int(rng.integers(5, 60))]
                weight += [hours // 2]
    cap = rng.integers(3, 12, size=n_agents) * 25
    limit_upper = np.where(rng.random(n_agents) < 0.5, rng.integers(1, 3, size=n_agents), -1)
    return AssignmentProblem(
        n_units=n_units,
        n_agents=n_agents,
        pair_unit=np.array(unit, dtype=np.int64),
        pair_agent=np.array(agent, dtype=np.int64),
        pair_cost=np.array(cost, dtype=np.int64),
        pair_weight=np.array(weight, dtype=np.int64),
        capacity=cap.astype(np.int64),
        limit_names=("max_accounts",),
        limit_use=np.ones((1, len(unit)), dtype=np.int64),
        limit_upper=limit_upper[None, :].astype(np.int64),
        unassigned_cost=rng.integers(30, 200, size=n_units).astype(np.int64),
        pair_level=np.array(level, dtype=np.int64),
        balance_coef=int(seed % 2) * 7 if balance else 0,
        balance_agents=np.ones(n_agents, dtype=bool) if balance else None,
    )


def enumerated_optimum(problem: AssignmentProblem) -> int:
    """The least objective over every plan: each unit unserved or at one of its options."""
    per_unit = problem.pairs_of_unit()
    best = None
    for pick in itertools.product(*[[-1, *pairs.tolist()] for pairs in per_unit]):
        used = np.array([q for q in pick if q >= 0], dtype=np.int64)
        unit_agent, unit_level = problem.read_choice(used)
        if satisfies(problem, unit_agent, unit_level):
            value = problem.objective_of(unit_agent, unit_level)
            best = value if best is None else min(best, value)
    assert best is not None  # leaving every unit unserved is a plan
    return best
