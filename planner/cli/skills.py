"""`planner skills`: the skill-gap report of a plan (planner.skills), for training and hiring."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from planner.cli.common import console, user_errors
from planner.cli.root import app
from planner.cli.scenario import AccountsOpt, JsonOpt, ManagersOpt, PolicyOpt, _files

MAX_ROWS = 30  # a terminal is for a glance; --json carries every row


@app.command("skills")
def skills_command(
    plan: Annotated[Path, typer.Argument(help="plan directory")],
    as_json: JsonOpt = False,
    accounts: AccountsOpt = None,
    managers: ManagersOpt = None,
    policy: PolicyOpt = None,
) -> None:
    """Accounts served without industry expertise or below the tier's ideal seniority, and hours
    short a month per industry x region x language. Data not given: as recorded with the plan."""
    from planner.compare import load_source
    from planner.skills import skill_gap

    with user_errors():
        source = load_source(plan, _files(accounts, managers, policy))
        report = skill_gap(source.ctx, source.evaluation, source.name)
    if as_json:
        console.print_json(json.dumps(report, default=str))
        return
    _print(report)


def _print(report: dict[str, Any]) -> None:
    t = report["totals"]
    console.print(
        f"[bold]{escape(report['plan'])}[/]: {t['accounts_without_expertise']} account(s) served without "
        f"industry expertise ({t['hours_without_expertise']:,.1f} h a month), "
        f"{t['accounts_below_ideal_seniority']} below the ideal seniority ({t['hours_below_ideal_seniority']:,.1f} h), "
        f"{t['hours_unserved']:,.1f} h a month unserved; {t['hours_short']:,.1f} h short in all",
        highlight=False,
    )
    if not report["groups"]:
        console.print(
            "No skill gap: every account is served in full by a manager with its industry and seniority."
        )
        return
    table = Table(title="Hours short a month, per industry x region x language")
    columns = ("industry", "region", "language", "accounts", "no expertise (h)", "below ideal seniority (h)",
               "unserved (h)", "short (h)", "experts in region")  # fmt: skip
    for col in columns:
        table.add_column(col, justify="left" if col in columns[:3] else "right")
    for g in report["groups"][:MAX_ROWS]:
        table.add_row(
            escape(g["industry"] or "–"),
            escape(g["region"] or "–"),
            escape(g["language"]),
            str(g["accounts"]),
            f"{g['hours_without_expertise']:,.1f}",
            f"{g['hours_below_ideal_seniority']:,.1f}",
            f"{g['hours_unserved']:,.1f}",
            f"{g['hours_short']:,.1f}",
            str(g["managers_with_expertise"]),
        )
    console.print(table)
    if len(report["groups"]) > MAX_ROWS:
        console.print(f"  … and {len(report['groups']) - MAX_ROWS} more (see --json)")
