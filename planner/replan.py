"""Minimal-change re-planning after a staff change, fast enough for a synchronous answer.

A staff change is a fact, not a proposal: a manager who left has left. So a re-plan always
returns a plan, and says plainly which accounts it could not cover and why, rather than
refusing the change.

Order of work, cheapest first:
1. Construction (`construct_choice` with the disruption budget): every account keeps the
   manager the plan in force gives it wherever that is still allowed, and its service level
   (a team short of hours serves some accounts at a reduced level: re-planning at full
   service would not fit what fitted before); only the rest is re-placed, with one-step
   ejections and never more voluntary moves than the budget. Most changes end here, in
   milliseconds. What it leaves uncovered, ejection chains cover where they can, starting
   again from a placement with no voluntary move (`planner.repair.start_after_change`):
   the construction alone spent 18-20 of 20 moves on 5,000 x 150 and left heavy accounts
   uncovered that the chains cover within the budget, in tens of milliseconds.
   What the chains leave, CP-SAT covers on the uncovered accounts' neighbourhood
   (`planner.cover.cover_near`: the managers who may serve them, their residents, and the
   accounts the chains moved), counting covered accounts first, then the cheapest way: a
   leaver's heavy accounts that share a few possible managers need their moves planned
   together, which chains one account at a time do not do (#20: M041 and M044 on
   5,000 x 150). Not in the deterministic mode, whose repair below gets its own time.
2. If that start leaves an account uncovered (or breaks a lower utilisation bound), or a
   manager now has the hours to serve a reduced account better, CP-SAT repairs only the
   connected parts of the eligibility graph the change touched, starting from that start,
   within the budget and a short time limit. Uncovered accounts are allowed in this repair
   (at the policy's price of the service lost when a shortfall is allowed, else at a cost
   larger than any other part of the objective can make up, so covering comes first), and
   the start is always a valid answer; a part's answer that covers fewer accounts than its
   start is not taken, however cheaper. Either way an account whose manager still holds it,
   and may keep it, is never dropped to make room for another one: that would get around
   the disruption budget (see `covering`, `keep_held`). It may be reduced when hours are
   short; the leaver's account is left uncovered when only a drop or a move beyond the
   budget would fit it.
3. Accounts still uncovered are reported with the reasons the pre-solve diagnosis finds
   (nobody may serve them, or their region has no hours left within the budget).
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace

import numpy as np

from planner import join_offer
from planner.budget import Budget
from planner.compile import Compiled, compile_problem
from planner.context import Context
from planner.cover import cover_near
from planner.diagnose import why_nobody_serves
from planner.evaluate import MANAGER_LEFT, RULE_PREFIX, UNASSIGNED, Evaluation, evaluate
from planner.models import Account, Dataset, Plan
from planner.objective import UTIL_SCALE, level_names
from planner.problem import AssignmentProblem
from planner.repair import start_after_change
from planner.solvers.base import SolveOptions, Status
from planner.solvers.cpsat import CpSatSolver, satisfies
from planner.solvers.decompose import components, place_part, restrict

MIN_REPAIR_SECONDS = 0.1  # below this a CP-SAT run on a region returns little more than its start
MIN_NEAR_SECONDS = 0.03  # below this CP-SAT on a neighbourhood of a hundred accounts seldom counts
EVALUATE_RESERVE_SECONDS = 0.15  # kept for the evaluator and the diagnosis after the repair
INVALID_REPAIR_SECONDS = 5.0  # the least CP-SAT gets when the start is no valid answer


@dataclass(frozen=True)
class Replanned:
    plan: Plan  # with the service level of each account (Plan.service)
    evaluation: Evaluation
    method: str  # "construct", then "+chains" (planner.repair), "+near" (planner.cover.cover_near,
    # where it covered more) and "+cpsat" where those ran
    status: str  # "feasible": every rule holds; "uncovered": some accounts have no manager
    uncovered: list[str] = field(default_factory=list)  # account ids, most valuable first
    reasons: list[str] = field(default_factory=list)  # why they are uncovered, in plain words
    reason_of: dict[str, str] = field(default_factory=dict)  # account id -> the reason about it alone
    timing_seconds: dict[str, float] = field(default_factory=dict)
    offered: list[str] = field(default_factory=list)  # accounts given to a new hire (planner.join_offer)


def with_current(
    dataset: Dataset,
    assignment: dict[str, str | None],
    team: Mapping[str, Mapping[str, Sequence[str | None]]] | None = None,
) -> Dataset:
    """The data with each account's current manager taken from the plan in force, and with
    `team` (a team plan's `Plan.team`) its current team holders too (`current_<role>_id`)."""

    def current(a: Account) -> Account:
        update: dict[str, object] = {}
        if (assignment.get(a.account_id) or "") != a.current_manager_id:
            update["current_manager_id"] = assignment.get(a.account_id) or ""
        if team and a.account_id in team:
            held = {role: frozenset(p for p in people if p) for role, people in team[a.account_id].items()}
            held = {role: people for role, people in held.items() if people}
            if held != a.current_team:
                update["current_team"] = held
        return a.model_copy(update=update) if update else a

    # model_copy skips validation; the ids come from a plan of this data set, so they are known.
    return dataset.model_copy(update={"accounts": tuple(current(a) for a in dataset.accounts)})


def replan(
    dataset: Dataset,
    max_moves: int | None,
    time_limit_seconds: float = 0.8,
    service: Mapping[str, str] | None = None,
    budget: Budget | None = None,
    deterministic: bool = False,
    offer_to: str | None = None,
) -> Replanned:
    """Re-plan `dataset` (whose current managers are the plan in force, already changed)
    moving at most `max_moves` accounts voluntarily (None: the policy's budget).

    `service`: the reduced service levels of the plan in force (account_id -> level name, as
    in `Plan.service`; absent = full). Each account keeps its level where its manager keeps
    it, as it keeps its manager; a name its tier no longer has counts as full service.

    `budget` (default: one of `time_limit_seconds`) bounds the whole re-plan; the CP-SAT repair
    gets what compile and construction leave of it. (Only a plan that breaks a lower
    utilisation bound may take longer: there is no valid answer to return before CP-SAT finds
    one.)

    `deterministic`: reruns give the same plan however loaded the machine is (the robustness
    sweeps compare a distributed run with a serial one): the repair runs CP-SAT on one worker
    with `time_limit_seconds` split evenly over the touched parts and counted in deterministic
    time (work done), and no part is skipped for want of wall time; `budget` then only guards
    against a runaway and carries cancellation.

    `offer_to`: a manager who has just joined; with the policy's rebalance_on_join they are
    offered accounts from the busiest colleagues within the move budget (`Replanned.offered`)."""
    clock = _Clock()
    budget = Budget(time_limit_seconds) if budget is None else budget
    compiled, problem = replan_problem(dataset, max_moves, service)
    ctx = compiled.ctx
    clock.lap("compile")
    # The construction, and ejection chains for what it leaves (planner.repair): most changes
    # end here, in milliseconds, where CP-SAT on a whole region may need seconds.
    start, level, chained = start_after_change(
        problem, None if deterministic else budget, fallback=deterministic
    )
    clock.lap("construct")
    method = "construct+chains" if chained else "construct"
    cover = covering(problem)
    # The construction keeps capacities and the budget, so its start is a valid covering plan
    # unless a lower utilisation bound breaks; CP-SAT then needs longer to meet it. Accounts
    # nobody may serve are no reason to search.
    has_pairs = np.bincount(problem.pair_unit, minlength=problem.n_units) > 0
    valid = satisfies(cover, start, level)
    if valid and not deterministic and ((start < 0) & has_pairs).any():
        # What the chains leave, CP-SAT covers on the uncovered accounts' neighbourhood
        # (planner.cover): a region-wide search gets no further than its start in the time left.
        near = budget.child(budget.remaining() - EVALUATE_RESERVE_SECONDS)
        if near.remaining() >= MIN_NEAR_SECONDS:
            found = cover_near(problem, start, level, near)
            if found is not None and satisfies(cover, *found):
                start, level = found
                method += "+near"
        clock.lap("near")
    if not valid or ((start < 0) & has_pairs).any() or _could_serve_better(problem, start, level).any():
        method += "+cpsat"
        work = budget.child(budget.remaining() - EVALUATE_RESERVE_SECONDS)
        if not valid:
            work = work.rescue(INVALID_REPAIR_SECONDS, "re-plan: the start breaks a lower utilisation bound")
        if deterministic or work.remaining() >= MIN_REPAIR_SECONDS:
            work_limit = time_limit_seconds if deterministic else None
            start, level = _repair(cover, start, level, work, work_limit)
        clock.lap("cpsat")
    offered: list[str] = []
    # Account teams' slots are units of their own (planner.teams): the offer is made for plain
    # account-manager plans only, where a unit is a parent group.
    if (
        offer_to in ctx.manager_index
        and ctx.dataset.policy.setting(join_offer.KEY)
        and problem.n_units == len(ctx.groups)
    ):
        # `offer_to` has just joined: a first book from the busiest colleagues (planner.join_offer).
        pairs = problem.pair_index(start, level)
        used = int(problem.pair_moves[pairs[pairs >= 0]].sum()) if problem.pair_moves is not None else 0
        left = None if problem.max_moves is None else max(problem.max_moves - used, 0)
        assert offer_to is not None
        start, units = join_offer.offer_to_hire(problem, start, level, ctx.manager_index[offer_to], left)
        offered = [ctx.account_ids[i] for u in units for i in ctx.groups[u]]
        clock.lap("offer")
    plan = compiled.to_plan(start, level)
    evaluation = evaluate(ctx, plan, max_moves=problem.max_moves)
    uncovered = list(evaluation.unassigned)
    reasons: list[str] = []
    reason_of: dict[str, str] = {}
    if uncovered:
        reasons, reason_of = explain_uncovered(compiled.ctx, problem, start, uncovered, level)
        value = {row.account_id: row.value_score for row in evaluation.accounts}
        uncovered.sort(key=lambda a: (-value[a], a))
    clock.lap("evaluate")
    status = "uncovered" if uncovered else ("feasible" if evaluation.feasible else "violations")
    return Replanned(plan, evaluation, method, status, uncovered, reasons, reason_of, clock.laps, offered)


def replan_problem(
    dataset: Dataset, max_moves: int | None, service: Mapping[str, str] | None = None
) -> tuple[Compiled, AssignmentProblem]:
    """The compiled data and the problem a re-plan solves: the plan in force (the data's current
    managers, and `service`'s levels) as its hint."""
    compiled = compile_problem(Context.build(dataset), max_moves=max_moves)
    return compiled, replace(compiled.problem, hint_level=current_levels(compiled, service or {}))


def current_levels(compiled: Compiled, service: Mapping[str, str]) -> np.ndarray | None:
    """Unit -> level index of the plan in force (None when the problem has no reduced levels:
    a shortfall is not allowed, or no tier has one). Level names the tiers no longer have,
    and accounts no longer in the data, are ignored."""
    ctx = compiled.ctx
    if compiled.problem.pair_level is None:
        return None
    known = {
        account_id: name
        for account_id, name in service.items()
        if account_id in ctx.account_index
        and name in level_names(ctx, int(ctx.tier[ctx.account_index[account_id]]))
    }
    return compiled.from_plan_levels(Plan(assignment={}, service=known))


def uncovered_reasons(
    ctx: Context,
    problem: AssignmentProblem,
    unit_agent: np.ndarray,
    uncovered: list[str],
    unit_level: np.ndarray | None = None,
) -> list[str]:
    """Why the uncovered accounts have no manager, grouped: no manager may serve them at all
    (which rule), or those who may have too few hours left (how many, against how many)."""
    return explain_uncovered(ctx, problem, unit_agent, uncovered, unit_level)[0]


def explain_uncovered(
    ctx: Context,
    problem: AssignmentProblem,
    unit_agent: np.ndarray,
    uncovered: list[str],
    unit_level: np.ndarray | None = None,
) -> tuple[list[str], dict[str, str]]:
    """`uncovered_reasons`, and the same reason about each account alone (account id -> words)."""
    free = np.maximum(problem.capacity - problem.load_of(unit_agent, unit_level), 0)
    pairs_of = problem.pairs_of_unit()
    nobody: dict[str, list[str]] = {}
    # (region, managers, hours free in all, most free with one manager) -> ids, need
    short: dict[tuple[str, int, int, int], list[tuple[str, int]]] = {}
    each: dict[str, str] = {}
    budget = f"within the disruption budget of {problem.max_moves} voluntary moves"
    for account_id in uncovered:
        i = ctx.account_index[account_id]
        mine = pairs_of[int(ctx.group_of[i])]
        if mine.size == 0:
            why = why_nobody_serves(ctx, i)
            nobody.setdefault(why, []).append(account_id)
            each[account_id] = f"nobody may serve it: accounts {why}"
        else:
            agents = np.unique(problem.pair_agent[mine])  # one pair per service level: count each once
            key = (
                ctx.dataset.accounts[i].region,
                int(agents.size),
                int(free[agents].sum()),
                int(free[agents].max()),
            )
            need = int(problem.pair_weight[mine].min())
            short.setdefault(key, []).append((account_id, need))
            each[account_id] = (
                f"it needs {need / 100:.2f} h per month, but the {key[1]} manager(s) who may serve it "
                f"{_free_words(key[2], key[3])} {budget}"
            )
    out = [f"{_count(ids)} {why} ({_some(ids)})" for why, ids in nobody.items()]
    for (region, managers, hours_free, most_free), rows in short.items():
        needs = [need for _, need in rows]
        span = f"{min(needs) / 100:.2f}" + (f"-{max(needs) / 100:.2f}" if max(needs) > min(needs) else "")
        ids = [a for a, _ in rows]
        out.append(
            f"{_count(ids)} in region {region!r} need {span} h per month each, but the {managers} "
            f"manager(s) who may serve them {_free_words(hours_free, most_free)} {budget}; "
            f"a larger budget, a longer re-plan or a hire would help ({_some(ids)})"
        )
    return out, each


def _free_words(in_all: int, most: int) -> str:
    """The free hours of the managers who may serve an account, so that hours free in all but
    split between managers (none with enough for one account) do not read as enough."""
    if most < in_all:
        return f"have {in_all / 100:.2f} h free in all, at most {most / 100:.2f} h with any one of them,"
    return f"have {in_all / 100:.2f} h free in all"


def unserved_words(reason: str | None, previous_manager_id: str | None, detail: str = "") -> str:
    """Why a re-plan leaves an account without a manager, in words: `reason` is the evaluator's
    move reason (None: the account had no manager, e.g. it is new), `detail` the re-plan's
    reason about the account (`Replanned.reason_of`)."""
    who = previous_manager_id or "its manager"
    if reason == MANAGER_LEFT:
        text = f"{who} has left"
    elif reason is not None and reason.startswith(RULE_PREFIX):
        text = f"{who} may no longer serve it ({reason.removeprefix(RULE_PREFIX)})"
    elif reason == UNASSIGNED:
        text = f"{who} may keep it but no longer has the hours for it"
    else:
        text = "it had no manager"
    return f"{text}; {detail}" if detail else text


def _count(ids: list[str]) -> str:
    return f"{len(ids)} account{'s' if len(ids) > 1 else ''}"


def _some(ids: list[str]) -> str:
    return ", ".join(ids[:5]) + (f" and {len(ids) - 5} more" if len(ids) > 5 else "")


def covering(problem: AssignmentProblem) -> AssignmentProblem:
    """The problem with uncovered units allowed, each at a cost no other change of the
    objective can make up: a plan covering one more unit is always better. A unit its
    manager still holds costs more again to drop than covering every other unit gains, so
    the repair never uncovers an account to get around the disruption budget (taking an
    account away from its active manager would be a move the budget does not count).

    With a shortfall allowed, units are left unserved at the policy's price of the service
    lost, and the same holds for held units by `keep_held`."""
    if problem.unassigned_cost is not None:
        return keep_held(problem)
    big = int(problem.pair_cost.sum()) + _balance_cap(problem) + problem.spread_cap() + 1
    held = problem.hint >= 0 if problem.hint is not None else np.zeros(problem.n_units, dtype=bool)
    per_unit = np.where(held, big * (int(problem.unit_size.sum()) + 1), big)
    return replace(problem, unassigned_cost=per_unit * problem.unit_size)


HELD_RANK_STEPS = 100  # resolution of the value order among held units that must be dropped


def keep_held(problem: AssignmentProblem) -> AssignmentProblem:
    """`problem` (a shortfall allowed) where leaving a unit its manager still holds, and may
    keep, unserved costs more than anything else in the objective can make up.

    A staff change elsewhere never takes an account away from the manager who keeps it: the
    repair would otherwise drop such an account to make room for a leaver's more valuable
    one without a voluntary move, getting around the disruption budget (the evaluator calls
    the drop `unassigned`, not a move). It may still reduce the account's service, priced by
    the service lost like any reduction. Only when the holder's own hours no longer fit it
    (a capacity cut) is a held unit dropped, and then the least valuable first.

    Formulation: held unit u costs unassigned_cost[u] + B x rank[u] to drop, where
    B = sum over units of max(dearest option, unassigned cost) + the largest balance term + the
    largest peer-spread term (`spread_cap`) + 1
    exceeds every other part of any plan's objective (all are >= 0), so a plan dropping less
    held rank is always better. rank[u] = ceil(unassigned_cost[u] / q) >= 1 with
    q = max(largest held cost / HELD_RANK_STEPS, smallest held cost): between drops that
    cannot be avoided the value order holds to 1 / HELD_RANK_STEPS of the dearest (one
    strategic account outweighs the few standard ones its hours would keep), and the total
    stays far within 64 bits (rank <= HELD_RANK_STEPS)."""
    assert problem.unassigned_cost is not None
    held = problem.hint >= 0 if problem.hint is not None else np.zeros(problem.n_units, dtype=bool)
    if not held.any():
        return problem
    cost = problem.unassigned_cost.astype(np.int64)
    dearest = np.zeros(problem.n_units, dtype=np.int64)
    np.maximum.at(dearest, problem.pair_unit, problem.pair_cost)
    big = int(np.maximum(dearest, cost).sum()) + _balance_cap(problem) + problem.spread_cap() + 1
    mine = cost[held]
    quantum = max(int(mine.max()) // HELD_RANK_STEPS, int(mine.min()), 1)
    rank = np.maximum(-(-mine // quantum), 1)
    out = cost.copy()
    out[held] += big * rank
    return replace(problem, unassigned_cost=out)


def _repair(
    problem: AssignmentProblem,
    start: np.ndarray,
    start_level: np.ndarray | None,
    budget: Budget,
    work_limit: float | None = None,
) -> tuple[np.ndarray, np.ndarray | None]:
    """CP-SAT on the parts the change touched, each from `start` (at `start_level`); other
    parts keep theirs. Returns unit -> agent and, with service levels, unit -> level.
    `work_limit`: deterministic time for all parts together, split evenly (None: `budget`'s
    wall clock, each part a share of what is left).

    The disruption budget is global, so each part gets what the rest of the plan leaves.
    """
    out = start.copy()
    out_level = None if start_level is None else start_level.copy()
    touched = _touched_parts(problem, start, start_level)
    free = problem.hint < 0 if problem.hint is not None else np.ones(problem.n_units, dtype=bool)
    for k, (units, agents) in enumerate(touched):
        if work_limit is not None:
            share = work_limit / len(touched)
        else:
            share = budget.remaining() / (len(touched) - k)
            if share < MIN_REPAIR_SECONDS:
                break
        sub = restrict(replace(problem, hint=out, hint_level=out_level), units, agents, scale=1)
        if problem.max_moves is not None:
            moves = _unit_moves(problem, out, out_level)
            sub = replace(sub, max_moves=max(problem.max_moves - int(moves.sum() - moves[units].sum()), 0))
        if work_limit is not None:
            options = SolveOptions(time_limit_seconds=share, threads=1, deterministic=True, budget=budget)
        else:
            options = SolveOptions(time_limit_seconds=share, threads=2, budget=budget.child(share))
        result = CpSatSolver().solve(sub, options)
        if result.unit_agent is None or result.status not in (Status.OPTIMAL, Status.FEASIBLE):
            continue  # keep the start for this part: valid, if not the best
        if _worse_than_start(sub, result.unit_agent, result.unit_level):
            continue  # the search stopped before it matched its start: keep the start
        assert sub.hint is not None  # the part's start
        if _covered(sub, result.unit_agent, free[units]) < _covered(sub, sub.hint, free[units]):
            # Cheaper by the policy's price of lost service, but fewer of the accounts the change
            # set free covered than the start (the chains') covers: a staff change covers what it
            # can first (#16, #20). Held accounts are weighed by `keep_held`.
            continue
        place_part(out, units, agents, result.unit_agent)
        if out_level is not None:
            got = result.unit_level if result.unit_level is not None else np.zeros(units.size, np.int64)
            out_level[units] = np.where(result.unit_agent >= 0, got, 0)
    return out, out_level


def _covered(problem: AssignmentProblem, unit_agent: np.ndarray, among: np.ndarray) -> int:
    """Accounts a unit -> agent vector serves among the units `among` (a mask)."""
    return int(problem.unit_size[(unit_agent >= 0) & among].sum())


def _worse_than_start(sub: AssignmentProblem, unit_agent: np.ndarray, unit_level: np.ndarray | None) -> bool:
    """The search's answer costs more than the valid start it was given (possible when the time
    runs out before CP-SAT takes up its hint); the costs include `keep_held`'s surcharges."""
    if sub.hint is None or not satisfies(sub, sub.hint, sub.hint_level):
        return False
    return sub.objective_of(unit_agent, unit_level) > sub.objective_of(sub.hint, sub.hint_level)


def _could_serve_better(
    problem: AssignmentProblem, unit_agent: np.ndarray, unit_level: np.ndarray | None
) -> np.ndarray:
    """Units served at a reduced level that some manager who may serve them now has the hours
    to serve at a better one (their own manager counting the hours the unit frees): e.g. after
    a hire, or a capacity raise. Only a reason to search; CP-SAT weighs moves and the budget."""
    out = np.zeros(problem.n_units, dtype=bool)
    if problem.pair_level is None or unit_level is None:
        return out
    pairs = problem.pair_index(unit_agent, unit_level)
    room = problem.capacity - problem.load_of(unit_agent, unit_level)
    unit = problem.pair_unit
    reduced = (pairs[unit] >= 0) & (unit_level[unit] > 0)
    own = np.where(problem.pair_agent == unit_agent[unit], problem.pair_weight[np.maximum(pairs[unit], 0)], 0)
    better = reduced & (problem.pair_level < unit_level[unit])
    better &= problem.pair_weight - own <= room[problem.pair_agent]
    out[unit[better]] = True
    return out


def _unit_moves(
    problem: AssignmentProblem, unit_agent: np.ndarray, unit_level: np.ndarray | None = None
) -> np.ndarray:
    pairs = problem.pair_index(unit_agent, unit_level)
    out = np.zeros(problem.n_units, dtype=np.int64)
    if problem.pair_moves is not None:
        out[pairs >= 0] = problem.pair_moves[pairs[pairs >= 0]]
    return out


def _touched_parts(
    problem: AssignmentProblem, start: np.ndarray, start_level: np.ndarray | None = None
) -> list[tuple[np.ndarray, np.ndarray]]:
    """Parts where the start moved, dropped or changed the level of a unit, broke an agent's
    bounds, or could serve a reduced unit better."""
    hint = problem.hint if problem.hint is not None else np.full(problem.n_units, -1)
    changed = (start != hint) | (start < 0) | _could_serve_better(problem, start, start_level)
    if start_level is not None:
        hinted = problem.hint_level if problem.hint_level is not None else np.zeros_like(start_level)
        changed |= start_level != hinted
    changed_units = set(np.nonzero(changed)[0].tolist())
    load = problem.load_of(start, start_level)
    broken = load > problem.capacity
    if problem.lower is not None:
        broken |= load < problem.lower
    bad_agents = set(np.nonzero(broken)[0].tolist())
    return [
        (units, agents)
        for units, agents in components(problem)
        if changed_units.intersection(units.tolist()) or bad_agents.intersection(agents.tolist())
    ]


class _Clock:
    def __init__(self) -> None:
        self._last = time.perf_counter()
        self.laps: dict[str, float] = {}

    def lap(self, name: str) -> None:
        t = time.perf_counter()
        self.laps[name] = round(t - self._last, 4)
        self._last = t


def _balance_cap(problem: AssignmentProblem) -> int:
    """An upper bound of the balance term over all plans: each group's spread at most
    UTIL_SCALE per mille (account teams balance one group per role, so the term adds up)."""
    return problem.balance_coef * UTIL_SCALE * max(len(problem.balance_groups()), 1)
