"""The compile and the evaluator give the same numbers, byte for byte, as before their speed-ups.

Each case is a generated data set varied to reach every branch the compiler has: parent groups
(chains through a member, and a parent key naming no account), service levels with a shortfall
allowed and not, account teams, managers who left, pins, forbidden pairs and avoided managers,
day trips without overnight stays, a travel matrix naming some pairs, accounts with their own
visit frequency or a risk, performance scores, a utilisation band and the peer spreads. The
digests below were taken at commit ad58b8c, before the speed-ups (compile, context, groups,
travel, evaluate); a change to what the compiler or the evaluator computes fails here, whether
or not it is faster. Regenerate only for a change of meaning, never of speed:

    .venv/bin/python tests/test_compile_speed_identity.py
"""

from __future__ import annotations

import dataclasses
import hashlib

import numpy as np
import pytest

from planner.compile import Compiled, compile_problem
from planner.context import Context
from planner.evaluate import evaluate
from planner.generator import generate
from planner.groups import parent_groups
from planner.models import Account, Dataset, Manager, Plan, Risk
from planner.objective import account_level_names
from planner.tiering import compute_tiers

TEAMS = {
    "roles": {
        "technical_support": {
            "visits_per_month": 1,
            "hours_per_visit": 2,
            "admin_hours_per_month": 0.5,
            "ideal_seniority": "senior",
            "move_weight": 2.0,
        },
        "after_sales": {"visit_every_weeks": 8, "hours_per_visit": 1.5, "admin_hours_per_month": 1},
    },
    "tiers": {"strategic": {"technical_support": 1, "after_sales": 1}, "key": {"technical_support": 1}},
}


def _policy(ds: Dataset, **changes: object) -> Dataset:
    policy = type(ds.policy).model_validate({**ds.policy.model_dump(), **changes})
    return ds.model_copy(update={"policy": policy})


def _plain() -> Dataset:
    return generate(300, 14, seed=3)


def _rules() -> Dataset:
    """Full service required, pins, bans, day trips, a band, spreads, scores, own frequencies,
    risks, chained parents and a parent key naming no account, a second leaver."""
    ds = generate(320, 16, seed=4)
    rng = np.random.default_rng(4)
    accounts = list(ds.accounts)
    ids = [a.account_id for a in accounts]
    for k in rng.choice(len(accounts), size=30, replace=False).tolist():
        a = accounts[k]
        pick = k % 3
        if pick == 0:
            accounts[k] = a.model_copy(update={"visit_every_weeks": float(2 + k % 7)})
        elif pick == 1:
            accounts[k] = a.model_copy(update={"risk": (Risk.medium, Risk.high)[k % 2]})
        elif a.current_manager_id:
            accounts[k] = a.model_copy(update={"avoid_manager_ids": frozenset({a.current_manager_id})})
    # Transitive links: 10 -> 11 -> 12 (12 already in a generated group or not); a holding key.
    accounts[11] = accounts[11].model_copy(update={"parent_id": ids[12]})
    accounts[10] = accounts[10].model_copy(update={"parent_id": ids[11]})
    for k in (40, 41, 42):
        accounts[k] = accounts[k].model_copy(update={"parent_id": "HOLDING-X"})
    managers = list(ds.managers)
    for j, m in enumerate(managers):
        update: dict[str, object] = {}
        if j % 3 == 0:
            update["performance"] = float(40 + 5 * j % 60)
        if j == 2:
            update["active"] = False
        if j == 5:
            update["home_lat"] = None
        managers[j] = m.model_copy(update=update)
    held = {a.current_manager_id for a in accounts if a.current_manager_id}
    actives = [m.manager_id for m in managers if m.active and m.manager_id in held]
    pins = [{"account_id": ids[k], "manager_id": actives[k % len(actives)]} for k in (3, 50, 90)]
    forbidden = [{"account_id": ids[k], "manager_id": actives[(k + 1) % len(actives)]} for k in (7, 60, 61)]
    ds = Dataset(managers=tuple(managers), accounts=tuple(accounts), policy=ds.policy)
    weights = {
        **ds.policy.weights.model_dump(),
        "value_spread": 0.5,
        "strategic_spread": 2.0,
        "performance": 3,
    }
    return _policy(
        ds,
        allow_unassigned=False,
        pins=pins,
        forbidden=forbidden,
        overnight=False,
        utilisation_band=(0.1, 0.99),
        max_moves=12,
        weights=weights,
    )


def _teams() -> Dataset:
    """Account teams: support staff beside the managers, a tenth of managers with two roles."""
    ds = generate(260, 12, seed=5)
    rng = np.random.default_rng(5)
    active = [m for m in ds.managers if m.active]
    people = []
    for role, count, prefix in (("technical_support", 5, "TS"), ("after_sales", 3, "AS")):
        for k in range(count):
            like = active[(k * len(active)) // count]
            people.append(
                Manager(
                    manager_id=f"{prefix}{k + 1:03d}",
                    seniority=("junior", "senior", "principal")[int(rng.integers(0, 3))],
                    industries=like.industries,
                    languages=frozenset({"zh", "en"}),
                    region=like.region,
                    home_lat=like.home_lat,
                    home_lon=like.home_lon,
                    capacity_hours=float(rng.integers(130, 160)),
                    roles=frozenset({role}),
                )
            )
    both = frozenset({"account_manager", "technical_support"})
    managers = [m.model_copy(update={"roles": both}) if k % 4 == 0 else m for k, m in enumerate(ds.managers)]
    policy = type(ds.policy).model_validate({**ds.policy.model_dump(), "teams": TEAMS})
    return Dataset(managers=(*managers, *people), accounts=ds.accounts, policy=policy)


def _matrix_context() -> Context:
    """A travel matrix that names about half the pairs (nan: the formula's hours)."""
    ds = _policy(generate(240, 10, seed=6), overnight=False)
    rng = np.random.default_rng(6)
    matrix = rng.uniform(0.1, 6.0, size=(len(ds.accounts), len(ds.managers)))
    matrix[rng.random(matrix.shape) < 0.5] = np.nan
    return Context(ds, compute_tiers(ds), matrix)


def contexts() -> dict[str, Context]:
    return {
        "plain": Context.build(_plain()),
        "rules": Context.build(_rules()),
        "teams": Context.build(_teams()),
        "matrix": _matrix_context(),
    }


def _feed(h: hashlib._Hash, value: object) -> None:
    if isinstance(value, np.ndarray):
        h.update(f"{value.dtype}{value.shape}".encode())
        h.update(np.ascontiguousarray(value).tobytes())
    else:
        h.update(repr(value).encode())
    h.update(b"|")


# Fields the problem gained after the digests were taken: hashed only when set, so that a field
# every case leaves at None (no meaning added) does not change a digest.
LATER_FIELDS = frozenset({"balance_member"})


def compiled_digest(compiled: Compiled) -> str:
    """sha256 over every field of the problem (arrays by dtype, shape and bytes), the account
    eligibility, the groups and the team layout."""
    h = hashlib.sha256()
    for f in dataclasses.fields(compiled.problem):
        if f.name in LATER_FIELDS and getattr(compiled.problem, f.name) is None:
            continue
        h.update(f.name.encode())
        _feed(h, getattr(compiled.problem, f.name))
    ctx = compiled.ctx
    for value in (compiled.account_eligible, ctx.groups, ctx.group_of, *ctx.group_order, compiled.team):
        _feed(h, value)
    return h.hexdigest()


def _plan(compiled: Compiled) -> Plan:
    """Today's managers, with a few accounts reduced, left out, given to another manager
    (splitting some groups) or to managers the data does not know."""
    ctx = compiled.ctx
    assignment: dict[str, str | None] = {
        a: (m or None) for a, m in ((a.account_id, a.current_manager_id) for a in ctx.dataset.accounts)
    }
    service: dict[str, str] = {}
    names = ctx.manager_ids
    for k, account_id in enumerate(ctx.account_ids):
        levels = account_level_names(ctx, k)
        if k % 17 == 0:
            assignment[account_id] = names[(k // 17) % len(names)]
        elif k % 23 == 0:
            assignment[account_id] = None
        elif k % 29 == 0:
            assignment[account_id] = f"GHOST{k % 2}"
        if k % 5 == 0 and len(levels) > 1:
            service[account_id] = levels[-1]
    return Plan(assignment=assignment, service=service)


def evaluation_digest(compiled: Compiled) -> str:
    """sha256 of the evaluation of a plan (its repr: every row and number), of the unit vectors
    read from it, and of the plans written back from them and from random unit vectors."""
    ctx = compiled.ctx
    plan = _plan(compiled)
    h = hashlib.sha256()
    _feed(h, evaluate(ctx, plan, max_moves=5))
    agent = compiled.from_plan(plan)
    has_levels = compiled.problem.pair_level is not None
    levels = compiled.from_plan_levels(plan) if has_levels else None
    for value in (agent, levels, compiled.to_plan(agent, levels)):
        _feed(h, value)
    _feed(h, evaluate(ctx, compiled.to_plan(agent, levels)))
    rng = np.random.default_rng(len(ctx.account_ids))
    units = compiled.problem.n_units
    agent = rng.integers(-1, ctx.n_managers, size=units)
    levels = rng.integers(0, 3, size=units) if has_levels else None
    _feed(h, compiled.to_plan(agent, levels))
    return h.hexdigest()


def digests() -> dict[str, tuple[str, str, str]]:
    out = {}
    for name, ctx in contexts().items():
        compiled = compile_problem(ctx)
        other = compile_problem(ctx, max_moves=7, allow_unassigned=not ctx.dataset.policy.allow_unassigned)
        out[name] = (compiled_digest(compiled), compiled_digest(other), evaluation_digest(compiled))
    return out


# Taken with the code of ad58b8c (before the speed-ups): `python tests/test_compile_speed_identity.py`
# with PYTHONPATH at a checkout of that commit.
EXPECTED: dict[str, tuple[str, str, str]] = {
    "plain": (
        "a1d1e801f4930f33c8d0af8bc94b88b9c55c8565a8cbd0ad16e17a098bde90bc",
        "7bf34d10b1c1cfd0284e4a8f8d329fb19fdd3964fc35821f4d6f39c1abe55887",
        "d9cd70f4d8103198858e601f926828c9af67db8db9a96a79f1e39af742be84e5",
    ),
    "rules": (
        "7c84fb1d1ad0fb52ae9a0fbdc03f04b2c2b275a7e9d61f3d363fbe964240c74f",
        "acc96fbf18539316efc5bbccbeb230aea4b05ee9321da5b1aabe99d1981c53ae",
        "7e595a97adf5abc8b79b7e927c3170f1f87a8171303bd3569737e018a1d4d6df",
    ),
    # Re-taken for a change of meaning (#19, balance per role): the problem gains balance_member
    # (one balance group per role) and the evaluation's balance sums each role's spread; with
    # balance_member left out the compiled digests are still ad58b8c's.
    "teams": (
        "57a481249b817ef46c936a29ad8f4ad2146b05e5f551c1a83f60455a7497518a",
        "e9fa250de2431b5b558b48c1ce08d8f8cfc8f37f7be23d0376f6691642960642",
        "3e18386b45a77e07398f4234980a22d362586cee8b20f484478390695b97dd46",
    ),
    "matrix": (
        "73b29533b5a38af30a1bfbd2282f216341eecd848106101017428b3b3b69c5c9",
        "f6ed09c3bfcdd50b3a7446a6e2a9e889b9363160b35d59dcd57825adf1c369ae",
        "c1f98e91fe7e62d16edf0216b43f2d885ee02dd591adcd56a1c61037fb89f54c",
    ),
}


@pytest.fixture(scope="module")
def computed() -> dict[str, tuple[str, str, str]]:
    return digests()


@pytest.mark.parametrize("name", ["plain", "rules", "teams", "matrix"])
def test_compiled_arrays_and_evaluation_are_unchanged(name: str, computed) -> None:
    assert computed[name] == EXPECTED[name]


def test_the_cases_reach_the_branches_they_are_for() -> None:
    """A digest only guards what the case exercises: the cases do have levels, teams, groups of
    more than one account, a parent key naming no account, a matrix and leavers."""
    ctx = contexts()
    plain = compile_problem(ctx["plain"]).problem
    assert plain.pair_level is not None and plain.has_levels and plain.unassigned_cost is not None
    rules = compile_problem(ctx["rules"])
    assert rules.problem.pair_level is None and rules.problem.lower is not None
    assert rules.problem.spread_names == ("value_spread", "strategic_spread")
    held = {rules.ctx.account_ids[i] for g in rules.ctx.groups if len(g) >= 3 for i in g}
    assert {rules.ctx.account_ids[k] for k in (10, 11, 12, 40, 41, 42)} <= held
    assert not rules.ctx.active.all() and (rules.ctx.pinned_to >= 0).sum() == 3
    assert compile_problem(ctx["teams"]).team is not None
    assert ctx["matrix"].travel_matrix is not None


def _groups_the_plain_way(accounts: list[Account]) -> list[list[int]]:
    """Parent groups by a textbook union-find in Python: the reference for the numpy one."""
    index = {a.account_id: i for i, a in enumerate(accounts)}
    up: dict[object, object] = {}

    def root(x: object) -> object:
        while up.get(x, x) != x:
            x = up[x]
        return x

    for i, a in enumerate(accounts):
        if a.parent_id:
            up.setdefault(i, i)
            other = index.get(a.parent_id, ("key", a.parent_id))
            up[root(i)] = root(other)
    groups: dict[object, list[int]] = {}
    for i in range(len(accounts)):
        groups.setdefault(root(i), []).append(i)
    return sorted(groups.values())


@pytest.mark.parametrize("seed", range(6))
def test_parent_groups_match_a_plain_union_find(seed: int) -> None:
    """Links to accounts (chains, cycles, self links) and to keys naming no account, shuffled."""
    rng = np.random.default_rng(seed)
    n = 40 + 30 * seed
    ids = [f"A{i:03d}" for i in range(n)]
    parents = []
    for _ in range(n):
        draw = rng.random()
        if draw < 0.35:
            parents.append(ids[int(rng.integers(0, n))])
        elif draw < 0.45:
            parents.append(f"HOLDING-{int(rng.integers(0, 5))}")
        else:
            parents.append("")
    accounts = [Account(account_id=i, parent_id=p) for i, p in zip(ids, parents, strict=True)]
    order = rng.permutation(n).tolist()
    accounts = [accounts[k] for k in order]
    assert parent_groups(accounts) == _groups_the_plain_way(accounts)
    assert any(len(g) > 3 for g in parent_groups(accounts))


if __name__ == "__main__":
    for key, value in digests().items():
        print(f"    {key!r}: {value!r},")
