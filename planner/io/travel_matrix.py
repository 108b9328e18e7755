"""Optional travel-time matrix: `manager_id,account_id,minutes` (one way) replaces the formula."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from planner.errors import InputError, InputProblem
from planner.io.tables import read_table
from planner.models import Dataset


def load_travel_matrix(path: Path, dataset: Dataset) -> np.ndarray:
    """(accounts, managers) one-way hours; nan where the file has no entry."""
    table = read_table(path)
    missing = [c for c in ("manager_id", "account_id", "minutes") if c not in table.columns]
    if missing:
        raise InputError(
            [InputProblem(table.name, 1, ", ".join(missing), "required column missing from the header")]
        )
    accounts = {a.account_id: i for i, a in enumerate(dataset.accounts)}
    managers = {m.manager_id: j for j, m in enumerate(dataset.managers)}
    hours = np.full((len(accounts), len(managers)), np.nan)
    problems: list[InputProblem] = []
    for number, row in table.rows:
        a, m, text = row.get("account_id", ""), row.get("manager_id", ""), row.get("minutes", "")
        if a not in accounts:
            problems.append(InputProblem(table.name, number, "account_id", f"unknown account_id {a!r}"))
        if m not in managers:
            problems.append(InputProblem(table.name, number, "manager_id", f"unknown manager_id {m!r}"))
        try:
            minutes = float(text)
            if not np.isfinite(minutes) or minutes < 0:
                raise ValueError
        except ValueError:
            problems.append(
                InputProblem(table.name, number, "minutes", f"must be a number >= 0 (got {text!r})")
            )
            continue
        if a in accounts and m in managers:
            hours[accounts[a], managers[m]] = minutes / 60.0
    if problems:
        raise InputError(problems)
    return hours
