"""The Staff change and History tabs in a real headless Chromium against a real server (#15 items
1-3): the preview is a dry run of the very event Accept posts (nothing stored until Accept; the
recorded moves are the preview's), its panel is drawn again in Chinese on a language switch, and
the History tab lists the data set's versions and which plan was in force when, as the API says.
Screenshots at 1280x800 and 390x844 in English and Chinese go to test-artifacts/.
Skips as tests/test_dashboard.py does when the browser or playwright is missing."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from api_conftest import READ, WRITE, Server, SpareServers, wait_for_job
from test_dashboard import (
    ARTIFACTS,
    TIMEOUT_MS,
    _open_logged_in,
    _playwright,
    _shoot_both,
    _solve_demo,
    browser,  # noqa: F401  (the fixture)
    chromium,  # noqa: F401  (the fixture)
)

LEAVER = "M010"  # holds accounts in the demo's plan: some have to move, one is left with nobody


@pytest.fixture(scope="module")
def server(spare_servers: SpareServers) -> Iterator[Server]:
    srv = spare_servers.take()  # booted while earlier tests ran (tests/conftest.py)
    try:
        yield srv
    finally:
        srv.stop()


def _stored(c: Any, dataset_id: str) -> dict[str, Any]:
    return {
        "versions": c.get(f"/api/v1/datasets/{dataset_id}/versions", headers=READ).json(),
        "events": c.get(f"/api/v1/datasets/{dataset_id}/events", headers=READ).json(),
        "adoptions": c.get(f"/api/v1/datasets/{dataset_id}/adoptions", headers=READ).json(),
    }


def test_staff_change_preview_is_the_event_and_history_lists_it(server: Server, browser: Any) -> None:  # noqa: F811
    expect = _playwright()[1]
    with server.client() as c:
        solved = _solve_demo(c, name="baseline")
        dataset_id = solved["dataset_id"]
        body = {"dataset_id": dataset_id, "name": "what-if", "solver": {"time_limit_seconds": 4}}
        what_if = wait_for_job(c, c.post("/api/v1/jobs", headers=WRITE, json=body).json()["id"])["plan_id"]
        before = _stored(c, dataset_id)

    ARTIFACTS.mkdir(exist_ok=True)
    page, errors = _open_logged_in(browser, server.url + "/#staff")
    expect(page.locator("#status")).to_contain_text("300 accounts")
    page.select_option("#staff-manager", LEAVER)
    with page.expect_response(lambda r: r.url.endswith("/events") and r.request.method == "POST") as sent:
        page.click("#staff-form button[type=submit]")
    preview_body = sent.value.request.post_data_json
    preview = sent.value.json()
    assert preview_body["dry_run"] is True and preview["dry_run"] is True
    assert preview_body["max_moves"] == 20 and preview_body["time_limit_seconds"] == 5
    accept = page.get_by_test_id("staff-accept")
    expect(accept).to_be_enabled(timeout=TIMEOUT_MS)
    expect(page.get_by_test_id("staff-heading")).to_have_text(f"Preview: {LEAVER} He Jie leaves")
    # The moved and unserved tables are the dry run's answer, row for row.
    moved = page.eval_on_selector_all(
        "[data-testid=staff-moved] tbody tr", "rs => rs.map(r => r.dataset.account)"
    )
    assert moved == [m["account_id"] for m in preview["diff"]["moved"]]
    unserved = [u["account_id"] for u in preview["diff"]["unserved"]]
    if unserved:
        rows = page.locator("[data-testid=staff-uncovered] tbody tr")
        expect(rows).to_have_count(len(unserved))
        expect(rows.first).to_contain_text("h a month")  # the hours in words, not the server's text
    expect(page.get_by_test_id("staff-moved-count")).to_contain_text(str(preview["diff"]["moved_count"]))
    with server.client() as c:
        assert _stored(c, dataset_id) == before  # the preview stored nothing
    _shoot_both(page, "staff-preview-en")

    # The language switch draws the panel again in Chinese: headings, cards, the server's notes.
    page.select_option("#lang", "zh-CN")
    expect(page.get_by_test_id("staff-heading")).to_have_text(f"预览：{LEAVER} He Jie 离职")
    expect(page.get_by_test_id("staff-summary")).to_contain_text("更换客户经理的客户")
    expect(page.get_by_test_id("staff-notes")).to_contain_text("离职：不再在岗")
    if unserved:
        expect(page.locator("[data-testid=staff-uncovered] tbody tr").first).to_contain_text("小时")
    expect(accept).to_have_text(f"确认：记录“{LEAVER} 离职”")
    _shoot_both(page, "staff-preview-zh")
    page.select_option("#lang", "en")
    expect(page.get_by_test_id("staff-heading")).to_have_text(f"Preview: {LEAVER} He Jie leaves")

    # Accept posts the body the preview was a dry run of, and records exactly its moves.
    with page.expect_response(lambda r: r.url.endswith("/events") and r.request.method == "POST") as sent:
        accept.click()
    posted, applied = sent.value.request.post_data_json, sent.value.json()
    assert posted == {k: v for k, v in preview_body.items() if k != "dry_run"}
    assert applied["dry_run"] is False and applied["diff"] == preview["diff"]
    assert applied["uncovered"] == preview["uncovered"]
    expect(accept).to_be_disabled()
    expect(accept).to_have_text(f"Applied: “{LEAVER} left”")
    expect(page.get_by_test_id("staff-same")).to_have_text("The recorded moves are exactly the preview's.")
    expect(page.get_by_test_id("staff-heading")).to_have_text(f"Recorded: {LEAVER} He Jie has left")
    _shoot_both(page, "staff-applied-en")

    with server.client() as c:
        r = c.put(f"/api/v1/datasets/{dataset_id}/current-plan", headers=WRITE, json={"plan_id": what_if})
        assert r.status_code == 200, r.text
        audit = _stored(c, dataset_id)
    assert [a["how"] for a in audit["adoptions"]] == ["solve", "event", "adopted"]

    # History: which plan was in force when (newest first) and the versions, as the API says.
    page.click("#tabs button[data-tab=history]")
    adoptions = page.get_by_test_id("history-adoptions").locator("tbody tr")
    expect(adoptions).to_have_count(3)
    shown = page.eval_on_selector_all(
        "[data-testid=history-adoptions] tbody tr",
        "rs => rs.map(r => [r.dataset.plan, r.dataset.how])",
    )
    assert shown == [[a["plan_id"], a["how"]] for a in reversed(audit["adoptions"])]
    expect(adoptions.nth(0)).to_contain_text("adopted by hand")
    expect(adoptions.nth(0)).to_contain_text("in force now")
    expect(adoptions.nth(1)).to_contain_text("made by a staff change (manager left)")
    expect(adoptions.nth(2)).to_contain_text("solved and put in force")
    expect(adoptions.nth(0)).to_contain_text("writer")
    versions = page.get_by_test_id("history-versions").locator("tbody tr")
    expect(versions).to_have_count(2)
    expect(versions.nth(0)).to_contain_text("staff change: manager left")
    expect(versions.nth(0)).to_contain_text(f"{LEAVER} (He Jie) leaves")
    expect(versions.nth(1)).to_contain_text("uploaded")
    _shoot_both(page, "history-en")

    page.select_option("#lang", "zh-CN")
    expect(page.locator("#tabs button[data-tab=history]")).to_have_text("历史记录")
    expect(adoptions.nth(0)).to_contain_text("手动设为当前方案")
    expect(adoptions.nth(0)).to_contain_text("当前生效")
    expect(versions.nth(0)).to_contain_text("人员变动：客户经理离职")
    expect(page.get_by_test_id("history-versions").locator("thead th")).to_have_text(
        ["版本", "变更内容", "客户数", "客户经理数", "时间", "操作人"]
    )
    _shoot_both(page, "history-zh")

    # A plan in the audit opens on the Plan tab.
    page.locator(f"[data-testid=history-adoptions] button[data-plan='{solved['plan_id']}']").click()
    expect(page.locator("#tab-plan")).to_be_visible()
    expect(page.locator("#plan-select")).to_have_value(solved["plan_id"])
    assert errors == []


def test_server_texts_in_the_page_language(server: Server, browser: Any) -> None:  # noqa: F811
    """The server's English (a not-found answer, a restart) in Chinese through the catalogue;
    a text of an unknown shape as the server wrote it."""
    expect = _playwright()[1]
    page, errors = _open_logged_in(browser, server.url + "/", locale="zh-CN")
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    said = page.evaluate(
        """async () => {
            const m = await import('/static/server_words.js');
            return [
              "data set 'abc' not found",
              'the server stopped while this job was queued or running; submit it again',
              "M010 (He Jie) leaves on 2026-05-01: inactive, holds no account",
              "1 account in region 'north' need a manager who speaks ja; there is none (A0186)",
              'giving it to M010 (He Jie) would cost 28.69 points more (moves +28.90, balance -1.00)',
              'something else entirely',
            ].map(m.serverText);
        }"""
    )
    assert said == [
        "未找到数据集 abc",
        "运行期间服务器已重启，请重新运行。",
        "M010（He Jie）于 2026-05-01 离职：不再在岗，名下不再有客户",
        "north 区域有 1 个客户需要会说 ja 的客户经理，但没有这样的人（A0186）",
        "交给 M010 (He Jie) 会多 28.69 分（客户调整 +28.90、工作量不均 -1.00）",
        "something else entirely",
    ]
    # An error answer as the page shows it: a plan the key cannot see.
    message = page.evaluate(
        "async () => { const a = await import('/static/api.js'); "
        "try { await a.api('/plans/nope'); return null; } catch (e) { return e.message; } }"
    )
    assert message == "未找到方案 nope"
    # The browser logs the 404 it was asked to fetch; nothing else went wrong.
    assert [e for e in errors if "status of 404" not in e] == []
