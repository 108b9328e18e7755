"""The inputs a plan was made from, kept inside its plan directory.

`inputs/` holds the data exactly as the plan saw it: the accounts and managers files copied
byte for byte (rewritten from the data set only where a scenario changed them), the effective
policy as YAML, and the travel-time matrix if the policy names one. summary.json's
`inputs.files` records, per input, the file the user named (absolute path and sha256) and the
copy (path inside the plan directory and sha256), so `check`, `explain`, `calendar` and
`compare` need nothing but the plan directory, and a file given on the command line can be
told apart from the one the plan was made from.
"""

from __future__ import annotations

import hashlib
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from planner.errors import InputError, InputProblem
from planner.io.dataset_csv import write_dataset_csv
from planner.models import Dataset, Policy

INPUTS_DIR = "inputs"
NAMES = ("accounts", "managers", "policy", "travel_matrix")
_MATRIX_COPY = "travel_matrix.csv"


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with Path(path).open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def record_inputs(
    plan_dir: Path,
    *,
    accounts: Path,
    managers: Path,
    policy_file: Path | None,
    policy: Policy,
    changed: Dataset | None = None,
    changed_accounts: bool = False,
    changed_managers: bool = False,
) -> dict[str, Any]:
    """Write `plan_dir/inputs/` and return summary.json's `inputs.files` record.

    `policy` is the effective policy (overrides applied); a relative `travel.matrix_file` is
    read beside `policy_file`. Where a scenario changed accounts or managers, `changed` is the
    data set the plan was solved on and those tables are written from it."""
    folder = Path(plan_dir) / INPUTS_DIR
    folder.mkdir(parents=True, exist_ok=True)
    record: dict[str, Any] = {}
    for name, source, was_changed in (
        ("accounts", Path(accounts), changed_accounts),
        ("managers", Path(managers), changed_managers),
    ):
        if was_changed:
            assert changed is not None
            copy = folder / f"{name}.csv"
            _write_table(changed, name, copy)
        else:
            copy = folder / f"{name}{source.suffix.lower() or '.csv'}"
            shutil.copyfile(source, copy)
        record[name] = _entry(source, copy, plan_dir, changed_by_scenario=was_changed)

    matrix = policy.travel.matrix_file
    if matrix:
        source = Path(matrix)
        if not source.is_absolute() and policy_file is not None:
            source = Path(policy_file).parent / source
        copy = folder / _MATRIX_COPY
        shutil.copyfile(source, copy)
        record["travel_matrix"] = _entry(source, copy, plan_dir)
        policy = policy.model_copy(
            update={"travel": policy.travel.model_copy(update={"matrix_file": _MATRIX_COPY})}
        )
    copy = folder / "policy.yaml"
    text = yaml.safe_dump(policy.model_dump(mode="json"), sort_keys=False, allow_unicode=True)
    copy.write_text(
        "# The effective policy this plan was made with (every default and override spelt out).\n" + text,
        encoding="utf-8",
    )
    record["policy"] = {
        **(_entry(Path(policy_file), copy, plan_dir) if policy_file else _entry(None, copy, plan_dir)),
        "effective": True,
    }
    return record


def _entry(
    source: Path | None, copy: Path, plan_dir: Path, *, changed_by_scenario: bool = False
) -> dict[str, Any]:
    return {
        "path": str(source.resolve()) if source else None,
        "sha256": sha256_of(source) if source else None,
        "copy": copy.relative_to(plan_dir).as_posix(),
        "copy_sha256": sha256_of(copy),
        "changed_by_scenario": changed_by_scenario,
    }


def _write_table(dataset: Dataset, name: str, path: Path) -> None:
    # The data set writer round-trips every field the loader reads.
    with tempfile.TemporaryDirectory(dir=path.parent) as tmp:
        write_dataset_csv(dataset, Path(tmp))
        shutil.move(str(Path(tmp) / f"{name}.csv"), path)


@dataclass(frozen=True)
class RecordedFiles:
    """What summary.json says about a plan's inputs, with the copies located on disk."""

    plan_dir: Path
    entries: dict[str, dict[str, Any]]

    def copy(self, name: str) -> Path | None:
        entry = self.entries.get(name)
        if not entry or not entry.get("copy"):
            return None
        return self.plan_dir / entry["copy"]

    def has_copies(self) -> bool:
        return self.copy("accounts") is not None and self.copy("managers") is not None

    def check_copies(self) -> None:
        """The copies must be there and unedited: a plan re-scored on changed data would lie."""
        problems = []
        for name, entry in self.entries.items():
            copy = self.copy(name)
            if copy is None:
                continue
            if not copy.is_file():
                problems.append(InputProblem(str(copy), None, None, "missing from the plan directory"))
            elif entry.get("copy_sha256") and sha256_of(copy) != entry["copy_sha256"]:
                problems.append(
                    InputProblem(
                        str(copy),
                        None,
                        None,
                        "changed since the plan was made (sha256 differs from summary.json); "
                        "pass the files to score against with --accounts/--managers/--policy",
                    )
                )
        if problems:
            raise InputError(problems)

    def differs(self, name: str, given: Path) -> str | None:
        """Why a file given on the command line is not the data the plan was made from, or None."""
        entry = self.entries.get(name)
        if not entry:
            return None
        digest = sha256_of(given)
        if entry.get("changed_by_scenario"):
            return f"the plan was made from a scenario that changed the {name}"
        if name == "policy":
            if entry.get("sha256") is None:
                return "the plan was made with the default policy"
            if digest != entry["sha256"]:
                return f"its sha256 differs from {entry.get('path')}'s when the plan was made"
            return None
        known = {entry.get("sha256"), entry.get("copy_sha256")} - {None}
        if known and digest not in known:
            return f"its sha256 differs from {entry.get('path')}'s when the plan was made"
        return None


def recorded_files(plan_dir: Path, summary: dict[str, Any]) -> RecordedFiles:
    inputs = summary.get("inputs")
    files = inputs.get("files") if isinstance(inputs, dict) else None
    entries = {k: v for k, v in files.items() if isinstance(v, dict)} if isinstance(files, dict) else {}
    return RecordedFiles(Path(plan_dir), entries)
