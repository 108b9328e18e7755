"""Plan directories: `plan.csv` + `summary.json`, written atomically, read back with row-aware errors."""

from __future__ import annotations

import csv
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

from planner.errors import InputError, InputProblem
from planner.io.tables import read_table
from planner.models import Plan
from planner.models.teams import ACCOUNT_MANAGER

PLAN_COLUMNS = (
    "account_id",
    "manager_id",
    "account_name",
    "manager_name",
    "tier",
    "service",  # full | a reduced level's name (fewer visits) | unserved
    "previous_manager_id",
    "moved",
    "move_reason",  # voluntary | manager_left | rule: <rule name> | unassigned; blank when not moved
    "workload_hours",
    "travel_hours",
    "match_score",
)


class PlanRow(Protocol):
    """One account's row of plan.csv, as `planner.evaluate.AccountRow` carries it."""

    @property
    def account_id(self) -> str: ...
    @property
    def manager_id(self) -> str | None: ...
    @property
    def account_name(self) -> str: ...
    @property
    def manager_name(self) -> str: ...
    @property
    def tier(self) -> str: ...
    @property
    def service(self) -> str: ...
    @property
    def previous_manager_id(self) -> str | None: ...
    @property
    def moved(self) -> bool: ...
    @property
    def move_reason(self) -> str | None: ...
    @property
    def workload_hours(self) -> float: ...
    @property
    def travel_hours(self) -> float: ...
    @property
    def match_score(self) -> float: ...


class PlanRows(Protocol):
    """What plan.csv is written from: an evaluation (`planner.evaluate.Evaluation`), whose
    rows the io layer reads without importing the evaluator."""

    @property
    def accounts(self) -> Sequence[PlanRow]: ...


def write_plan_csv(path: Path, evaluation: PlanRows) -> None:
    """One row per account; with account teams (`evaluation.team`, planner.teams) a last column
    `role`, the account manager's rows first (role account_manager), then one row per team slot."""
    team = getattr(evaluation, "team", None) or []
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow((*PLAN_COLUMNS, "role") if team else PLAN_COLUMNS)
        for row in (*evaluation.accounts, *team):
            writer.writerow(
                [
                    row.account_id,
                    row.manager_id or "",
                    row.account_name,
                    row.manager_name,
                    row.tier,
                    row.service,
                    row.previous_manager_id or "",
                    "true" if row.moved else "false",
                    row.move_reason or "",
                    f"{row.workload_hours:.2f}",
                    f"{row.travel_hours:.2f}",
                    f"{row.match_score:.4f}",
                    *([getattr(row, "role", ACCOUNT_MANAGER)] if team else []),
                ]
            )


def write_json(path: Path, payload: object) -> None:
    path.write_text(
        json.dumps(payload, indent=2, ensure_ascii=False, default=_jsonable) + "\n", encoding="utf-8"
    )


def _jsonable(obj: object) -> object:
    if hasattr(obj, "item"):
        return obj.item()  # numpy scalars
    if isinstance(obj, set | frozenset):
        return sorted(obj)
    raise TypeError(f"not JSON serialisable: {type(obj).__name__}")


def read_plan(plan_dir: Path) -> Plan:
    """Read `plan.csv` (from a plan directory or a path to the file); any spreadsheet edit is welcome."""
    path = Path(plan_dir)
    if path.is_dir():
        path = path / "plan.csv"
    table = read_table(path)
    problems: list[InputProblem] = []
    for column in ("account_id", "manager_id"):
        if column not in table.columns:
            problems.append(InputProblem(table.name, 1, column, "required column missing from the header"))
    if problems:
        raise InputError(problems)
    assignment: dict[str, str | None] = {}
    service: dict[str, str] = {}
    team: dict[str, dict[str, list[str | None]]] = {}
    for number, row in table.rows:
        account = row.get("account_id", "")
        if not account:
            problems.append(InputProblem(table.name, number, "account_id", "required value is blank"))
            continue
        role = row.get("role", "") or ACCOUNT_MANAGER
        if role != ACCOUNT_MANAGER:  # a team slot (planner.teams), in slot order
            team.setdefault(account, {}).setdefault(role, []).append(row.get("manager_id") or None)
            continue
        if account in assignment:
            problems.append(
                InputProblem(table.name, number, "account_id", f"account {account!r} appears twice")
            )
            continue
        assignment[account] = row.get("manager_id") or None
        level = row.get("service", "")
        if assignment[account] is not None and level not in ("", "full", "unserved"):
            service[account] = level  # a name the evaluator checks against the account's tier
    if problems:
        raise InputError(problems)
    return Plan(assignment=assignment, service=service, team=team)


def read_summary(plan_dir: Path) -> dict[str, object]:
    """summary.json as a dict ({} when there is none); a damaged one is a bad input, named."""
    path = Path(plan_dir) / "summary.json"
    if not path.exists():
        return {}
    try:
        loaded = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InputError(
            [
                InputProblem(
                    str(path), None, None, f"is not valid JSON ({exc}); re-run the command that wrote it"
                )
            ]
        ) from None
    if not isinstance(loaded, dict):
        raise InputError(
            [InputProblem(str(path), None, None, "is not a JSON object; re-run the command that wrote it")]
        )
    return loaded
