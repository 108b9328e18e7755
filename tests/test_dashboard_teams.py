"""Account teams (#19 item 4) on the dashboard, in a real headless Chromium: the bundled team data set
(scenarios/teams) uploaded and solved, then the Plan tab shows each account's team (one row per
account x role, the role in words, a role filter), each role's slots, and the workload chart of every
person stacked by role against capacity, as GET /workload says; the Calendar tab shows the joint
visits placed and the one not placed with why (its support engineer is on leave all along), and the
Fairness tab each role's spread of hours. In
English and Chinese, no console errors, and no sideways scroll on a phone.
Skips as tests/test_dashboard.py does when the browser or playwright is missing."""

from __future__ import annotations

import datetime as dt
from typing import Any

from api_conftest import READ, ROOT, WRITE, Server, wait_for_job
from test_dashboard import (
    _chart_texts,
    _no_sideways_scroll,
    _open_logged_in,
    _playwright,
    browser,  # noqa: F401  (the fixture)
    chromium,  # noqa: F401  (the fixture)
    dashboard_server,  # noqa: F401  (the fixture)
)

TEAMS = ROOT / "scenarios" / "teams"
# P06 Zhao Lei, technical support of the strategic K020, is away the whole calendar: K020's joint
# visit with its account manager cannot be placed (no working day in common). 8 weeks ask for one
# joint visit per strategic account (8 x 1 / 13 rounds to 1).
START, WEEKS, AWAY = dt.date(2026, 3, 2), 8, "P06"
ROLE_WORDS = {
    "en": {"account_manager": "Account manager", "technical_support": "Technical support", "after_sales": "After-sales service"},
    "zh-CN": {"account_manager": "客户经理", "technical_support": "技术支持", "after_sales": "售后服务"},
}  # fmt: skip


def _solve_teams(c: Any) -> str:
    """Upload scenarios/teams and solve it as the current plan; the plan's id."""
    names = {"accounts": "accounts.csv", "managers": "managers.csv", "policy": "policy.yaml"}
    files = {field: (name, (TEAMS / name).read_bytes()) for field, name in names.items()}
    r = c.post("/api/v1/datasets/upload", headers=WRITE, data={"name": "teams"}, files=files)
    assert r.status_code == 201, r.text
    body = {"dataset_id": r.json()["id"], "adopt": True, "solver": {"time_limit_seconds": 4}}
    job = wait_for_job(c, c.post("/api/v1/jobs", headers=WRITE, json=body).json()["id"])
    assert job["status"] == "succeeded", job
    return job["plan_id"]


def _table(page: Any) -> list[tuple[str, str, str]]:
    """The plan table's rows as (account, role, person id); an empty slot's person is ''."""
    return [
        tuple(r)
        for r in page.eval_on_selector_all(
            "#plan-table tbody tr",
            "rows => rows.map(r => [r.dataset.account, r.dataset.role, r.dataset.manager])",
        )
    ]


def test_team_plan_and_workload_in_browser(dashboard_server: Server, browser: Any) -> None:  # noqa: F811
    expect = _playwright()[1]
    with dashboard_server.client() as c:
        plan_id = _solve_teams(c)
        leave = [{"manager_id": AWAY, "start": str(START), "end": str(START + dt.timedelta(weeks=WEEKS))}]
        calendar = {"start": str(START), "weeks": WEEKS, "time_limit_seconds": 3, "leave": leave}
        r = c.post(f"/api/v1/plans/{plan_id}/calendar", headers=WRITE, json=calendar)
        assert r.status_code == 202, r.text
        rows = c.get(f"/api/v1/plans/{plan_id}/assignments", headers=READ).json()
        people = c.get(f"/api/v1/plans/{plan_id}/workload", headers=READ).json()
    # The strategic accounts' teams: an account manager, technical support and after-sales each.
    assert {r["role"] for r in rows} == {"account_manager", "technical_support", "after_sales"}
    strategic = sorted({r["account_id"] for r in rows if r["tier"] == "strategic"})
    team_of = {(r["account_id"], r["role"]): r for r in rows}
    assert all((a, "after_sales") in team_of for a in strategic)
    support = [r for r in rows if r["role"] == "technical_support"]
    shown_people = [p for p in people if p["active"] or p["hours"] > 0]

    page, errors = _open_logged_in(browser, dashboard_server.url + "/#plan")
    expect(page.locator("#status")).to_contain_text("40 accounts")
    # The status line counts people in any role, and the account managers among them.
    expect(page.locator("#status")).to_contain_text("people in account teams")
    expect(page.locator("#plan-select")).to_have_value(plan_id)
    # One row per account x role, as the API answers, an account's team together.
    expect(page.locator("#plan-table tbody tr")).to_have_count(len(rows))
    shown = _table(page)
    assert sorted(shown) == sorted((r["account_id"], r["role"], r["manager_id"] or "") for r in rows)
    first = [a for a, _, _ in shown]
    assert first == sorted(first), "an account's team rows stay together"
    account = strategic[0]
    team = page.locator(f"#plan-table tr[data-account={account}]")
    expect(team).to_have_count(3)
    for role in ("account_manager", "technical_support", "after_sales"):
        row = page.locator(f"#plan-table tr[data-account={account}][data-role={role}]")
        expect(row.locator("td.role")).to_have_text(ROLE_WORDS["en"][role])
        expect(row).to_contain_text(team_of[(account, role)]["manager_name"])
    expect(page.locator("#plan-table thead")).to_contain_text("Person")
    cards = page.get_by_test_id("team-cards")
    expect(cards.locator("[data-role=technical_support] b")).to_have_text(
        f"{len([r for r in support if r['manager_id']])} of {len(support)} filled"
    )
    # The role filter: technical support's rows only.
    page.select_option("#pt-role", "technical_support")
    expect(page.locator("#plan-table tbody tr")).to_have_count(len(support))
    assert {role for _, role, _ in _table(page)} == {"technical_support"}

    # The workload chart: every person, hours stacked by role (the legend names the roles),
    # against capacity, with each person's total as the API counts it.
    chart = page.get_by_test_id("workload-chart")
    expect(chart).to_have_attribute("data-team", "true")
    expect(chart).to_have_attribute("data-rows", str(len(shown_people)))
    texts = _chart_texts(page, "#workload-chart", "Technical support")
    for word in ROLE_WORDS["en"].values():
        assert word in texts, (word, texts)
    busiest = max(shown_people, key=lambda x: x["hours"])
    assert f"{busiest['manager_id']} {busiest['name']}" in texts
    assert f"{round(busiest['hours'])} / {round(busiest['capacity_hours'])} h" in texts

    # In Chinese: the roles, the heads and the chart's legend.
    page.select_option("#lang", "zh-CN")
    row = page.locator(f"#plan-table tr[data-account={account}][data-role=technical_support]")
    expect(row.locator("td.role")).to_have_text("技术支持")
    expect(page.locator("#plan-table thead")).to_contain_text("人员")
    expect(page.locator("#workload-heading")).to_have_text("每人各角色工作量与可用工时")
    texts = _chart_texts(page, "#workload-chart", "技术支持")
    for word in ROLE_WORDS["zh-CN"].values():
        assert word in texts, (word, texts)

    # The calendar: joint visits placed and the one not placed, with why, in Chinese.
    page.click("#tabs button[data-tab=calendar]")
    missed = page.get_by_test_id("joint-not-placed")
    expect(missed).to_be_visible(timeout=30_000)
    with dashboard_server.client() as c:
        built = c.get(f"/api/v1/plans/{plan_id}/calendar", headers=READ).json()
    joint = built["joint_visits"]
    assert [j["partner_id"] for j in joint["not_placed"]] == [AWAY]
    expect(page.locator("#calendar-out h2", has_text="联合拜访")).to_have_text(
        f"联合拜访：已安排 {joint['placed']} / {joint['asked']} 次"
    )
    expect(missed.locator("li")).to_have_count(1)
    expect(missed).to_contain_text("没有共同的工作日")
    expect(page.get_by_test_id("joint-placed").locator("li")).to_have_count(joint["placed"])
    # The visits chart is per person (any role), not per account manager.
    expect(page.locator("#calendar-out h2", has_text="各人员已安排的拜访")).to_be_visible()
    placed = joint["visits"][0]
    page.select_option("#calendar-manager", placed["manager_id"])
    day = page.locator(f"[data-testid=week-grid] td[data-date='{placed['date']}']")
    expect(day.get_by_test_id("joint-visit")).to_contain_text("联合拜访")
    expect(day.get_by_test_id("joint-visit")).to_contain_text(placed["partner_id"])
    # The support engineer away all along: their accounts fall short, the line names the
    # role and says "the person" (此人), not the account manager.
    short = [a for a in built["shortfall"] if a["manager_id"] == AWAY]
    assert short and {a["role"] for a in short} == {"technical_support"}
    line = page.get_by_test_id("calendar-shortfalls").locator(f"li[data-account={short[0]['account_id']}]")
    expect(line.first).to_contain_text("技术支持")
    expect(line.first).to_contain_text("此人没有工作日")

    # Fairness per role: one row per role, in the policy's order (the account manager first).
    page.click("#tabs button[data-tab=fairness]")
    roles = page.get_by_test_id("fairness-roles").locator("tbody tr")
    expect(roles).to_have_count(3)
    # The statistics are over people in any role: "人数（所有角色）", not 客户经理人数.
    expect(page.locator("#fairness-out table.narrow").first).to_contain_text("参与统计的人数（所有角色）")
    expect(roles.first.locator("td").first).to_have_text("客户经理")
    # The people table: each person's hours over all their roles, as GET /workload counts them,
    # with the hours of each role beside them (a support engineer is not an empty row).
    table = page.get_by_test_id("fairness-people")
    expect(table.locator("thead")).to_contain_text("工时（所有角色）")
    engineer = next(
        x for x in people if not any(r["role"] == "account_manager" for r in x["by_role"]) and x["hours"] > 0
    )
    cells = table.locator(f"tr[data-manager={engineer['manager_id']}] td")
    assert abs(float(cells.nth(4).inner_text()) - engineer["hours"]) < 0.05, engineer
    expect(cells.nth(5)).to_contain_text(ROLE_WORDS["zh-CN"][engineer["by_role"][0]["role"]])
    expect(page.locator("#fairness-out h2", has_text="各人员作为客户经理")).to_be_visible()

    # A phone: the team table as cards, nothing scrolls sideways.
    page.set_viewport_size({"width": 390, "height": 844})
    page.click("#tabs button[data-tab=plan]")
    expect(page.locator("#plan-table tbody tr").first).to_be_visible()
    page.wait_for_timeout(300)  # the charts' resize
    _no_sideways_scroll(page)
    assert errors == []


def _posted(page: Any, path: str) -> list[dict[str, Any]]:
    """The JSON bodies the page posts to URLs ending in `path`, collected as they go out."""
    bodies: list[dict[str, Any]] = []
    page.on(
        "request",
        lambda r: bodies.append(r.post_data_json) if r.method == "POST" and r.url.endswith(path) else None,
    )
    return bodies


def _event_answer(r: Any) -> bool:
    """The response to the page's POST of a staff-change event (the dry run or the event)."""
    return r.request.method == "POST" and r.url.endswith("/events")


def _slot_row(x: dict[str, Any]) -> list[str]:
    """A team slot change of the event's answer as the table's row carries it."""
    return [x["account_id"], x["role"], str(x["slot"]), x["from_manager_id"] or "", x["to_manager_id"] or "",
            x["reason"] or ""]  # fmt: skip


def _slot_rows(rows: Any) -> list[list[str]]:
    return rows.evaluate_all(
        "rs => rs.map(r => [r.dataset.account, r.dataset.role, r.dataset.slot, r.dataset.from, r.dataset.to,"
        " r.dataset.reason])"
    )


def test_team_hire_and_role_leaver_in_browser(dashboard_server: Server, browser: Any) -> None:  # noqa: F811
    """The Scenario tab hires one technical-support engineer in east (the hire's role and how many
    people are posted) and shows each role's slots filled and people in the plan in force and in the
    scenario, as the plans' summaries say; the Staff change tab offers P04 Chen Jie (account manager
    and technical support) 'only technical support', and the preview and Accept post the very same
    event: afterwards P04 keeps their account-manager accounts and holds no technical-support slot.
    P01 holds one role: no such choice. In English and Chinese, no sideways scroll on a phone."""
    expect = _playwright()[1]
    with dashboard_server.client() as c:
        plan_id = _solve_teams(c)
        before = c.get(f"/api/v1/plans/{plan_id}", headers=READ).json()
        p04 = c.get(f"/api/v1/plans/{plan_id}/assignments", headers=READ).json()
    dataset_id = before["dataset_id"]
    today_team = before["summary"]["evaluation"]["team"]
    held = {r["role"] for r in p04 if r["manager_id"] == "P04"}
    assert held == {"account_manager", "technical_support"}, "P04 holds both roles today"
    p04_accounts = sorted(
        r["account_id"] for r in p04 if r["manager_id"] == "P04" and r["role"] == "account_manager"
    )

    page, errors = _open_logged_in(browser, dashboard_server.url + "/#scenario")
    expect(page.locator("#status")).to_contain_text("40 accounts")
    jobs = _posted(page, "/api/v1/jobs")
    events = _posted(page, "/events")
    # The hire: one technical-support engineer in east.
    form = page.locator("#scenario-form")
    expect(form.locator("label.team-only")).to_be_visible()
    form.locator("[name=hire_id]").fill("H01")
    form.locator("[name=hire_name]").fill("New Support")
    form.locator("[name=hire_role]").select_option("technical_support")
    form.locator("[name=hire_count]").fill("1")
    form.locator("[name=hire_region]").select_option("east")
    form.locator("[name=hire_capacity]").fill("30")
    form.locator("[name=time_limit]").fill("3")
    page.click("#run-scenario")
    team = page.get_by_test_id("scenario-team")
    expect(team).to_be_visible(timeout=30_000)
    [job] = jobs
    [change] = job["changes"]
    assert change["kind"] == "add_hires"
    [hire] = change["hires"]
    assert (hire["manager_id"], hire["roles"], hire["count"], hire["region"]) == (
        "H01", ["technical_support"], 1, "east")  # fmt: skip
    with dashboard_server.client() as c:
        plans = c.get(f"/api/v1/plans?dataset_id={dataset_id}", headers=READ).json()
        [what_if] = [x for x in plans if x["name"] == "what-if"]
        workload = c.get(f"/api/v1/plans/{what_if['id']}/workload", headers=READ).json()
    assert [w["manager_id"] for w in workload if w["manager_id"] == "H01"] == ["H01"], (
        "the hire is in the plan"
    )
    after_team = what_if["summary"]["evaluation"]["team"]
    for role in ("technical_support", "after_sales"):
        for kpi in ("filled", "people"):
            cells = team.locator(f"tr[data-role={role}][data-kpi={kpi}] td")
            assert cells.evaluate_all("cs => cs.map(c => c.dataset.value)") == [
                str(today_team[role][kpi]), str(after_team[role][kpi])]  # fmt: skip
    row = team.locator("tr[data-role=technical_support][data-kpi=filled]")
    expect(row.locator("th")).to_have_text("Technical support: slots filled")
    expect(row.locator("td").last).to_have_text(
        f"{after_team['technical_support']['filled']} of {after_team['technical_support']['slots']} filled"
    )

    # The staff change: P01 has one role, so no choice; P04 gives up technical support only.
    page.click("#tabs button[data-tab=staff]")
    expect(page.locator("#staff-manager-word")).to_have_text("Person leaving")
    page.select_option("#staff-manager", "P01")
    expect(page.locator("#staff-roles-label")).to_be_hidden()
    page.select_option("#staff-manager", "P04")
    expect(page.locator("#staff-roles-label")).to_be_visible()
    expect(page.locator("#staff-roles option")).to_have_text(
        ["all roles (leaves the company)", "only account manager, keeps the other roles",
         "only technical support, keeps the other roles"])  # fmt: skip
    page.select_option("#staff-roles", "technical_support")
    with page.expect_response(_event_answer) as got:
        page.click("#staff-form button[type=submit]")
    previewed = got.value.json()
    heading = page.get_by_test_id("staff-heading")
    expect(heading).to_have_text("Preview: P04 Chen Jie gives up technical support")
    notes = page.get_by_test_id("staff-notes")
    expect(notes).to_contain_text("P04 (Chen Jie) gives up technical support and keeps account manager")
    expect(notes).not_to_contain_text("account manager only")
    # Before Accept: the team slots that change hands, as the dry run's answer lists them,
    # P04's technical-support slots among them (had to change: P04 gives the role up).
    slots = page.get_by_test_id("staff-team-slots").locator("tbody tr")
    planned = previewed["diff"]["team_slots"]
    expect(slots).to_have_count(len(planned))
    assert _slot_rows(slots) == [_slot_row(x) for x in planned]
    gave_up = sorted(
        r["account_id"] for r in p04 if r["manager_id"] == "P04" and r["role"] == "technical_support"
    )
    assert len(gave_up) == 3, "P04 holds three technical-support slots to give up"
    p04_slots = [x for x in planned if x["from_manager_id"] == "P04"]
    assert sorted(x["account_id"] for x in p04_slots) == gave_up
    assert {(x["role"], x["reason"]) for x in p04_slots} == {("technical_support", "forced")}
    first = page.get_by_test_id("staff-team-slots").locator(
        f"tbody tr[data-account={p04_slots[0]['account_id']}][data-from=P04]"
    )
    expect(page.get_by_test_id("staff-team-slots-count").locator("b")).to_have_text(str(len(planned)))
    # Team slots moved by choice share the move budget with the accounts: the hint says so.
    expect(page.get_by_test_id("staff-voluntary")).to_contain_text("with the team slots moved by choice")
    expect(first.locator("td").nth(1)).to_have_text("Technical support")
    expect(first.locator("td").nth(2)).to_have_text("P04 Chen Jie")
    expect(first.locator("td").nth(4)).to_have_text("had to move")
    to = p04_slots[0]["to_manager_id"]
    expect(first.locator("td").nth(3)).to_contain_text(to if to else "nobody")
    with page.expect_response(_event_answer) as got:
        page.get_by_test_id("staff-accept").click()
    recorded = got.value.json()
    expect(page.get_by_test_id("staff-same")).to_have_text("The recorded moves are exactly the preview's.")
    expect(heading).to_have_text("Recorded: P04 Chen Jie no longer does technical support")
    preview, accepted = events
    assert preview.pop("dry_run") is True and "dry_run" not in accepted
    assert preview == accepted and accepted["roles"] == ["technical_support"], (preview, accepted)
    # The accepted answer's team slots are the preview's, and so is the table.
    assert recorded["diff"]["team_slots"] == planned
    expect(slots).to_have_count(len(planned))
    assert _slot_rows(slots) == [_slot_row(x) for x in planned]
    with dashboard_server.client() as c:
        done = c.get(f"/api/v1/datasets/{dataset_id}/events", headers=READ).json()
        current = c.get(f"/api/v1/datasets/{dataset_id}", headers=READ).json()["current_plan_id"]
        rows = c.get(f"/api/v1/plans/{current}/assignments", headers=READ).json()
    assert [e["idempotency_key"] for e in done] == [accepted["idempotency_key"]]
    assert current != plan_id
    assert not [r for r in rows if r["manager_id"] == "P04" and r["role"] == "technical_support"]
    mine = sorted(
        r["account_id"] for r in rows if r["manager_id"] == "P04" and r["role"] == "account_manager"
    )
    assert mine == p04_accounts, "P04 keeps their accounts as account manager"

    # In Chinese: the choice and the answer.
    page.select_option("#lang", "zh-CN")
    expect(heading).to_have_text("已记录：P04 Chen Jie 不再担任技术支持")
    # P04 now holds one role (the new data set version), P12 still two.
    expect(page.locator("#staff-roles-label")).to_be_hidden()
    page.select_option("#staff-manager", "P12")
    expect(page.locator("#staff-roles option")).to_have_text(
        ["全部角色（离职）", "仅技术支持，保留其他角色", "仅售后服务，保留其他角色"]
    )
    expect(page.get_by_test_id("staff-notes")).to_contain_text(
        "P04（Chen Jie）不再担任技术支持，保留客户经理"
    )
    expect(first.locator("td").nth(1)).to_have_text("技术支持")
    expect(first.locator("td").nth(4)).to_have_text("必须调整")
    expect(slots).to_have_count(len(planned))
    page.click("#tabs button[data-tab=scenario]")
    expect(page.locator("#scenario-form label.team-only")).to_contain_text("岗位角色")
    expect(team.locator("tr[data-role=technical_support][data-kpi=filled] th")).to_have_text(
        "技术支持：已配置岗位"
    )
    # The scenario's "before" is the plan it was worked out against, not the one P04's change put in force.
    people = team.locator("tr[data-role=technical_support][data-kpi=people] td")
    assert people.evaluate_all("cs => cs.map(c => c.dataset.value)") == [
        str(today_team["technical_support"]["people"]), str(after_team["technical_support"]["people"])]  # fmt: skip

    # A phone: neither tab scrolls sideways.
    page.set_viewport_size({"width": 390, "height": 844})
    page.wait_for_timeout(300)
    _no_sideways_scroll(page)
    page.click("#tabs button[data-tab=staff]")
    _no_sideways_scroll(page)
    assert errors == []
