"""The comparison tab shows tier changes (#18 item 3) in a real headless Chromium: the demo's plan
against the plan after an `account_changed` event that makes one standard account the top account
by revenue, which the share cut promotes (and so demotes the lowest key account).
Skips as tests/test_dashboard.py does when the browser or playwright is missing."""

from __future__ import annotations

from pathlib import Path

from api_conftest import READ, WRITE, Server
from test_dashboard import (
    ARTIFACTS,
    CHROMIUM,
    CHROMIUM_ARGS,
    TIMEOUT_MS,
    _open_logged_in,
    _playwright,
    _solve_demo,
    dashboard_server,  # noqa: F401  (the fixture)
)


def test_compare_tab_lists_promoted_and_demoted_accounts(dashboard_server: Server, tmp_path: Path) -> None:  # noqa: F811
    sync_playwright, expect = _playwright()
    with dashboard_server.client() as c:
        before = _solve_demo(c)
        dataset_id, first = before["dataset_id"], before["plan_id"]
        rows = c.get(f"/api/v1/plans/{first}/assignments", headers=READ).json()
        # The most valuable standard account: ten times the demo's largest revenue makes it key or
        # strategic, and the share cut then moves the account at the line below it.
        standard = max((r for r in rows if r["tier"] == "standard"), key=lambda r: r["value_score"])
        version = c.get(f"/api/v1/datasets/{dataset_id}/versions/1", headers=READ).json()
        top = max(a["annual_revenue"] for a in version["data"]["accounts"])
        event = {
            "type": "account_changed",
            "idempotency_key": "grow-1",
            "account_id": standard["account_id"],
            "fields": {"annual_revenue": top * 10},
        }
        r = c.post(f"/api/v1/datasets/{dataset_id}/events", headers=WRITE, json=event)
        assert r.status_code == 200, r.text
        second = r.json()["plan_id"]
        answer = c.post("/api/v1/compare", headers=READ, json={"plan_ids": [first, second]}).json()
    changes = answer["diffs"][0]["tier_changes"]
    assert changes["promoted"] >= 1 and changes["demoted"] >= 1
    assert standard["account_id"] in [
        x["account_id"] for x in changes["changes"] if x["change"] == "promoted"
    ]

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page, errors = _open_logged_in(browser, dashboard_server.url + "/")
            expect(page.locator("#status")).to_contain_text("300 accounts", timeout=TIMEOUT_MS)
            page.click("#tabs button[data-tab=compare]")
            page.check(f"#cmp-{first}")
            page.check(f"#cmp-{second}")
            page.click("#compare-run")
            table = page.get_by_test_id("tier-changes")
            expect(table).to_be_visible(timeout=TIMEOUT_MS)
            shown = page.eval_on_selector_all(
                "[data-testid=tier-changes] tbody tr",
                "rows => rows.map(r => [r.dataset.account, r.dataset.change])",
            )
            assert shown == [[x["account_id"], x["change"]] for x in changes["changes"]]
            expect(page.locator("#compare-out")).to_contain_text(
                f"Tier changes: {changes['promoted']} promoted, {changes['demoted']} demoted"
            )
            page.screenshot(path=str(ARTIFACTS / "dashboard-tier-changes.png"), full_page=True)
            page.select_option("#lang", "zh-CN")
            page.click("#compare-run")
            expect(page.locator("#compare-out")).to_contain_text("客户等级变化", timeout=TIMEOUT_MS)
            page.screenshot(path=str(tmp_path / "dashboard-tier-changes-zh.png"), full_page=True)
            assert errors == []
        finally:
            browser.close()
