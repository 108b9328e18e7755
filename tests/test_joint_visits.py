"""Joint visits (#19 item 3): the account manager and technical support at one visit of a
strategic account, on a day both work, starting together; the check verifies them.

The toy: one strategic account S1 next to both homes in Hangzhou (travel a few minutes), an
account manager M1 and a technical-support engineer T1. The policy asks for 13 joint visits a
quarter (one a week), so a one-week calendar (Monday 4 to Sunday 10 January 2027, Monday to
Friday, no holidays) asks for exactly one: floor(1 x 13 / 13 + 1/2) = 1, due in days 0-6.
Strategic accounts are visited weekly here, so M1 owes S1 one visit of their own that week (the
joint visit is it, when there is one); T1 owes none (one visit a month: floor(1 / 4.33 + 1/2) = 0).
Leave decides who works when.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from pathlib import Path

import pytest
from toys import acc, dataset, mgr
from typer.testing import CliRunner

from planner.calendar.build import make_inputs
from planner.calendar.check import check_calendar
from planner.calendar.inputs import Assignment
from planner.calendar.joint_plan import plan_joint
from planner.calendar.solve import plan_calendar
from planner.calendar.summary import build_summary
from planner.calendar.visits import plan_visits, read_visits
from planner.calendar.workdays import make_calendar
from planner.models import Policy, Tier

TS = "technical_support"
HOME = {"home_lat": 30.27, "home_lon": 120.15}
MONDAY = dt.date(2027, 1, 4)


def _inputs(m1_leave: range, t1_leave: range):  # type: ignore[no-untyped-def]
    teams = {
        "roles": {TS: {"visits_per_month": 1, "hours_per_visit": 2}},
        "tiers": {"strategic": {TS: 1}},
        "joint_visits": {"strategic": {"per_quarter": 13, "role": TS}},
    }
    tiers = dict(Policy().tiers)
    tiers[Tier.strategic] = tiers[Tier.strategic].model_copy(
        update={"visit_every_weeks": 1.0, "visits_per_month": 52 / 12}
    )
    ds = dataset(
        [
            mgr("M1", seniority="principal", roles=frozenset({"account_manager"}), **HOME),
            mgr("T1", seniority="senior", roles=frozenset({TS}), **HOME),
        ],
        [acc("S1", tier="strategic", lat=30.28, lon=120.16)],
        teams=teams,
        tiers=tiers,
    )
    work = make_calendar(MONDAY.isoformat(), 1, None, frozenset(range(5)))
    leave = {
        "M1": frozenset(MONDAY + dt.timedelta(days=d) for d in m1_leave),
        "T1": frozenset(MONDAY + dt.timedelta(days=d) for d in t1_leave),
    }
    plan = Assignment(
        manager_of={"S1": "M1"}, tier_of={}, unassigned=(), team_of={"S1": {TS: ("T1",)}}, team_plan=True
    )
    return make_inputs(ds, plan, work, leave, {})


def test_the_joint_visit_lands_on_the_one_day_both_work() -> None:
    # M1 works Monday to Wednesday (leave Thursday, Friday), T1 Wednesday to Friday (leave
    # Monday, Tuesday): Wednesday 6 January is the only day both work, so the joint visit is
    # there, in both calendars, at one start time; the check finds nothing wrong.
    inputs = _inputs(range(3, 5), range(0, 2))
    plan = plan_calendar(inputs, time_limit_s=2, seed=0, workers=1)
    visits = plan_visits(plan)
    together = [v for v in visits if v.joint_with]
    assert {(v.manager_id, v.joint_with, v.date) for v in together} == {
        ("M1", "T1", dt.date(2027, 1, 6)),
        ("T1", "M1", dt.date(2027, 1, 6)),
    }
    assert len({v.start for v in together}) == 1
    assert {v.role for v in together} == {"account_manager", TS}
    assert check_calendar(inputs, visits) == []
    summary = build_summary(plan, visits, [])
    assert summary["joint_visits"]["asked"] == 1 and summary["joint_visits"]["placed"] == 1
    # The check verifies joint visits in any calendar: T1 moved to Thursday breaks it three times
    # (the week's window has no day with both; M1's visit says T1 starts with them on Wednesday,
    # T1's says M1 starts with them on Thursday).
    moved = [dataclasses.replace(v, date=dt.date(2027, 1, 7)) if v.manager_id == "T1" else v for v in visits]
    found = [v for v in check_calendar(inputs, moved) if v.rule == "joint_visit"]
    assert sorted(v.manager_id for v in found) == ["M1", "M1", "T1"], found


def test_no_common_day_is_reported_as_not_placed_with_why() -> None:
    # M1 works Monday and Tuesday only, T1 Wednesday to Friday only: they share no working day,
    # so the joint visit cannot be placed. M1 still makes their own weekly visit, on Monday or
    # Tuesday; T1 owes none.
    inputs = _inputs(range(2, 5), range(0, 2))
    plan = plan_calendar(inputs, time_limit_s=2, seed=0, workers=1)
    (joint,) = plan.joint
    assert not joint.placed
    assert joint.reason is not None and "no working day in common" in joint.reason, joint.reason
    visits = plan_visits(plan)
    assert not any(v.joint_with for v in visits)
    assert [(v.manager_id, v.date.weekday() < 2) for v in visits] == [("M1", True)]
    found = check_calendar(inputs, visits)
    assert [v.rule for v in found] == ["joint_visit"], found
    summary = build_summary(plan, visits, found)
    assert summary["joint_visits"]["placed"] == 0
    assert summary["joint_visits"]["not_placed"][0]["reason"] == joint.reason


def test_joint_visits_name_a_role_the_tier_team_has() -> None:
    # Key teams have no technical support here, so joint visits with it cannot be asked of them.
    from pydantic import ValidationError

    from planner.models.teams import Teams

    roles = {TS: {"visits_per_month": 1, "hours_per_visit": 2}}
    with pytest.raises(
        ValidationError, match=r"teams\.joint_visits\.key: the key team has no 'technical_support'"
    ):
        Teams(roles=roles, tiers={"strategic": {TS: 1}}, joint_visits={"key": {"per_quarter": 1, "role": TS}})
    ok = Teams(
        roles=roles, tiers={"strategic": {TS: 1}}, joint_visits={"strategic": {"per_quarter": 1, "role": TS}}
    )
    assert ok.joint(Tier.strategic) is not None and ok.joint(Tier.key) is None


def test_the_bundled_teams_example_gets_its_joint_visits(tmp_path: Path) -> None:
    # scenarios/teams asks one joint visit a quarter of each strategic account's manager and
    # technical support; the plan has 4 strategic accounts, each with both filled, all near
    # their people (Shanghai, Hangzhou, Beijing, Tianjin), so a 13-week calendar places all 4 and
    # planner check-calendar accepts it.
    from planner.cli import assign as _assign_commands  # noqa: F401  (registers the commands on app)
    from planner.cli import calendar as _calendar_commands  # noqa: F401
    from planner.cli.app import app

    teams_dir = Path(__file__).resolve().parents[1] / "scenarios" / "teams"
    files = [f"--{n}={teams_dir / f'{n}.csv'}" for n in ("accounts", "managers")]
    plan, cal = tmp_path / "plan", tmp_path / "cal"
    args = ["assign", *files, f"--policy={teams_dir / 'policy.yaml'}", f"--out={plan}", "--time-limit=5"]
    assert (done := CliRunner().invoke(app, args)).exit_code == 0, done.output
    horizon = ["--start=2027-01-04", "--weeks=13"]
    args = ["calendar", f"--plan={plan}", *horizon, f"--out={cal}", "--time-limit=4", "--workers=1"]
    assert (done := CliRunner().invoke(app, args)).exit_code == 0, done.output
    joint = json.loads((cal / "summary.json").read_text(encoding="utf-8"))["joint_visits"]
    assert (joint["asked"], joint["placed"]) == (4, 4), joint["not_placed"]
    assert "Joint visits: 4 of 4 placed." in done.output
    rows = read_visits(cal)
    assert sum(1 for v in rows if v.joint_with) == 8 and {v.role for v in rows} >= {"technical_support"}
    checked = CliRunner().invoke(app, ["check-calendar", f"--visits={cal}", f"--plan={plan}", *horizon])
    assert checked.exit_code == 0 and "Calendar OK" in checked.output, checked.output


def test_an_unfilled_support_slot_is_a_joint_visit_not_placed_with_why() -> None:
    # The plan leaves S1's technical support slot empty: the week's joint visit has nobody to
    # go with M1, so it is asked, not placed, and says so; the check agrees.
    inputs = _inputs(range(0), range(0))
    inputs = dataclasses.replace(inputs, assignment=dataclasses.replace(inputs.assignment, team_of={}))
    (joint,) = plan_joint(inputs)
    assert (
        not joint.placed and joint.reason == "the plan leaves the account's technical support slot unfilled"
    )
    found = [v for v in check_calendar(inputs, []) if v.rule == "joint_visit"]
    assert len(found) == 1 and "no technical support" in found[0].detail, found
