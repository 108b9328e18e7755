"""Errors a user can act on. The CLI maps them to exit codes; nothing else is caught."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class InputProblem:
    """One problem in one input cell: where it is and what is wrong."""

    file: str
    row: int | None  # spreadsheet row number: header is row 1, first record row 2
    column: str | None
    message: str

    def __str__(self) -> str:
        where = self.file
        if self.row is not None:
            where += f" row {self.row}"
        if self.column:
            where += f", column '{self.column}'"
        return f"{where}: {self.message}"


class InputError(Exception):
    """Bad input data; carries every problem found, not just the first."""

    def __init__(self, problems: list[InputProblem]):
        self.problems = problems
        shown = "\n".join(f"  {p}" for p in problems[:50])
        more = f"\n  ... and {len(problems) - 50} more" if len(problems) > 50 else ""
        super().__init__(f"{len(problems)} problem(s) in the input:\n{shown}{more}")


class InfeasibleError(Exception):
    """The rules cannot all hold; `reasons` says why in plain words."""

    def __init__(self, reasons: list[str]):
        self.reasons = reasons
        super().__init__("No plan satisfies every rule:\n" + "\n".join(f"  - {r}" for r in reasons))


class Cancelled(Exception):
    """The caller asked a long run to stop (its `should_stop` said so); nothing is returned."""
