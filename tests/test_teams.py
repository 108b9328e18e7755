"""Account teams (#19): toys with hand-derived optima, each on cpsat and auto (and cbc).

Arithmetic every toy shares (toys.py defaults: standard accounts of value 40, no coordinates, so
no travel; balance off): an extra role `technical_support` of 1 visit x 2 h a month, ideal
seniority junior, 0.5 points a move (move weight 1, 10 + value 40 -> 25 points).
An option's match cost is 40 x (1 - match): a junior with the account's industry matches 1.0
(0 points), a junior without it 0.4 (24 points).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from toys import OPTIONS, acc, context, mgr, solve, write_rows
from typer.testing import CliRunner

from planner.compile import compile_problem
from planner.context import Context
from planner.evaluate import evaluate
from planner.io.loader import load_dataset
from planner.models import Plan
from planner.solvers import SOLVERS

ROOT = Path(__file__).resolve().parents[1]
TEAMS_DIR = ROOT / "scenarios" / "teams"
DEMO_DIR = ROOT / "scenarios" / "demo"
SOLVERS_TESTED = ("cpsat", "auto", "cbc")
TS = "technical_support"
BOTH = frozenset({"account_manager", TS})


def teams(**tiers: dict[str, int]) -> dict[str, object]:
    return {
        "roles": {TS: {"visits_per_month": 1, "hours_per_visit": 2}},
        "tiers": tiers or {"standard": {TS: 1}},
    }


def check(ctx: Context, solver: str) -> Plan:
    """Solve, and hold the solver's objective to the evaluator's (and the plan to every rule)."""
    out = solve(ctx, solver)
    assert out.plan is not None and out.evaluation is not None, out.result
    assert out.evaluation.violations == []
    assert out.result.objective == out.evaluation.objective_cp
    return out.plan


@pytest.mark.parametrize("solver", SOLVERS_TESTED)
def test_a_person_with_two_roles_is_not_placed_twice_on_one_account(solver: str) -> None:
    # M1 is account manager and technical support, knows energy: 0 points in either seat.
    # M2 is account manager only and M3 support only, neither knows energy: 24 points a seat.
    # Without the one-role rule M1 would take both seats (0); with it the best is M1 in one seat
    # and the other seat at 24 points, whichever way round: objective 2,400 cp.
    energy = frozenset({"energy"})
    ctx = context(
        [mgr("M1", roles=BOTH, industries=energy), mgr("M2"), mgr("M3", roles=frozenset({TS}))],
        [acc("A1", industry="energy")],
        teams=teams(),
    )
    plan = check(ctx, solver)
    assert evaluate(ctx, plan).objective_cp == 2400
    assert plan.assignment["A1"] != plan.team["A1"][TS][0]
    assert "M1" in (plan.assignment["A1"], plan.team["A1"][TS][0])
    # The evaluator names the breach in a plan written by hand.
    twice = Plan(assignment={"A1": "M1"}, team={"A1": {TS: ["M1"]}})
    assert {v.rule for v in evaluate(ctx, twice).violations} == {"one_role_per_account"}


@pytest.mark.parametrize("solver", SOLVERS_TESTED)
def test_a_slot_goes_to_the_person_with_the_skill_though_the_manager_is_closer(solver: str) -> None:
    # A1 in Shanghai speaks ja. M1 (account manager and support, lives next door) does not
    # speak ja; M2 (support only, 1 degree of latitude away) does. The language rule leaves the
    # support slot to M2 alone, whatever M1's travel saves; M1 stays the account manager.
    shanghai = {"home_lat": 31.0, "home_lon": 121.0}
    ctx = context(
        [
            mgr("M1", roles=BOTH, **shanghai),
            mgr("M2", roles=frozenset({TS}), languages=frozenset({"ja"}), home_lat=32.0, home_lon=121.0),
            mgr("M3", languages=frozenset({"ja"}), **shanghai),
        ],
        [acc("A1", language="ja", lat=31.0, lon=121.0)],
        teams=teams(),
    )
    plan = check(ctx, solver)
    assert plan.assignment["A1"] == "M3" and plan.team["A1"][TS] == ["M2"]


@pytest.mark.parametrize("solver", SOLVERS_TESTED)
def test_a_slot_goes_to_the_industry_expert_over_the_nearer_generalist(solver: str) -> None:
    # Support candidates for A1 (energy, at 31 N 121 E): M2 lives there but knows no energy
    # (24 points of match), M3 knows energy and lives 0.1 degree away: 11.1 km great circle
    # x 1.3 / 60 km/h = 0.24 h one way, 1 visit x 2 ways = 0.48 h x 2 points = 0.96 points.
    # 0.96 < 24: M3 takes the slot though M2 is closer.
    here = {"home_lat": 31.0, "home_lon": 121.0}
    ctx = context(
        [
            mgr("M1", industries=frozenset({"energy"}), **here),
            mgr("M2", roles=frozenset({TS}), **here),
            mgr("M3", roles=frozenset({TS}), industries=frozenset({"energy"}), home_lat=31.1, home_lon=121.0),
        ],
        [acc("A1", industry="energy", lat=31.0, lon=121.0)],
        teams=teams(),
    )
    plan = check(ctx, solver)
    assert plan.team["A1"][TS] == ["M3"]


@pytest.mark.parametrize("solver", SOLVERS_TESTED)
def test_continuity_keeps_todays_technical_support(solver: str) -> None:
    # M2 and M3 are alike (support only, no industry): 24 points each. Today A1's support is
    # M3: moving to M2 would add 25 points of move, so M3 stays. With M2 today, M2 stays: the
    # choice follows the data, not the order of the people.
    people = [mgr("M1"), mgr("M2", roles=frozenset({TS})), mgr("M3", roles=frozenset({TS}))]
    for today in ("M3", "M2"):
        ctx = context(people, [acc("A1", current_team={TS: frozenset({today})})], teams=teams())
        plan = check(ctx, solver)
        assert plan.team["A1"][TS] == [today]
        moved = Plan(assignment={"A1": "M1"}, team={"A1": {TS: ["M3" if today == "M2" else "M2"]}})
        assert evaluate(ctx, moved).objective_cp - evaluate(ctx, plan).objective_cp == 2500


@pytest.mark.parametrize("solver", ("cpsat", "auto"))
def test_capacity_counts_every_role_and_a_group_keeps_one_team(solver: str) -> None:
    # A1 and A2 form a parent group: one account manager and one support for both. M1 (both
    # roles, 4.5 h) cannot be manager (2 x 0.5 h) and support (2 x 2 h) of the group: 5 h > 4.5 h,
    # and may not hold both roles anyway; M2 (support, 100 h) takes the support slot.
    ctx = context(
        [mgr("M1", capacity_hours=4.5, roles=BOTH), mgr("M2", roles=frozenset({TS}))],
        [acc("A1"), acc("A2", parent_id="A1")],
        teams=teams(),
    )
    plan = check(ctx, solver)
    assert plan.assignment == {"A1": "M1", "A2": "M1"}
    assert plan.team == {"A1": {TS: ["M2"]}, "A2": {TS: ["M2"]}}
    split = Plan(assignment={"A1": "M1", "A2": "M1"}, team={"A1": {TS: ["M2"]}, "A2": {TS: ["M1"]}})
    assert {"parent_group_team", "one_role_per_account"} <= {v.rule for v in evaluate(ctx, split).violations}


def test_an_unfilled_slot_is_priced_or_reported() -> None:
    # Nobody holds technical support: with shortfalls allowed the slot stays empty at the
    # role's lost service, 100 points x 1 (standard) x (1 + 40/100) x 2 h = 280 points; without,
    # the plan is infeasible and the diagnosis names the slot.
    from planner.errors import InfeasibleError

    people, accounts = [mgr("M1")], [acc("A1")]
    allowed = context(people, accounts, teams=teams(), allow_unassigned=True)
    plan = check(allowed, "cpsat")
    assert plan.team == {"A1": {TS: [None]}}
    assert evaluate(allowed, plan).parts_cp["team"] == 28000
    with pytest.raises(InfeasibleError, match="technical support"):
        solve(context(people, accounts, teams=teams()), "cpsat")


def test_the_engine_says_it_cannot_take_teams_and_auto_falls_back() -> None:
    ctx = context([mgr("M1", roles=BOTH), mgr("M2", roles=BOTH)], [acc("A1")], teams=teams())
    problem = compile_problem(ctx).problem
    assert problem.has_exclusive
    assert SOLVERS["engine"].supports(problem)
    assert SOLVERS["auto"].supports(problem) is None
    assert str(solve(ctx, "auto").result.statistics.get("path")).startswith("cpsat")


def _arrays(ctx: Context) -> dict[str, object]:
    p = compile_problem(ctx).problem
    return {
        name: getattr(p, name)
        for name in (
            "pair_unit",
            "pair_agent",
            "pair_cost",
            "pair_weight",
            "capacity",
            "limit_use",
            "limit_upper",
            "unassigned_cost",
            "hint",
            "pair_level",
            "pair_exclusive",
            "n_units",
        )
    }


def _same(a: dict[str, object], b: dict[str, object]) -> None:
    assert a.keys() == b.keys()
    for k in a:
        x, y = a[k], b[k]
        if isinstance(x, np.ndarray) or isinstance(y, np.ndarray):
            assert x is not None and y is not None and np.array_equal(x, y), k  # type: ignore[arg-type]
        else:
            assert x == y, k


def test_without_roles_a_toy_plans_exactly_as_before() -> None:
    # The same toy three ways: no roles column, everyone account_manager, and a policy whose teams
    # need the account manager only. Same arrays, same plan, same objective.
    def people(roles: frozenset[str]) -> list:  # type: ignore[type-arg]
        return [
            mgr("M1", roles=roles, industries=frozenset({"energy"})),
            mgr("M2", roles=roles, capacity_hours=0.6),
        ]

    accounts = [acc("A1", industry="energy", current_manager_id="M2"), acc("A2"), acc("A3")]
    plain = context(people(frozenset()), accounts)
    only_am = context(
        people(frozenset({"account_manager"})),
        accounts,
        teams={
            "roles": {TS: {"visits_per_month": 1, "hours_per_visit": 2}},
            "tiers": {"standard": {"account_manager": 1}},
        },
    )
    _same(_arrays(plain), _arrays(only_am))
    assert compile_problem(plain).problem.pair_exclusive is None
    for solver in ("cpsat", "auto"):
        a, b = solve(plain, solver), solve(only_am, solver)
        assert a.plan == b.plan and a.plan is not None and a.plan.team == {}
        assert a.evaluation is not None and b.evaluation is not None
        assert a.evaluation.objective_cp == b.evaluation.objective_cp
        assert a.evaluation.parts_cp == b.evaluation.parts_cp  # no 'team' part either


def test_the_demo_compiles_to_the_same_arrays_with_every_person_an_account_manager() -> None:
    plain = load_dataset(DEMO_DIR / "accounts.csv", DEMO_DIR / "managers.csv", DEMO_DIR / "policy.yaml")
    managers = tuple(m.model_copy(update={"roles": frozenset({"account_manager"})}) for m in plain.managers)
    roles = plain.model_copy(update={"managers": managers})
    _same(_arrays(Context.build(plain)), _arrays(Context.build(roles)))


def test_the_bundled_teams_example_plans(tmp_path: Path) -> None:
    from planner.cli import assign as _assign_commands  # noqa: F401  (registers the commands on app)
    from planner.cli.app import app

    out = tmp_path / "out"
    args = [
        "assign",
        "--accounts",
        str(TEAMS_DIR / "accounts.csv"),
        "--managers",
        str(TEAMS_DIR / "managers.csv"),
    ]
    args += ["--policy", str(TEAMS_DIR / "policy.yaml"), "--out", str(out), "--time-limit", "10"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert (out / "plan.csv").exists()
    # The calendar reads the plan's account-manager rows (team rows carry a role) with its policy.
    from planner.calendar.build import load_inputs

    inputs = load_inputs(plan=out, start="2026-01-05", weeks=2)
    assert set(inputs.assignment.manager_of.values()) <= {
        m.manager_id for m in inputs.dataset.managers if m.holds("account_manager")
    }
    assert len(inputs.assignment.manager_of) == 40
    # `planner check` reads the team rows back: the plan it wrote keeps every rule.
    checked = CliRunner().invoke(app, ["check", "--plan", str(out)])
    assert checked.exit_code == 0 and "No hard-rule violations" in checked.output, checked.output
    ds = load_dataset(TEAMS_DIR / "accounts.csv", TEAMS_DIR / "managers.csv", TEAMS_DIR / "policy.yaml")
    outcome = solve(Context.build(ds), "cpsat", options=OPTIONS)
    assert outcome.evaluation is not None and outcome.evaluation.violations == []
    assert outcome.evaluation.team, "the example staffs team slots"


def test_roles_and_todays_team_are_read_from_the_csv_files(tmp_path: Path) -> None:
    policy = tmp_path / "policy.yaml"
    policy.write_text(
        "teams:\n  roles:\n    technical_support: {visits_per_month: 1, hours_per_visit: 2}\n"
        "  tiers:\n    standard: {technical_support: 1}\n",
        encoding="utf-8",
    )
    managers = write_rows(
        tmp_path / "managers.csv",
        [
            {"manager_id": "M1", "capacity_hours": 100, "角色": "account_manager"},
            {"manager_id": "M2", "capacity_hours": 100, "角色": "technical_support;account_manager",
             "capacity_hours_technical_support": 30},
        ],
    )  # fmt: skip
    accounts = write_rows(
        tmp_path / "accounts.csv",
        [{"account_id": "A1", "tier": "standard", "current_technical_support_id": "M2"}],
    )
    ds = load_dataset(accounts, managers, policy)
    assert ds.managers[1].roles == BOTH and ds.managers[1].role_capacity_hours == {TS: 30.0}
    assert ds.accounts[0].current_team == {TS: frozenset({"M2"})}
    bad = write_rows(tmp_path / "bad.csv", [{"manager_id": "M1", "capacity_hours": 1, "roles": "chef"}])
    with pytest.raises(Exception, match=r"role 'chef' is not in the policy's teams\.roles"):
        load_dataset(accounts, bad, policy)


def test_explain_names_each_slot_in_words() -> None:
    from planner.explain import explain_account

    ctx = context(
        [
            mgr("M1", name="Wang Fang", languages=frozenset({"ja"})),
            mgr(
                "M2",
                name="Li Na",
                roles=frozenset({TS}),
                languages=frozenset({"ja"}),
                industries=frozenset({"finance"}),
            ),
        ],
        [acc("A1", industry="finance", language="ja")],
        teams=teams(),
    )
    plan = Plan(assignment={"A1": "M1"}, team={"A1": {TS: ["M2"]}})
    info = explain_account(ctx, plan, "A1")
    # M2 works 2 h of 100 h: 2 % utilised.
    assert [s["words"] for s in info["team"]] == [
        "technical support: Li Na — speaks ja, serves finance, 2 % utilised"
    ]


def test_hiring_two_support_engineers_is_a_scenario_that_replays(tmp_path: Path) -> None:
    # scenarios/teams/hire-support.yaml: two technical-support hires in east. The plan gives them
    # slots (the east's engineers are the busiest), and the plan directory rebuilds the data set
    # with the hires' roles (managers.csv's roles column written and read back).
    from planner.scenario import load_and_resolve, rebuild, solve_scenario, write_plan_dir

    resolved = load_and_resolve(TEAMS_DIR / "hire-support.yaml")
    hires = [m for m in resolved.dataset.managers if m.manager_id in ("P13", "P14")]
    assert [m.roles for m in hires] == [frozenset({TS})] * 2
    outcome = solve_scenario(resolved)
    assert outcome.plan is not None and outcome.evaluation is not None
    assert outcome.evaluation.violations == []
    staffed = {p for roles in outcome.plan.team.values() for p in roles.get(TS, [])}
    assert {"P13", "P14"} <= staffed
    write_plan_dir(tmp_path / "out", resolved, outcome)
    assert rebuild(tmp_path / "out").dataset == resolved.dataset


def test_summary_and_fairness_count_each_role() -> None:
    # Two standard accounts: M1 manages both (2 x 0.5 h), M2 supports both (2 x 2 h).
    from planner.fairness import fairness_report
    from planner.report import summary

    ctx = context([mgr("M1"), mgr("M2", roles=frozenset({TS}))], [acc("A1"), acc("A2")], teams=teams())
    out = solve(ctx, "cpsat")
    assert out.evaluation is not None
    assert summary(out)["evaluation"]["team"][TS] == {
        "slots": 2, "filled": 2, "unfilled": 0, "people": 1, "hours": 4.0, "hours_per_person_min": 4.0,
        "hours_per_person_max": 4.0, "moved": 0, "moved_voluntary": 0,
    }  # fmt: skip
    by_role = {r["role"]: (r["people"], r["hours"]) for r in fairness_report(out.evaluation)["by_role"]}
    assert by_role == {"account_manager": (1, 1.0), TS: (1, 4.0)}
    from planner.compare.kpis import KPI_ROWS, formatted, kpi_rows, plan_kpis

    kpis = plan_kpis(out.evaluation)
    rows = kpi_rows([kpis])
    # Per role, the account manager first (people, hours, most hours, utilisation mean, Gini),
    # then support's slots filled and unfilled, the same five, and voluntary moves.
    assert [formatted(kpis, key, fmt) for _, key, fmt in rows[len(KPI_ROWS) :]] == [
        "1", "1.0", "1.0", "1.0%", "0.000", "2", "0", "1", "4.0", "4.0", "4.0%", "0.000", "0",
    ]  # fmt: skip
    plain = solve(context([mgr("M1")], [acc("A1")]), "cpsat")
    assert plain.evaluation is not None
    assert "team" not in summary(plain)["evaluation"] and "by_role" not in fairness_report(plain.evaluation)
    assert kpi_rows([plan_kpis(plain.evaluation)]) == KPI_ROWS


def test_a_part_of_the_problem_keeps_its_one_role_rows() -> None:
    # Two regions, each with one person holding both roles: restricting to a region (what the
    # split and the re-plan do) keeps that region's row, aligned with its options.
    from planner.solvers.decompose import components, restrict

    both = [mgr("M1", roles=BOTH, region="e"), mgr("M2", roles=BOTH, region="w"), mgr("M3", region="w")]
    ctx = context(both, [acc("A1", region="e"), acc("A2", region="w")], teams=teams())
    problem = compile_problem(ctx).problem
    for units, agents in components(problem):
        part = restrict(problem, units, agents, scale=1)
        assert part.pair_exclusive is not None and part.pair_exclusive.size == part.n_pairs
        assert len(part.exclusive_rows()) == 1


@pytest.mark.parametrize("solver", ("cpsat", "auto"))
def test_two_slots_of_one_role_take_two_people(solver: str) -> None:
    # The tier needs two technical support. M2 knows energy (0 points), M3 does not (24 points):
    # without the one-role rows M2 would fill both slots; with them M2 and M3 share the team.
    ctx = context(
        [
            mgr("M1"),
            mgr("M2", roles=frozenset({TS}), industries=frozenset({"energy"})),
            mgr("M3", roles=frozenset({TS})),
        ],
        [acc("A1", industry="energy")],
        teams=teams(standard={TS: 2}),
    )
    plan = check(ctx, solver)
    assert sorted(plan.team["A1"][TS]) == ["M2", "M3"]


def test_the_policy_writes_teams_only_when_set_and_its_schema_has_them() -> None:
    from planner.models import Policy

    assert "teams" not in Policy().model_dump(mode="json")  # runs without teams write what they wrote
    with_teams = Policy.model_validate({"teams": teams()})
    assert Policy.model_validate(with_teams.model_dump(mode="json")) == with_teams
    schema = Policy.model_json_schema()["properties"]["teams"]
    assert "technical" not in str(schema) and "min_seniority" in str(schema)


def test_a_person_leaving_one_role_keeps_the_others(tmp_path: Path) -> None:
    # P04 (Chen Jie) is account manager and technical support in scenarios/teams: leaving the
    # support role, they keep their accounts' manager seats, and no account has them as support.
    import yaml

    from planner.errors import InputError
    from planner.scenario import load_and_resolve, solve_scenario

    def scenario(change: dict[str, object]) -> Path:
        spec = yaml.safe_load((TEAMS_DIR / "hire-support.yaml").read_text(encoding="utf-8"))
        spec["data"] = {k: str(TEAMS_DIR / v) for k, v in spec["data"].items()}
        spec["changes"] = [change]
        path = tmp_path / "leave.yaml"
        path.write_text(yaml.safe_dump(spec), encoding="utf-8")
        return path

    resolved = load_and_resolve(scenario({"kind": "leave_role", "manager_id": "P04", "role": TS}))
    assert resolved.dataset.manager_by_id["P04"].roles == frozenset({"account_manager"})
    outcome = solve_scenario(resolved)
    assert outcome.plan is not None and outcome.evaluation is not None and outcome.evaluation.violations == []
    assert all("P04" not in roles.get(TS, []) for roles in outcome.plan.team.values())
    assert "P04" in outcome.plan.assignment.values()
    # leave_role is an alias of remove_manager with roles [role]: the same data set either way;
    # giving up one's only role is leaving, and a role not held is refused naming the field.
    same = load_and_resolve(scenario({"kind": "remove_manager", "manager_id": "P04", "roles": [TS]})).dataset
    assert same == resolved.dataset
    only = load_and_resolve(scenario({"kind": "leave_role", "manager_id": "P05", "role": TS}))
    assert not only.dataset.manager_by_id["P05"].active
    with pytest.raises(InputError, match=r"changes\[0\]\.role.*does not hold role"):
        load_and_resolve(scenario({"kind": "leave_role", "manager_id": "P01", "role": TS}))
