"""OR-Tools CP-SAT backend: the default.

The model is `planner.problem`'s formulation verbatim. CP-SAT gets the current
assignment as a solution hint, so a re-plan starts from today's plan and the
first solution it reports is usually a minimal-change one.
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass, replace

import numpy as np
from ortools.sat.python import cp_model

from planner.problem import UTIL_SCALE, AssignmentProblem
from planner.solvers.base import Progress, SolveOptions, SolveResult, Status, cancelled_note
from planner.solvers.construct import construct_choice
from planner.solvers.decompose import cheapest_bound

log = logging.getLogger(__name__)


@dataclass
class CpModel:
    model: cp_model.CpModel
    n_pairs: int  # pair variables are proto indices 0 .. n_pairs-1
    # Constraint group name -> proto index of its enforcement literal; only with assumptions=True.
    switches: dict[str, int]


# Writing and parsing the model, per pair (about 5 s at 800,000 pairs, measured at 20,000 x 500).
BUILD_SECONDS_PER_PAIR = 6e-6
STOP_SECONDS_PER_PAIR = 2.5e-6  # how late CP-SAT stops past its limit, per pair (2 s at 800,000)
_FREE_LOW = -(2**60)  # "no lower bound" that stays clear of CP-SAT's overflow checks


def build_model(problem: AssignmentProblem, assumptions: bool = False) -> CpModel:
    """The CP-SAT model of `planner.problem`, written as one text-format proto.

    Building a million-variable model through the Python API costs a Python call per
    variable, coefficient and hint (20+ s at 20,000 x 500); writing the proto's text
    with bulk string joins and letting C++ parse it takes a few seconds.

    With `assumptions`, each side constraint gets an enforcement literal that is also
    an assumption, so an infeasibility core can name the constraints in conflict.
    """
    w = _ProtoWriter()
    P, U = problem.n_pairs, problem.n_units
    w.bool_vars(P)
    y0 = w.n_vars
    if problem.unassigned_cost is not None:
        w.bool_vars(U)
    switches: dict[str, int] = {}

    def switch(name: str) -> int | None:
        if not assumptions:
            return None
        switches[name] = w.bool_vars(1)
        return switches[name]

    for u, pairs in enumerate(problem.pairs_of_unit()):
        lits = pairs.tolist()
        if problem.unassigned_cost is not None:
            lits.append(y0 + u)
        w.exactly_one(lits)

    order = np.argsort(problem.pair_agent, kind="stable")
    bounds = np.searchsorted(problem.pair_agent[order], np.arange(problem.n_agents + 1))
    # One load variable per agent: capacity, band and balance rows then name a single
    # variable instead of repeating the agent's pair list three more times.
    load_var = np.full(problem.n_agents, -1, dtype=np.int64)
    for a in range(problem.n_agents):
        pairs = order[bounds[a] : bounds[a + 1]]
        if pairs.size == 0:
            if problem.lower is not None and problem.lower[a] > 0:
                w.linear([], [], 1, 1, switch(f"utilisation_band[{a}]"))  # 0 >= lower > 0: cannot hold
            continue
        weights = problem.pair_weight[pairs]
        total = int(weights.sum())
        load_var[a] = w.int_var(0, total)
        w.linear(np.append(pairs, load_var[a]), np.append(weights, -1), 0, 0)
        if problem.capacity[a] < total:
            w.linear([load_var[a]], [1], 0, int(problem.capacity[a]), switch(f"capacity_hours[{a}]"))
        if problem.lower is not None and problem.lower[a] > total:
            w.linear([], [], 1, 1, switch(f"utilisation_band[{a}]"))  # even every eligible unit falls short
        elif problem.lower is not None and problem.lower[a] > 0:
            w.linear([load_var[a]], [1], int(problem.lower[a]), total, switch(f"utilisation_band[{a}]"))
        for r, name in enumerate(problem.limit_names):  # every registered manager limit
            use, upper = problem.uses[r, pairs], int(problem.uppers[r, a])
            if 0 <= upper < int(use.sum()):
                on = use > 0
                w.linear(pairs[on], use[on], 0, upper, switch(f"{name}[{a}]"))

    if problem.max_moves is not None and problem.pair_moves is not None:
        moving = np.nonzero(problem.pair_moves)[0]
        w.linear(moving, problem.pair_moves[moving], 0, int(problem.max_moves), switch("max_moves"))

    for members in problem.exclusive_rows():  # account teams: one role per person per account
        w.linear(members, np.ones(members.size, dtype=np.int64), 0, 1)

    balance_vars: list[int] = []
    obj_vars = [np.arange(P)]
    obj_coefs = [problem.pair_cost]
    if problem.unassigned_cost is not None:
        obj_vars.append(np.arange(y0, y0 + U))
        obj_coefs.append(problem.unassigned_cost)
    for agents in problem.balance_groups():  # one group, or one per role (account teams)
        cap = problem.capacity_for_balance()
        top = int(max(UTIL_SCALE * int(problem.pair_weight.sum()) // max(int(cap.min()), 1) + 1, UTIL_SCALE))
        u_max = w.int_var(0, top)
        u_min = w.int_var(0, top)
        balance_vars += [u_max, u_min]
        for a in agents.tolist():
            if load_var[a] < 0:
                w.linear([u_min], [1], 0, 0)  # an agent nobody may use sits at 0 % utilisation
                continue
            # UTIL_SCALE * load <= cap * u_max   and   UTIL_SCALE * load >= cap * u_min
            w.linear([load_var[a], u_max], [UTIL_SCALE, -int(cap[a])], _FREE_LOW, 0)
            w.linear([load_var[a], u_min], [UTIL_SCALE, -int(cap[a])], 0, -_FREE_LOW)
        obj_vars.append(np.array([u_max, u_min]))
        obj_coefs.append(np.array([problem.balance_coef, -problem.balance_coef]))
    spread_vars: list[int] = []
    for term, agents in problem.spread_groups():  # peer spreads: carried within [V_min, V_max]
        assert problem.spread_use is not None and problem.spread_coef is not None
        v_max = w.int_var(0, int(problem.spread_use[term].sum()))
        v_min = w.int_var(0, int(problem.spread_use[term].sum()))
        for a in agents.tolist():
            pairs = order[bounds[a] : bounds[a + 1]]
            use = problem.spread_use[term, problem.pair_unit[pairs]]
            on = use > 0
            w.linear(np.append(pairs[on], v_max), np.append(use[on], -1), _FREE_LOW, 0)
            w.linear(np.append(pairs[on], v_min), np.append(use[on], -1), 0, -_FREE_LOW)
        spread_vars += [v_max, v_min]
        coef = int(problem.spread_coef[term])
        obj_vars.append(np.array([v_max, v_min]))
        obj_coefs.append(np.array([coef, -coef]))
    w.objective(np.concatenate(obj_vars), np.concatenate(obj_coefs))

    if not assumptions and problem.hint is not None:
        _write_hint(w, problem, y0, load_var, balance_vars, spread_vars)
    if assumptions:
        w.assumptions(list(switches.values()))
    model = cp_model.CpModel()
    model.proto.merge_text_format(w.text())
    return CpModel(model, P, switches)


def _write_hint(
    w: _ProtoWriter,
    problem: AssignmentProblem,
    y0: int,
    load_var: np.ndarray,
    balance_vars: list[int],
    spread_vars: list[int] | None = None,
) -> None:
    """Hint every variable, not just the pairs: CP-SAT uses a complete hint as a first
    solution at once, while completing a partial one can fail on a large model."""
    assert problem.hint is not None
    chosen = problem.hint[problem.pair_unit] == problem.pair_agent
    if problem.pair_level is not None:
        hinted = np.zeros(problem.n_units, np.int64) if problem.hint_level is None else problem.hint_level
        chosen &= hinted[problem.pair_unit] == problem.pair_level
    variables = [np.arange(problem.n_pairs)]
    values = [chosen.astype(np.int64)]
    if problem.unassigned_cost is not None:
        variables.append(np.arange(y0, y0 + problem.n_units))
        values.append((problem.hint < 0).astype(np.int64))
    load = np.bincount(
        problem.pair_agent[chosen], weights=problem.pair_weight[chosen], minlength=problem.n_agents
    )
    load = load.astype(np.int64)
    has = load_var >= 0
    variables.append(load_var[has])
    values.append(load[has])
    if balance_vars:
        variables.append(np.array(balance_vars))
        values.append(np.array([v for pair in problem.balance_extremes(load) for v in pair], dtype=np.int64))
    if spread_vars:
        held = np.full(problem.n_units, -1, dtype=np.int64)
        held[problem.pair_unit[chosen]] = problem.pair_agent[chosen]
        variables.append(np.array(spread_vars))
        values.append(np.array([v for pair in problem.spread_extremes(held) for v in pair], dtype=np.int64))
    w.hint(np.concatenate(variables), np.concatenate(values))


class _ProtoWriter:
    """Accumulates CpModelProto text format; numbers are joined in bulk."""

    def __init__(self) -> None:
        self.n_vars = 0
        self._vars: list[str] = []
        self._cons: list[str] = []
        self._tail: list[str] = []

    def bool_vars(self, count: int) -> int:
        first = self.n_vars
        self._vars.append("variables { domain: [0, 1] }\n" * count)
        self.n_vars += count
        return first

    def int_var(self, low: int, high: int) -> int:
        self._vars.append(f"variables {{ domain: [{low}, {high}] }}\n")
        self.n_vars += 1
        return self.n_vars - 1

    def exactly_one(self, lits: list[int]) -> None:
        self._cons.append(f"constraints {{ exactly_one {{ literals: [{_join(lits)}] }} }}\n")

    def linear(self, variables, coefs, low: int, high: int, enforce: int | None = None) -> None:
        enforcement = f"enforcement_literal: [{enforce}] " if enforce is not None else ""
        self._cons.append(
            f"constraints {{ {enforcement}linear {{ vars: [{_join(variables)}] coeffs: [{_join(coefs)}] "
            f"domain: [{low}, {high}] }} }}\n"
        )

    def objective(self, variables: np.ndarray, coefs: np.ndarray) -> None:
        self._tail.append(f"objective {{ vars: [{_join(variables)}] coeffs: [{_join(coefs)}] }}\n")

    def hint(self, variables: np.ndarray, values: np.ndarray) -> None:
        self._tail.append(f"solution_hint {{ vars: [{_join(variables)}] values: [{_join(values)}] }}\n")

    def assumptions(self, lits: list[int]) -> None:
        self._tail.append(f"assumptions: [{_join(lits)}]\n")

    def text(self) -> str:
        return "".join(self._vars) + "".join(self._cons) + "".join(self._tail)


def _join(values) -> str:
    return ", ".join(map(str, np.asarray(values, dtype=np.int64).tolist()))


class _Progress(cp_model.CpSolverSolutionCallback):
    def __init__(self, options: SolveOptions, start: float):
        super().__init__()
        self._options = options
        self._start = start
        self.best_time: float | None = None

    def on_solution_callback(self) -> None:
        self.best_time = time.perf_counter() - self._start
        if self._options.on_progress is not None:
            self._options.on_progress(
                Progress(self.best_time, self.objective_value, self.best_objective_bound)
            )


def configure(solver: cp_model.CpSolver, options: SolveOptions) -> None:
    params = solver.parameters
    wall = options.budget.limit_seconds() if options.budget is not None else options.time_limit_seconds
    params.max_time_in_seconds = float(wall)
    params.num_workers = int(options.threads)
    params.random_seed = int(options.seed)
    if options.deterministic:
        # One worker, stopped by deterministic time (work done, not seconds passed): a rerun
        # stops at the same point of the same search however loaded the machine is; the
        # limit is then `time_limit_seconds`, not the budget's clock. The wall clock only
        # guards against a runaway: 10x the limit, at least 60 s.
        params.num_workers = 1
        params.max_deterministic_time = float(options.time_limit_seconds)
        params.max_time_in_seconds = max(60.0, 10.0 * float(options.time_limit_seconds))
    params.relative_gap_limit = float(options.relative_gap)
    params.log_search_progress = bool(options.log)
    # Ctrl-C is the caller's. CP-SAT would catch it, end the search and return it as an
    # ordinary result (an interrupted plan written as if finished), then leave SIGINT at its
    # default action, so a later Ctrl-C kills the process without any clean-up.
    params.catch_sigint_signal = False


class CpSatSolver:
    name = "cpsat"

    def supports(self, problem: AssignmentProblem) -> str | None:
        return None

    def solve(self, problem: AssignmentProblem, options: SolveOptions) -> SolveResult:
        start = time.perf_counter()
        options = options.clock()
        # A complete feasible hint lets CP-SAT start improving at once instead of searching
        # for a first solution, which at 20,000 accounts can take longer than the limit.
        # The start is checked once (a rule check and a score: 35 ms at 1.5 M options), here,
        # and that verdict serves the fall-backs below.
        valid_start = given_start(problem)
        if valid_start is None:
            hint, hint_level = construct_choice(problem, budget=options.timer)
            problem = replace(problem, hint=hint, hint_level=hint_level)
            valid_start = given_start(problem)
        budget = options.timer
        if not options.deterministic and budget.remaining() < BUILD_SECONDS_PER_PAIR * problem.n_pairs:
            # Building the model alone would overrun the limit (seconds at 800,000 pairs), and
            # CP-SAT would then barely take up its start: the start is the answer if valid.
            stopped = SolveResult(Status.TIMEOUT, self.name, None, None, None, time.perf_counter() - start)
            result = _fall_back_to_hint(
                problem, valid_start, stopped, "no time left to build the CP-SAT model"
            )
            if result.status.has_solution:
                return cancelled_note(result, budget)
        result = self._solve_once(problem, options, start)
        if not result.status.has_solution and result.status != Status.INFEASIBLE:
            result = _fall_back_to_hint(problem, valid_start, result)
        elif _hint_beats(problem, valid_start, result):
            # CP-SAT may drop a hint it cannot complete and search afresh; the start it was
            # given is the better plan then (a guard: not seen with this writer's complete hints).
            result = _fall_back_to_hint(
                problem, valid_start, result, "the search found no plan as good as its start"
            )
        return cancelled_note(result, options.timer)

    def _solve_once(self, problem: AssignmentProblem, options: SolveOptions, start: float) -> SolveResult:
        """One CP-SAT run within options' budget; `start` only anchors reported times."""
        entered = time.perf_counter()
        built = build_model(problem)
        build_seconds = time.perf_counter() - entered
        if not options.deterministic and options.timer.remaining() < STOP_SECONDS_PER_PAIR * built.n_pairs:
            # Building took the time (7 s at 800,000 pairs on a loaded machine): CP-SAT would spend
            # seconds loading the model past the deadline (8.9 s measured) and find nothing new.
            return SolveResult(
                Status.TIMEOUT, self.name, None, None, None, time.perf_counter() - start,
                message="no time left for CP-SAT after building its model",
            )  # fmt: skip
        solver = cp_model.CpSolver()
        # However long construction and building took, CP-SAT gets a moment to take up its
        # start: a late phase, within the budget's overrun policy.
        configure(solver, options.within(options.timer.late()))
        if not options.deterministic:
            # CP-SAT notices its limit late on a large model (loading and presolve: 2 s past
            # it at 800,000 pairs, with no branch taken); it is given that much less.
            params = solver.parameters
            params.max_time_in_seconds = max(
                params.max_time_in_seconds - STOP_SECONDS_PER_PAIR * built.n_pairs, 0.01
            )
        callback = _Progress(options, start)
        with options.timer.stop_cpsat(solver):
            code = solver.solve(built.model, callback)
        runtime = time.perf_counter() - start
        stats: dict[str, float | int | str] = {
            "build_seconds": round(build_seconds, 3),
            "variables": built.n_pairs,
            "branches": solver.num_branches,
            "conflicts": solver.num_conflicts,
            "deterministic_time": round(solver.response_proto.deterministic_time, 3),
        }
        if code in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            unit_agent, unit_level = _read(problem, built, solver)
            # The solver's own objective may carry slack in the spread variables when the
            # search stops early; the tight value of the same plan is what the evaluator sees.
            objective = float(problem.objective_of(unit_agent, unit_level))
            # Every objective coefficient is an integer, so the bound may round up.
            bound = float(math.ceil(solver.best_objective_bound - 1e-6))
            if (problem.pair_cost >= 0).all():
                bound = max(bound, 0.0)  # every term is >= 0 (balance: U_max >= U_min)
            proven = code == cp_model.OPTIMAL and objective <= bound
            return SolveResult(
                Status.OPTIMAL if proven else Status.FEASIBLE,
                self.name,
                unit_agent,
                objective,
                min(bound, objective),
                runtime,
                callback.best_time,
                statistics=stats,
                unit_level=unit_level,
            )
        if code == cp_model.INFEASIBLE:
            return SolveResult(Status.INFEASIBLE, self.name, None, None, None, runtime, statistics=stats)
        if code == cp_model.UNKNOWN:
            return SolveResult(
                Status.TIMEOUT,
                self.name,
                None,
                None,
                float(solver.best_objective_bound),
                runtime,
                statistics=stats,
            )
        return SolveResult(
            Status.ERROR, self.name, None, None, None, runtime, message=solver.status_name(code)
        )


def given_start(problem: AssignmentProblem) -> tuple[np.ndarray, np.ndarray | None] | None:
    """The problem's hint (and its levels) as a plan, if it keeps every rule; else None."""
    if problem.hint is None:
        return None
    start = (problem.hint, problem.hint_level)
    return start if satisfies(problem, *start) else None


def _hint_beats(
    problem: AssignmentProblem, start: tuple[np.ndarray, np.ndarray | None] | None, result: SolveResult
) -> bool:
    """Whether `start` (the problem's hint if valid, `given_start`) is strictly better than the result."""
    if result.objective is None or not result.status.has_solution:
        return False
    return start is not None and float(problem.objective_of(*start)) < result.objective


def _fall_back_to_hint(
    problem: AssignmentProblem,
    start: tuple[np.ndarray, np.ndarray | None] | None,
    result: SolveResult,
    why: str = "time ran out in the exact search",
) -> SolveResult:
    """The search ran out of time before it even accepted its start; the start itself (the
    problem's hint if it satisfies every constraint, `given_start`; None if not) is still a
    plan worth returning (never as optimal)."""
    if start is None:
        return result
    hint, hint_level = start
    objective = float(problem.objective_of(hint, hint_level))
    # Without CP-SAT's own, each unit's cheapest option bounds every plan (costs are >= 0).
    bound = min(cheapest_bound(problem) if result.bound is None else result.bound, objective)
    return replace(
        result,
        status=Status.FEASIBLE,
        unit_agent=hint.copy(),
        unit_level=None if hint_level is None else hint_level.copy(),
        objective=objective,
        bound=bound,
        message=f"{why}; this is the constructed start plan",
    )


def satisfies(
    problem: AssignmentProblem, unit_agent: np.ndarray, unit_level: np.ndarray | None = None
) -> bool:
    """Every hard constraint of the problem holds for this unit -> agent (-> level) vector."""
    if (unit_agent < 0).any() and problem.unassigned_cost is None:
        return False
    try:
        pairs = problem.pair_index(unit_agent, unit_level)
    except KeyError:
        return False
    used = pairs[pairs >= 0]
    agents = problem.pair_agent[used]
    load = np.bincount(agents, weights=problem.pair_weight[used], minlength=problem.n_agents)
    if (load > problem.capacity).any():
        return False
    if problem.lower is not None and (load < problem.lower).any():
        return False
    if not problem.limits_hold(used) or not problem.exclusive_hold(used):
        return False
    if problem.max_moves is not None and problem.pair_moves is not None:
        return int(problem.pair_moves[used].sum()) <= problem.max_moves
    return True


def _read(
    problem: AssignmentProblem, built: CpModel, solver: cp_model.CpSolver
) -> tuple[np.ndarray, np.ndarray | None]:
    chosen = np.asarray(list(solver.response_proto.solution), dtype=np.int64)[: built.n_pairs] > 0
    return problem.read_choice(chosen)
