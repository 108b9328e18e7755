"""`planner advise-hires`: which hires would restore full service, checked by re-planning."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from planner.advice import advise_hires
from planner.assign import run_assignment
from planner.cli.common import console, err_console, load_context, user_errors
from planner.cli.root import app
from planner.native_output import native_stdout_muted
from planner.shortfall_report import shortfall
from planner.solvers import SolveOptions


@app.command("advise-hires")
def advise_hires_command(
    accounts: Annotated[Path, typer.Option("--accounts", "-a", help="accounts.csv or .xlsx")],
    managers: Annotated[Path, typer.Option("--managers", "-m", help="managers.csv or .xlsx")],
    policy: Annotated[Path | None, typer.Option("--policy", "-p", help="policy YAML")] = None,
    time_limit: Annotated[float, typer.Option("--time-limit", help="seconds for each re-plan")] = 10.0,
    budget: Annotated[float, typer.Option("--budget", help="seconds for the whole advice")] = 120.0,
    as_json: Annotated[bool, typer.Option("--json", help="print the advice as JSON")] = False,
) -> None:
    """Plan the data as it is; if hours fall short, find hires (region, seniority, language)
    that restore full service, and prove it by planning again with them."""
    with user_errors():
        ctx = load_context(accounts, managers, policy, allow_unassigned=True)
        options = SolveOptions(time_limit_seconds=time_limit, threads=2, seed=0)
        with err_console.status("planning as it is…", spinner="dots"), native_stdout_muted():
            base = run_assignment(ctx, options=options)
        report = shortfall(base)
        if not report["has_shortfall"]:
            if as_json:
                typer.echo(json.dumps({"has_shortfall": False, "advice": []}))
            else:
                console.print("[green]Every account gets full service[/]: no hire is needed.")
            return
        with err_console.status("checking hires by re-planning…", spinner="dots"), native_stdout_muted():
            advice = advise_hires(ctx.dataset, options, base=base, budget_seconds=budget)
    if as_json:
        typer.echo(json.dumps({"has_shortfall": True, **advice.as_dict()}, ensure_ascii=False, indent=2))
        return
    console.print(
        f"Today {report['accounts_reduced']} account(s) get fewer visits and {report['accounts_unserved']} none; "
        f"full service needs about {report['hours_needed_for_full_service']:,.0f} h a month, "
        f"the team has {report['hours_available']:,.0f} h.",
        highlight=False,
    )
    for line in advice.summary():
        console.print(f"  • {escape(line)}", highlight=False)
    for hire in advice.hires:
        console.print(
            f"    {hire.manager_id}: {escape(hire.region)}, {hire.seniority.value}, speaks "
            f"{', '.join(sorted(hire.languages))}, {hire.capacity_hours:.0f} h a month",
            highlight=False,
        )
    console.print(f"[dim]checked with {advice.replans} re-plan(s) in {advice.seconds:.0f} s[/]")
