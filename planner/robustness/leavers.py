"""One robustness task: the minimal-change re-plan after one manager (or a pair) leaves.

The task is the library's own staff-change path, as the API's `manager_left` event runs it:
`apply_changes` with `RemoveManager`, then `planner.replan.replan` from the plan in force, with
its service levels and a disruption budget. What the director reads is kept, in plain values
(small to send back from a worker): accounts and value the leavers held, which of them nobody
covers afterwards and why (nobody else may serve them, or those who may have no hours left),
the moves the re-plan needs and how full the team is after it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from itertools import combinations
from typing import Any

import numpy as np

from planner.budget import Budget
from planner.context import Context
from planner.evaluate import evaluate
from planner.models import Dataset, Plan
from planner.replan import Replanned, replan, with_current
from planner.scenario.changes import apply_changes
from planner.scenario.spec import RemoveManager

NO_SUCCESSOR = "no_successor"  # no other manager may serve the account (region, language, tier rules)
NO_HOURS = "no_hours"  # someone may serve it, but nobody who may has the hours (within the budget)
DETERMINISTIC_GUARD = 10.0  # a deterministic re-plan's wall-clock guard: this many times its work limit
FIXED_REPLAN_HOURS = 10.0  # replan_cost: a re-plan's fixed part, as if it placed this many hours


@dataclass(frozen=True)
class ReplanSettings:
    max_moves: int = 20  # voluntary moves per leaver, as the API's staff-change events default
    time_limit_seconds: float = 0.8  # per re-plan; deterministic: CP-SAT work units instead
    deterministic: bool = False


@dataclass(frozen=True)
class Baseline:
    """What every task shares (shipped once per worker): the data with the plan in force as its
    current managers, that plan's service levels, and the facts the words need."""

    dataset: Dataset
    service: dict[str, str]
    holder: dict[str, str]  # account id -> manager in force (accounts without one left out)
    tier: dict[str, str]  # account id -> tier in the plan in force
    value: dict[str, float]  # account id -> value score
    hours: dict[str, float]  # manager id -> hours a month the plan in force gives them
    # Accounts a re-plan with nobody leaving leaves uncovered (the plan in force serves them
    # against a rule, or nobody may): no leaver's risk, so never counted against one.
    uncovered_anyway: frozenset[str] = frozenset()
    settings: ReplanSettings = field(default_factory=ReplanSettings)


def baseline(dataset: Dataset, plan: Plan | None, settings: ReplanSettings) -> Baseline:
    """The plan in force is `plan`, or without one the data's own current managers (what the
    team does today)."""
    assignment = (
        dict(plan.assignment)
        if plan is not None
        else {a.account_id: a.current_manager_id or None for a in dataset.accounts}
    )
    current = with_current(dataset, assignment)
    service = dict(plan.service) if plan is not None else {}
    evaluation = evaluate(Context.build(current), Plan(assignment=assignment, service=service))
    control = _replan(current, service, settings)
    return Baseline(
        dataset=current,
        service=service,
        holder={a: m for a, m in assignment.items() if m},
        tier={row.account_id: row.tier for row in evaluation.accounts},
        value={row.account_id: row.value_score for row in evaluation.accounts},
        hours={row.manager_id: row.hours for row in evaluation.managers},
        uncovered_anyway=frozenset(control.uncovered),
        settings=settings,
    )


@dataclass(frozen=True)
class Uncovered:
    """Accounts of one tier and region that no one covers after the leavers go, for one reason."""

    reason: str  # NO_SUCCESSOR or NO_HOURS
    tier: str
    region: str
    accounts: int
    value: float


@dataclass(frozen=True)
class LeaverOutcome:
    leavers: tuple[str, ...]
    names: tuple[str, ...]
    regions: tuple[str, ...]
    accounts_held: int
    value_held: float
    uncovered: int  # accounts held before that no one covers after
    value_uncovered: float
    groups: tuple[Uncovered, ...]  # the uncovered by reason, tier and region, most valuable first
    uncovered_ids: tuple[str, ...]  # most valuable first
    forced_moves: int
    voluntary_moves: int
    utilisation_max: float
    utilisation_mean: float
    over_capacity: int  # managers above 100 % after the re-plan
    status: str  # the re-plan's: feasible | uncovered | violations
    method: str  # the re-plan's steps: construct, then +chains and +cpsat where they ran

    @property
    def strategic_uncovered(self) -> int:
        return sum(g.accounts for g in self.groups if g.tier == "strategic")

    @property
    def no_successor(self) -> int:
        return sum(g.accounts for g in self.groups if g.reason == NO_SUCCESSOR)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> LeaverOutcome:
        groups = tuple(Uncovered(**g) for g in data["groups"])
        tuples = {k: tuple(data[k]) for k in ("leavers", "names", "regions", "uncovered_ids")}
        return cls(**{**data, **tuples, "groups": groups})


def replan_without(base: Baseline, leavers: tuple[str, ...]) -> LeaverOutcome:
    """The task: `leavers` leave the plan in force; the minimal-change re-plan, summarised."""
    changes = [RemoveManager(kind="remove_manager", manager_id=m) for m in leavers]
    changed = apply_changes(base.dataset, changes, source="robustness").dataset
    result = _replan(changed, base.service, base.settings)
    ev = result.evaluation
    gone = set(leavers)
    held = [a for a, m in base.holder.items() if m in gone]
    # Accounts nobody covered before, or nobody covers even when no one leaves, are no risk of
    # these leavers.
    newly = [a for a in result.uncovered if a in base.holder and a not in base.uncovered_anyway]
    groups: dict[tuple[str, str, str], list[str]] = {}
    by_id = changed.account_by_id
    for account_id in newly:
        why = result.reason_of.get(account_id, "")
        reason = NO_SUCCESSOR if why.startswith("nobody may serve") else NO_HOURS
        key = (reason, base.tier.get(account_id, ""), by_id[account_id].region)
        groups.setdefault(key, []).append(account_id)
    uncovered_groups = sorted(
        (
            Uncovered(reason, tier, region, len(ids), round(sum(base.value[a] for a in ids), 4))
            for (reason, tier, region), ids in groups.items()
        ),
        key=lambda g: (-g.value, g.reason, g.tier, g.region),
    )
    managers = changed.manager_by_id
    util = np.array(
        [m.utilisation for m in ev.managers if m.active and m.utilisation is not None], dtype=float
    )
    return LeaverOutcome(
        leavers=tuple(leavers),
        names=tuple(managers[m].name or m for m in leavers),
        regions=tuple(managers[m].region for m in leavers),
        accounts_held=len(held),
        value_held=round(sum(base.value[a] for a in held), 4),
        uncovered=len(newly),
        value_uncovered=round(sum(base.value[a] for a in newly), 4),
        groups=tuple(uncovered_groups),
        uncovered_ids=tuple(newly),
        forced_moves=int(ev.moves["forced"]),
        voluntary_moves=int(ev.moves["voluntary"]),
        utilisation_max=round(float(util.max()), 4) if util.size else 0.0,
        utilisation_mean=round(float(util.mean()), 4) if util.size else 0.0,
        over_capacity=int((util > 1.0 + 1e-9).sum()),
        status=result.status,
        method=result.method,
    )


def replan_cost(base: Baseline, leavers: Sequence[str]) -> float:
    """An estimate of how long the re-plan after `leavers` go takes, to start the longest first
    and batch the short ones (`planner.batching`; only the order and ratios matter): the hours a
    month of work they leave to place, plus a fixed part every re-plan has (copying and scoring
    the data set). A weak guide: the long re-plans are those whose quick start leaves something
    for CP-SAT, which no simple figure foretells. Measured on 5,000 x 150 (148 leavers): rank
    correlation with the re-plan's time 0.35 for the hours, 0.39 for the strategic accounts held,
    -0.14 for the number of accounts; with batches planned by the hours, the 2-worker wall
    time worked out from the measured times is within 1 % of the ideal, 3 % with no estimate."""
    return FIXED_REPLAN_HOURS + sum(base.hours.get(m, 0.0) for m in leavers)


def _replan(dataset: Dataset, service: dict[str, str], settings: ReplanSettings) -> Replanned:
    # A deterministic re-plan counts work, not seconds; the clock only guards against a runaway.
    guard = (
        Budget(max(60.0, DETERMINISTIC_GUARD * settings.time_limit_seconds))
        if settings.deterministic
        else None
    )
    return replan(
        dataset,
        settings.max_moves,
        settings.time_limit_seconds,
        service=service,
        budget=guard,
        deterministic=settings.deterministic,
    )


def leaver_sets(
    dataset: Dataset, size: int, sample: int | None = None, seed: int = 0
) -> list[tuple[str, ...]]:
    """Every active manager (size 1) or every pair of them (size 2), or `sample` of those drawn
    without replacement with `seed`; in id order either way."""
    if size not in (1, 2):
        raise ValueError(f"--leavers must be 1 or 2 (got {size})")
    ids = sorted(m.manager_id for m in dataset.active_managers)
    if len(ids) < size + 1:
        raise ValueError(f"{len(ids)} active manager(s): too few for {size} to leave and someone to stay")
    if sample is not None and sample < 1:
        raise ValueError(f"--sample must be at least 1 (got {sample})")
    total = math.comb(len(ids), size)
    if sample is None or sample >= total:
        return list(combinations(ids, size))
    rng = np.random.default_rng(seed)
    if size == 1:
        picked = rng.choice(len(ids), size=sample, replace=False)
        return sorted((ids[int(i)],) for i in picked)
    # Pairs by rank, so no list of every pair is built (150 managers: 11,175 pairs).
    ranks = rng.choice(total, size=sample, replace=False)
    return sorted(_pair_of_rank(int(r), len(ids), ids) for r in ranks)


def task_key(leavers: Sequence[str]) -> str:
    return "leave-" + "+".join(leavers)


def _pair_of_rank(rank: int, n: int, ids: list[str]) -> tuple[str, str]:
    """The `rank`-th pair (i < j) in the order of itertools.combinations."""
    for i in range(n - 1):
        row = n - 1 - i
        if rank < row:
            return ids[i], ids[i + 1 + rank]
        rank -= row
    raise ValueError("pair rank out of range")
