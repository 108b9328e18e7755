"""Data sets in and out: uploaded tables through the library's loader, JSON through the models."""

from __future__ import annotations

import tempfile
import threading
from collections import OrderedDict
from collections.abc import Collection, Sequence
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from api.schemas_teams import AccountIn, ManagerIn
from planner.errors import InputError, InputProblem
from planner.io.loader import load_dataset
from planner.models import Account, Dataset, Manager, Policy

TABLE_SUFFIXES = (".csv", ".xlsx")


def from_json(managers: Sequence[Manager], accounts: Sequence[Account], policy: dict[str, Any]) -> Dataset:
    """The data set of a JSON upload. Managers and accounts may come as the request's ManagerIn /
    AccountIn (the team columns folded in): the data set holds the plain models."""
    people = tuple(m.domain() if isinstance(m, ManagerIn) else m for m in managers)
    customers = tuple(a.domain() if isinstance(a, AccountIn) else a for a in accounts)
    try:
        pol = Policy.model_validate(policy)
    except ValidationError as exc:
        raise InputError([_problem("policy", e) for e in exc.errors()]) from None
    try:
        return Dataset(managers=people, accounts=customers, policy=pol)
    except ValidationError as exc:
        raise InputError(dataset_problems(exc, "data set")) from None


# Fields the data set's cross-entity checks name in their messages, longest first so that
# "current_manager_id" is not read as "manager_id".
_CROSS_FIELDS = ("current_manager_id", "parent_id", "manager_id", "account_id")


def dataset_problems(exc: ValidationError, file: str, changed: Collection[str] = ()) -> list[InputProblem]:
    """The data set's cross-entity errors (unknown ids, circles of parents), one problem each,
    each naming the field it is about: `fields.<name>` when an event changed that field."""
    problems = []
    for error in exc.errors():
        for message in str(error["msg"]).removeprefix("Value error, ").split("; "):
            field = next((f for f in _CROSS_FIELDS if f in message), None)
            column = None if field is None else f"fields.{field}" if field in changed else field
            problems.append(InputProblem(file, None, column, message))
    return problems


def from_files(
    accounts: tuple[str, bytes], managers: tuple[str, bytes], policy: tuple[str, bytes] | None
) -> Dataset:
    """Write the uploads to a private folder under their own names so the loader's messages
    name the file the user sent, then load them exactly as the CLI does."""
    with tempfile.TemporaryDirectory(prefix="planner-upload-") as tmp:
        folder = Path(tmp)
        paths = [_save(folder, "accounts", *accounts), _save(folder, "managers", *managers)]
        policy_path = _save(folder, "policy", *policy) if policy else None
        return load_dataset(paths[0], paths[1], policy_path)


def _save(folder: Path, role: str, filename: str, content: bytes) -> Path:
    name = Path(filename or role).name
    suffix = Path(name).suffix.lower()
    if role != "policy" and suffix not in TABLE_SUFFIXES:
        raise InputError([InputProblem(name, None, None, f"{role} must be a .csv or .xlsx file")])
    sub = folder / role  # one folder per role: accounts and managers may share a file name
    sub.mkdir()
    path = sub / name
    path.write_bytes(content)
    return path


def payload(dataset: Dataset) -> dict[str, Any]:
    return dataset.model_dump(mode="json")


def counts(dataset: Dataset) -> tuple[int, int]:
    return len(dataset.managers), len(dataset.accounts)


def _problem(file: str, error: Any) -> InputProblem:
    return InputProblem(file, None, ".".join(str(p) for p in error["loc"]) or None, str(error["msg"]))


class DatasetCache:
    """Parsed data sets by (data set, version). Versions never change, so entries never go stale;
    parsing 5,000 accounts costs ~60 ms, which the event path cannot spare on every request."""

    def __init__(self, size: int = 8):
        self._size = size
        self._items: OrderedDict[tuple[str, int], Dataset] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple[str, int], stored: dict[str, Any]) -> Dataset:
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]
        dataset = Dataset.model_validate(stored)
        self.put(key, dataset)
        return dataset

    def put(self, key: tuple[str, int], dataset: Dataset) -> None:
        with self._lock:
            self._items[key] = dataset
            self._items.move_to_end(key)
            while len(self._items) > self._size:
                self._items.popitem(last=False)
