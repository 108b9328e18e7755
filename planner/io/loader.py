"""Turn the two CRM tables and a policy file into a checked `Dataset`.

Every problem is collected with its file, row and column before anything is
raised, so a user fixes a spreadsheet in one pass instead of one error per run.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from planner.errors import InputError, InputProblem
from planner.io.tables import Table, read_table
from planner.models import Account, Dataset, Manager, Policy

MANAGER_REQUIRED = ("manager_id", "capacity_hours")
ACCOUNT_REQUIRED = ("account_id",)
_LIST_FIELDS = {"industries", "languages"}
_BOOL_FIELDS = {"active"}


def load_dataset(accounts: Path, managers: Path, policy: Path | None = None) -> Dataset:
    pol = load_policy(policy) if policy else Policy()
    problems: list[InputProblem] = []
    mgr_table = read_table(managers)
    acc_table = read_table(accounts)
    mgr_rows = _parse(mgr_table, Manager, MANAGER_REQUIRED, problems)
    acc_rows = _parse(acc_table, Account, ACCOUNT_REQUIRED, problems)
    if not problems:
        problems += _cross_check(mgr_table.name, mgr_rows, acc_table.name, acc_rows, pol)
    if problems:
        raise InputError(problems)
    try:
        return Dataset(
            managers=tuple(m for _, m in mgr_rows), accounts=tuple(a for _, a in acc_rows), policy=pol
        )
    except ValidationError as exc:  # second line of defence: the model's own cross-checks
        raise InputError([InputProblem("data set", None, None, e["msg"]) for e in exc.errors()]) from None


def load_policy(path: Path) -> Policy:
    if not path.exists():
        raise InputError([InputProblem(str(path), None, None, "file not found")])
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8-sig")) or {}
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise InputError([InputProblem(path.name, None, None, f"not valid YAML ({exc})")]) from None
    if not isinstance(data, dict):
        raise InputError([InputProblem(path.name, None, None, "must be a mapping of policy fields")])
    try:
        return Policy.model_validate(data)
    except ValidationError as exc:
        raise InputError(
            [
                InputProblem(path.name, None, ".".join(str(p) for p in e["loc"]) or None, _message(e))
                for e in exc.errors()
            ]
        ) from None


def _parse(
    table: Table, model: type[BaseModel], required: tuple[str, ...], problems: list[InputProblem]
) -> list[tuple[int, Any]]:
    missing = [c for c in required if c not in table.columns]
    if missing:
        problems.append(
            InputProblem(table.name, 1, ", ".join(missing), "required column missing from the header")
        )
        return []
    if not table.rows:
        problems.append(InputProblem(table.name, None, None, "the file has a header but no records"))
        return []
    fields = set(model.model_fields)
    parsed = []
    for number, row in table.rows:
        values: dict[str, Any] = {}
        for column, text in row.items():
            if column not in fields or text == "":
                continue  # extra columns are ignored; blanks take the default
            values[column] = _convert(column, text)
        for column in required:
            if not row.get(column):
                problems.append(InputProblem(table.name, number, column, "required value is blank"))
        try:
            parsed.append((number, model.model_validate(values)))
        except ValidationError as exc:
            for e in exc.errors():
                field = str(e["loc"][0]) if e["loc"] else None
                if field in required and not row.get(field or ""):
                    continue  # already reported as blank
                problems.append(InputProblem(table.name, number, field, _message(e, row.get(field or ""))))
    return parsed


def _convert(column: str, text: str) -> Any:
    if column in _LIST_FIELDS:
        return frozenset(t.strip() for t in text.replace(",", ";").split(";") if t.strip())
    if column in _BOOL_FIELDS:
        lowered = text.lower()
        if lowered in ("true", "yes", "1", "y"):
            return True
        if lowered in ("false", "no", "0", "n"):
            return False
    return text


def _message(error: Any, raw: str | None = None) -> str:
    msg = str(error["msg"])
    if raw is not None and raw != "":
        msg += f" (got {raw!r})"
    return msg


def _cross_check(
    mgr_file: str,
    managers: list[tuple[int, Manager]],
    acc_file: str,
    accounts: list[tuple[int, Account]],
    policy: Policy,
) -> list[InputProblem]:
    problems: list[InputProblem] = []
    mgr_rows: dict[str, int] = {}
    for number, m in managers:
        if m.manager_id in mgr_rows:
            problems.append(
                InputProblem(
                    mgr_file,
                    number,
                    "manager_id",
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
                    "account_id",
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
                    "current_manager_id",
                    f"unknown current_manager_id {a.current_manager_id!r} (not in {mgr_file})",
                )
            )
        if a.parent_id and a.parent_id not in acc_rows:
            problems.append(
                InputProblem(
                    acc_file, number, "parent_id", f"unknown parent_id {a.parent_id!r} (no such account_id)"
                )
            )
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
