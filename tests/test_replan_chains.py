"""Ejection chains after a staff change (`planner.repair`, and `planner.replan` that runs it),
on toys where the answer is worked out by hand.

Toys' arithmetic (tests/toys.py): a standard account needs 0.5 h per month (0.25 h at its
reduced level, where a shortfall is allowed), a key account 3 h (2 h reduced); no travel
without coordinates. A manager with languages serves accounts in those languages only; an
account with no language may go to anyone.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from planner.budget import Budget
from planner.compile import compile_problem
from planner.context import Context
from planner.cover import fewest_uncovered
from planner.models import Dataset
from planner.problem import AssignmentProblem
from planner.repair import cover_by_chains
from planner.replan import replan
from planner.solvers.cpsat import satisfies
from tests.toys import acc, dataset, mgr, weights

JA = frozenset({"ja"})
JA_FR = frozenset({"ja", "fr"})
FR = frozenset({"fr"})


def _left(ds: Dataset, manager_id: str) -> Dataset:
    managers = tuple(
        m.model_copy(update={"active": False}) if m.manager_id == manager_id else m for m in ds.managers
    )
    return ds.model_copy(update={"managers": managers})


def _chain_team() -> Dataset:
    # A leaves. a1 is in Japanese: only B may take it, and B's 0.5 h hold b1 already.
    # b1 is in French: only B and C may hold it, and C's 0.5 h hold c1. c1 may go anywhere, D
    # has room. So a1 is covered by the chain a1 -> B, b1 -> C, c1 -> D: two voluntary moves
    # (b1's and c1's managers stay); nothing shorter exists, since b1 and c1 are the only
    # residents in the way and D may take neither a1 nor b1.
    return dataset(
        [
            mgr("A", languages=JA_FR),
            mgr("B", capacity_hours=0.5, languages=JA_FR),
            mgr("C", capacity_hours=0.5, languages=FR),
            mgr("D", capacity_hours=100.0, languages=frozenset({"en"})),
        ],
        [
            acc("a1", language="ja", current_manager_id="A"),
            acc("b1", language="fr", current_manager_id="B"),
            acc("c1", current_manager_id="C"),
        ],
    )


def test_a_chain_of_two_moves_covers_the_leavers_account_without_a_search() -> None:
    out = replan(_left(_chain_team(), "A"), max_moves=2, time_limit_seconds=5)
    assert out.uncovered == [] and out.status == "feasible"
    assert out.plan.assignment == {"a1": "B", "b1": "C", "c1": "D"}
    assert out.evaluation.moves["voluntary"] == 2 and out.evaluation.moves["forced"] == 1
    # Covered by the chain alone: the CP-SAT repair only runs while an account stays uncovered.
    assert out.method == "construct+chains"


def test_a_chain_one_move_longer_than_the_budget_is_not_taken() -> None:
    # The only chain needs two voluntary moves; with one allowed, a1 stays uncovered and
    # neither b1 nor c1 moves (half a chain covers nothing).
    out = replan(_left(_chain_team(), "A"), max_moves=1, time_limit_seconds=1)
    assert out.uncovered == ["a1"]
    assert out.plan.assignment == {"a1": None, "b1": "B", "c1": "C"}
    assert out.evaluation.moves["voluntary"] == 0


def test_an_account_that_fits_once_one_colleagues_account_moves_takes_exactly_that_move() -> None:
    # a1 (Japanese) may go to B only; B's 0.5 h hold b1, which may go to D. Moving b1 is the
    # one voluntary move that covers a1 (the chain a1 -> B, b1 -> D).
    ds = dataset(
        [mgr("A"), mgr("B", capacity_hours=0.5, languages=JA), mgr("D", capacity_hours=1.0)],
        [acc("a1", language="ja", current_manager_id="A"), acc("b1", current_manager_id="B")],
    )
    problem = _problem(_left(ds, "A"), max_moves=1)
    start = _agents(problem, {"a1": None, "b1": "B"})
    out = cover_by_chains(problem, start, None)
    assert _names(problem, out.unit_agent) == {"a1": "B", "b1": "D"}
    assert out.covered == [0] and out.relocated == 1
    assert satisfies(problem, out.unit_agent, out.unit_level)


def test_re_placing_a_leavers_other_account_is_free_of_the_budget() -> None:
    # A leaves with a1 (Japanese, only B may take it) and a2 (anyone). A start that put a2 on B
    # fills B; moving a2 on to D makes room for a1. a2's manager has left, so its move is
    # forced, not voluntary: a budget of 0 voluntary moves is enough.
    ds = dataset(
        [mgr("A"), mgr("B", capacity_hours=0.5, languages=JA), mgr("D", capacity_hours=1.0)],
        [acc("a1", language="ja", current_manager_id="A"), acc("a2", current_manager_id="A")],
    )
    problem = _problem(_left(ds, "A"), max_moves=0)
    start = _agents(problem, {"a1": None, "a2": "B"})
    out = cover_by_chains(problem, start, None)
    assert _names(problem, out.unit_agent) == {"a1": "B", "a2": "D"}
    assert satisfies(problem, out.unit_agent, out.unit_level)


def test_a_resident_steps_down_a_level_to_make_room_with_no_move() -> None:
    # A leaves; a1 (key, Japanese) may go to B only. B has 2.25 h and holds b1 (standard,
    # Japanese, so it may not move to D). a1 at its reduced level (2 h) + b1 in full (0.5 h)
    # = 2.5 h do not fit; with b1 reduced too (0.25 h) they fill B exactly. No voluntary move
    # is needed, b1 keeps its manager; leaving the key account uncovered would lose far more
    # service (3 h of key service) than the 1 h of key and 0.25 h of standard service lost.
    ds = dataset(
        [mgr("A"), mgr("B", capacity_hours=2.25, languages=JA), mgr("D", capacity_hours=10.0)],
        [
            acc("a1", tier="key", language="ja", current_manager_id="A"),
            acc("b1", language="ja", current_manager_id="B"),
        ],
        allow_unassigned=True,
    )
    problem = _problem(_left(ds, "A"), max_moves=0)
    start = _agents(problem, {"a1": None, "b1": "B"})
    out = cover_by_chains(problem, start, np.zeros(problem.n_units, dtype=np.int64))
    assert _names(problem, out.unit_agent) == {"a1": "B", "b1": "B"}
    assert out.unit_level is not None and out.unit_level.tolist() == [1, 1]  # both reduced
    assert satisfies(problem, out.unit_agent, out.unit_level)


def test_no_chain_means_the_start_is_returned_unchanged() -> None:
    # Only B speaks Japanese and B's one account is Japanese too: it can go nowhere else and
    # B has no room, so a1 cannot be covered, and nothing moves in trying.
    ds = dataset(
        [mgr("A"), mgr("B", capacity_hours=0.5, languages=JA), mgr("D")],
        [acc("a1", language="ja", current_manager_id="A"), acc("b1", language="ja", current_manager_id="B")],
    )
    problem = _problem(_left(ds, "A"), max_moves=5)
    start = _agents(problem, {"a1": None, "b1": "B"})
    out = cover_by_chains(problem, start, None)
    assert out.covered == [] and out.unit_agent.tolist() == start.tolist()


def test_the_search_after_the_chains_does_not_uncover_what_they_covered() -> None:
    # A leaves; a1 and a3 (Japanese) may go to B only, and B's 0.5 h hold b1. Each account is
    # visited every 13 weeks by contract (0.5 h a month, no reduced level). Moves are priced
    # high (50 x (10 + 40) = 2,500 points), far above an account's lost service (0.5 h x 100
    # x 1.4 = 70 points), so by price alone the plan would keep b1 on B and leave both
    # uncovered. The chain moves b1 to D (one voluntary move) and covers one of them; the
    # other cannot fit anywhere, so CP-SAT runs on the part, and its cheaper answer covers none
    # of the leaver's accounts: it is not taken.
    ds = dataset(
        [mgr("A"), mgr("B", capacity_hours=0.5, languages=JA), mgr("D", capacity_hours=10.0)],
        [
            acc("a1", language="ja", visit_every_weeks=13, current_manager_id="A"),
            acc("a3", language="ja", visit_every_weeks=13, current_manager_id="A"),
            acc("b1", visit_every_weeks=13, current_manager_id="B"),
        ],
        allow_unassigned=True,
        weights=weights(move=50.0),
    )
    out = replan(_left(ds, "A"), max_moves=5, time_limit_seconds=2)
    assert out.method == "construct+chains+cpsat"
    assert out.plan.assignment["b1"] == "D" and len(out.uncovered) == 1
    assert sorted(str(out.plan.assignment[a]) for a in ("a1", "a3")) == ["B", "None"]
    assert out.evaluation.moves["voluntary"] == 1


@st.composite
def _starts(draw: st.DrawFn) -> tuple[AssignmentProblem, np.ndarray]:
    """A random toy after a leaver, and a valid start leaving some units unassigned."""
    n_mgr = draw(st.integers(2, 5))
    n_acc = draw(st.integers(1, 10))
    caps = draw(st.lists(st.sampled_from([0.5, 1.0, 1.5]), min_size=n_mgr, max_size=n_mgr))
    langs = draw(st.lists(st.sampled_from([JA, FR, JA_FR]), min_size=n_mgr, max_size=n_mgr))
    managers = [
        mgr(f"M{j}", capacity_hours=c, languages=g, active=j > 0)
        for j, (c, g) in enumerate(zip(caps, langs, strict=True))
    ]
    owners = draw(st.lists(st.integers(0, n_mgr - 1), min_size=n_acc, max_size=n_acc))
    spoken = draw(st.lists(st.sampled_from(["ja", "fr"]), min_size=n_acc, max_size=n_acc))
    accounts = [
        acc(f"A{i}", language=s, current_manager_id=f"M{o}")
        for i, (o, s) in enumerate(zip(owners, spoken, strict=True))
    ]
    problem = compile_problem(
        Context.build(dataset(managers, accounts)), max_moves=draw(st.integers(0, 3))
    ).problem
    # The start: every unit its manager keeps stays (if that fits), the rest unassigned.
    start = np.full(problem.n_units, -1, dtype=np.int64)
    room = problem.capacity.copy()
    assert problem.hint is not None
    for u in range(problem.n_units):
        a = int(problem.hint[u])
        if a >= 0 and room[a] >= 50:
            start[u], room[a] = a, room[a] - 50
    return problem, start


@settings(max_examples=80, deadline=None)
@given(case=_starts())
def test_chains_keep_every_rule_and_never_drop_a_placed_account(
    case: tuple[AssignmentProblem, np.ndarray],
) -> None:
    problem, start = case
    out = cover_by_chains(problem, start, None)
    # The toys do not allow a shortfall, so `satisfies` would refuse any unassigned unit:
    # check the rules on the placed units with the shortfall allowed.
    relaxed = _with_shortfall(problem)
    assert satisfies(relaxed, out.unit_agent)
    assert ((out.unit_agent >= 0) | (start < 0)).all()  # placed stays placed
    assert set(out.covered) == set(np.nonzero((start < 0) & (out.unit_agent >= 0))[0].tolist())


def _with_shortfall(problem: AssignmentProblem) -> AssignmentProblem:
    return replace(problem, unassigned_cost=np.ones(problem.n_units, dtype=np.int64))


def _problem(ds: Dataset, max_moves: int) -> AssignmentProblem:
    return compile_problem(Context.build(ds), max_moves=max_moves).problem


def _agents(problem: AssignmentProblem, names: dict[str, str | None]) -> np.ndarray:
    assert problem.unit_names is not None and problem.agent_names is not None
    return np.array(
        [-1 if names[u] is None else problem.agent_names.index(names[u]) for u in problem.unit_names],  # type: ignore[arg-type]
        dtype=np.int64,
    )


def _names(problem: AssignmentProblem, unit_agent: np.ndarray) -> dict[str, str | None]:
    assert problem.unit_names is not None and problem.agent_names is not None
    return {
        u: None if a < 0 else problem.agent_names[int(a)]
        for u, a in zip(problem.unit_names, unit_agent.tolist(), strict=True)
    }


def test_the_fewest_uncovered_is_proven_on_the_chain_toy() -> None:
    # planner.cover, the benchmarks' reference: with one voluntary move no plan covers a1 (the
    # only chain needs two), and CP-SAT proves it; with two, the chain covers everything.
    for budget, fewest in ((1, 1), (2, 0)):
        problem = _problem(_left(_chain_team(), "A"), max_moves=budget)
        start = _agents(problem, {"a1": None, "b1": "B", "c1": "C"})
        count = fewest_uncovered(problem, start, None, Budget(10.0), threads=1)
        assert (count.found, count.least, count.nobody) == (fewest, fewest, 0), budget
        assert count.proven
