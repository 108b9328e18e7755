"""`planner assign`, `planner check`, `planner explain`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from planner.assign import AssignmentOutcome, run_assignment
from planner.cli.common import (
    EXIT_NO_PLAN,
    EXIT_VIOLATIONS,
    console,
    err_console,
    load_context,
    user_errors,
)
from planner.cli.output import output_folder
from planner.cli.root import app
from planner.context import Context
from planner.evaluate import Evaluation, evaluate
from planner.explain import explain_account
from planner.io.plan_dir import read_plan, write_json, write_plan_csv
from planner.io.recorded import record_inputs
from planner.native_output import native_stdout_muted
from planner.plan_data import plan_files
from planner.report import evaluation_block, summary
from planner.shortfall_report import shortfall
from planner.solvers import DEFAULT_SOLVER, SOLVERS, Progress, SolveOptions
from planner.team_workload import role_hours, role_order
from planner.teams.evaluate import team_summary
from planner.teams.roles import role_label

AccountsOpt = Annotated[Path, typer.Option("--accounts", "-a", help="accounts.csv or .xlsx")]
ManagersOpt = Annotated[Path, typer.Option("--managers", "-m", help="managers.csv or .xlsx")]
MaxMovesOpt = Annotated[
    int | None, typer.Option("--max-moves", help="disruption budget the plan was made with")
]
AllowUnassignedOpt = Annotated[
    bool | None,
    typer.Option(
        "--allow-unassigned/--require-full-service",
        help="whether accounts may be reduced or unserved when hours fall short (default: as recorded)",
    ),
]
UtilBandOpt = Annotated[str | None, typer.Option("--util-band", help="LOW,HIGH utilisation band")]
PolicyOpt = Annotated[
    Path | None, typer.Option("--policy", "-p", help="policy YAML (defaults apply without one)")
]
# The one backend whose search can be stopped by work done rather than by the clock.
DETERMINISTIC_SOLVER = "cpsat"
# check / explain: the plan directory records its data; a file given here replaces the recorded one.
RecordedAccountsOpt = Annotated[
    Path | None,
    typer.Option("--accounts", "-a", help="accounts.csv or .xlsx (default: the copy recorded with the plan)"),
]
RecordedManagersOpt = Annotated[
    Path | None,
    typer.Option("--managers", "-m", help="managers.csv or .xlsx (default: the copy recorded with the plan)"),
]
RecordedPolicyOpt = Annotated[
    Path | None,
    typer.Option("--policy", "-p", help="policy YAML (default: the policy recorded with the plan)"),
]


@app.command()
def assign(
    accounts: AccountsOpt,
    managers: ManagersOpt,
    out: Annotated[Path, typer.Option("--out", "-o", help="plan directory to write")],
    policy: PolicyOpt = None,
    time_limit: Annotated[float, typer.Option("--time-limit", help="seconds")] = 30.0,
    solver: Annotated[str, typer.Option("--solver", help=f"one of: {', '.join(SOLVERS)}")] = DEFAULT_SOLVER,
    max_moves: Annotated[
        int | None, typer.Option("--max-moves", help="disruption budget: voluntary moves")
    ] = None,
    threads: Annotated[int, typer.Option("--threads")] = 2,
    seed: Annotated[int, typer.Option("--seed")] = 0,
    deterministic: Annotated[
        bool,
        typer.Option(
            "--deterministic",
            help="a rerun gives the same plan.csv byte for byte, even when the time limit stops the search: "
            "one CP-SAT model (other --solver choices are replaced by cpsat), one worker, the --seed, and "
            "--time-limit counted in CP-SAT's deterministic time (work done, about a second of one core "
            "each) instead of wall-clock seconds, so a slow or busy machine may take longer",
        ),
    ] = False,
    require_full_service: Annotated[
        bool,
        typer.Option(
            "--require-full-service",
            help="every account served in full, or exit 3 with why (default: when hours fall short, "
            "keep the most valuable service and report the shortfall)",
        ),
    ] = False,
    allow_unassigned: Annotated[
        bool, typer.Option("--allow-unassigned", help="the default; kept for older scripts", hidden=True)
    ] = False,
    util_band: Annotated[
        str | None, typer.Option("--util-band", help="LOW,HIGH utilisation band, e.g. 0.3,0.95")
    ] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q")] = False,
) -> None:
    """Tier the accounts and assign each to a manager; write plan.csv and summary.json."""
    with user_errors(), output_folder(out, "plan", [accounts, managers, policy]) as target:
        shortfall_allowed = False if require_full_service else (True if allow_unassigned else None)
        ctx = load_context(
            accounts, managers, policy, allow_unassigned=shortfall_allowed, utilisation_band=util_band
        )
        if max_moves is not None and max_moves < 0:
            raise ValueError("--max-moves must be 0 or more")
        backend = DETERMINISTIC_SOLVER if deterministic else solver
        if backend != solver:
            err_console.print(
                f"[yellow]Note[/]: --deterministic solves with {backend} (one model, one worker, "
                f"deterministic time); --solver {escape(solver)} has wall-clock phases a rerun cannot repeat."
            )
        with err_console.status("solving…", spinner="dots") as status, native_stdout_muted():

            def progress(p: Progress) -> None:
                status.update(
                    f"solving… {p.elapsed_seconds:5.1f}s  best {p.objective / 100:,.2f}  bound {p.bound / 100:,.2f}"
                )

            options = SolveOptions(
                time_limit_seconds=time_limit,
                threads=1 if deterministic else threads,
                seed=seed,
                deterministic=deterministic,
                on_progress=progress,
            )
            outcome = run_assignment(ctx, solver=backend, options=options, max_moves=max_moves)
        if outcome.evaluation is None:
            err_console.print(
                f"[bold red]No plan found[/] within {time_limit:g} s ({outcome.result.status.value}); "
                "raise --time-limit or relax the policy."
            )
            raise typer.Exit(EXIT_NO_PLAN)
        inputs: dict[str, Any] = {
            "accounts": str(Path(accounts).resolve()),
            "managers": str(Path(managers).resolve()),
            "policy": str(Path(policy).resolve()) if policy else None,
            "time_limit_seconds": time_limit,
            "threads": threads,
            "seed": seed,
            "solver": backend,
            "deterministic": deterministic,
            # Recorded so `check` and `explain` judge the plan by the rules it was made under.
            "allow_unassigned": ctx.dataset.policy.allow_unassigned,
            "util_band": util_band,
            "max_moves": max_moves,
        }
        with target.replace() as scratch:
            write_plan_csv(scratch / "plan.csv", outcome.evaluation)
            inputs["files"] = record_inputs(
                scratch, accounts=accounts, managers=managers, policy_file=policy, policy=ctx.dataset.policy
            )
            write_json(scratch / "summary.json", summary(outcome, inputs))
        if not quiet:
            print_outcome(outcome)
        console.print(f"Wrote {out / 'plan.csv'} and {out / 'summary.json'}")


@app.command()
def check(
    plan: Annotated[Path, typer.Option("--plan", help="plan directory (or plan.csv) to check")],
    accounts: RecordedAccountsOpt = None,
    managers: RecordedManagersOpt = None,
    policy: RecordedPolicyOpt = None,
    max_moves: MaxMovesOpt = None,
    allow_unassigned: AllowUnassignedOpt = None,
    util_band: UtilBandOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="print the evaluation as JSON")] = False,
) -> None:
    """Re-score any plan, e.g. one edited by hand: every hard-rule violation and the KPIs. Exit 1 on violations.

    Data, policy and options not given default to those recorded with the plan (inputs/ and
    summary.json); a file given that differs from the recorded one is used, with a warning."""
    with user_errors():
        ctx, budget = _context_for_plan(
            plan, accounts, managers, policy, max_moves, allow_unassigned, util_band
        )
        evaluation = evaluate(ctx, read_plan(plan), max_moves=budget)
    if as_json:
        console.print_json(json.dumps(evaluation_block(evaluation), default=str))
    else:
        print_evaluation(evaluation)
        if evaluation.violations:
            console.print(f"[bold red]{len(evaluation.violations)} hard-rule violation(s):[/]")
            for v in evaluation.violations:
                console.print(f"  {v}", highlight=False, markup=False)
        else:
            console.print("[bold green]No hard-rule violations.[/]")
    if evaluation.violations:
        raise typer.Exit(EXIT_VIOLATIONS)


@app.command()
def explain(
    plan: Annotated[Path, typer.Option("--plan", help="plan directory")],
    account: Annotated[str, typer.Option("--account", help="account_id to explain")],
    accounts: RecordedAccountsOpt = None,
    managers: RecordedManagersOpt = None,
    policy: RecordedPolicyOpt = None,
    max_moves: MaxMovesOpt = None,
    allow_unassigned: AllowUnassignedOpt = None,
    util_band: UtilBandOpt = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Why this account went to its manager, and why not to the runner-up.

    Data, policy and options not given default to those recorded with the plan."""
    with user_errors():
        ctx, budget = _context_for_plan(
            plan, accounts, managers, policy, max_moves, allow_unassigned, util_band
        )
        info = explain_account(ctx, read_plan(plan), account, max_moves=budget)
    if as_json:
        console.print_json(json.dumps(info, default=str))
        return

    def named(ident: str | None, name: str | None, nobody: str) -> str:
        return escape(f"{ident} {name}" if ident and name else ident or nobody)

    reason = f"; moved: {info['move_reason']}" if info.get("move_reason") else ""
    console.print(
        f"[bold]{named(info['account_id'], info['account_name'], '')}[/] ({info['tier']}, value score {info['value_score']}) → "
        f"[bold]{named(info['manager_id'], info['manager_name'], 'unassigned')}[/] "
        f"(was {named(info['current_manager_id'], info['current_manager_name'], 'nobody')}{escape(reason)})"
    )
    if info["parent_group"]:
        console.print(f"  parent group, kept together: {', '.join(info['parent_group'])}")
    health = info.get("health") or {}
    if health.get("risk") or health.get("avoid_manager_ids"):
        said = [f"risk {health['risk']}"] if health.get("risk") else []
        if health.get("satisfaction") is not None:
            said.append(f"satisfaction {health['satisfaction']:g}")
        if health.get("visit_every_weeks") is not None:
            said.append(f"visited every {health['visit_every_weeks']:g} weeks")
        if health.get("risk"):
            said.append(f"match weighed x{health['match_factor']:g}, moves x{health['move_factor']:g}")
        if health.get("avoid_manager_ids"):
            said.append(f"complained about {', '.join(health['avoid_manager_ids'])} (never served by them)")
        console.print(f"  account health: {escape('; '.join(said))}", highlight=False)
    if "score" in info:
        s = info["score"]
        console.print(
            f"  match {s['match']:.2f} (industry expertise: {'yes' if s['industry_expertise'] else 'no'}, "
            f"seniority {s['seniority']}); workload {s['workload_hours']:.2f} h/month incl. travel {s['travel_hours']:.2f} h"
        )
        p = s["points"]
        console.print(
            f"  cost points: value unserved {p['value_unserved']:.2f}, travel {p['travel']:.2f}, "
            f"continuity {p['continuity']:.2f}"
        )
    for slot in info.get("team", []):  # account teams: one line per slot
        console.print(f"  {escape(slot['words'])}", highlight=False)
    if info["ineligible_managers_by_rule"]:
        parts = ", ".join(f"{k}: {v}" for k, v in info["ineligible_managers_by_rule"].items())
        console.print(f"  managers ruled out by hard rules — {parts}")
    console.print(f"  why not the runner-up: {info['why_not_runner_up']}", highlight=False)


def _context_for_plan(
    plan: Path,
    accounts: Path | None,
    managers: Path | None,
    policy: Path | None,
    max_moves: int | None,
    allow_unassigned: bool | None,
    util_band: str | None,
) -> tuple[Context, int | None]:
    """The data under the rules the plan was made with: each file and option as given, else as
    recorded with the plan (planner.plan_data). Returns the context and the move budget."""
    files = plan_files(plan, accounts, managers, policy)
    for warning in files.warnings:
        err_console.print(f"[yellow]Warning[/]: {escape(warning)}", highlight=False, soft_wrap=True)
    inputs = files.options

    def pick(given: Any, name: str) -> Any:
        return given if given is not None else inputs.get(name)

    ctx = load_context(
        files.accounts,
        files.managers,
        files.policy,
        allow_unassigned=pick(allow_unassigned, "allow_unassigned"),
        utilisation_band=pick(util_band, "util_band"),
    )
    budget = pick(max_moves, "max_moves")
    if budget is None and "max_moves" not in inputs:  # a scenario plan keeps its budget at the top
        top = files.summary.get("max_moves")
        budget = top if isinstance(top, int) else None
    return ctx, budget


def print_outcome(outcome: AssignmentOutcome) -> None:
    r = outcome.result
    gap = "n/a" if r.gap is None else f"{r.gap:.4%}"
    bound = "n/a" if r.bound is None else f"{r.bound / 100:,.2f}"
    console.print(
        f"[bold]{r.solver}[/]: status [bold]{r.status.value}[/], objective {r.objective / 100 if r.objective else 0:,.2f}, "
        f"best bound {bound}, gap {gap}, {r.runtime_seconds:.1f} s"
    )
    assert outcome.evaluation is not None
    print_evaluation(outcome.evaluation)
    print_shortfall(shortfall(outcome))


def print_shortfall(s: dict[str, Any], shown: int = 15) -> None:
    """The shortfall first in words, then the accounts it touches (the first `shown` of each kind)."""
    if not s["has_shortfall"]:
        return
    tiers = s["by_tier"]
    console.print(
        f"[bold yellow]Not enough hours for full service[/]: full service needs about "
        f"{s['hours_needed_for_full_service']:,.0f} h a month, the team has {s['hours_available']:,.0f} h. "
        f"{s['accounts_reduced']} account(s) get fewer visits, {s['accounts_unserved']} get none "
        f"(strategic {tiers['strategic']['reduced']}/{tiers['strategic']['unserved']}, "
        f"key {tiers['key']['reduced']}/{tiers['key']['unserved']}, "
        f"standard {tiers['standard']['reduced']}/{tiers['standard']['unserved']} reduced/unserved); "
        f"{s['revenue_full_service_share']:.1%} of revenue keeps full service.",
        highlight=False,
    )
    for row in s["hours_missing"][:5]:
        console.print(
            f"  missing: {row['hours_per_month']:,.1f} h a month in region {escape(row['region'] or '(none)')} "
            f"for a {row['min_seniority']} (or more senior) manager speaking {escape(row['language'])} "
            f"({row['accounts']} account(s))",
            highlight=False,
        )
    for row in s["reduced"][:shown]:
        console.print(
            f"  [yellow]reduced[/] {escape(row['account_id'])} {escape(row['name'])} ({row['tier']}): "
            f"{escape(row['level'])}",
            highlight=False,
        )
    for row in s["unserved"][:shown]:
        console.print(
            f"  [yellow]unserved[/] {escape(row['account_id'])} {escape(row['name'])} ({row['tier']}): "
            f"{escape(row['reason'])}",
            highlight=False,
        )
    more = max(len(s["reduced"]) - shown, 0) + max(len(s["unserved"]) - shown, 0)
    if more:
        console.print(
            f"  … and {more} more in summary.json (section 'shortfall') and plan.csv (column 'service')"
        )


def print_evaluation(ev: Evaluation) -> None:
    tiers = ev.tiers
    counts = tiers["counts"]
    thresholds = tiers["thresholds"]
    assert isinstance(counts, dict) and isinstance(thresholds, dict)
    console.print(
        f"Tiers: strategic {counts['strategic']} (score ≥ {thresholds['strategic_min_score']}), "
        f"key {counts['key']} (score ≥ {thresholds['key_min_score']}), standard {counts['standard']}"
    )
    m = ev.moves
    # Account teams: team slots move too, and their voluntary moves count against the budget.
    team = (
        f"; team slots that change hands {m['team_moved']} ({m['team_voluntary']} by choice), "
        f"{ev.budget_moves} voluntary moves in all against the disruption budget"
        if "team_moved" in m
        else ""
    )
    console.print(
        f"Moves: {m['total']} in all — {m['voluntary']} voluntary, {m['forced_by_leaver']} because the manager left, "
        f"{m['forced_by_rule']} required by a rule (plan.csv's move_reason names it); "
        f"value moved {m['value_moved']:,.1f} ({m['value_moved_voluntary']:,.1f} voluntarily); "
        f"strategic accounts moved {m['strategic_moved']} ({m['strategic_moved_voluntary']} voluntarily){team}"
    )
    f = ev.fairness
    if f:
        console.print(
            f"Utilisation: min {f['utilisation_min']:.0%} / mean {f['utilisation_mean']:.0%} / max {f['utilisation_max']:.0%}; "
            f"CV {f['utilisation_cv']:.3f}; Gini of hours {f['hours_gini']:.3f}"
        )
    parts = ", ".join(f"{k} {v / 100:,.2f}" for k, v in ev.parts_cp.items())
    console.print(f"Objective {ev.objective:,.2f} points = {parts}")
    table = Table(title="Managers", show_lines=False)
    for col in (
        "manager",
        "name",
        "region",
        "seniority",
        "accounts",
        "S/K/Std",
        "hours",
        "capacity",
        "util",
        "travel h",
    ):
        table.add_column(
            col, justify="right" if col not in ("manager", "name", "region", "seniority") else "left"
        )
    for row in ev.managers:
        util = "left" if not row.active else ("–" if row.utilisation is None else f"{row.utilisation:.0%}")
        style = "red" if (row.utilisation or 0) > 1 else ("dim" if not row.active else None)
        t = row.accounts_by_tier
        table.add_row(
            escape(row.manager_id),
            escape(row.name),
            row.region,
            row.seniority,
            str(row.accounts),
            f"{t['strategic']}/{t['key']}/{t['standard']}",
            f"{row.hours:.1f}",
            f"{row.capacity_hours:.0f}",
            util,
            f"{row.travel_hours:.1f}",
            style=style,
        )
    console.print(table)
    if ev.team:
        print_team(ev)


def print_team(ev: Evaluation) -> None:
    """Account teams: each role's slots in a line, then each person's hours per role and over all."""
    for role, s in team_summary(ev.team).items():
        unfilled = f", {s['unfilled']:.0f} unfilled" if s["unfilled"] else ""
        console.print(
            f"{role_label(role).capitalize()}: {s['filled']:.0f} of {s['slots']:.0f} slot(s) filled{unfilled}; "
            f"{s['people']:.0f} people, "
            f"{s['hours']:,.1f} h a month ({s['hours_per_person_min']:.1f}-{s['hours_per_person_max']:.1f} h each); "
            f"{s['moved']:.0f} moved ({s['moved_voluntary']:.0f} voluntarily)",
            highlight=False,
        )
    worked = role_hours(ev)
    roles = role_order(ev)
    table = Table(title="Workload by role (hours a month; utilisation over all roles)")
    for col in ("person", "name", *(role_label(r) for r in roles), "hours", "capacity", "util"):
        table.add_column(col, justify="left" if col in ("person", "name") else "right")
    for row in ev.managers:
        mine = worked.get(row.manager_id, {})
        util = "left" if not row.active else ("–" if row.utilisation is None else f"{row.utilisation:.0%}")
        table.add_row(
            escape(row.manager_id),
            escape(row.name),
            *(f"{mine[r][1]:.1f} ({mine[r][0]})" if r in mine else "" for r in roles),
            f"{row.hours:.1f}",
            f"{row.capacity_hours:.0f}",
            util,
            style="red" if (row.utilisation or 0) > 1 else ("dim" if not row.active else None),
        )
    console.print(table)
    console.print("  (n) after the hours: the accounts the person holds in that role", highlight=False)
