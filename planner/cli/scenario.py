"""`planner scenario run|show`, `planner compare`, `planner alternatives`, `planner fairness`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from planner.cli.common import EXIT_NO_PLAN, EXIT_VIOLATIONS, console, err_console, user_errors
from planner.cli.output import output_folder
from planner.cli.root import app
from planner.compare.sources import DataFiles
from planner.native_output import native_stdout_muted
from planner.solvers import Progress

scenario = typer.Typer(
    help="What-if scenarios: a YAML file of changes to the base data (every field: scenarios/scenario.example.yaml).",
    no_args_is_help=True,
)
app.add_typer(scenario, name="scenario")

AccountsOpt = Annotated[
    Path | None,
    typer.Option("--accounts", "-a", help="score against these accounts instead of the recorded ones"),
]
ManagersOpt = Annotated[
    Path | None, typer.Option("--managers", "-m", help="managers.csv or .xlsx (with --accounts)")
]
PolicyOpt = Annotated[Path | None, typer.Option("--policy", "-p", help="policy YAML (with --accounts)")]
JsonOpt = Annotated[bool, typer.Option("--json", help="print JSON instead of tables")]
HtmlOpt = Annotated[Path | None, typer.Option("--html", help="also write a self-contained HTML report here")]


@scenario.command("run")
def run(
    file: Annotated[Path, typer.Argument(help="scenario YAML file")],
    out: Annotated[Path, typer.Option("--out", "-o", help="plan directory to write")],
    quiet: Annotated[bool, typer.Option("--quiet", "-q")] = False,
) -> None:
    """Apply the scenario's changes, solve, and write plan.csv, summary.json and scenario.resolved.yaml."""
    from planner.cli.assign import print_outcome
    from planner.scenario import load_and_resolve, solve_scenario, write_plan_dir
    from planner.scenario.run import input_paths

    with user_errors():
        resolved = load_and_resolve(file)
        with output_folder(out, "plan", input_paths(resolved)) as target:
            for note in resolved.notes:
                err_console.print(f"  {note}", highlight=False)
            with err_console.status("solving…", spinner="dots") as status, native_stdout_muted():

                def progress(p: Progress) -> None:
                    status.update(f"solving… {p.elapsed_seconds:5.1f}s  best {p.objective / 100:,.2f}")

                outcome = solve_scenario(resolved, on_progress=progress)
            if outcome.evaluation is None:
                err_console.print(
                    f"[bold red]No plan found[/] within {resolved.spec.solver.time_limit_seconds:g} s "
                    f"({outcome.result.status.value}); raise solver.time_limit_seconds in {file}."
                )
                raise typer.Exit(EXIT_NO_PLAN)
            write_plan_dir(target, resolved, outcome)
    if not quiet:
        print_outcome(outcome)
    settings = resolved.spec.solver
    if outcome.result.status.value != "optimal" and settings.effective_threads > 1:
        err_console.print(
            "[yellow]Note[/]: stopped by the time limit with several solver threads; a rerun may give a "
            "different plan. Set solver.deterministic: true for reruns that match."
        )
    console.print(f"Wrote {out / 'plan.csv'}, {out / 'summary.json'} and {out / 'scenario.resolved.yaml'}")


@scenario.command("show")
def show(file: Annotated[Path, typer.Argument(help="scenario YAML file")]) -> None:
    """Check a scenario file and print what it resolves to, without solving."""
    import yaml

    from planner.scenario import load_and_resolve

    with user_errors():
        resolved = load_and_resolve(file)
    console.print(yaml.safe_dump(resolved.record(), sort_keys=False, allow_unicode=True), highlight=False)


@app.command("compare")
def compare(
    plans: Annotated[list[Path], typer.Argument(help="plan directories; the first is the base of the diffs")],
    as_json: JsonOpt = False,
    html: HtmlOpt = None,
    accounts: AccountsOpt = None,
    managers: ManagersOpt = None,
    policy: PolicyOpt = None,
) -> None:
    """KPIs of several plans side by side, and what moves between the first and each other one.

    Exit 1 when any plan breaks a hard rule."""
    from planner.compare import comparison, load_source
    from planner.compare.terminal import print_comparison

    with user_errors():
        files = _files(accounts, managers, policy)
        names = _unique_names(plans)
        report = comparison([load_source(p, files, name) for p, name in zip(plans, names, strict=True)])
        if html is not None:
            from planner.compare.page import comparison_html

            _write_html(html, comparison_html(report))
    if as_json:
        console.print_json(json.dumps(report, default=str))
    else:
        print_comparison(console, report)
    if html is not None:
        err_console.print(f"Wrote {html}")
    if any(p["kpis"]["hard_rule_violations"] for p in report["plans"]):
        raise typer.Exit(EXIT_VIOLATIONS)


@app.command("alternatives")
def alternatives(
    file: Annotated[Path, typer.Argument(help="scenario YAML file")],
    out: Annotated[
        Path, typer.Option("--out", "-o", help="directory for the plans, front chart and index.html")
    ],
    count: Annotated[int, typer.Option("--count", "-k", min=1, help="at most this many plans")] = 5,
) -> None:
    """Up to COUNT plans on the front of disruption vs balance vs value, each a full plan directory."""
    from planner.scenario import load_and_resolve, solve_scenario
    from planner.scenario.alternatives import sweep
    from planner.scenario.front_dir import write_alternatives
    from planner.scenario.run import input_paths

    with user_errors():
        resolved = load_and_resolve(file)
        with output_folder(out, "alternatives", input_paths(resolved)) as target:
            with err_console.status("solving alternatives…", spinner="dots"), native_stdout_muted():
                result = sweep(resolved, count, solve_scenario)
            points = write_alternatives(target, resolved.spec.name, result)
    from rich.table import Table

    table = Table(title=f"Alternatives for {resolved.spec.name}")
    for col in ("plan", "voluntary moves", "utilisation spread", "value unserved", "objective"):
        table.add_column(col, justify="left" if col == "plan" else "right")
    for p in points:
        table.add_row(
            p["dir"],
            str(p["moves"]),
            f"{p['utilisation_spread']:.1%}",
            f"{p['value_unserved']:,.1f}",
            f"{p['objective']:,.1f}",
        )
    console.print(table)
    for budget, reason in result.dropped:
        console.print(
            f"  budget {budget if budget is not None else 'as written'}: {reason[:140]}", highlight=False
        )
    console.print(f"Wrote {len(points)} plan(s), front.svg, front.png and index.html to {out}")


@app.command("fairness")
def fairness(
    plan: Annotated[Path, typer.Argument(help="plan directory")],
    as_json: JsonOpt = False,
    html: HtmlOpt = None,
    accounts: AccountsOpt = None,
    managers: ManagersOpt = None,
    policy: PolicyOpt = None,
) -> None:
    """Fairness report for HR: hours against capacity per manager, by seniority and region, with flags."""
    from planner.compare import load_source
    from planner.fairness import fairness_report
    from planner.team_workload import held_roles

    with user_errors():
        source = load_source(plan, _files(accounts, managers, policy))
        industries = {m.manager_id: m.industries for m in source.ctx.dataset.managers}
        roles = held_roles(source.ctx.dataset.managers)  # account teams: a role's peers hold it
        report = fairness_report(source.evaluation, source.name, industries, roles)
        if html is not None:
            from planner.reports.fairness_page import fairness_html

            _write_html(html, fairness_html(report))
    if as_json:
        console.print_json(json.dumps(report, default=str))
    else:
        _print_fairness(report)
    if html is not None:
        err_console.print(f"Wrote {html}")


def _print_fairness(report: dict[str, object]) -> None:
    from rich.table import Table

    stats = report["statistics"]
    assert isinstance(stats, dict)
    console.print(
        f"[bold]{report['plan']}[/]: utilisation min {stats.get('utilisation_min', 0):.0%} / mean "
        f"{stats.get('utilisation_mean', 0):.0%} / max {stats.get('utilisation_max', 0):.0%}; "
        f"Gini of hours {stats.get('hours_gini', 0):.3f}, CV {stats.get('hours_cv', 0):.3f}, "
        f"max/min {stats.get('max_min_hours_ratio', 0):.2f}; above 90 %: {stats.get('share_above_90pct', 0):.0%}, "
        f"below 50 %: {stats.get('share_below_50pct', 0):.0%}"
    )
    managers = report["managers"]
    assert isinstance(managers, list)
    team = bool(report.get("by_role"))  # account teams: people in any role, hours over all roles
    table = Table(title="Per person (hours over all their roles)" if team else "Per manager")
    for col in (
        "person" if team else "manager",
        "seniority",
        "region",
        "hours",
        "capacity",
        "util",
        "travel",
        "value",
        "S/K/Std",
        "flag",
    ):
        table.add_column(
            col, justify="left" if col in ("manager", "person", "seniority", "region", "flag") else "right"
        )
    for m in managers:
        t = m["accounts_by_tier"]
        table.add_row(
            m["manager_id"],
            m["seniority"],
            m["region"],
            f"{m['hours']:.1f}",
            f"{m['capacity_hours']:.1f}",
            "left" if not m["active"] else ("–" if m["utilisation"] is None else f"{m['utilisation']:.0%}"),
            f"{m['travel_share']:.0%}",
            f"{m['value_carried']:.0f}",
            f"{t['strategic']}/{t['key']}/{t['standard']}",
            m["flag"],
            style="red" if m["flag"] in ("over capacity", "overload", "left, holds accounts") else None,
        )
    console.print(table)
    for key in ("by_seniority", "by_region", "by_industry"):
        rows = report.get(key) or []
        assert isinstance(rows, list)
        if not rows:
            continue
        group = key.removeprefix("by_")
        table = Table(title=f"By {group}")
        for col in (group, "managers", "hours", "capacity", "util mean", "Gini", "overloaded", "under-used"):
            table.add_column(col, justify="left" if col == group else "right")
        for r in rows:
            s = r["statistics"]
            table.add_row(
                r[group],
                str(r["managers"]),
                f"{r['hours']:.1f}",
                f"{r['capacity_hours']:.0f}",
                f"{s.get('utilisation_mean', 0):.0%}",
                f"{s.get('hours_gini', 0):.3f}",
                str(r["overloaded"]),
                str(r["under_used"]),
            )
        console.print(table)
    opportunity = report.get("opportunity")
    assert isinstance(opportunity, dict)
    table = Table(title="Fair opportunity among peers of one seniority (value carried; strategic accounts)")
    for col in (
        "seniority",
        "managers",
        "value min",
        "mean",
        "max",
        "spread",
        "strategic min",
        "max",
        "spread",
    ):
        table.add_column(col, justify="left" if col == "seniority" else "right")
    for r in opportunity["by_seniority"]:
        table.add_row(
            r["seniority"], str(r["managers"]), f"{r['value_carried_min']:.0f}", f"{r['value_carried_mean']:.0f}",
            f"{r['value_carried_max']:.0f}", f"{r['value_carried_spread']:.0f}", str(r["strategic_min"]),
            str(r["strategic_max"]), str(r["strategic_spread"]),
        )  # fmt: skip
    console.print(table)
    roles = report.get("by_role") or []  # account teams (planner.teams)
    assert isinstance(roles, list)
    if roles:
        table = Table(title="By role: among its holders, hours in the role each; utilisation over all roles")
        for col in (
            "role",
            "peers",
            "hours",
            "min",
            "mean",
            "max",
            "CV",
            "Gini",
            "util mean",
            ">90%",
            "<50%",
        ):
            table.add_column(col, justify="left" if col == "role" else "right")
        for r in roles:
            table.add_row(
                r["role"].replace("_", " "), str(r["peers"]), f"{r['hours']:.1f}", f"{r['hours_min']:.1f}",
                f"{r['hours_mean']:.1f}", f"{r['hours_max']:.1f}", f"{r['hours_cv']:.3f}", f"{r['hours_gini']:.3f}",
                f"{r['statistics'].get('utilisation_mean', 0):.0%}", str(r["overloaded"]), str(r["under_used"]),
            )  # fmt: skip
        console.print(table)


def _files(accounts: Path | None, managers: Path | None, policy: Path | None) -> DataFiles | None:
    if accounts is None and managers is None:
        if policy is not None:
            raise ValueError("--policy needs --accounts and --managers too")
        return None
    if accounts is None or managers is None:
        raise ValueError("give both --accounts and --managers, or neither")
    return DataFiles(accounts, managers, policy)


def _unique_names(plans: list[Path]) -> list[str]:
    """Directory names, made unique with their parent when two plans share a name (a/plan, b/plan)."""
    names = [p.name or str(p) for p in plans]
    return [f"{p.parent.name}/{n}" if names.count(n) > 1 else n for p, n in zip(plans, names, strict=True)]


def _write_html(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)  # a reader never sees half a page
