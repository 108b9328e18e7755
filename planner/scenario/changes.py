"""Apply a scenario's changes to a data set: pure, in order, one small function per change kind.

Roster changes (leavers, hires, capacities) and policy changes (weights, budget,
pins, forbidden pairs) are applied in file order. `freeze_tier` is resolved last,
on the final roster, because "the account's current manager is still active" is
only known once every leaver is in.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, TypeVar

import numpy as np
from pydantic import ValidationError

from planner.context import Context
from planner.errors import InputError, InputProblem
from planner.models import Dataset, Manager, Pair, Policy
from planner.models.teams import ACCOUNT_MANAGER
from planner.rules import eligible
from planner.scenario.spec import (
    AddHires,
    Change,
    ForbidPairs,
    FreezeTier,
    LeaveRole,
    PinPairs,
    RemoveManager,
    SetCapacity,
    SetMaxMoves,
    SetWeights,
)

# The managers file's bound (planner.models.Manager.capacity_hours): a 31-day month round the clock.
MAX_CAPACITY_HOURS = 744

_T = TypeVar("_T")


@dataclass(frozen=True)
class Applied:
    dataset: Dataset
    notes: list[str]  # one line per change, in file order, saying what it did


@dataclass
class _State:
    """The mutable working copy while changes are applied; never leaves this module."""

    source: str
    accounts: set[str]
    managers: dict[str, Manager]
    as_of: date | None
    weights: dict[str, float] = field(default_factory=dict)
    max_moves: tuple[int | None] | None = None  # a 1-tuple when set, so None can mean "lift"
    pins: list[Pair] = field(default_factory=list)
    forbidden: list[Pair] = field(default_factory=list)
    problems: list[InputProblem] = field(default_factory=list)

    def problem(self, where: str, message: str) -> None:
        self.problems.append(InputProblem(self.source, None, where, message))

    def known_manager(self, where: str, manager_id: str) -> bool:
        if manager_id in self.managers:
            return True
        self.problem(where, f"unknown manager_id {manager_id!r} (not in the managers file or the hires)")
        return False

    def in_force(self, when: date | None) -> bool:
        return self.as_of is None or when is None or when <= self.as_of


def apply_changes(
    dataset: Dataset, changes: Sequence[Change], *, as_of: date | None = None, source: str = "scenario"
) -> Applied:
    """The data set with every change applied; raises InputError naming `source` and the change."""
    state = _State(
        source=source,
        accounts={a.account_id for a in dataset.accounts},
        managers={m.manager_id: m for m in dataset.managers},
        as_of=as_of,
    )
    notes: list[str | None] = []
    for i, change in enumerate(changes):
        where = f"changes[{i}]"
        notes.append(None if isinstance(change, FreezeTier) else _APPLY[change.kind](state, change, where))
    _check_pairs_active(state, changes)
    if state.problems:
        raise InputError(state.problems)

    policy = _policy(dataset.policy, state)
    result = _dataset(dataset, state, policy)
    for i, change in enumerate(changes):
        if isinstance(change, FreezeTier):
            result, notes[i] = _freeze_tier(result, change)
    return Applied(result, [n or "" for n in notes])


# --- one function per change kind ------------------------------------------------------------------
def _remove_manager(state: _State, change: RemoveManager, where: str, roles_field: str = "roles") -> str:
    if not state.known_manager(f"{where}.manager_id", change.manager_id):
        return ""
    if not state.in_force(change.effective_date):
        return f"{change.manager_id} leaves on {change.effective_date}, after {state.as_of}: not in force"
    m = state.managers[change.manager_id]
    if change.roles is not None:
        held = m.roles or frozenset({ACCOUNT_MANAGER})
        foreign = [r for r in change.roles if r not in held]
        if foreign:
            state.problem(
                f"{where}.{roles_field}",
                f"{m.manager_id} does not hold role(s) {', '.join(map(repr, foreign))} (holds {', '.join(sorted(held))})",
            )
            return ""
        if not held <= set(change.roles):  # some role stays: the person leaves these roles only
            return _drop_roles(state, m, frozenset(change.roles), change.effective_date)
    state.managers[m.manager_id] = m.model_copy(update={"active": False})
    when = f" on {change.effective_date}" if change.effective_date else ""
    return f"{m.manager_id} ({m.name or 'no name'}) leaves{when}: inactive, holds no account"


def _leave_role(state: _State, change: LeaveRole, where: str) -> str:
    # An alias (planner.scenario.spec.LeaveRole): remove_manager with roles [role], nothing else.
    return _remove_manager(state, RemoveManager.of(change), where, roles_field="role")


def _drop_roles(state: _State, m: Manager, roles: frozenset[str], effective: date | None) -> str:
    """The person keeps the roles they hold but `roles` (at least one stays)."""
    kept = (m.roles or frozenset({ACCOUNT_MANAGER})) - roles
    state.managers[m.manager_id] = m.model_copy(update={"roles": kept})
    when = f" on {effective}" if effective else ""
    left = " and ".join(sorted(roles))
    return f"{m.manager_id} ({m.name or 'no name'}) leaves the {left} role{'s' if len(roles) > 1 else ''}{when}; keeps {', '.join(sorted(kept))}"


def _add_hires(state: _State, change: AddHires, where: str) -> str:
    added: list[str] = []
    skipped = 0  # people whose start_date is after the planning date
    for k, hire in enumerate(change.hires):
        ids = (
            [hire.manager_id]
            if hire.count == 1
            else [f"{hire.manager_id}-{n}" for n in range(1, hire.count + 1)]
        )
        taken = [i for i in ids if i in state.managers]
        if taken:
            state.problem(f"{where}.hires[{k}].manager_id", f"manager_id {taken[0]!r} already exists")
            continue
        if not state.in_force(hire.start_date):
            skipped += hire.count
            continue
        fields = hire.model_dump(exclude={"start_date", "count"})
        roles = f", {' and '.join(r.replace('_', ' ') for r in hire.roles)}" if hire.roles else ""
        for n, manager_id in enumerate(ids, start=1):
            name = f"{hire.name} {n}" if hire.name and hire.count > 1 else hire.name
            state.managers[manager_id] = Manager.model_validate(
                {**fields, "manager_id": manager_id, "name": name}
            )
            added.append(
                f"{manager_id} ({hire.seniority.value}, {hire.region}, {hire.capacity_hours:g} h{roles})"
            )
    later = f"; {skipped} start after {state.as_of}: not in force" if skipped and not state.problems else ""
    return f"hires: {', '.join(added) or 'none'}{later}"


def _set_capacity(state: _State, change: SetCapacity, where: str) -> str:
    if change.manager_id is not None:
        if not state.known_manager(f"{where}.manager_id", change.manager_id):
            return ""
        targets = [change.manager_id]
    else:
        # "Everyone" means the people still on the team at this point in the list.
        targets = [mid for mid, m in state.managers.items() if m.active]
    for mid in targets:
        m = state.managers[mid]
        hours = change.hours if change.hours is not None else m.capacity_hours * (change.factor or 0.0)
        if hours > MAX_CAPACITY_HOURS:  # model_copy does not validate; the solve would overflow later
            state.problem(
                f"{where}.factor",
                f"manager {mid!r}: {m.capacity_hours:g} h x {change.factor:g} = {hours:g} h a month, more than "
                f"{MAX_CAPACITY_HOURS} (a 31-day month)",
            )
            return ""
        state.managers[mid] = m.model_copy(update={"capacity_hours": round(hours, 2)})
    how = f"{change.hours:g} h" if change.hours is not None else f"x {change.factor:g}"
    who = change.manager_id or f"all {len(targets)} active managers"
    return f"capacity of {who}: {how}"


def _set_weights(state: _State, change: SetWeights, where: str) -> str:
    given = change.given()
    if not given:
        state.problem(where, "set_weights names no weight")
    state.weights.update(given)
    return "weights: " + ", ".join(f"{k} = {v:g}" for k, v in given.items())


def _set_max_moves(state: _State, change: SetMaxMoves, where: str) -> str:
    state.max_moves = (change.max_moves,)
    return f"disruption budget: {'none' if change.max_moves is None else change.max_moves} voluntary moves"


def _pin(state: _State, change: PinPairs, where: str) -> str:
    state.pins += _checked_pairs(state, change.pairs, where)
    return f"pinned {len(change.pairs)} pair(s)"


def _forbid(state: _State, change: ForbidPairs, where: str) -> str:
    state.forbidden += _checked_pairs(state, change.pairs, where)
    return f"forbade {len(change.pairs)} pair(s)"


_APPLY: dict[str, Callable[[_State, Any, str], str]] = {
    "remove_manager": _remove_manager,
    "leave_role": _leave_role,
    "add_hires": _add_hires,
    "set_capacity": _set_capacity,
    "set_weights": _set_weights,
    "set_max_moves": _set_max_moves,
    "pin": _pin,
    "forbid": _forbid,
}


def _checked_pairs(state: _State, pairs: list[Pair], where: str) -> list[Pair]:
    for k, p in enumerate(pairs):
        if p.account_id not in state.accounts:
            state.problem(f"{where}.pairs[{k}].account_id", f"unknown account_id {p.account_id!r}")
        state.known_manager(f"{where}.pairs[{k}].manager_id", p.manager_id)
    return list(pairs)


def _check_pairs_active(state: _State, changes: Sequence[Change]) -> None:
    """A pin to someone this scenario removes can never hold; say so here, not as 'infeasible'."""
    for i, change in enumerate(changes):
        if isinstance(change, PinPairs):
            for k, p in enumerate(change.pairs):
                m = state.managers.get(p.manager_id)
                if m is not None and not m.active:
                    state.problem(
                        f"changes[{i}].pairs[{k}].manager_id",
                        f"pins {p.account_id} to {p.manager_id}, who is inactive in this scenario",
                    )


# --- assembling the result -----------------------------------------------------------------------
def _policy(base: Policy, state: _State) -> Policy:
    update: dict[str, Any] = {}
    if state.weights:
        update["weights"] = {**base.weights.model_dump(), **state.weights}
    if state.max_moves is not None:
        update["max_moves"] = state.max_moves[0]
    if state.pins:
        update["pins"] = [*(p.model_dump() for p in base.pins), *(p.model_dump() for p in state.pins)]
    if state.forbidden:
        update["forbidden"] = [
            *(p.model_dump() for p in base.forbidden),
            *(p.model_dump() for p in state.forbidden),
        ]
    if not update:
        return base
    return _validated(state.source, lambda: Policy.model_validate({**base.model_dump(), **update}))


def _dataset(base: Dataset, state: _State, policy: Policy) -> Dataset:
    return _validated(
        state.source,
        lambda: Dataset(managers=tuple(state.managers.values()), accounts=base.accounts, policy=policy),
    )


def _freeze_tier(dataset: Dataset, change: FreezeTier) -> tuple[Dataset, str]:
    ctx = Context.build(dataset)
    pinned = {p.account_id for p in dataset.policy.pins}
    new: list[Pair] = []
    must_move = 0
    for i, a in enumerate(dataset.accounts):
        cur = int(ctx.current[i])
        if ctx.tiering.tier_of(i) != change.tier or cur < 0 or not ctx.active[cur]:
            continue  # no manager, or one who leaves: the account has to move
        if a.account_id in pinned:
            continue  # an explicit pin says where it goes; freezing must not contradict it
        group = np.asarray(ctx.groups[int(ctx.group_of[i])])
        # Pinning an account the rules already move away (a junior on a strategic account, a
        # parent group split today) would only make the scenario infeasible: it moves.
        if np.any(ctx.current[group] != cur) or not eligible(ctx, group, np.full(group.size, cur)).all():
            must_move += 1
            continue
        new.append(Pair(account_id=a.account_id, manager_id=ctx.manager_ids[cur]))
    policy = dataset.policy.model_copy(update={"pins": [*dataset.policy.pins, *new]})
    note = f"froze tier {change.tier.value}: {len(new)} account(s) pinned to their current manager"
    if must_move:
        note += f"; {must_move} not frozen because a hard rule moves them anyway (seniority, region, language, split group)"
    return Dataset(managers=dataset.managers, accounts=dataset.accounts, policy=policy), note


def _validated(source: str, build: Callable[[], _T]) -> _T:
    try:
        return build()
    except ValidationError as exc:
        raise InputError(
            [
                InputProblem(source, None, "changes", f"the changed data set is invalid: {e['msg']}")
                for e in exc.errors()
            ]
        ) from None
