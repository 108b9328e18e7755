"""Which data files belong to an existing plan: what `check`, `explain`, `calendar` and
`compare` read when given a plan directory alone.

In order: a file given on the command line (with a warning when it is not the one the plan
was made from), else the copy in the plan's `inputs/` (planner.io.recorded), else, for plan
directories written before inputs were copied, the paths summary.json recorded. The policy
follows the same order, so a plan is judged by the rules it was made under, forbidden pairs
included, unless another policy is asked for.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from planner.errors import InputError, InputProblem
from planner.io.plan_dir import read_summary
from planner.io.recorded import INPUTS_DIR, RecordedFiles, recorded_files


@dataclass(frozen=True)
class PlanFiles:
    plan_dir: Path | None  # None: a bare plan.csv with nothing recorded beside it
    accounts: Path
    managers: Path
    policy: Path | None
    summary: dict[str, Any]
    data_from: str  # in words, for reports
    warnings: list[str] = field(default_factory=list)

    @property
    def options(self) -> dict[str, Any]:
        """Command-line options `assign` recorded (allow_unassigned, util_band, max_moves)."""
        inputs = self.summary.get("inputs")
        return inputs if isinstance(inputs, dict) else {}


def plan_directory(plan: Path) -> Path | None:
    """The plan directory of `plan` (a directory, or a plan.csv inside one), if it has a summary."""
    path = Path(plan)
    if path.is_dir():
        return path
    if path.parent != path and (path.parent / "summary.json").is_file():
        return path.parent
    return None


def plan_files(
    plan: Path,
    accounts: Path | None = None,
    managers: Path | None = None,
    policy: Path | None = None,
) -> PlanFiles:
    plan_dir = plan_directory(plan)
    summary = read_summary(plan_dir) if plan_dir is not None else {}
    recorded = recorded_files(plan_dir, summary) if plan_dir is not None else RecordedFiles(Path(), {})
    warnings: list[str] = []
    if plan_dir is not None and recorded.has_copies():
        recorded.check_copies()
        base = {name: recorded.copy(name) for name in ("accounts", "managers", "policy")}
        data_from = f"{INPUTS_DIR}/ recorded with the plan"
    elif plan_dir is not None and _recorded_paths(summary, plan_dir):
        base = _recorded_paths(summary, plan_dir)
        data_from = "the input paths summary.json recorded"
        recorded_inputs = summary.get("inputs")
        if isinstance(recorded_inputs, dict) and recorded_inputs.get("scenario"):
            warnings.append(
                "this scenario plan was written before its inputs were copied into the plan directory; "
                "the base files are used without the scenario's changes (`planner compare` rebuilds them)"
            )
    else:
        base = {}
        data_from = "files given on the command line"
    chosen: dict[str, Path | None] = {}
    for name, given in (("accounts", accounts), ("managers", managers), ("policy", policy)):
        if given is None:
            chosen[name] = base.get(name)
            continue
        chosen[name] = Path(given)
        if Path(given).is_file():
            why = recorded.differs(name, Path(given))
            if why:
                warnings.append(
                    f"--{name} {given} is not the data this plan was made from ({why}); "
                    "scoring against the file given"
                )
    if chosen["accounts"] is None or chosen["managers"] is None:
        where = f"{plan_dir}/summary.json" if plan_dir is not None else str(plan)
        raise InputError(
            [
                InputProblem(
                    where,
                    None,
                    "inputs",
                    "records no data files (a plan.csv alone, or written by an older planner); "
                    "pass --accounts and --managers (and --policy)",
                )
            ]
        )
    if any(x is not None for x in (accounts, managers, policy)) and base:
        data_from += " (some replaced by files given on the command line)"
    accounts_path, managers_path = chosen["accounts"], chosen["managers"]
    assert accounts_path is not None and managers_path is not None
    return PlanFiles(plan_dir, accounts_path, managers_path, chosen["policy"], summary, data_from, warnings)


def _recorded_paths(summary: dict[str, Any], plan_dir: Path) -> dict[str, Path | None]:
    inputs = summary.get("inputs")
    if not isinstance(inputs, dict) or not inputs.get("accounts") or not inputs.get("managers"):
        return {}
    return {
        "accounts": _locate(inputs["accounts"], plan_dir),
        "managers": _locate(inputs["managers"], plan_dir),
        "policy": _locate(inputs["policy"], plan_dir) if inputs.get("policy") else None,
    }


def _locate(recorded: str, plan_dir: Path) -> Path:
    """Older plans recorded paths as typed, relative to where `assign` ran: the current
    directory is the usual answer, the plan's own folder the fallback."""
    path = Path(recorded)
    if path.is_absolute() or path.exists():
        return path
    beside = plan_dir / path
    return beside if beside.exists() else path
