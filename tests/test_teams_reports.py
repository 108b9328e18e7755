"""Account teams (#19 item 4) in the library's reports and scenarios: summary, fairness and compare
per role, hires with roles (and a count), a person leaving one role. Toys with hand-derived outcomes.

Arithmetic the toys share (tests/toys.py and tests/test_teams.py): standard accounts of value 40,
no coordinates (no travel), balance off; technical support is 1 visit x 2 h a month with ideal
seniority junior, so a junior who knows the account's industry matches 1.0 and costs 0 points in
either seat. An account manager's standard account is 0.5 h a month.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from toys import acc, context, dataset, mgr, solve
from typer.testing import CliRunner

from planner.cli import assign as _assign_commands  # noqa: F401  (registers the commands on app)
from planner.cli import scenario as _scenario_commands  # noqa: F401
from planner.cli.app import app
from planner.compare.diff import plan_diff
from planner.compare.kpis import plan_kpis
from planner.context import Context
from planner.errors import InputError
from planner.evaluate import evaluate
from planner.fairness import fairness_report
from planner.models import Dataset, Plan
from planner.report import summary
from planner.scenario.changes import apply_changes
from planner.scenario.spec import AddHires, Hire, RemoveManager
from planner.team_workload import held_roles

ROOT = Path(__file__).resolve().parents[1]
TEAMS_DIR = ROOT / "scenarios" / "teams"
TS, AM = "technical_support", "account_manager"
ENERGY = frozenset({"energy"})


def teams() -> dict[str, object]:
    return {"roles": {TS: {"visits_per_month": 1, "hours_per_visit": 2}}, "tiers": {"standard": {TS: 1}}}


def planned(ds: Dataset) -> tuple[Context, Plan]:
    ctx = Context.build(ds)
    out = solve(ctx, "cpsat")
    assert out.plan is not None and out.evaluation is not None, out.result
    assert out.evaluation.violations == []
    assert out.result.objective == out.evaluation.objective_cp
    return ctx, out.plan


def test_hiring_one_technical_support_person_fills_the_unfilled_slot() -> None:
    # Nobody holds technical support: the slot of A1 stays empty at the role's lost service,
    # 100 points x 1 (standard) x (1 + 40/100) x 2 h = 280 points (28,000 cp), the whole
    # objective (M1 manages A1 at match 1.0). A junior support hire who knows energy costs 0
    # points in the slot (match 1.0, no travel, nobody held it today), so the plan fills it:
    # objective 0.
    base = dataset(
        [mgr("M1", industries=ENERGY)], [acc("A1", industry="energy")], teams=teams(), allow_unassigned=True
    )
    ctx, before = planned(base)
    assert before.team == {"A1": {TS: [None]}}
    assert evaluate(ctx, before).objective_cp == 28000
    hire = Hire(manager_id="H", roles=[TS], industries=["energy"], capacity_hours=10)
    after_ds = apply_changes(base, [AddHires(kind="add_hires", hires=[hire])]).dataset
    after_ctx, after = planned(after_ds)
    assert after.team == {"A1": {TS: ["H"]}} and after.assignment == {"A1": "M1"}
    assert evaluate(after_ctx, after).objective_cp == 0
    # compare: the slot is filled, nobody's account-manager seat changes.
    diff = plan_diff(evaluate(ctx, before), evaluate(after_ctx, after))
    assert diff["moved_count"] == 0
    slots = diff["team_slots"]
    assert (slots["filled"], slots["moved"], slots["unfilled"]) == (1, 0, 0)
    assert slots["changes"] == [
        {"account_id": "A1", "account_name": "", "role": TS, "slot": 1, "change": "filled", "from": None,
         "from_name": "", "to": "H", "to_name": "", "tier": "standard"}
    ]  # fmt: skip
    assert slots["by_role"][TS] == {
        "moved": 0, "filled": 1, "unfilled": 0, "filled_before": 0, "filled_after": 1,
        "unfilled_before": 1, "unfilled_after": 0,
    }  # fmt: skip


def test_a_hire_with_a_count_is_that_many_people_of_the_profile() -> None:
    # Two accounts need support and nobody holds it; `count: 2` hires H-1 and H-2 with 2 h a
    # month each, exactly one slot's hours (1 visit x 2 h), so each takes one slot (a filled slot
    # costs 0 points against 280 for an empty one).
    base = dataset(
        [mgr("M1", industries=ENERGY)],
        [acc("A1", industry="energy"), acc("A2", industry="energy")],
        teams=teams(),
        allow_unassigned=True,
    )
    hire = Hire(manager_id="H", count=2, name="Support", roles=[TS], industries=["energy"], capacity_hours=2)
    applied = apply_changes(base, [AddHires(kind="add_hires", hires=[hire])])
    hired = {m.manager_id: m for m in applied.dataset.managers if m.manager_id.startswith("H")}
    assert sorted(hired) == ["H-1", "H-2"]
    assert [hired[k].name for k in ("H-1", "H-2")] == ["Support 1", "Support 2"]
    assert all(m.roles == frozenset({TS}) and m.capacity_hours == 2 for m in hired.values())
    assert applied.notes == [
        "hires: H-1 (junior, , 2 h, technical support), H-2 (junior, , 2 h, technical support)"
    ]
    _, plan = planned(applied.dataset)
    assert sorted(p for roles in plan.team.values() for p in roles[TS]) == ["H-1", "H-2"]
    with pytest.raises(InputError, match="'H-1' already exists"):
        apply_changes(applied.dataset, [AddHires(kind="add_hires", hires=[hire])])
    # One hire is written as before `count` existed (scenario.resolved.yaml).
    assert "count" not in Hire(manager_id="H", capacity_hours=1).model_dump(mode="json")


def two_accounts() -> Dataset:
    """M1 is account manager of A1 and technical support of A2 today; M2 manages A2; M3 supports A1.
    Everyone knows energy (match 1.0, 0 points), so today's teams cost nothing and any voluntary
    change would cost a move: the plan keeps them."""
    return dataset(
        [
            mgr("M1", roles=frozenset({AM, TS}), industries=ENERGY),
            mgr("M2", industries=ENERGY),
            mgr("M3", roles=frozenset({TS}), industries=ENERGY),
        ],
        [
            acc("A1", industry="energy", current_manager_id="M1", current_team={TS: frozenset({"M3"})}),
            acc("A2", industry="energy", current_manager_id="M2", current_team={TS: frozenset({"M1"})}),
        ],
        teams=teams(),
    )


def test_a_person_leaving_only_the_support_role_keeps_their_account_manager_accounts() -> None:
    # M1 leaves technical support: A2's support slot must move (forced, so unpriced), and M3 is
    # the only support left (M3 is not on A2); M1 keeps A1's manager seat, which nothing forces
    # to move and moving costs. Objective 0 before and after.
    base = two_accounts()
    ctx, before = planned(base)
    assert before.assignment == {"A1": "M1", "A2": "M2"}
    assert before.team == {"A1": {TS: ["M3"]}, "A2": {TS: ["M1"]}}
    leave = RemoveManager(kind="remove_manager", manager_id="M1", roles=[TS])
    applied = apply_changes(base, [leave])
    assert applied.notes == ["M1 (no name) leaves the technical_support role; keeps account_manager"]
    m1 = next(m for m in applied.dataset.managers if m.manager_id == "M1")
    assert m1.active and m1.roles == frozenset({AM})
    after_ctx, after = planned(applied.dataset)
    assert after.assignment == {"A1": "M1", "A2": "M2"}
    assert after.team == {"A1": {TS: ["M3"]}, "A2": {TS: ["M3"]}}
    assert evaluate(after_ctx, after).objective_cp == 0
    slots = plan_diff(evaluate(ctx, before), evaluate(after_ctx, after))["team_slots"]
    assert [(c["account_id"], c["change"], c["from"], c["to"]) for c in slots["changes"]] == [
        ("A2", "moved", "M1", "M3")
    ]
    # Naming every role the person holds is leaving; a role they do not hold is refused.
    gone = apply_changes(base, [RemoveManager(kind="remove_manager", manager_id="M1", roles=[TS, AM])])
    assert not next(m for m in gone.dataset.managers if m.manager_id == "M1").active
    with pytest.raises(InputError, match="M2 does not hold role"):
        apply_changes(base, [RemoveManager(kind="remove_manager", manager_id="M2", roles=[TS])])
    assert "roles" not in RemoveManager(kind="remove_manager", manager_id="M1").model_dump(mode="json")


def test_workload_and_fairness_per_role() -> None:
    # The two-account toy as planned: M1 manages A1 (0.5 h) and supports A2 (2 h); M2 manages A2
    # (0.5 h); M3 supports A1 (2 h). Capacity 100 h each.
    ctx, plan = planned(two_accounts())
    outcome = solve(ctx, "cpsat")
    rows = {r["manager_id"]: r for r in summary(outcome)["evaluation"]["workload"]}
    assert rows["M1"]["roles"] == [AM, TS] and rows["M1"]["hours"] == 2.5
    assert [(r["role"], r["accounts"], r["hours"], r["utilisation"]) for r in rows["M1"]["by_role"]] == [
        (AM, 1, 0.5, 0.005),
        (TS, 1, 2.0, 0.02),
    ]
    assert [(r["role"], r["hours"]) for r in rows["M3"]["by_role"]] == [(TS, 2.0)]
    ev = evaluate(ctx, plan)
    # Peers of a role are its holders: account managers M1, M2 (0.5 h each); support M1, M3 (2 h each).
    report = fairness_report(ev, roles=held_roles(ctx.dataset.managers))
    by_role = {r["role"]: r for r in report["by_role"]}
    assert (by_role[AM]["peers"], by_role[AM]["hours"], by_role[AM]["hours_gini"]) == (2, 1.0, 0.0)
    assert (by_role[TS]["peers"], by_role[TS]["hours"], by_role[TS]["hours_spread"]) == (2, 4.0, 0.0)
    # statistics over all their roles: M1 2.5 h and M3 2 h against 100 h each.
    assert by_role[TS]["statistics"]["utilisation_max"] == 0.025
    assert by_role[TS]["statistics"]["utilisation_min"] == 0.02
    assert {m["manager_id"]: m["hours_by_role"] for m in report["managers"]} == {
        "M1": {AM: 0.5, TS: 2.0}, "M2": {AM: 0.5}, "M3": {TS: 2.0},
    }  # fmt: skip
    kpis = plan_kpis(ev)
    assert kpis["by_role"][AM]["people"] == 2 and kpis["by_role"][TS]["hours"] == 4.0


def test_an_idle_holder_counts_among_the_peers() -> None:
    # M4 holds technical support but the plan gives them nothing (nobody needs them): the
    # support peers are M1, M3 (2 h each) and M4 (0 h), so the role's hours spread is 2 h.
    ds = two_accounts()
    idle = mgr("M4", roles=frozenset({TS}))
    ctx, plan = planned(Dataset(managers=(*ds.managers, idle), accounts=ds.accounts, policy=ds.policy))
    ev = evaluate(ctx, plan)
    ts = {r["role"]: r for r in fairness_report(ev, roles=held_roles(ctx.dataset.managers))["by_role"]}[TS]
    assert (ts["peers"], ts["people"], ts["hours_min"], ts["hours_spread"]) == (3, 2, 0.0, 2.0)
    # Without the roles held, the peers are the people working in the role.
    ts = {r["role"]: r for r in fairness_report(ev)["by_role"]}[TS]
    assert (ts["peers"], ts["hours_min"]) == (2, 2.0)


def test_without_roles_the_reports_have_no_role_sections() -> None:
    ctx = context([mgr("M1")], [acc("A1")])
    out = solve(ctx, "cpsat")
    assert out.evaluation is not None
    assert "workload" not in summary(out)["evaluation"]
    report = fairness_report(out.evaluation, roles=held_roles(ctx.dataset.managers))
    assert "by_role" not in report and "hours_by_role" not in report["managers"][0]
    assert "team_slots" not in plan_diff(out.evaluation, out.evaluation)
    assert "by_role" not in plan_kpis(out.evaluation)


def test_the_example_scenario_hires_two_support_engineers_in_east(tmp_path: Path) -> None:
    # scenarios/teams/hire-two-support-east.yaml: add_hires with count 2; the CLI plans it and
    # prints the workload by role; compare against the base plan shows the team slots.
    spec = yaml.safe_load((TEAMS_DIR / "hire-two-support-east.yaml").read_text(encoding="utf-8"))
    hires = spec["changes"][0]["hires"]
    assert hires[0]["count"] == 2 and hires[0]["roles"] == [TS] and hires[0]["region"] == "east"
    runner = CliRunner()
    out = runner.invoke(
        app, ["scenario", "run", str(TEAMS_DIR / "hire-two-support-east.yaml"), "--out", str(tmp_path / "s")]
    )
    assert out.exit_code == 0, out.output
    assert "Workload by role" in out.output and "Technical support:" in out.output
    base = runner.invoke(
        app,
        ["assign", "--accounts", str(TEAMS_DIR / "accounts.csv"), "--managers", str(TEAMS_DIR / "managers.csv"),
         "--policy", str(TEAMS_DIR / "policy.yaml"), "--out", str(tmp_path / "b"), "--time-limit", "10", "-q"],
    )  # fmt: skip
    assert base.exit_code == 0, base.output
    page = tmp_path / "c.html"
    cmp = runner.invoke(app, ["compare", str(tmp_path / "b"), str(tmp_path / "s"), "--html", str(page)])
    assert cmp.exit_code == 0, cmp.output
    assert 'id="team-slots-1"' in page.read_text(encoding="utf-8")
    assert "technical support: 14 of 14 slot(s) filled" in cmp.output
    assert "account manager: people" in cmp.output
    fair = runner.invoke(app, ["fairness", str(tmp_path / "s"), "--html", str(tmp_path / "f.html")])
    assert fair.exit_code == 0, fair.output
    assert "By role" in fair.output and 'id="by-role"' in (tmp_path / "f.html").read_text(encoding="utf-8")
