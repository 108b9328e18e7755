"""The one linear model of an AssignmentProblem, as a MathOpt ModelProto built from numpy
arrays (building 100,000+ variables through a Python expression API costs more than the solve).

Every linear backend reads it: the LP bound and the neighbourhood MIP (HiGHS, through MathOpt),
the GAP engine's HiGHS phase, and CBC (as MPS, `solvers.cbc`). CP-SAT's writer
(`solvers.cpsat.build_model`) writes the same rows in its own format; the property tests hold
the two to the same optima.
"""

from __future__ import annotations

import math

import numpy as np
from ortools.math_opt import model_pb2

from planner.problem import UTIL_SCALE, AssignmentProblem


def relaxation_proto(
    problem: AssignmentProblem, integer: bool = False, integer_balance: bool = False
) -> model_pb2.ModelProto:
    """The model of `planner.problem` with x (and y) in [0, 1]; with `integer`, the MIP itself.
    This is the one linear model definition: the LP bound, the neighbourhood MIP (HiGHS) and the
    CBC backend (as MPS) all read it; CP-SAT's writer (solvers.cpsat) has the same rows.

    Variables in order: x (one per pair), y (one per unit, when units may stay unassigned),
    then U_max and U_min (when balanced), integer too with `integer_balance` (the exact
    objective; the neighbourhood MIP keeps them continuous, which HiGHS solves faster), then
    V_max and V_min of each peer-spread group (`problem.spread_groups()`), then U_max and U_min
    of every further balance group (`problem.balance_groups()`: account teams balance each role
    apart). The further groups come last so that every index before them is where it was
    before there were several: a MIP start written for one group (`solvers.rins`) still fits."""
    P, U, M = problem.n_pairs, problem.n_units, problem.n_agents
    cols: list[np.ndarray] = []  # (row, column, coefficient) blocks of the matrix
    rows: list[np.ndarray] = []
    coefs: list[np.ndarray] = []
    lower: list[float] = []
    upper: list[float] = []
    pairs = np.arange(P)

    # Variables: x (P), then y (U) if units may stay unassigned, then U_max, U_min if balanced.
    n_vars = P
    y0 = n_vars
    if problem.unassigned_cost is not None:
        n_vars += U
    groups = problem.balance_groups()
    balance = bool(groups)
    u_max, u_min = n_vars, n_vars + 1
    if balance:
        n_vars += 2
    # Then V_max, V_min per peer-spread group (problem.spread_groups()), continuous: at an optimum
    # they sit on the group's integer extremes.
    spreads = problem.spread_groups()
    v0 = n_vars
    n_vars += 2 * len(spreads)
    # Then U_max, U_min of the balance groups after the first (account teams: one per role).
    balance_vars = [(u_max, u_min)] + [(n_vars + 2 * k, n_vars + 2 * k + 1) for k in range(len(groups) - 1)]
    n_vars += 2 * max(len(groups) - 1, 0)

    # One row per unit: sum x (+ y) = 1.
    rows.append(problem.pair_unit)
    cols.append(pairs)
    coefs.append(np.ones(P))
    if problem.unassigned_cost is not None:
        rows.append(np.arange(U))
        cols.append(y0 + np.arange(U))
        coefs.append(np.ones(U))
    lower += [1.0] * U
    upper += [1.0] * U
    row = U

    # One row per agent: lower band <= load <= capacity.
    rows.append(row + problem.pair_agent)
    cols.append(pairs)
    coefs.append(problem.pair_weight.astype(float))
    low = problem.lower if problem.lower is not None else np.zeros(M)
    lower += np.asarray(low, dtype=float).tolist()
    upper += problem.capacity.astype(float).tolist()
    row += M

    for k in range(len(problem.limit_names)):  # every registered manager limit
        capped = np.nonzero(problem.uppers[k] >= 0)[0]
        if capped.size == 0:
            continue
        where = np.full(M, -1)
        where[capped] = row + np.arange(capped.size)
        keep = where[problem.pair_agent] >= 0
        rows.append(where[problem.pair_agent[keep]])
        cols.append(pairs[keep])
        coefs.append(problem.uses[k, keep].astype(float))
        lower += [-math.inf] * capped.size
        upper += problem.uppers[k, capped].astype(float).tolist()
        row += capped.size

    if problem.max_moves is not None and problem.pair_moves is not None:
        moving = np.nonzero(problem.pair_moves)[0]
        rows.append(np.full(moving.size, row))
        cols.append(moving)
        coefs.append(problem.pair_moves[moving].astype(float))
        lower.append(-math.inf)
        upper.append(float(problem.max_moves))
        row += 1

    for members in problem.exclusive_rows():  # account teams: one role per person per account
        rows.append(np.full(members.size, row))
        cols.append(members)
        coefs.append(np.ones(members.size))
        lower.append(-math.inf)
        upper.append(1.0)
        row += 1

    cap = problem.capacity_for_balance().astype(float)

    def balance_rows(k: int) -> None:
        # S load - cap U_max <= 0 and S load - cap U_min >= 0, one row each per agent of group k.
        nonlocal row
        agents = groups[k]
        for u_var, lo, hi in zip(balance_vars[k], (-math.inf, 0.0), (0.0, math.inf), strict=True):
            where = np.full(M, -1)
            where[agents] = row + np.arange(agents.size)
            keep = where[problem.pair_agent] >= 0
            rows.extend([where[problem.pair_agent[keep]], where[agents]])
            cols.extend([pairs[keep], np.full(agents.size, u_var)])
            coefs.extend([UTIL_SCALE * problem.pair_weight[keep].astype(float), -cap[agents]])
            lower.extend([lo] * agents.size)
            upper.extend([hi] * agents.size)
            row += agents.size

    if balance:
        balance_rows(0)

    for k, (term, agents) in enumerate(spreads):
        assert problem.spread_use is not None
        use = problem.spread_use[term, problem.pair_unit].astype(float)
        # carried - V_max <= 0 and carried - V_min >= 0, one row each per agent of the group.
        for var, lo, hi in ((v0 + 2 * k, -math.inf, 0.0), (v0 + 2 * k + 1, 0.0, math.inf)):
            where = np.full(M, -1)
            where[agents] = row + np.arange(agents.size)
            keep = (where[problem.pair_agent] >= 0) & (use != 0)
            rows += [where[problem.pair_agent[keep]], where[agents]]
            cols += [pairs[keep], np.full(agents.size, var)]
            coefs += [use[keep], -np.ones(agents.size)]
            lower += [lo] * agents.size
            upper += [hi] * agents.size
            row += agents.size
    for k in range(1, len(groups)):
        balance_rows(k)

    proto = model_pb2.ModelProto(name="assignment-lp")
    proto.variables.ids.extend(range(n_vars))
    proto.variables.lower_bounds.extend([0.0] * n_vars)
    ub = [1.0] * n_vars
    for u_hi, u_lo in balance_vars[: len(groups)]:
        ub[u_hi] = ub[u_lo] = float(UTIL_SCALE)
    for k, (term, _) in enumerate(spreads):
        assert problem.spread_use is not None
        ub[v0 + 2 * k] = ub[v0 + 2 * k + 1] = float(problem.spread_use[term].sum())
    proto.variables.upper_bounds.extend(ub)
    # Only x and y are integer in the MIP (U_max, U_min too with `integer_balance`): U_max and
    # U_min take the extreme utilisations (and V_max, V_min the extreme counts, integers
    # whenever x is).
    is_integer = [integer] * u_max + [False] * (n_vars - u_max)
    for u_hi, u_lo in balance_vars[: len(groups)]:
        is_integer[u_hi] = is_integer[u_lo] = integer and integer_balance
    proto.variables.integers.extend(is_integer)

    obj = np.zeros(n_vars)
    obj[:P] = problem.pair_cost
    if problem.unassigned_cost is not None:
        obj[y0 : y0 + U] = problem.unassigned_cost
    for u_hi, u_lo in balance_vars[: len(groups)]:
        obj[u_hi], obj[u_lo] = problem.balance_coef, -problem.balance_coef
    for k, (term, _) in enumerate(spreads):
        assert problem.spread_coef is not None
        obj[v0 + 2 * k], obj[v0 + 2 * k + 1] = problem.spread_coef[term], -problem.spread_coef[term]
    nz = np.nonzero(obj)[0]
    proto.objective.linear_coefficients.ids.extend(nz.tolist())
    proto.objective.linear_coefficients.values.extend(obj[nz].tolist())

    proto.linear_constraints.ids.extend(range(row))
    proto.linear_constraints.lower_bounds.extend(lower)
    proto.linear_constraints.upper_bounds.extend(upper)
    r = np.concatenate(rows)
    c = np.concatenate(cols)
    v = np.concatenate(coefs)
    order = np.lexsort((c, r))  # MathOpt wants the matrix sorted row-major
    proto.linear_constraint_matrix.row_ids.extend(r[order].tolist())
    proto.linear_constraint_matrix.column_ids.extend(c[order].tolist())
    proto.linear_constraint_matrix.coefficients.extend(v[order].tolist())
    return proto
