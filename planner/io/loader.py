"""Turn the two CRM tables and a policy file into a checked `Dataset`.

Every problem is collected with its file, row and column before anything is raised, so a user fixes
a spreadsheet in one pass instead of one error per run. How a file was read (`planner.io.tables`:
encoding, delimiter, headers matched by `planner.io.headers`; cells by `planner.io.cells`) and what
was not read come back with the data set from `read_dataset`, for the command line to show.

Parent groups: `parent_id` names the account at the head of the group, or any other key (a holding
company that is not itself a row); accounts that share a key, directly or through parent links,
form one group. A link back to itself, directly or round a circle, is an error.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from planner.errors import InputError, InputProblem
from planner.io.cells import CellError, convert, criterion_number, team_cell
from planner.io.encoding import decode
from planner.io.headers import Schema
from planner.io.tables import Table, read_table
from planner.models import Account, Dataset, Manager, Policy
from planner.models.dataset import parent_cycles

logger = logging.getLogger(__name__)

# role_capacity_hours and current_team come from a column per role (`_team_columns`).
MANAGER_SCHEMA = Schema(
    "managers",
    tuple(f for f in Manager.model_fields if f != "role_capacity_hours"),
    ("manager_id", "capacity_hours"),
)
# The calendar reads visit availability from the accounts file too (planner.calendar.inputs).
ACCOUNT_SCHEMA = Schema(
    "accounts",
    # criteria: the columns the policy names; current_team: a column per role (`_team_columns`)
    tuple(f for f in Account.model_fields if f not in ("criteria", "current_team")),
    ("account_id",),
    also_read=("weekdays", "window_start", "window_end"),
)
MANAGER_REQUIRED = MANAGER_SCHEMA.required
ACCOUNT_REQUIRED = ACCOUNT_SCHEMA.required


@dataclass(frozen=True)
class Loaded:
    dataset: Dataset
    notes: tuple[str, ...] = ()  # how each file was read: encoding, delimiter, sheet, record count
    warnings: tuple[str, ...] = ()  # columns not read, and what they probably meant


def load_dataset(accounts: Path, managers: Path, policy: Path | None = None) -> Dataset:
    """The checked data set; how the files were read is logged (info), what was not read too (warning)."""
    loaded = read_dataset(accounts, managers, policy)
    for note in loaded.notes:
        logger.info(note)
    for warning in loaded.warnings:
        logger.warning(warning)
    return loaded.dataset


def read_dataset(accounts: Path, managers: Path, policy: Path | None = None) -> Loaded:
    """The checked data set with its notes and warnings, for a caller that shows them itself."""
    problems: list[InputProblem] = []
    pol = Policy()
    if policy:
        try:
            pol = load_policy(policy)
        except InputError as exc:
            problems += exc.problems
    tables: list[Table] = []
    extra = tuple(pol.tiering.criteria)
    mgr_nested, acc_nested = _team_columns(pol)
    acc_schema = _account_schema(extra, problems, tuple(acc_nested))
    mgr_schema = MANAGER_SCHEMA
    if mgr_nested:
        mgr_schema = Schema("managers", (*MANAGER_SCHEMA.fields, *mgr_nested), MANAGER_SCHEMA.required)
    for path, schema in ((managers, mgr_schema), (accounts, acc_schema)):
        try:
            tables.append(read_table(Path(path), schema, problems))
        except InputError as exc:
            problems += exc.problems
    if len(tables) < 2:
        raise InputError(_in_order(problems))
    mgr_table, acc_table = tables
    mgr_rows = _parse(mgr_table, Manager, mgr_schema, problems, nested=mgr_nested)
    _missing_criteria(acc_table, extra, problems)
    acc_rows = _parse(acc_table, Account, acc_schema, problems, frozenset(extra), acc_nested)
    notes = [*mgr_table.notes, *acc_table.notes]
    if not problems:
        problems += _cross_check(mgr_table, mgr_rows, acc_table, acc_rows, pol, notes)
    if problems:
        raise InputError(_in_order(problems))
    try:
        dataset = Dataset(
            managers=tuple(m for _, m in mgr_rows), accounts=tuple(a for _, a in acc_rows), policy=pol
        )
    except ValidationError as exc:  # second line of defence: the model's own cross-checks
        raise InputError([InputProblem("data set", None, None, e["msg"]) for e in exc.errors()]) from None
    warnings = (*mgr_table.warnings, *acc_table.warnings, *_satisfaction_scale(acc_rows, pol, acc_table))
    return Loaded(dataset, tuple(notes), (*warnings, *_working_time(dataset)))


def _team_columns(policy: Policy) -> tuple[dict[str, tuple[str, str]], dict[str, tuple[str, str]]]:
    """Account teams (planner.models.teams): the columns a role adds, as column -> (model field,
    key): managers.csv `capacity_hours_<role>`, accounts.csv `current_<role>_id` (;-separated)."""
    teams = policy.setting("teams")
    if teams is None:
        return {}, {}
    managers = {f"capacity_hours_{r}": ("role_capacity_hours", r) for r in sorted(teams.known())}
    accounts = {f"current_{r}_id": ("current_team", r) for r in teams.roles}
    return managers, accounts


def _account_schema(
    extra: tuple[str, ...], problems: list[InputProblem], team: tuple[str, ...] = ()
) -> Schema:
    """The accounts schema with the extra tiering criteria of the policy as columns of their own,
    and the team's current_<role>_id columns."""
    if not extra and not team:
        return ACCOUNT_SCHEMA
    try:
        return Schema(
            "accounts",
            (*ACCOUNT_SCHEMA.fields, *extra, *team),
            ACCOUNT_SCHEMA.required,
            ACCOUNT_SCHEMA.also_read,
        )
    except ValueError as exc:  # a criterion named like an alias of a field (e.g. 'revenue')
        problems.append(InputProblem("policy", None, "tiering.criteria", str(exc)))
        return ACCOUNT_SCHEMA


def _missing_criteria(table: Table, extra: tuple[str, ...], problems: list[InputProblem]) -> None:
    for name in extra:
        if name not in table.columns:
            problems.append(
                InputProblem(
                    table.name, None, name, "column missing: the policy's tiering.criteria weighs it"
                )
            )


def _working_time(dataset: Dataset) -> list[str]:
    """capacity_hours above what the calendar policy's working days hold: the assignment would
    count hours the calendar cannot place (one workload model, #13)."""
    month = dataset.policy.calendar.hours_per_month
    over = [m for m in dataset.managers if m.active and m.capacity_hours > month * 1.005]
    if not over:
        return []
    shown = ", ".join(f"{m.manager_id} ({m.capacity_hours:g} h)" for m in over[:5])
    more = f" and {len(over) - 5} more" if len(over) > 5 else ""
    cal = dataset.policy.calendar
    return [
        f"{len(over)} manager(s) have more capacity_hours than the working calendar holds "
        f"({len(cal.weekday_set)} days a week x {cal.hours_per_day:g} h = {month:.0f} h a month, before "
        f"holidays and leave): {shown}{more}. The assignment counts those hours; the visit calendar "
        f"cannot place them (lower capacity_hours, or change calendar.hours_per_day / working_weekdays)"
    ]


def _in_order(problems: list[InputProblem]) -> list[InputProblem]:
    """File by file as first reported, row by row within a file (file-wide problems first)."""
    files = {p.file: k for k, p in reversed(list(enumerate(problems)))}
    return sorted(problems, key=lambda p: (files[p.file], p.row or 0))


def load_policy(path: Path) -> Policy:
    path = Path(path)
    if path.is_dir():
        raise InputError([InputProblem(path.name, None, None, "is a folder; give the path of a policy file")])
    if not path.exists():
        raise InputError([InputProblem(str(path), None, None, "file not found")])
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise InputError(
            [InputProblem(path.name, None, None, f"cannot be read ({exc.strerror or exc})")]
        ) from None
    text, _ = decode(raw, path.name)
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        raise InputError([InputProblem(path.name, line, None, f"not valid YAML ({exc})")]) from None
    except (ValueError, TypeError, OverflowError, RecursionError) as exc:  # e.g. a date 2024-13-45
        raise InputError([InputProblem(path.name, None, None, f"not valid YAML ({exc})")]) from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise InputError([InputProblem(path.name, None, None, "must be a mapping of policy fields")])
    try:
        return Policy.model_validate(data)
    except ValidationError as exc:
        raise InputError(
            [
                InputProblem(
                    path.name, None, ".".join(str(p) for p in e["loc"]) or None, _message(e, _scalar(e))
                )
                for e in exc.errors()
            ]
        ) from None


def _parse(
    table: Table,
    model: type[BaseModel],
    schema: Schema,
    problems: list[InputProblem],
    extra: frozenset[str] = frozenset(),
    nested: dict[str, tuple[str, str]] | None = None,
) -> list[tuple[int, Any]]:
    if not table.rows:
        problems.append(InputProblem(table.name, None, None, "the file has a header but no records"))
        return []
    required = schema.required
    parsed = []
    for number, row in table.rows:
        values: dict[str, Any] = {}
        criteria: dict[str, float] = {}  # the extra tiering criteria (policy tiering.criteria)
        unread: set[str] = set()
        for column, text in row.items():
            if text == "":
                continue  # blanks take the default
            try:
                if column in extra:
                    criteria[column] = criterion_number(text)
                elif nested and column in nested:
                    target, key = nested[column]
                    values.setdefault(target, {})[key] = team_cell(target, text)
                else:
                    values[column] = convert(column, text)
            except CellError as exc:
                problems.append(InputProblem(table.name, number, table.label(column), str(exc)))
                unread.add(column)
        for column in required:
            if not row.get(column):
                problems.append(
                    InputProblem(table.name, number, table.label(column), "required value is blank")
                )
                unread.add(column)
        if criteria:
            values["criteria"] = criteria
        try:
            parsed.append((number, model.model_validate(values)))
        except ValidationError as exc:
            for e in exc.errors():
                field = str(e["loc"][0]) if e["loc"] else None
                if field in unread:
                    continue  # already reported
                label = table.label(field) if field else None
                problems.append(InputProblem(table.name, number, label, _message(e, row.get(field or ""))))
    return parsed


def _scalar(error: Any) -> str | None:
    value = error.get("input")
    return repr(value) if isinstance(value, int | float) else value if isinstance(value, str) else None


def _message(error: Any, raw: str | None = None) -> str:
    msg = str(error["msg"])
    if raw is not None and raw != "":
        msg += f" (got {raw!r})"
    return msg


def _cross_check(
    mgr_table: Table,
    managers: list[tuple[int, Manager]],
    acc_table: Table,
    accounts: list[tuple[int, Account]],
    policy: Policy,
    notes: list[str],
) -> list[InputProblem]:
    problems: list[InputProblem] = []
    mgr_file, acc_file = mgr_table.name, acc_table.name
    mgr_rows: dict[str, int] = {}
    for number, m in managers:
        if m.manager_id in mgr_rows:
            problems.append(
                InputProblem(
                    mgr_file,
                    number,
                    mgr_table.label("manager_id"),
                    f"duplicate manager_id {m.manager_id!r} (first seen in row {mgr_rows[m.manager_id]})",
                )
            )
        else:
            mgr_rows[m.manager_id] = number
    acc_rows: dict[str, int] = {}
    for number, a in accounts:
        if a.account_id in acc_rows:
            problems.append(
                InputProblem(
                    acc_file,
                    number,
                    acc_table.label("account_id"),
                    f"duplicate account_id {a.account_id!r} (first seen in row {acc_rows[a.account_id]})",
                )
            )
        else:
            acc_rows[a.account_id] = number
    for number, a in accounts:
        if a.current_manager_id and a.current_manager_id not in mgr_rows:
            problems.append(
                InputProblem(
                    acc_file,
                    number,
                    acc_table.label("current_manager_id"),
                    f"unknown current_manager_id {a.current_manager_id!r} (not in {mgr_file})",
                )
            )
        for banned in sorted(a.avoid_manager_ids - mgr_rows.keys()):
            problems.append(
                InputProblem(
                    acc_file,
                    number,
                    acc_table.label("avoid_manager_ids"),
                    f"unknown manager {banned!r} to avoid (not in {mgr_file})",
                )
            )
    problems += _parent_problems(acc_table, accounts, acc_rows, notes)
    for kind, pairs in (("pins", policy.pins), ("forbidden", policy.forbidden)):
        for i, p in enumerate(pairs):
            if p.account_id not in acc_rows:
                problems.append(
                    InputProblem("policy", None, f"{kind}[{i}]", f"unknown account_id {p.account_id!r}")
                )
            if p.manager_id not in mgr_rows:
                problems.append(
                    InputProblem("policy", None, f"{kind}[{i}]", f"unknown manager_id {p.manager_id!r}")
                )
    return problems


def _satisfaction_scale(accounts: list[tuple[int, Account]], policy: Policy, table: Table) -> list[str]:
    """A warning when the satisfaction column looks like a 1-5 survey but the policy reads 0-100:
    every account would count as unhappy (at high risk)."""
    given = [a.satisfaction for _, a in accounts if a.satisfaction is not None]
    if policy.health.satisfaction_scale != 100 or not given or not all(s <= 5 for s in given):
        return []
    return [
        f"{table.name}: every satisfaction is 5 or less, read on a 0-100 scale (all unhappy, at high risk); "
        "for a 1-5 survey set the policy's health.satisfaction_scale: 5"
    ]


def _parent_problems(
    table: Table, accounts: list[tuple[int, Account]], rows: dict[str, int], notes: list[str]
) -> list[InputProblem]:
    problems = []
    for cycle in parent_cycles(a for _, a in accounts):
        if len(cycle) == 1:
            message = f"account {cycle[0]!r} names itself as its parent; leave parent_id blank at the top of a group"
        else:
            circle = " -> ".join([*cycle, cycle[0]])
            where = ", ".join(str(rows[c]) for c in cycle)
            message = f"parent_id links go round in a circle: {circle} (rows {where}); a group needs a top"
        problems.append(InputProblem(table.name, rows[cycle[0]], table.label("parent_id"), message))
    keys = sorted({a.parent_id for _, a in accounts if a.parent_id and a.parent_id not in rows})
    if keys:
        notes.append(
            f"{table.name}: {len(keys)} parent_id value(s) name no account (e.g. {keys[0]!r}); "
            "each is read as a group key: the accounts that share it form one group"
        )
    return problems
