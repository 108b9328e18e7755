"""A Lagrangian heuristic with a column pool: plans that move accounts across several managers at once.

Under scarcity a strategic account takes about 28 h of a 100-120 h month; placing it well pushes
key accounts out of that manager's month and into another's, a move across several managers at
once that one-manager-at-a-time sweeps (`knapsack_sweep`) and neighbourhood MIPs (`rins`) make
slowly. Each step of the Lagrangian bound (`planner.solvers.lagrange`) already solves, for every
manager, an exact knapsack over that manager's options: a month that fits, chosen at the current
account prices. Kept as columns (with each manager's month in the best plan), they are the
pieces of a restricted master MIP:

    min  Σ_p cost_p x_p + Σ_u unserved_u y_u
    s.t. Σ_{c of agent m} z_c <= 1               (one month per manager)
         x_p <= Σ_{c holding p} z_c              (an option only within its manager's chosen month)
         Σ_{p of u} x_p + y_u = 1                (each account served once, or unserved)
         z, x, y binary

so the cost of a month is the sum of its options' costs, and any part of a chosen month may be
used: a part of a month that fits still fits. Taking whole months only (each account covered
exactly once) left the master nothing to do on the large regions of the 3,000 x 80 set: the
knapsacks' months at the LP's prices overlap, and no mix of whole months beat the start. The
best plan is a solution of the master (its own months), given to HiGHS as its start, so the
master never returns a worse plan.

The master knows pair and unserved costs only: the balance and peer-spread terms (dropped in the
regions of `planner.solvers.shortfall`) are left to the caller, which scores every plan with the
problem's own `objective_of` and `satisfies`.
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass

import numpy as np
from ortools.math_opt import model_pb2, result_pb2
from pybind11_abseil.status import StatusNotOk

from planner.budget import Budget
from planner.problem import AssignmentProblem
from planner.solvers.cpsat import satisfies
from planner.solvers.lagrange import AgentKnapsacks, Evaluation, lagrangian_bound, plan_from
from planner.solvers.lp_bound import dense_values, solve_proto
from planner.solvers.rins import Choice
from planner.solvers.value_first import value_first

log = logging.getLogger(__name__)

PRICING_SHARE = 0.5  # of the time, for the Lagrangian steps that fill the pool; the rest for the master
MIN_MASTER_SECONDS = 0.3
# Every this many Lagrangian steps, the knapsacks' sets are made a plan (a value-first fill,
# 0.26 s on the 11,566-option region, as long as a step there).
REPAIR_EVERY = 2


@dataclass(frozen=True)
class PoolOutcome:
    choice: Choice  # the best plan met (the start, a repaired plan, the master's), valid
    objective: float  # of `choice` by the problem's `objective_of`
    columns: int
    rejected: int  # knapsack sets that broke a rule the knapsack prices only (hours steps, limits)
    evaluations: int  # Lagrangian steps
    reason: str  # HiGHS' termination on the master
    bound: float | None  # the Lagrangian bound met on the way (a bound of the problem)
    seconds: float


def usable(problem: AssignmentProblem) -> bool:
    """The master keeps the rules held within one manager's month; rules across managers (a move
    budget, a lower load, exclusive rows) it does not write, so it is not used with them."""
    return problem.max_moves is None and problem.lower is None and not problem.has_exclusive


class ColumnPool:
    """Distinct (agent, set of options) that keep that agent's hours and limits, one option per unit."""

    def __init__(self, problem: AssignmentProblem) -> None:
        self.problem = problem
        self.agent: list[int] = []
        self.pairs: list[np.ndarray] = []
        self.rejected = 0
        self._seen: set[tuple[int, bytes]] = set()
        self._use = problem.resource_use()  # (1 + R, P): hours, then each limit
        self._room = problem.resource_room()  # (1 + R, M)

    def __len__(self) -> int:
        return len(self.pairs)

    def add(self, agent: int, pairs: np.ndarray) -> bool:
        """Keeps the set if it is new and fits the agent; True if kept."""
        pairs = np.unique(np.asarray(pairs, dtype=np.int64))
        if pairs.size == 0:
            return False  # an idle month is no column: the agent's row allows none
        key = (int(agent), pairs.tobytes())
        if key in self._seen:
            return False
        p = self.problem
        fits = (
            bool((p.pair_agent[pairs] == agent).all())
            and np.unique(p.pair_unit[pairs]).size == pairs.size
            and bool((self._use[:, pairs].sum(axis=1) <= self._room[:, agent]).all())
        )
        if not fits:
            self.rejected += 1
            return False
        self._seen.add(key)
        self.agent.append(int(agent))
        self.pairs.append(pairs)
        return True

    def add_sets(self, chosen: np.ndarray) -> int:
        """Each agent's options among `chosen` as one column; how many were new."""
        chosen = np.asarray(chosen, dtype=np.int64)
        agents = self.problem.pair_agent[chosen]
        return sum(self.add(int(m), chosen[agents == m]) for m in np.unique(agents).tolist())

    def add_plan(self, choice: Choice) -> int:
        pairs = self.problem.pair_index(*choice)
        return self.add_sets(pairs[pairs >= 0])

    def master(self, budget: Budget, start: Choice | None = None) -> tuple[Choice | None, str]:
        """HiGHS on the restricted master within `budget`, from `start` (whose months must be in
        the pool). Returns its plan if it keeps every rule, and HiGHS' termination reason."""
        p = self.problem
        if not self.pairs:
            return None, "no columns"
        proto, options = self._proto()
        hint = None if start is None else self._hint(start, options)
        try:
            answer = solve_proto(proto, budget, hint=hint, exact_gap=True)
        except StatusNotOk as exc:
            log.warning("column master refused: %s", exc)
            return None, "refused"
        reason = result_pb2.TerminationReasonProto.Name(answer.termination.reason)
        reason = reason.removeprefix("TERMINATION_REASON_").lower()
        if not answer.solutions or not answer.solutions[0].HasField("primal_solution"):
            return None, reason
        n_cols = len(self.pairs)
        values = dense_values(answer.solutions[0].primal_solution.variable_values, n_cols + options.size)
        found = p.read_choice(options[values[n_cols : n_cols + options.size] > 0.5])
        # HiGHS works in floating point: only a plan that keeps every rule exactly counts.
        if not satisfies(p, *found):
            log.warning("column master returned a plan that breaks a rule; ignored")
            return None, reason
        return found, reason

    def _proto(self) -> tuple[model_pb2.ModelProto, np.ndarray]:
        """Variables z (one per column), x (one per option in some column), then y (one per unit,
        when units may stay unserved); rows: one per agent (at most one month), one per option
        (only within the agent's chosen month), one per unit (one option, or unserved).
        Returns the model and the options, in x's order."""
        p = self.problem
        C, U, M = len(self.pairs), p.n_units, p.n_agents
        sizes = np.fromiter((c.size for c in self.pairs), dtype=np.int64, count=C)
        flat = np.concatenate(self.pairs)
        options, where = np.unique(flat, return_inverse=True)
        Q = options.size
        x0, y0 = C, C + Q
        n_vars = y0 + (U if p.unassigned_cost is not None else 0)
        agent_rows, link0, unit0 = 0, M, M + Q
        rows = [
            agent_rows + np.asarray(self.agent, dtype=np.int64),  # z in its agent's row
            link0 + where,  # -z in the row of each option of its month
            link0 + np.arange(Q),  # x in its own row
            unit0 + p.pair_unit[options],  # x in its unit's row
        ]
        cols = [np.arange(C), np.repeat(np.arange(C), sizes), x0 + np.arange(Q), x0 + np.arange(Q)]
        coefs = [np.ones(C), -np.ones(flat.size), np.ones(Q), np.ones(Q)]
        if p.unassigned_cost is not None:
            rows.append(unit0 + np.arange(U))
            cols.append(y0 + np.arange(U))
            coefs.append(np.ones(U))
        r, c, v = np.concatenate(rows), np.concatenate(cols), np.concatenate(coefs)
        order = np.lexsort((c, r))  # MathOpt wants the matrix sorted row-major

        proto = model_pb2.ModelProto(name="column-master")
        proto.variables.ids.extend(range(n_vars))
        proto.variables.lower_bounds.extend([0.0] * n_vars)
        proto.variables.upper_bounds.extend([1.0] * n_vars)
        proto.variables.integers.extend([True] * n_vars)
        obj = np.zeros(n_vars)
        obj[x0:y0] = p.pair_cost[options]
        if p.unassigned_cost is not None:
            obj[y0:] = p.unassigned_cost
        nz = np.nonzero(obj)[0]
        proto.objective.linear_coefficients.ids.extend(nz.tolist())
        proto.objective.linear_coefficients.values.extend(obj[nz].tolist())
        # A unit with no option in the pool and no unserved column makes the master infeasible,
        # which HiGHS says (no plan comes back).
        proto.linear_constraints.ids.extend(range(M + Q + U))
        proto.linear_constraints.lower_bounds.extend([-math.inf] * (M + Q) + [1.0] * U)
        proto.linear_constraints.upper_bounds.extend([1.0] * M + [0.0] * Q + [1.0] * U)
        proto.linear_constraint_matrix.row_ids.extend(r[order].tolist())
        proto.linear_constraint_matrix.column_ids.extend(c[order].tolist())
        proto.linear_constraint_matrix.coefficients.extend(v[order].tolist())
        return proto, options

    def _hint(self, start: Choice, options: np.ndarray) -> dict[int, float] | None:
        """`start` as a complete master solution: its months' z, its options' x and its unserved
        units' y at 1; None if a month of it is not in the pool."""
        p = self.problem
        n_cols = len(self.pairs)
        pairs = p.pair_index(*start)
        used = np.unique(pairs[pairs >= 0])
        index = {
            key: c for c, key in enumerate(zip(self.agent, (c.tobytes() for c in self.pairs), strict=True))
        }
        hint = dict.fromkeys(range(n_cols + options.size), 0.0)
        for m in np.unique(p.pair_agent[used]).tolist():
            c = index.get((m, used[p.pair_agent[used] == m].tobytes()))
            if c is None:
                return None
            hint[c] = 1.0
        for q in np.searchsorted(options, used).tolist():
            hint[n_cols + q] = 1.0
        if p.unassigned_cost is not None:
            y0 = n_cols + options.size
            for u in range(p.n_units):
                hint[y0 + u] = float(pairs[u] < 0)
        return hint


def improve_by_columns(
    problem: AssignmentProblem,
    row_dual: np.ndarray,
    start: Choice,
    limit: Budget | float,
    pricing_share: float = PRICING_SHARE,
) -> PoolOutcome:
    """Lagrangian steps from the LP's row duals (`LpBound.row_dual`) fill a pool with every
    manager's knapsack month and, every `REPAIR_EVERY` steps, the months of the knapsacks' sets
    made a plan (`plan_from`, then value first fills the rest); then the master picks the best
    mix of them and `start`'s months, within `limit`. `start` must keep every rule; the plan
    returned is never worse than it, nor than the repaired plans."""
    began = time.perf_counter()
    budget = Budget.of(limit)
    best: Choice = start
    best_value = float(problem.objective_of(*start))
    pool = ColumnPool(problem)
    pool.add_plan(start)
    pricing = budget.child(budget.remaining() * pricing_share)
    seen = [0]

    def keep(evaluation: Evaluation) -> None:
        nonlocal best, best_value
        pool.add_sets(evaluation.chosen)
        seen[0] += 1
        if seen[0] % REPAIR_EVERY or pricing.expired():
            return
        # The knapsacks' months alone leave the hours the LP's prices value at nothing empty
        # (their options' profit is 0): on the 11,566-option region no mix of them and the
        # start's months beat the start. Their repaired plans fill those hours.
        repaired = value_first(problem, fixed=plan_from(problem, evaluation.chosen), budget=pricing)
        if not satisfies(problem, *repaired):
            return
        pool.add_plan(repaired)
        value = float(problem.objective_of(*repaired))
        if value < best_value:
            best, best_value = repaired, value

    found = lagrangian_bound(
        problem,
        row_dual,
        best_value,
        pricing,
        max_iterations=100_000,
        knapsacks=AgentKnapsacks(problem),
        on_evaluation=keep,
    )
    choice: Choice = best
    objective = best_value
    reason = "no time"
    if budget.remaining() >= MIN_MASTER_SECONDS:
        mixed, reason = pool.master(budget, best)
        if mixed is not None:
            value = float(problem.objective_of(*mixed))
            if value < objective:  # never worse: HiGHS may stop before its start is back in
                choice, objective = mixed, value
    return PoolOutcome(
        choice,
        objective,
        len(pool),
        pool.rejected,
        found.iterations,
        reason,
        found.bound,
        round(time.perf_counter() - began, 3),
    )
