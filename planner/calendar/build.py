"""Compile the calendar inputs into one `PeriodicProblem` per manager.

A manager's accounts never share a day with another manager's, so the calendar splits into
independent problems: node 0 is the manager's home, nodes 1..n the accounts assigned to them,
day d is `horizon.start + d`, and a day offers one route (a working day) or none (weekend,
public holiday, leave, or a manager who has left). Everything is in whole minutes:
    travel  = ceil(TravelModel.hours(great-circle km) x 60): road, or train/plane where faster; 0 where a place is unknown
    service = hours_per_visit x 60,   day limit = hours_per_day x 60 (travel included)
Time windows are minutes after the day starts. A missed visit costs
    10^4 x (100 x (2 - tier index) + value score + 1)
so a strategic visit outranks a key one, key outranks standard, and within a tier the more
valuable account is kept first; any such cost dwarfs a day's travel (at most 1,440 minutes).

Account teams (a team plan's role rows): every person holding an account in any role gets a
problem, with the role's visits (its frequency and hours per visit, the tier's spacing). A joint
visit (planner.calendar.joint) is a node of its own in both people's problems: one day, one
start time (a time window of exactly the visit), missed at JOINT_MISS, dearer than any visit.

Service levels: an account the plan serves at a reduced level (plan.csv's `service`) is due
every `visit_every_weeks` of that level instead of its tier's; an account the plan leaves
unserved (no manager) is in no manager's problem, so it gets no visit and no shortfall.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
from pydantic import ValidationError

from planner.calendar.frequency import required_visits, visit_windows, windows_after
from planner.calendar.inputs import Assignment, Availability, read_availability, read_leave, read_plan
from planner.calendar.joint import JointVisit
from planner.calendar.settings import load_policies
from planner.calendar.trips import Trips, merge_routes, plan_trips, planning_problem, with_trips
from planner.calendar.workdays import WorkCalendar, make_calendar
from planner.errors import InputError, InputProblem
from planner.geo import haversine_km, radian_coords
from planner.io.loader import load_dataset
from planner.io.travel_matrix import load_travel_matrix
from planner.models import TIER_ORDER, Dataset, Policy, Tier
from planner.models.calendar_policy import CalendarPolicy
from planner.models.policy import TravelModel
from planner.models.teams import ACCOUNT_MANAGER, Teams
from planner.plan_data import plan_files
from planner.pvrp.problem import PeriodicProblem, WindowRule
from planner.tiering import compute_tiers

MISS_UNIT = 1e4
# A joint visit outranks every visit of one person: two calendars and a customer wait on it.
JOINT_MISS = MISS_UNIT * 1000


@dataclass(frozen=True)
class CalendarInputs:
    dataset: Dataset
    calendar: CalendarPolicy
    work: WorkCalendar
    assignment: Assignment
    leave: dict[str, frozenset[dt.date]]
    availability: dict[str, Availability]
    tier: dict[str, Tier]  # per account: plan.csv's tier, else the computed one
    value: dict[str, float]  # per account value score, 0-100
    notes: tuple[str, ...] = ()  # warnings for the user: data not the plan's own, holidays not known
    # (accounts, managers) one-way hours from the policy's travel matrix, nan where the formula
    # applies: the assignment's travel model, so a home-to-account leg costs the same in both.
    travel_matrix: np.ndarray | None = None

    @property
    def policy(self) -> Policy:
        return self.dataset.policy

    def level_of(self, account_id: str) -> str:
        """'full', the reduced level's name, or 'unserved' (no manager: no visits are due)."""
        if account_id not in self.assignment.manager_of:
            return "unserved"
        return self.assignment.level_of.get(account_id, "full")

    def visit_every_weeks(self, account_id: str) -> float | None:
        """The spacing the account is due at: its own (accounts.csv, or an at-risk account's raised
        frequency: the assignment's `Context.own_every_weeks`), else its level's, else its tier's;
        None for a frequency of 0 visits per month."""
        rule = self.policy.tiers[self.tier[account_id]]
        own = self.policy.health.own_every_weeks(
            self.dataset.account_by_id[account_id], rule.visit_every_weeks
        )
        if own is not None:
            return own
        name = self.assignment.level_of.get(account_id)
        for level in rule.reduced_levels:
            if level.name == name:
                return level.visit_every_weeks
        return rule.visit_every_weeks

    @property
    def teams(self) -> Teams | None:
        teams = self.policy.setting("teams")
        return teams if isinstance(teams, Teams) else None

    def role_every_weeks(self, account_id: str, role: str) -> float | None:
        """The spacing the role's visits are due at (the account manager's: `visit_every_weeks`)."""
        if role == ACCOUNT_MANAGER or self.teams is None:
            return self.visit_every_weeks(account_id)
        return self.teams.roles[role].visit_every_weeks

    def visit_minutes(self, account_id: str, role: str) -> int:
        """How long the role's visit lasts: the tier's hours per visit, or the role's."""
        if role == ACCOUNT_MANAGER or self.teams is None:
            hours = self.policy.tiers[self.tier[account_id]].hours_per_visit
        else:
            hours = self.teams.roles[role].hours_per_visit
        return round(hours * 60)

    def holdings(self, manager_id: str) -> tuple[tuple[str, str], ...]:
        """(account_id, role) of every account the person holds: as account manager first, then
        in team roles (a person holds at most one role on an account, planner.teams)."""
        own = [(a, ACCOUNT_MANAGER) for a, m in self.assignment.manager_of.items() if m == manager_id]
        seen = {a for a, _ in own}
        for a, by_role in self.assignment.team_of.items():
            for role, people in by_role.items():
                if manager_id in people and a not in seen:
                    own.append((a, role))
                    seen.add(a)
        return tuple(own)

    def role_of(self, manager_id: str, account_id: str) -> str | None:
        """The person's role on the account, None when they hold none."""
        if self.assignment.manager_of.get(account_id) == manager_id:
            return ACCOUNT_MANAGER
        for role, people in self.assignment.team_of.get(account_id, {}).items():
            if manager_id in people:
                return role
        return None


@dataclass(frozen=True)
class ManagerProblem:
    manager_id: str
    account_ids: tuple[str, ...]  # node i is account_ids[i - 1]
    problem: PeriodicProblem  # what the day-route search solves: trip days and remote accounts out
    off: tuple[str | None, ...]  # per day: why the manager does not work (None = works)
    # Every visit as asked, each day's start and end node set by the overnight trips: what the
    # visits, the check and the summary read.
    full: PeriodicProblem | None = None
    trips: Trips | None = None
    roles: tuple[str, ...] = ()  # per node 1..n: the person's role there (empty: account manager)
    joint: dict[int, JointVisit] = field(default_factory=dict)  # joint visit nodes

    def role(self, node: int) -> str:
        return self.roles[node - 1] if self.roles else ACCOUNT_MANAGER

    @property
    def whole(self) -> PeriodicProblem:
        return self.problem if self.full is None else self.full

    def routes(
        self, search_routes: tuple[tuple[tuple[int, ...], ...], ...]
    ) -> tuple[tuple[tuple[int, ...], ...], ...]:
        """Every day's route: the search's, with the trips' days in place."""
        return search_routes if self.trips is None else merge_routes(search_routes, self.trips)

    def node_of(self, account_id: str) -> int:
        return self.account_ids.index(account_id) + 1


def load_inputs(
    *,
    accounts: Path | None = None,
    managers: Path | None = None,
    plan: Path,
    start: str,
    weeks: int,
    country: str | None = None,
    leave: Path | None = None,
    availability: Path | None = None,
    policy: Path | None = None,
) -> CalendarInputs:
    """The calendar's inputs; accounts, managers and policy not given are those recorded with
    the plan (planner.plan_data)."""
    files = plan_files(plan, accounts, managers, policy)
    pol, calendar = load_policies(files.policy)
    work = make_calendar(start, weeks, country, calendar.weekday_set)
    # With the policy: its teams say which roles and role columns the files may have.
    base = load_dataset(files.accounts, files.managers, files.policy)
    try:
        dataset = Dataset(managers=base.managers, accounts=base.accounts, policy=pol)
    except ValidationError as exc:
        raise InputError(
            [InputProblem("data set", None, None, str(e["msg"])) for e in exc.errors()]
        ) from None
    assignment = read_plan(plan, dataset)
    leave_days = read_leave(leave, dataset, work.horizon) if leave else {}
    avail = read_availability(files.accounts, dataset, required=False)
    if availability:
        avail.update(read_availability(availability, dataset))
    made = make_inputs(dataset, assignment, work, leave_days, avail)
    matrix = None
    if pol.travel.matrix_file:
        path = Path(pol.travel.matrix_file)
        if not path.is_absolute() and files.policy is not None:
            path = files.policy.parent / path  # as the assignment reads it (Context.build)
        matrix = load_travel_matrix(path, dataset)
    return replace(made, notes=(*files.warnings, *work.holiday_gaps()), travel_matrix=matrix)


def make_inputs(
    dataset: Dataset,
    assignment: Assignment,
    work: WorkCalendar,
    leave: dict[str, frozenset[dt.date]],
    availability: dict[str, Availability],
) -> CalendarInputs:
    """Inputs from data already read and checked (the files above, or a plan stored by the API).
    The calendar settings are the policy's `calendar` section."""
    tiering = compute_tiers(dataset)
    tier = {}
    value = {}
    for i, a in enumerate(dataset.accounts):
        tier[a.account_id] = assignment.tier_of.get(a.account_id, tiering.tier_of(i))
        value[a.account_id] = float(tiering.value_score[i])
    _check_levels(dataset.policy, assignment, tier)
    return CalendarInputs(
        dataset, dataset.policy.calendar, work, assignment, leave, availability, tier, value
    )


def _check_levels(policy: Policy, assignment: Assignment, tier: dict[str, Tier]) -> None:
    """Every reduced level the plan names must be one of the account's tier (the evaluator's
    rule `service_level`): an unknown name would otherwise be planned at full frequency."""
    problems = []
    for account_id, name in assignment.level_of.items():
        rule = policy.tiers[tier[account_id]]
        names = [level.name for level in rule.reduced_levels]
        if name not in names:
            known = ", ".join(repr(n) for n in ["full", *names])
            problems.append(
                InputProblem(
                    assignment.source,
                    assignment.row_of.get(account_id),
                    "service",
                    f"account {account_id!r}: unknown service level {name!r} for tier "
                    f"{tier[account_id].value} (it has {known})",
                )
            )
    if problems:
        raise InputError(problems)


def manager_off_days(inputs: CalendarInputs, manager_id: str) -> tuple[str | None, ...]:
    manager = inputs.dataset.manager_by_id[manager_id]
    leave = inputs.leave.get(manager_id, frozenset())
    horizon = inputs.work.horizon
    out: list[str | None] = []
    for d in range(horizon.n_days):
        date = horizon.date(d)
        if not manager.active:
            out.append("manager inactive")
        elif date in leave:
            out.append("leave")
        else:
            out.append(inputs.work.reason_off(date))
    return tuple(out)


def build_manager(
    inputs: CalendarInputs, manager_id: str, joint: Sequence[JointVisit] = ()
) -> ManagerProblem:
    """The person's problem: one node per account they hold in any role (the role's frequency
    and visit length), and one node per joint visit `joint` gives them a day for (that day
    only, starting at the agreed time; the role's visit window around it comes off the
    account's own node, whose visits keep the tier's spacing from it)."""
    ds = inputs.dataset
    policy = ds.policy
    cal = inputs.calendar
    horizon = inputs.work.horizon
    n_days = horizon.n_days
    holdings = inputs.holdings(manager_id)
    own = [a for a, _ in holdings]
    together = [j for j in joint if j.day is not None and manager_id in (j.manager_id, j.partner_id)]
    account_ids = (*own, *(j.account_id for j in together))
    n = len(account_ids)
    travel = travel_for(inputs, manager_id, account_ids)
    service = np.zeros(n + 1)
    miss = np.zeros(n + 1)
    rules = []
    weekday = np.array([horizon.date(d).weekday() for d in range(n_days)])
    tw = np.zeros((n + 1, 2))
    tw[:, 1] = cal.minutes_per_day
    any_window = False
    for i, (account_id, role) in enumerate(holdings, start=1):
        a = ds.account_by_id[account_id]
        tier = inputs.tier[account_id]
        rule = policy.tiers[tier]
        service[i] = inputs.visit_minutes(account_id, role)
        miss[i] = MISS_UNIT * (100 * (2 - TIER_ORDER.index(tier)) + inputs.value[account_id] + 1)
        avail = inputs.availability.get(account_id, Availability())
        allowed = (
            np.ones(n_days, dtype=bool) if avail.weekdays is None else np.isin(weekday, list(avail.weekdays))
        )
        every_weeks = inputs.role_every_weeks(account_id, role)
        if a.last_visit_date is None or role != ACCOUNT_MANAGER:
            windows = visit_windows(n_days, required_visits(horizon.weeks, every_weeks))
        else:
            last = (a.last_visit_date - horizon.date(0)).days
            windows = windows_after(n_days, every_weeks, last, rule.min_spacing_days)
        days_together = [j.day for j in together if j.account_id == account_id and j.day is not None]
        if days_together:
            # The joint visit is this role's visit of its window; the others keep their spacing from it.
            windows = tuple(w for w in windows if not any(w[0] <= d <= w[1] for d in days_together))
            near = max(1, rule.min_spacing_days)
            allowed = allowed & ~np.any(
                np.abs(np.arange(n_days)[:, None] - np.array(days_together)[None, :]) < near, axis=1
            )
        rules.append(WindowRule(windows, rule.min_spacing_days, allowed))
        if avail.window is not None:
            any_window = True
            tw[i] = (avail.window[0] - cal.day_start_minutes, avail.window[1] - cal.day_start_minutes)
    joint_nodes: dict[int, JointVisit] = {}
    for i, j in enumerate(together, start=len(holdings) + 1):
        assert j.day is not None and j.start is not None
        role = inputs.role_of(manager_id, j.account_id) or ACCOUNT_MANAGER
        service[i] = inputs.visit_minutes(j.account_id, role)
        miss[i] = JOINT_MISS
        only = np.zeros(n_days, dtype=bool)
        only[j.day] = True
        rules.append(WindowRule(((j.day, j.day),), 0, only))
        tw[i] = (j.start, j.start + service[i])
        any_window = True
        joint_nodes[i] = j
    off = manager_off_days(inputs, manager_id)
    problem = PeriodicProblem(
        name=manager_id,
        travel=travel,
        service=service,
        demand=np.zeros(n + 1),
        vehicles=np.array([0 if o else 1 for o in off], dtype=np.int64),
        capacity=np.full(n_days, np.inf),
        max_duration=np.full(n_days, float(cal.minutes_per_day)),
        rules=tuple(rules),
        miss_cost=miss,
        time_window=tw if any_window else None,
        labels=(manager_id, *account_ids),
    )
    # No overnight trip takes a joint visit's day or the night before it: that day leaves home,
    # as its agreed start time assumes.
    vehicles = problem.vehicles.copy()
    for j in joint_nodes.values():
        vehicles[j.day] = 0
    trips = plan_trips(replace(problem, vehicles=vehicles))
    return ManagerProblem(
        manager_id,
        account_ids,
        planning_problem(problem, trips),
        off,
        with_trips(problem, trips),
        trips,
        roles=(
            *(r for _, r in holdings),
            *(inputs.role_of(manager_id, j.account_id) or ACCOUNT_MANAGER for j in together),
        ),
        joint=joint_nodes,
    )


def travel_for(inputs: CalendarInputs, manager_id: str, account_ids: Sequence[str]) -> np.ndarray:
    """Whole minutes between the person's home (node 0) and the accounts (nodes 1..n): the
    policy's travel model, with the legs its travel matrix gives in place."""
    ds = inputs.dataset
    manager = ds.manager_by_id[manager_id]
    accounts = [ds.account_by_id[a] for a in account_ids]
    travel = travel_minutes(
        [(manager.home_lat, manager.home_lon)] + [(a.lat, a.lon) for a in accounts], ds.policy.travel
    )
    if inputs.travel_matrix is not None and accounts:
        # The matrix gives manager-to-account legs (both ways); account-to-account stays the formula.
        account_row = {a.account_id: i for i, a in enumerate(ds.accounts)}
        column = next(j for j, m in enumerate(ds.managers) if m.manager_id == manager_id)
        hours = inputs.travel_matrix[[account_row[a] for a in account_ids], column]
        given = ~np.isnan(hours)
        minutes = np.ceil(hours[given] * 60 - 1e-9)
        travel[0, 1:][given] = minutes
        travel[1:, 0][given] = minutes
    return travel


def travel_minutes(places: list[tuple[float | None, float | None]], travel: TravelModel) -> np.ndarray:
    """Whole minutes between every pair of places by the policy's travel model (the
    assignment's), rounded up; 0 to or from an unknown place."""
    lat, lon, known = radian_coords(places)
    km = haversine_km(lat[:, None], lon[:, None], lat[None, :], lon[None, :])
    minutes = np.ceil(travel.hours(km) * 60 - 1e-9)
    minutes[~(known[:, None] & known[None, :])] = 0
    np.fill_diagonal(minutes, 0)
    return np.maximum(minutes, 0)


def managers_with_accounts(inputs: CalendarInputs) -> list[str]:
    """Everybody who holds an account in some role, in the managers file's order."""
    assigned = set(inputs.assignment.manager_of.values()) | {
        person
        for by_role in inputs.assignment.team_of.values()
        for people in by_role.values()
        for person in people
    }
    return [m.manager_id for m in inputs.dataset.managers if m.manager_id in assigned]
