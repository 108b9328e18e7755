"""`planner calendar`, `planner check-calendar`, and the PVRP benchmark command (`pvrp_command`)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from planner.bench.pvrp import best_known_values, run_instance, write_solution
from planner.calendar.build import load_inputs
from planner.calendar.check import check_calendar, count_by_rule
from planner.calendar.output import write_calendar
from planner.calendar.solve import plan_calendar
from planner.calendar.visits import read_visits
from planner.cli.common import EXIT_VIOLATIONS, console, err_console, user_errors
from planner.cli.output import output_folder
from planner.cli.root import app

PlanOpt = Annotated[
    Path, typer.Option("--plan", help="plan directory from `planner assign` (or its plan.csv)")
]
AccountsOpt = Annotated[
    Path | None,
    typer.Option("--accounts", "-a", help="accounts.csv or .xlsx (default: the copy recorded with the plan)"),
]
ManagersOpt = Annotated[
    Path | None,
    typer.Option("--managers", "-m", help="managers.csv or .xlsx (default: the copy recorded with the plan)"),
]
StartOpt = Annotated[str, typer.Option("--start", help="first day of the calendar, YYYY-MM-DD")]
WeeksOpt = Annotated[int, typer.Option("--weeks", help="length of the calendar in weeks")]
CountryOpt = Annotated[
    str | None,
    typer.Option("--country", help="ISO country code for public holidays and make-up working days, e.g. CN"),
]
LeaveOpt = Annotated[Path | None, typer.Option("--leave", help="leave.csv: manager_id, date (or start, end)")]
AvailOpt = Annotated[
    Path | None,
    typer.Option(
        "--availability", help="availability.csv: account_id, weekdays (mon;tue), window_start, window_end"
    ),
]
PolicyOpt = Annotated[
    Path | None,
    typer.Option(
        "--policy",
        "-p",
        help="policy YAML, optional `calendar:` section (default: the plan's recorded policy)",
    ),
]


@app.command("calendar")
def calendar_command(
    plan: PlanOpt,
    start: StartOpt,
    weeks: WeeksOpt,
    out: Annotated[Path, typer.Option("--out", "-o", help="calendar directory to write")],
    accounts: AccountsOpt = None,
    managers: ManagersOpt = None,
    country: CountryOpt = None,
    leave: LeaveOpt = None,
    availability: AvailOpt = None,
    policy: PolicyOpt = None,
    time_limit: Annotated[float, typer.Option("--time-limit", help="seconds for the whole calendar")] = 30.0,
    workers: Annotated[int, typer.Option("--workers", help="processes planning managers side by side")] = 2,
    seed: Annotated[int, typer.Option("--seed")] = 0,
    quiet: Annotated[bool, typer.Option("--quiet", "-q")] = False,
) -> None:
    """Plan dated, sequenced visits per manager; write visits.csv, one .ics per manager and summary.json."""
    sources = [plan, accounts, managers, leave, availability, policy]
    with user_errors(), output_folder(out, "calendar", sources) as target:
        inputs = load_inputs(
            accounts=accounts,
            managers=managers,
            plan=plan,
            start=start,
            weeks=weeks,
            country=country,
            leave=leave,
            availability=availability,
            policy=policy,
        )
        _print_notes(inputs.notes)
        result = plan_calendar(inputs, time_limit_s=time_limit, seed=seed, workers=max(1, workers))
        _, _, summary = write_calendar(result, target)
    if not quiet:
        _print_summary(summary, out)


@app.command("check-calendar")
def check_calendar_command(
    visits: Annotated[Path, typer.Option("--visits", help="calendar directory (or its visits.csv)")],
    plan: PlanOpt,
    start: StartOpt,
    weeks: WeeksOpt,
    accounts: AccountsOpt = None,
    managers: ManagersOpt = None,
    country: CountryOpt = None,
    leave: LeaveOpt = None,
    availability: AvailOpt = None,
    policy: PolicyOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="print the violations as JSON")] = False,
) -> None:
    """Check a visit calendar against every rule; exit code 1 with the violations listed."""
    with user_errors():
        inputs = load_inputs(
            accounts=accounts,
            managers=managers,
            plan=plan,
            start=start,
            weeks=weeks,
            country=country,
            leave=leave,
            availability=availability,
            policy=policy,
        )
        _print_notes(inputs.notes)
        found = check_calendar(inputs, read_visits(visits))
    if as_json:
        typer.echo(
            json.dumps(
                {"violations": [v.as_dict() for v in found], "by_rule": count_by_rule(found)}, indent=2
            )
        )
    elif not found:
        console.print("[green]Calendar OK[/]: every rule holds.")
    else:
        table = Table("rule", "manager", "account", "date", "detail", title=f"{len(found)} violation(s)")
        for v in found[:200]:
            table.add_row(v.rule, v.manager_id, v.account_id, v.date.isoformat() if v.date else "", v.detail)
        console.print(table)
        if len(found) > 200:
            console.print(f"... and {len(found) - 200} more (use --json for all)")
        console.print("By rule: " + ", ".join(f"{k} {n}" for k, n in count_by_rule(found).items()))
    if found:
        raise typer.Exit(EXIT_VIOLATIONS)


def pvrp_command(
    files: Annotated[list[Path], typer.Argument(help="Cordeau PVRP instance files (p01 ... pr10)")],
    time_limit: Annotated[float, typer.Option("--time-limit", help="seconds per instance")] = 60.0,
    as_json: Annotated[bool, typer.Option("--json", help="print one JSON object per instance")] = False,
    write_solutions: Annotated[
        Path | None,
        typer.Option("--write-solutions", help="directory for solutions in Cordeau's .res layout"),
    ] = None,
    best_known: Annotated[
        Path | None, typer.Option("--best-known", help="best_known.csv (default: beside the instance folder)")
    ] = None,
    seed: Annotated[int, typer.Option("--seed")] = 0,
) -> None:
    """Solve PVRP benchmark instances with the calendar's engine; print cost, gap to best known, feasibility.

    Feasibility and cost come from the independent checker (`planner.pvrp.check`), not the solver.
    """
    rows = []
    with user_errors():
        for path in files:
            known = best_known_values(path, best_known)
            row, problem, result = run_instance(path, time_limit, seed, known)
            rows.append(row)
            if write_solutions is not None:
                write_solution(write_solutions, problem, result)
            if as_json:
                typer.echo(json.dumps(row.as_dict()))
            else:
                gap = f"{row.gap_pct:.2f}%" if row.gap_pct is not None else "-"
                console.print(
                    f"{row.instance:6} cost {row.cost:10.2f}  best known {row.best_known or '-':>10}  gap {gap:>7}  "
                    f"{'feasible' if row.feasible else 'NOT FEASIBLE'}  {row.seconds:.0f}s",
                    highlight=False,
                )
    gaps = [r.gap_pct for r in rows if r.gap_pct is not None]
    if not as_json and len(rows) > 1:
        mean = f"{sum(gaps) / len(gaps):.2f}%" if gaps else "-"
        feasible = sum(r.feasible for r in rows)
        console.print(
            f"{len(rows)} instances, {feasible} feasible, mean gap {mean} (over {len(gaps)} with a best known)"
        )


def _print_notes(notes: tuple[str, ...]) -> None:
    for note in notes:
        err_console.print(f"[yellow]Warning[/]: {escape(note)}", highlight=False, soft_wrap=True)


def _print_summary(summary: dict, out: Path) -> None:
    visits = summary["visits"]
    table = Table("tier", "required visits", "planned", title="Visit calendar")
    for tier, need in visits["required_by_tier"].items():
        table.add_row(tier, str(need), str(visits["planned_by_tier"][tier]))
    table.add_row("total", str(visits["required"]), str(visits["planned"]))
    console.print(table)
    busiest = summary["busiest_day"]
    console.print(f"Travel: {summary['travel_hours_total']:.1f} h in total.", highlight=False)
    if busiest:
        console.print(
            f"Busiest day: {busiest['manager_id']} on {busiest['date']}, {busiest['hours']:.1f} h "
            f"({busiest['visits']} visits). Days over capacity: {summary['days_over_capacity']}.",
            highlight=False,
        )
    reduced, unserved = summary["reduced_accounts"], summary["unassigned_accounts"]
    if reduced or unserved:
        console.print(
            f"By the plan's service levels: {len(reduced)} account(s) visited less often "
            f"(reduced level), {len(unserved)} unserved (no visits); see summary.json.",
            highlight=False,
        )
    short = summary["shortfall"]["managers"]
    # A team plan's calendar: the people short may hold any role.
    who = "person(s)" if "required_by_role" in visits else "manager(s)"
    if short:
        console.print(
            f"[yellow]Not everything fits[/]: {len(short)} {who} fall short (most valuable visits kept):"
        )
        for m in short[:15]:
            console.print(
                f"  {m['manager_id']}: {m['missed_visits']} of {m['required_visits']} visits missing "
                f"(about {m['missed_hours']:.0f} h incl. travel)",
                highlight=False,
            )
        accounts = summary["shortfall"]["accounts"]
        console.print(
            f"  {len(accounts)} account(s) short; each with its reason in summary.json.", highlight=False
        )
    joint = summary.get("joint_visits")
    if joint:
        console.print(f"Joint visits: {joint['placed']} of {joint['asked']} placed.", highlight=False)
        for j in joint["not_placed"][:15]:
            console.print(
                f"  {j['account_id']} ({j['window_start']} to {j['window_end']}): {escape(j['reason'])}",
                highlight=False,
                soft_wrap=True,
            )
    console.print(f"Written to {out}/ (visits.csv, one .ics per manager, summary.json).", highlight=False)
