"""What every command shares: error-to-exit-code mapping, data loading, the console."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import typer
from rich.console import Console
from rich.markup import escape

from planner.context import Context
from planner.errors import InfeasibleError, InputError
from planner.io.loader import read_dataset
from planner.models import Dataset

# Pipes and CI logs get a fixed width wide enough for the manager table; terminals keep theirs.
console = Console(width=None if sys.stdout.isatty() else 120)
err_console = Console(stderr=True, width=None if sys.stderr.isatty() else 120)

EXIT_VIOLATIONS = 1
EXIT_BAD_INPUT = 2
EXIT_INFEASIBLE = 3
EXIT_NO_PLAN = 4
EXIT_INTERRUPTED = 130  # 128 + SIGINT, what a shell reports for Ctrl-C


@contextmanager
def user_errors() -> Iterator[None]:
    """Turn the errors a user can act on into a message and an exit code, never a stack trace."""
    try:
        yield
    except InputError as exc:
        err_console.print("[bold red]Bad input[/]: " + escape(str(exc)), highlight=False, soft_wrap=True)
        raise typer.Exit(EXIT_BAD_INPUT) from None
    except InfeasibleError as exc:
        err_console.print("[bold red]No plan satisfies every rule.[/] Why:", highlight=False)
        for reason in exc.reasons:
            err_console.print(f"  - {escape(reason)}", highlight=False, soft_wrap=True)
        raise typer.Exit(EXIT_INFEASIBLE) from None
    except (KeyError, ValueError) as exc:
        message = exc.args[0] if exc.args else str(exc)
        err_console.print(f"[bold red]Error[/]: {escape(str(message))}", highlight=False, soft_wrap=True)
        raise typer.Exit(EXIT_BAD_INPUT) from None
    except KeyboardInterrupt as exc:  # the output folder's claim says what became of it
        message = str(exc) or "interrupted"
        err_console.print(escape(message), highlight=False, soft_wrap=True)
        raise typer.Exit(EXIT_INTERRUPTED) from None


def load_context(
    accounts: Path,
    managers: Path,
    policy: Path | None,
    *,
    allow_unassigned: bool | None = None,
    utilisation_band: str | None = None,
) -> Context:
    loaded = read_dataset(accounts, managers, policy)
    # How each file was read, and what in it was not: a wrong guess must be visible before a plan.
    for note in loaded.notes:
        err_console.print(f"[dim]{escape(note)}[/]", highlight=False, soft_wrap=True)
    for warning in loaded.warnings:
        err_console.print(f"[yellow]Warning[/]: {escape(warning)}", highlight=False, soft_wrap=True)
    dataset = with_overrides(
        loaded.dataset, allow_unassigned=allow_unassigned, utilisation_band=utilisation_band
    )
    return Context.build(dataset, base_dir=policy.parent if policy else None)


def with_overrides(
    dataset: Dataset, *, allow_unassigned: bool | None, utilisation_band: str | None
) -> Dataset:
    """The data set with the command line's overrides; None keeps the policy's own value."""
    update: dict[str, object] = {}
    if allow_unassigned is not None:
        update["allow_unassigned"] = allow_unassigned
    if utilisation_band:
        try:
            lo, hi = (float(x) for x in utilisation_band.split(","))
        except ValueError:
            raise ValueError(
                f"--util-band must be LOW,HIGH such as 0.3,0.95 (got {utilisation_band!r})"
            ) from None
        if not 0 <= lo <= hi:
            raise ValueError(f"--util-band needs 0 <= LOW <= HIGH (got {utilisation_band!r})")
        update["utilisation_band"] = (lo, hi)
    if not update:
        return dataset
    policy = dataset.policy.model_copy(update=update)
    return dataset.model_copy(update={"policy": policy})


def is_terminal() -> bool:
    return sys.stderr.isatty()
