"""The calendar's side files, read with row-aware errors: plan.csv, leave.csv, availability.

- plan.csv (from `planner assign`): account_id, manager_id (blank = unassigned: the plan leaves
  the account unserved, so it gets no visits), optional tier, optional service (`full`, a
  reduced level's name such as `every 2 months`, or `unserved`; blank = full); other columns
  are ignored. A team plan (planner.teams) adds `role`: one row per account x role, the
  account manager's row as above, a team slot's row names the person holding that role
  (blank = the slot is unfilled). As in `planner check`, a level on an account without a manager is ignored, and
  `unserved` on one with a manager means full service.
- leave.csv: manager_id plus either `date` or `start` and `end` (inclusive), ISO dates.
- availability (a side file, or the same columns in accounts.csv): account_id, `weekdays`
  such as `mon;tue;thu`, and optional `window_start` / `window_end` (HH:MM) bounding the
  visit itself.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from planner.calendar.workdays import Horizon
from planner.errors import InputError, InputProblem
from planner.io.tables import Table, read_table
from planner.models import Dataset, Tier
from planner.models.calendar_policy import parse_clock, parse_weekdays
from planner.models.teams import ACCOUNT_MANAGER


@dataclass(frozen=True)
class Assignment:
    manager_of: dict[str, str]  # account_id -> manager_id, assigned accounts only
    tier_of: dict[str, Tier]  # tiers given in plan.csv
    unassigned: tuple[str, ...]
    # account_id -> the reduced service level the plan chose (assigned accounts only; absent = full).
    level_of: dict[str, str] = field(default_factory=dict)
    source: str = "plan"  # where it was read, for messages (plan.csv's name, or "plan")
    row_of: dict[str, int] = field(default_factory=dict)  # account_id -> its row there, if read from a file
    # Account teams: account_id -> extra role -> the people holding it (filled slots only; only
    # on accounts with an account manager: an unserved account gets no visits from anybody).
    team_of: dict[str, dict[str, tuple[str, ...]]] = field(default_factory=dict)
    # The plan has team rows (a `role` column): its calendar plans every role's visits and the
    # joint visits; without them, the account managers' alone (as before teams).
    team_plan: bool = False


@dataclass(frozen=True)
class Availability:
    weekdays: frozenset[int] | None = None  # None: any working day
    window: tuple[int, int] | None = None  # minutes after midnight: visit starts >= [0], ends <= [1]


def read_plan(plan: Path, dataset: Dataset) -> Assignment:
    path = Path(plan)
    if path.is_dir():
        path = path / "plan.csv"
    table = read_table(path)
    problems = _require(table, ("account_id", "manager_id"))
    if problems:
        raise InputError(problems)
    known_accounts = dataset.account_by_id
    known_managers = dataset.manager_by_id
    manager_of: dict[str, str] = {}
    tier_of: dict[str, Tier] = {}
    level_of: dict[str, str] = {}
    unassigned: list[str] = []
    seen: dict[str, int] = {}
    team: dict[str, dict[str, list[str]]] = {}
    roles = _team_roles(dataset)
    for number, row in table.rows:
        account = row.get("account_id", "")
        manager = row.get("manager_id", "")
        if not account:
            problems.append(InputProblem(table.name, number, "account_id", "required value is blank"))
            continue
        role = row.get("role", "") or ACCOUNT_MANAGER
        if role != ACCOUNT_MANAGER:  # a team slot's row (planner.teams)
            problem = _team_row_problem(account, manager, role, roles, dataset)
            if problem:
                problems.append(InputProblem(table.name, number, *problem))
            elif manager:
                team.setdefault(account, {}).setdefault(role, []).append(manager)
            continue
        if account in seen:
            problems.append(
                InputProblem(
                    table.name,
                    number,
                    "account_id",
                    f"account {account!r} appears twice (first in row {seen[account]})",
                )
            )
            continue
        seen[account] = number
        if account not in known_accounts:
            problems.append(
                InputProblem(
                    table.name,
                    number,
                    "account_id",
                    f"unknown account_id {account!r} (not in the accounts file)",
                )
            )
            continue
        if manager and manager not in known_managers:
            problems.append(
                InputProblem(
                    table.name,
                    number,
                    "manager_id",
                    f"unknown manager_id {manager!r} (not in the managers file)",
                )
            )
            continue
        tier = row.get("tier", "")
        if tier:
            try:
                tier_of[account] = Tier(tier.lower())
            except ValueError:
                problems.append(
                    InputProblem(
                        table.name, number, "tier", f"unknown tier {tier!r} (strategic, key or standard)"
                    )
                )
        if manager:
            manager_of[account] = manager
            level = row.get("service", "")
            if level not in ("", "full", "unserved"):
                level_of[account] = level  # checked against the account's tier in make_inputs
        else:
            unassigned.append(account)
    missing = [a for a in known_accounts if a not in seen]
    if missing and not problems:
        shown = ", ".join(missing[:20]) + (f" and {len(missing) - 20} more" if len(missing) > 20 else "")
        problems.append(
            InputProblem(
                table.name,
                None,
                "account_id",
                f"{len(missing)} account(s) of the accounts file are not in the plan: {shown}. A calendar "
                "from this plan would leave them without visits; list every account (a blank manager_id "
                "marks one unassigned), or use the accounts file the plan was made from",
            )
        )
    if problems:
        raise InputError(problems)
    team_of = {
        a: {role: tuple(people) for role, people in by_role.items()}
        for a, by_role in team.items()
        if a in manager_of
    }
    return Assignment(
        manager_of, tier_of, tuple(unassigned), level_of, table.name, seen, team_of, "role" in table.columns
    )


def _team_roles(dataset: Dataset) -> set[str]:
    teams = dataset.policy.setting("teams")
    return set(teams.roles) if teams is not None else set()


def _team_row_problem(
    account: str, manager: str, role: str, roles: set[str], dataset: Dataset
) -> tuple[str, str] | None:
    """(column, words) of what is wrong with a team slot's row, or None."""
    if account not in dataset.account_by_id:
        return "account_id", f"unknown account_id {account!r} (not in the accounts file)"
    if role not in roles:
        return "role", f"role {role!r} is not in the policy's teams.roles"
    if manager and manager not in dataset.manager_by_id:
        return "manager_id", f"unknown manager_id {manager!r} (not in the managers file)"
    return None


def read_leave(path: Path, dataset: Dataset, horizon: Horizon | None = None) -> dict[str, frozenset[dt.date]]:
    """manager_id -> dates on leave; with a horizon, only the days inside it (open-ended leave
    such as an end of 9999-12-31 is fine: only the horizon's days are listed)."""
    table = read_table(Path(path))
    problems = _require(table, ("manager_id",))
    has_date = "date" in table.columns
    has_range = "start" in table.columns and "end" in table.columns
    if not has_date and not has_range:
        problems.append(
            InputProblem(table.name, 1, "date", "needs a 'date' column or 'start' and 'end' columns")
        )
    if problems:
        raise InputError(problems)
    out: dict[str, set[dt.date]] = {}
    for number, row in table.rows:
        manager = row.get("manager_id", "")
        if not manager:
            problems.append(InputProblem(table.name, number, "manager_id", "required value is blank"))
            continue
        if manager not in dataset.manager_by_id:
            problems.append(
                InputProblem(
                    table.name,
                    number,
                    "manager_id",
                    f"unknown manager_id {manager!r} (not in the managers file)",
                )
            )
            continue
        if has_date and row.get("date"):
            first = last = _date(table.name, number, "date", row["date"], problems)
        elif has_range and (row.get("start") or row.get("end")):
            first = _date(table.name, number, "start", row.get("start", ""), problems)
            last = _date(table.name, number, "end", row.get("end", ""), problems)
            if first and last and last < first:
                problems.append(
                    InputProblem(table.name, number, "end", f"end {last} is before start {first}")
                )
                continue
        else:
            problems.append(
                InputProblem(table.name, number, "date", "no date given (fill 'date', or 'start' and 'end')")
            )
            continue
        if first is None or last is None:
            continue
        if horizon is not None:
            first, last = max(first, horizon.start), min(last, horizon.end)
        days = out.setdefault(manager, set())
        days.update(first + dt.timedelta(days=n) for n in range((last - first).days + 1))
    if problems:
        raise InputError(problems)
    return {m: frozenset(d) for m, d in out.items()}


def read_availability(path: Path, dataset: Dataset, *, required: bool = True) -> dict[str, Availability]:
    """account_id -> availability. With required=False (accounts.csv) missing columns mean none given."""
    table = read_table(Path(path))
    columns = set(table.columns)
    if not ({"weekdays", "window_start", "window_end"} & columns):
        if required:
            raise InputError(
                [
                    InputProblem(
                        table.name, 1, "weekdays", "needs a 'weekdays' or 'window_start'/'window_end' column"
                    )
                ]
            )
        return {}
    problems = _require(table, ("account_id",))
    if problems:
        raise InputError(problems)
    out: dict[str, Availability] = {}
    for number, row in table.rows:
        account = row.get("account_id", "")
        if not account:
            problems.append(InputProblem(table.name, number, "account_id", "required value is blank"))
            continue
        if account not in dataset.account_by_id:
            problems.append(
                InputProblem(
                    table.name,
                    number,
                    "account_id",
                    f"unknown account_id {account!r} (not in the accounts file)",
                )
            )
            continue
        weekdays = None
        if row.get("weekdays"):
            try:
                weekdays = parse_weekdays(row["weekdays"])
            except ValueError as exc:
                problems.append(InputProblem(table.name, number, "weekdays", str(exc)))
        window = None
        lo_text, hi_text = row.get("window_start", ""), row.get("window_end", "")
        if lo_text or hi_text:
            lo = _clock(table.name, number, "window_start", lo_text or "00:00", problems)
            hi = _clock(table.name, number, "window_end", hi_text or "24:00", problems)
            if lo is not None and hi is not None:
                if hi <= lo:
                    problems.append(
                        InputProblem(
                            table.name,
                            number,
                            "window_end",
                            f"window ends ({hi_text}) before it starts ({lo_text})",
                        )
                    )
                else:
                    window = (lo, hi)
        if weekdays is not None or window is not None:
            out[account] = Availability(weekdays, window)
    if problems:
        raise InputError(problems)
    return out


def _require(table: Table, columns: tuple[str, ...]) -> list[InputProblem]:
    missing = [c for c in columns if c not in table.columns]
    if missing:
        return [InputProblem(table.name, 1, ", ".join(missing), "required column missing from the header")]
    return []


def _date(name: str, row: int, column: str, text: str, problems: list[InputProblem]) -> dt.date | None:
    text = text.strip()
    if len(text) > 10 and text[10] in " T" and text[11:].strip("0: ") == "":
        text = text[:10]  # a spreadsheet date cell read as 'YYYY-MM-DD 00:00:00'
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        problems.append(InputProblem(name, row, column, f"{text!r} is not a date (YYYY-MM-DD)"))
        return None


def _clock(name: str, row: int, column: str, text: str, problems: list[InputProblem]) -> int | None:
    try:
        return parse_clock(text)
    except ValueError as exc:
        problems.append(InputProblem(name, row, column, str(exc)))
        return None
