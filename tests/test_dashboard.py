"""The dashboard in a real headless Chromium (Debian's, driven by Playwright for Python) against a real
server: run a scenario from the page, open the comparison, build a visit calendar, and check the page
shows exactly what the API says.
Skips when /usr/bin/chromium or the playwright package is missing (scripts/install_browser.sh)."""

from __future__ import annotations

import csv
import io
import json
import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from api_conftest import READ, ROOT, WRITE, Server, SpareServers, upload_demo, wait_for_job

from api.dashboard import STATIC_DIR

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip
ARTIFACTS = ROOT / "test-artifacts"
TIMEOUT_MS = 45_000
# The what-if: an active principal leaves and a like-for-like hire joins, so it is feasible and the
# leaver's accounts must move (alone, M001 leaves an account in the north with no Japanese speaker).
LEAVER = "M001"


@pytest.fixture
def dashboard_server(spare_servers: SpareServers) -> Iterator[Server]:
    """A server of the test's own on an empty database, booted while earlier tests ran."""
    srv = spare_servers.take()
    try:
        yield srv
    finally:
        srv.stop()


def _playwright() -> tuple[Any, Any]:
    if not Path(CHROMIUM).is_file() or shutil.which(CHROMIUM) is None:
        pytest.skip(f"no browser at {CHROMIUM} (run scripts/install_browser.sh)")
    try:
        from playwright.sync_api import expect, sync_playwright
    except ImportError:
        pytest.skip("the playwright package is not installed (pip install playwright)")
    return sync_playwright, expect


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    """One headless Chromium for a module's browser tests (a launch costs about a second, more on
    a loaded machine). Module, not session: a live Playwright marks the main thread's event loop
    as running between its calls, which other modules' asyncio code must not meet."""
    sync_playwright, _ = _playwright()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def browser(chromium: Any) -> Iterator[Any]:
    """The module's Chromium; every page a test opens is in a context of its own (new_page), no
    cookies or storage shared with another test's, and closed when the test ends."""
    yield chromium
    for context in chromium.contexts:
        context.close()


def _solve_demo(c: Any, **job: Any) -> dict[str, Any]:
    """Upload the demo data set and solve it through the API as the current plan (the demo
    solves in about a second); the finished job."""
    dataset_id = upload_demo(c)
    body = {"dataset_id": dataset_id, "adopt": True, "solver": {"time_limit_seconds": 4}, **job}
    finished = wait_for_job(c, c.post("/api/v1/jobs", headers=WRITE, json=body).json()["id"])
    assert finished["status"] == "succeeded", finished
    return finished


def _open_logged_in(
    browser: Any, url: str, key: str = WRITE["X-API-Key"], **page_options: Any
) -> tuple[Any, list[str]]:
    """A page at `url` with the write key entered, and the list its errors are collected in:
    uncaught exceptions and console errors (CSP violations, assets that failed to load)."""
    # English unless a test asks for another browser language: the page's default follows it.
    page = browser.new_page(viewport={"width": 1280, "height": 800}, **{"locale": "en-US", **page_options})
    page.set_default_timeout(TIMEOUT_MS)
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(url)
    # The page has wired its forms once it has said something in the status line (it asks for a
    # key): a click before that submits the bare HTML form, which reloads the page without the key.
    # An expect, not wait_for_function: a wait_for_function expression polled after a first false
    # is evaluated as a string in the page, which its CSP refuses (EvalError, seen with Playwright 1.65).
    _playwright()[1](page.locator("#status")).not_to_be_empty()
    page.fill("#api-key", key)
    page.click("#key-form button")
    return page, errors


def test_assets_are_served_locally(dashboard_server: Server) -> None:
    with dashboard_server.client() as c:
        page = c.get("/")
        assert page.status_code == 200
        assert "default-src 'self'" in page.headers["content-security-policy"]
        for asset in sorted(STATIC_DIR.iterdir()):
            r = c.get(f"/static/{asset.name}")
            assert r.status_code == 200, asset.name
            # Everything comes from our own server: no CDN or other origin anywhere in the page.
            assert "http://" not in r.text.replace("http://www.w3.org/2000/svg", "")
            assert "https://" not in r.text
        assert c.get("/static/app.js").headers["content-type"].startswith("text/javascript")
        assert c.get("/static/../app.py").status_code == 404
        assert c.get("/static/%2e%2e/app.py").status_code == 404
        assert c.get("/static/nothing.js").status_code == 404


def test_scenario_then_compare_in_browser(dashboard_server: Server, tmp_path: Path, browser: Any) -> None:
    expect = _playwright()[1]
    with dashboard_server.client() as c:
        dataset_id = _solve_demo(c, name="baseline")["dataset_id"]  # a current plan to compare against

    ARTIFACTS.mkdir(exist_ok=True)
    page, errors = _open_logged_in(browser, dashboard_server.url + "/")
    expect(page.locator("#status")).to_contain_text("300 accounts", timeout=TIMEOUT_MS)
    expect(page.get_by_test_id("tier-cards")).to_contain_text("strategic")

    page.click("#tabs button[data-tab=scenario]")
    page.select_option("#sc-remove", LEAVER)
    page.fill("#scenario-form input[name=hire_id]", "H001")
    page.select_option("#scenario-form select[name=hire_seniority]", "principal")
    page.select_option("#sc-region", "north")
    page.fill("#scenario-form input[name=hire_languages]", "en;ja;zh")
    page.fill("#scenario-form input[name=hire_industries]", "healthcare")
    page.fill("#scenario-form input[name=time_limit]", "4")
    page.fill("#scenario-form input[name=name]", "without " + LEAVER)
    page.click("#run-scenario")
    expect(page.locator("[data-testid=job-status][data-status=succeeded]")).to_be_visible(timeout=TIMEOUT_MS)
    page.get_by_test_id("compare-with-current").click()
    table = page.get_by_test_id("kpi-table")
    expect(table).to_be_visible(timeout=TIMEOUT_MS)

    diff = page.get_by_test_id("diff")
    other = diff.get_attribute("data-other")
    plans = page.locator("#compare-picker input:checked")
    expect(plans).to_have_count(2)
    with dashboard_server.client() as c:
        current = c.get(f"/api/v1/datasets/{dataset_id}/current-plan", headers=READ).json()["id"]
        answer = c.post("/api/v1/compare", headers=READ, json={"plan_ids": [current, other]}).json()

    # The KPI table: one row per flattened KPI, one cell per plan, each holding the API's value.
    shown = page.eval_on_selector_all(
        "[data-testid=kpi-table] tbody tr",
        "rows => rows.map(r => [r.dataset.kpi, [...r.querySelectorAll('td')].map(c => c.dataset.value)])",
    )
    expected = [(k, [json.dumps(_pick(p["kpis"], k)) for p in answer["plans"]]) for k in _keys(answer)]
    assert [(k, [json.loads(v) for v in vs]) for k, vs in shown] == [
        (k, [json.loads(v) for v in vs]) for k, vs in expected
    ]
    objective_row = page.locator("[data-testid=kpi-table] tr[data-kpi=objective] td")
    expect(objective_row).to_have_count(2)

    # The moved accounts, in the API's order, with from and to.
    moved = answer["diffs"][0]["moved"]
    assert moved, "removing the leaver should move accounts"
    rows = page.eval_on_selector_all(
        "[data-testid=moved-table] tbody tr",
        "rows => rows.map(r => [...r.querySelectorAll('td')].slice(0, 3).map(c => c.textContent))",
    )
    assert rows == [[m["account_id"], m["from"] or "–", m["to"] or "–"] for m in moved]
    # The comparison's CSV download: the same moved accounts, in the same order.
    with page.expect_download() as download:
        page.get_by_test_id("compare-csv").click()
    lines = list(csv.reader(io.StringIO(Path(download.value.path()).read_text(encoding="utf-8-sig"))))
    assert [x[0] for x in lines[lines.index([]) + 3 :]] == [m["account_id"] for m in moved]
    lost = page.locator(f"tr[data-manager={LEAVER}]")
    expect(lost).to_contain_text(f"{len(moved_from(moved, LEAVER))}:")
    page.screenshot(path=str(ARTIFACTS / "dashboard-compare.png"), full_page=True)
    page.screenshot(path=str(tmp_path / "dashboard-compare.png"), full_page=True)

    # Adopt the what-if as the current plan from the Plan tab.
    page.click("#tabs button[data-tab=plan]")
    page.select_option("#plan-select", other)
    page.get_by_test_id("adopt-plan").click()
    expect(page.get_by_test_id("plan-is-current")).to_be_visible()
    with dashboard_server.client() as c:
        now = c.get(f"/api/v1/datasets/{dataset_id}/current-plan", headers=READ).json()["id"]
    assert now == other

    # The scenario's answer still on its tab is redrawn in Chinese at the switch.
    page.click("#tabs button[data-tab=scenario]")
    page.select_option("#lang", "zh-CN")
    expect(page.locator("#scenario-result h2")).to_contain_text("结果：")
    expect(page.get_by_test_id("job-status")).to_contain_text("已完成")
    expect(page.get_by_test_id("compare-with-current")).to_have_text("与当前方案对比")
    assert errors == []


def moved_from(moved: list[dict], manager_id: str) -> list[str]:
    return [m["account_id"] for m in moved if m["from"] == manager_id]


def _keys(answer: dict) -> list[str]:
    """The KPI rows the page shows: every leaf of each plan's kpis, first seen first."""
    keys: list[str] = []
    for plan in answer["plans"]:
        for k in _flatten(plan["kpis"]):
            if k not in keys:
                keys.append(k)
    return keys


def _flatten(obj: dict, prefix: str = "") -> list[str]:
    out: list[str] = []
    for k, v in obj.items():
        key = f"{prefix}.{k}" if prefix else k
        out.extend(_flatten(v, key) if isinstance(v, dict) else [key])
    return out


def _pick(obj: dict, key: str) -> object:
    for part in key.split("."):
        obj = obj.get(part) if isinstance(obj, dict) else None  # type: ignore[assignment]
    return obj


# A fortnight starting on a Monday (two full grid rows) with China's Labour Day holidays
# (Thu 1 and Fri 2 May 2025) and the Sunday worked in exchange (27 April).
CALENDAR_START = "2025-04-21"


def test_calendar_tab_in_browser(dashboard_server: Server, tmp_path: Path, browser: Any) -> None:
    """Build a calendar from the Calendar tab and check the page against the API's own answer:
    one summary row and a working .ics download per manager of the plan, and the week grid holding
    exactly that manager's visits."""
    expect = _playwright()[1]
    with dashboard_server.client() as c:
        plan_id = _solve_demo(c)["plan_id"]
        rows = c.get(f"/api/v1/plans/{plan_id}/assignments", headers=READ).json()
    plan_managers = {r["manager_id"] for r in rows if r["manager_id"]}

    page, errors = _open_logged_in(browser, dashboard_server.url + "/#calendar", accept_downloads=True)
    expect(page.locator("#calendar-plan")).to_have_value(plan_id)
    expect(page.locator("[data-testid=calendar-status][data-status=none]")).to_be_visible()

    # A bad request: the API's 422 names the field, and the page says so.
    page.fill("#calendar-form input[name=start]", CALENDAR_START)
    page.fill("#calendar-form input[name=weeks]", "60")
    page.click("#calendar-build")
    expect(page.get_by_test_id("calendar-error")).to_contain_text("weeks")
    # The browser logs the 404 of "no calendar yet" and the 422 as failed loads; expected here.
    errors.clear()

    page.fill("#calendar-form input[name=weeks]", "2")
    page.fill("#calendar-form input[name=country]", "CN")
    page.fill("#calendar-form input[name=time_limit]", "10")
    page.click("#calendar-build")
    expect(page.locator("#calendar-cancel")).to_be_visible()
    expect(page.locator("[data-testid=calendar-status][data-status=succeeded]")).to_be_visible(timeout=90_000)
    with dashboard_server.client() as c:
        answer = c.get(f"/api/v1/plans/{plan_id}/calendar", headers=READ).json()
    assert answer["status"] == "succeeded"
    assert answer["request"]["weeks"] == 2 and answer["request"]["country"] == "CN"

    # One summary row per manager of the plan, each with a .ics link that the API serves...
    shown = page.eval_on_selector_all(
        "[data-testid=calendar-managers] tbody tr", "rows => rows.map(r => r.dataset.manager)"
    )
    assert sorted(shown) == sorted(plan_managers)
    assert shown == [m["manager_id"] for m in answer["managers"]]
    links = page.eval_on_selector_all(
        "[data-testid=ics-link]",
        "links => links.map(a => [a.dataset.manager, a.getAttribute('href')])",
    )
    assert [m for m, _ in links] == shown
    with dashboard_server.client() as c:
        for manager_id, href in links:
            r = c.get(href, headers=READ)
            assert r.status_code == 200, (manager_id, r.text)
            assert r.text.startswith("BEGIN:VCALENDAR"), manager_id
    # ...and that downloads from the page, with the key. Only two: Chromium drops a page's
    # downloads past ten in quick succession (chromedp/chromedp#791), a person clicks slower.
    for manager_id in (shown[0], shown[-1]):
        with page.expect_download() as download:
            page.click(f"[data-testid=ics-link][data-manager={manager_id}]")
        text = Path(download.value.path()).read_text(encoding="utf-8")
        assert text.startswith("BEGIN:VCALENDAR"), manager_id
        assert download.value.suggested_filename == f"{manager_id}.ics"

    # The week grid of the busiest manager: exactly the API's visits, each on its own date.
    visits = answer["visits"]
    busiest = max(shown, key=lambda m: sum(v["manager_id"] == m for v in visits))
    page.select_option("#calendar-manager", busiest)
    grid = page.get_by_test_id("week-grid")
    expect(grid).to_have_attribute("data-manager", busiest)
    expect(grid.locator("tbody tr")).to_have_count(2)
    in_grid = page.eval_on_selector_all(
        "[data-testid=week-grid] li[data-account]",
        "items => items.map(i => [i.closest('td').dataset.date, i.dataset.account])",
    )
    expected = [(v["date"], v["account_id"]) for v in visits if v["manager_id"] == busiest]
    assert expected, "the busiest manager should have visits"
    assert len(in_grid) == len(expected)
    assert sorted(map(tuple, in_grid)) == sorted(expected)
    # Days off as the API lists them: a weekend, a public holiday, and a make-up Sunday.
    expect(grid.locator("td[data-date='2025-04-26']")).to_have_class("day-off")
    expect(grid.locator("td[data-date='2025-05-01']")).to_have_class("day-holiday")
    expect(grid.locator("td[data-date='2025-05-01']")).to_have_attribute("title", "holiday: Labor Day")
    expect(grid.locator("td[data-date='2025-04-27']")).to_have_class("day-makeup")
    page.screenshot(path=str(tmp_path / "dashboard-calendar.png"), full_page=True)

    # In Chinese: the calendar drawn again, days and dates through Intl in zh-CN.
    page.select_option("#lang", "zh-CN")
    expect(page.locator("#calendar-out h2").first).to_contain_text("拜访安排")
    grid = page.get_by_test_id("week-grid")
    expect(grid.locator("thead th").nth(1)).to_have_text("周一")
    expect(grid.locator("td[data-date='2025-05-01']")).to_have_attribute("title", "法定节假日：Labor Day")
    expect(grid.locator("tbody th").first).to_have_text("4月21日 当周")
    expect(page.get_by_test_id("calendar-managers").locator("thead th").first).to_have_text("客户经理")
    ARTIFACTS.mkdir(exist_ok=True)
    page.select_option("#calendar-manager", busiest)
    for size in SIZES:
        _shoot(page, "lang-zh-calendar", size)
        page.get_by_test_id("week-grid").scroll_into_view_if_needed()
        _shoot(page, "lang-zh-calendar-grid", size)
        assert _smallest_chart_text(page, "#calendar-out") >= 10.9  # 11 px, less rounding
    assert errors == []


# The texts the ECharts charts in `within` draw on their canvases, read from each chart's scene graph
# through the page's own copy of ECharts: [text, size in CSS px as shown (font size x canvas scale)].
CHART_TEXTS = """async (within) => {
  const e = await import('/static/echarts.min.js');
  const out = [];
  for (const node of document.querySelectorAll(`${within}[_echarts_instance_], ${within} [_echarts_instance_]`)) {
    const chart = e.getInstanceByDom(node);
    if (!chart || !node.offsetWidth) continue;
    const scale = node.querySelector('canvas').getBoundingClientRect().width / chart.getWidth();
    for (const el of chart.getZr().storage.getDisplayList(true)) {
      const text = el.style && el.style.text;
      if (el.invisible || text == null || String(text).trim() === '') continue;
      const px = /(\\d+(?:\\.\\d+)?)px/.exec(el.style.font || '');
      out.push([String(text), px ? parseFloat(px[1]) * scale : el.style.fontSize * scale]);
    }
  }
  return out;
}"""


def _chart_texts(page: Any, within: str, wanting: str = "") -> list[str]:
    """The texts drawn by the charts in `within`, once one of them holds `wanting` (charts are drawn
    after the tables; a few seconds at most)."""
    deadline = time.monotonic() + 10
    while True:
        texts = [text for text, _ in page.evaluate(CHART_TEXTS, within)]
        if any(wanting in x for x in texts) or time.monotonic() > deadline:
            return texts
        page.wait_for_timeout(100)


def _smallest_chart_text(page: Any, within: str) -> float:
    """The smallest chart text in `within` as shown, in CSS px; there must be some."""
    _playwright()[1](page.locator(f"{within} canvas").first).to_be_attached()
    sizes = [size for _, size in page.evaluate(CHART_TEXTS, within)]
    assert sizes, f"no chart text in {within}"
    return min(sizes)


def _no_sideways_scroll(page: Any) -> None:
    """Neither the page nor any box in it scrolls sideways: tables are cards on a phone."""
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"], f"the page scrolls sideways: {width} px"
    wide = page.evaluate(
        """() => [...document.querySelectorAll('main .scroll')].filter((b) => b.offsetWidth && b.scrollWidth > b.clientWidth + 1)
             .map((b) => `${(b.querySelector('[data-testid]') || b).dataset.testid || b.className}: ${b.scrollWidth} px`)"""
    )
    assert wide == [], f"boxes scroll sideways: {wide}"


def test_plan_table_export_and_shortfall_in_browser(
    dashboard_server: Server, tmp_path: Path, browser: Any
) -> None:
    """The Plan tab's account table (filter, search, sort), its CSV download equal to the API's
    plan, and the shortfall panel of a team with half its hours; screenshots at 1280x800 and 390x844."""
    from test_api_export import expected_rows, shortfall_files

    expect = _playwright()[1]
    with dashboard_server.client() as c:
        full = _solve_demo(c, name="demo")
        r = c.post(
            "/api/v1/datasets/upload", headers=WRITE, data={"name": "half hours"}, files=shortfall_files()
        )
        assert r.status_code == 201, r.text
        body = {"dataset_id": r.json()["id"], "adopt": True, "solver": {"time_limit_seconds": 4}}
        short = wait_for_job(c, c.post("/api/v1/jobs", headers=WRITE, json=body).json()["id"])
        assert short["status"] == "succeeded", short
        rows = c.get(f"/api/v1/plans/{full['plan_id']}/assignments", headers=READ).json()
        version = c.get(f"/api/v1/datasets/{full['dataset_id']}/versions/1", headers=READ).json()
        short_plan = c.get(f"/api/v1/plans/{short['plan_id']}", headers=READ).json()
    regions = {a["account_id"]: a["region"] for a in version["data"]["accounts"]}
    assert short_plan["shortfall"]["has_shortfall"]

    ARTIFACTS.mkdir(exist_ok=True)
    page, errors = _open_logged_in(browser, dashboard_server.url + "/#plan", accept_downloads=True)
    expect(page.locator("#status")).to_contain_text("300 accounts")
    page.select_option("#dataset", full["dataset_id"])
    expect(page.locator("#plan-select")).to_have_value(full["plan_id"])
    table = page.get_by_test_id("plan-table")
    expect(table.locator("tbody tr")).to_have_count(len(rows))
    expect(page.get_by_test_id("shortfall")).to_be_hidden()

    # Filter by a manager: exactly that manager's accounts; then a search within them.
    manager = rows[0]["manager_id"]
    mine = [x["account_id"] for x in rows if x["manager_id"] == manager]
    page.select_option("#pt-manager", manager)
    expect(table.locator("tbody tr")).to_have_count(len(mine))
    shown = page.eval_on_selector_all(
        "[data-testid=plan-table] tbody tr", "rs => rs.map(r => r.dataset.account)"
    )
    assert sorted(shown) == sorted(mine)
    page.fill("#pt-search", mine[0])
    expect(table.locator("tbody tr")).to_have_count(1)
    page.click("#pt-clear")
    page.select_option("#pt-tier", "strategic")
    expect(table.locator("tbody tr")).to_have_count(sum(x["tier"] == "strategic" for x in rows))
    page.click("#pt-clear")
    # Sort by hours, most first (a second click turns the order).
    page.click("[data-testid=plan-table] button.sort[data-col='5']")
    page.click("[data-testid=plan-table] button.sort[data-col='5']")
    first = page.eval_on_selector("[data-testid=plan-table] tbody tr", "r => r.dataset.account")
    assert (
        first
        == max(rows, key=lambda x: (x["workload_hours"], [-ord(ch) for ch in x["account_id"]]))["account_id"]
    )
    page.screenshot(path=str(ARTIFACTS / "plan-table-1280.png"), full_page=True)
    assert _smallest_chart_text(page, "#tab-plan") >= 11

    # The CSV download: the API's plan, row for row.
    with page.expect_download() as download:
        page.click("#pt-csv")
    assert download.value.suggested_filename == f"plan-{full['plan_id'][:8]}.csv"
    data = Path(download.value.path()).read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    lines = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert lines[1:] == expected_rows(rows, regions)
    with page.expect_download() as download:
        page.click("#pt-xlsx")
    assert download.value.suggested_filename == f"plan-{full['plan_id'][:8]}.xlsx"
    assert Path(download.value.path()).read_bytes()[:2] == b"PK"  # a zip: the .xlsx container

    # The fairness report's CSV: one row per manager of the API's report.
    page.click("#tabs button[data-tab=fairness]")
    with page.expect_download() as download:
        page.get_by_test_id("fairness-csv").click()
    lines = list(csv.reader(io.StringIO(Path(download.value.path()).read_text(encoding="utf-8-sig"))))
    with dashboard_server.client() as c:
        report = c.get(f"/api/v1/plans/{full['plan_id']}/fairness", headers=READ).json()
    assert [x[0] for x in lines[1:]] == [m["manager_id"] for m in report["managers"]]
    assert _smallest_chart_text(page, "#tab-fairness") >= 11  # the charts are not shrunk
    page.click("#tabs button[data-tab=plan]")

    # A team with half its hours: the shortfall panel in words, with the API's numbers.
    page.select_option("#dataset", short["dataset_id"])
    expect(page.locator("#plan-select")).to_have_value(short["plan_id"])
    s = short_plan["shortfall"]
    panel = page.get_by_test_id("shortfall")
    expect(panel).to_be_visible()
    expect(panel).to_contain_text("Not enough hours for full service")
    for tier, counts in s["by_tier"].items():
        cells = panel.locator(f"[data-testid=shortfall-tiers] tr[data-tier={tier}] td")
        expect(cells).to_have_text([tier, str(counts["reduced"]), str(counts["unserved"])])
    expect(panel.locator("[data-testid=hours-missing] tbody tr")).to_have_count(len(s["hours_missing"]))
    panel.locator("[data-testid=shortfall-accounts] summary").click()
    expect(panel.locator("[data-testid=shortfall-accounts] tbody tr")).to_have_count(
        len(s["reduced"]) + len(s["unserved"])
    )
    page.select_option("#pt-service", "unserved")
    expect(page.get_by_test_id("plan-table").locator("tbody tr")).to_have_count(len(s["unserved"]))
    page.click("#pt-clear")
    page.screenshot(path=str(ARTIFACTS / "plan-shortfall-1280.png"), full_page=True)

    page.set_viewport_size({"width": 390, "height": 844})
    page.wait_for_timeout(300)
    _no_sideways_scroll(page)
    page.screenshot(path=str(ARTIFACTS / "plan-shortfall-390.png"), full_page=True)
    page.select_option("#dataset", full["dataset_id"])
    expect(page.locator("#plan-select")).to_have_value(full["plan_id"])
    expect(panel).to_be_hidden()
    _no_sideways_scroll(page)
    page.screenshot(path=str(ARTIFACTS / "plan-table-390.png"), full_page=True)

    # A what-if with two leavers and two hires: the job the page posts holds all four.
    page.set_viewport_size({"width": 1280, "height": 800})
    page.click("#tabs button[data-tab=scenario]")
    page.select_option("#sc-remove", ["M001", "M002"])
    page.fill("#scenario-form input[name=hire_id]", "H001")
    page.select_option("#scenario-form select[name=hire_seniority]", "principal")
    page.select_option("#sc-region", "north")
    page.fill("#scenario-form input[name=hire_languages]", "en;ja;zh")
    page.fill("#scenario-form input[name=hire_industries]", "healthcare")
    page.click("#add-hire")
    second = page.locator("#scenario-form fieldset.hire").nth(1)
    second.locator("input[name=hire_id]").fill("H002")
    second.locator("select[name=hire_seniority]").select_option("principal")
    second.locator("select[name=hire_region]").select_option("south")
    second.locator("input[name=hire_languages]").fill("zh;ja")
    second.locator("input[name=hire_industries]").fill("healthcare;manufacturing;automotive")
    with page.expect_request(lambda r: r.url.endswith("/api/v1/jobs") and r.method == "POST") as request:
        page.click("#run-scenario")
    changes = request.value.post_data_json["changes"]
    assert [c["manager_id"] for c in changes if c["kind"] == "remove_manager"] == ["M001", "M002"]
    (hires,) = [c["hires"] for c in changes if c["kind"] == "add_hires"]
    assert [(x["manager_id"], x["seniority"], x["region"]) for x in hires] == [
        ("H001", "principal", "north"),
        ("H002", "principal", "south"),
    ]
    expect(page.locator("[data-testid=job-status][data-status=succeeded]")).to_be_visible()
    page.screenshot(path=str(ARTIFACTS / "scenario-two-hires-1280.png"), full_page=True)
    assert errors == []


def test_upload_from_an_empty_database_in_browser(
    dashboard_server: Server, tmp_path: Path, browser: Any
) -> None:
    """Upload the demo files through the page: a file with a bad cell first (the loader's problem
    shown by file, row and column, nothing stored), then the right files, which become the data set."""
    expect = _playwright()[1]
    demo = ROOT / "scenarios" / "demo"
    bad = tmp_path / "managers.csv"
    lines = (demo / "managers.csv").read_text(encoding="utf-8").splitlines()
    header = lines[0].split(",")
    cells = lines[1].split(",")
    cells[header.index("capacity_hours")] = "lots"
    bad.write_text("\n".join([lines[0], ",".join(cells), *lines[2:]]) + "\n", encoding="utf-8")
    ARTIFACTS.mkdir(exist_ok=True)

    page, errors = _open_logged_in(browser, dashboard_server.url + "/")
    expect(page.locator("#status")).to_contain_text("No data sets yet")
    expect(page.locator("#upload-submit")).to_be_disabled()
    page.set_input_files("#up-any", [str(demo / "accounts.csv"), str(bad), str(demo / "policy.yaml")])
    expect(page.locator("#up-managers-name")).to_have_text("using managers.csv")
    page.fill("#upload-name", "demo from the page")
    page.click("#upload-submit")
    problems = page.get_by_test_id("upload-problems")
    expect(problems).to_be_visible()
    expect(problems.locator("tbody tr").first).to_contain_text("capacity_hours")
    expect(problems.locator("tbody tr").first).to_contain_text("managers.csv")
    with dashboard_server.client() as c:
        assert c.get("/api/v1/datasets", headers=READ).json() == []
    page.screenshot(path=str(ARTIFACTS / "upload-problems-1280.png"))
    page.set_viewport_size({"width": 390, "height": 844})
    _no_sideways_scroll(page)
    page.screenshot(path=str(ARTIFACTS / "upload-problems-390.png"))
    page.set_viewport_size({"width": 1280, "height": 800})
    errors.clear()  # the browser logs the 422 as a failed load; expected here

    page.set_input_files("#up-managers", str(demo / "managers.csv"))
    page.click("#upload-submit")
    expect(page.get_by_test_id("upload-done")).to_contain_text("demo from the page")
    expect(page.locator("#status")).to_contain_text("300 accounts")
    with dashboard_server.client() as c:
        (dataset,) = c.get("/api/v1/datasets", headers=READ).json()
    assert dataset["name"] == "demo from the page"
    expect(page.locator("#dataset")).to_have_value(dataset["id"])
    page.screenshot(path=str(ARTIFACTS / "upload-1280.png"), full_page=False)
    assert errors == []


def test_staff_change_accept_posts_what_the_preview_solved(dashboard_server: Server, browser: Any) -> None:
    """The preview is a dry run of the very event Accept posts (same key, budget and time limit),
    and Accept works once. (tests/test_dashboard_history.py checks the moves shown and stored.)"""
    expect = _playwright()[1]
    with dashboard_server.client() as c:
        _solve_demo(c)
    events = lambda r: r.url.endswith("/events") and r.method == "POST"  # noqa: E731
    page, errors = _open_logged_in(browser, dashboard_server.url + "/#staff")
    expect(page.locator("#status")).to_contain_text("300 accounts")
    page.select_option("#staff-manager", "M010")
    with page.expect_request(events) as dry_run:
        page.click("#staff-form button[type=submit]")
    accept = page.get_by_test_id("staff-accept")
    expect(accept).to_be_enabled(timeout=TIMEOUT_MS)
    with page.expect_request(events) as event:
        accept.click()
    expect(accept).to_be_disabled()
    expect(page.get_by_test_id("staff-same")).to_be_visible(timeout=TIMEOUT_MS)
    expect(accept).to_have_text("Applied: “M010 left”")
    preview, posted = dry_run.value.post_data_json, event.value.post_data_json
    assert preview.pop("dry_run") is True
    assert posted == preview and posted["max_moves"] == 20 and posted["time_limit_seconds"] == 5
    page.screenshot(path=str(ARTIFACTS / "staff-accepted-1280.png"), full_page=True)
    assert errors == []


# Controls that change something: none of them may show for a read-only key.
WRITE_CONTROLS = (
    "#upload",
    "#upload-submit",
    "#run-scenario",
    "#add-hire",
    "#staff-form button[type=submit]",
    "#calendar-build",
    "[data-testid=adopt-plan]",
)


SIZES = ((1280, 800), (390, 844))


def _shoot_both(page: Any, name: str) -> None:
    """Screenshots at both sizes, then back to the desktop width the tests drive the page at."""
    for size in SIZES:
        _shoot(page, name, size)
    page.set_viewport_size({"width": 1280, "height": 800})


def _shoot(page: Any, name: str, size: tuple[int, int]) -> None:
    page.set_viewport_size({"width": size[0], "height": size[1]})
    page.wait_for_timeout(700)  # the page draws the tab's charts again at the new width
    page.wait_for_load_state("networkidle")
    if size[0] < 600:
        _no_sideways_scroll(page)
    page.screenshot(path=str(ARTIFACTS / f"{name}-{size[0]}.png"), full_page=False)


def test_language_switch_in_browser(dashboard_server: Server, browser: Any) -> None:
    """zh-CN / en: the switch translates labels, KPIs, tables and chart text; the choice is kept
    across a reload; a browser set to Chinese starts in Chinese; the export asked for carries the
    language and the same rows; numbers in the locale; screenshots at 1280x800 and 390x844 in both."""
    expect = _playwright()[1]
    with dashboard_server.client() as c:
        solved = _solve_demo(c, name="baseline")
        a_plan = c.post(
            "/api/v1/jobs",
            headers=WRITE,
            json={"dataset_id": solved["dataset_id"], "name": "other", "solver": {"time_limit_seconds": 4}},
        ).json()
        wait_for_job(c, a_plan["id"])
        rows = c.get(f"/api/v1/plans/{solved['plan_id']}/assignments", headers=READ).json()

    ARTIFACTS.mkdir(exist_ok=True)
    page, errors = _open_logged_in(browser, dashboard_server.url + "/#plan", accept_downloads=True)
    expect(page.locator("#status")).to_contain_text("300 accounts")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_test_id("key-who")).to_have_text("writer · read and write")
    expect(page.get_by_test_id("plan-kpis")).to_contain_text("accounts changing manager")
    _shoot_both(page, "lang-en-plan")

    page.select_option("#lang", "zh-CN")
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    expect(page.locator("#status")).to_contain_text("300 个客户")
    expect(page.locator("#tabs button[data-tab=plan]")).to_have_text("分配方案")
    expect(page.locator("#tabs button[data-tab=staff]")).to_have_text("人员变动")
    expect(page.get_by_test_id("key-who")).to_have_text("writer · 可读写")
    kpis = page.get_by_test_id("plan-kpis")
    for words in ("更换客户经理的客户", "违反规则", "平均利用率", "方案质量", "方案成本（分）"):
        expect(kpis).to_contain_text(words)
    head = page.locator("[data-testid=plan-table] thead th button")
    expect(head).to_have_text(
        ["客户编号 ▲", "客户名称", "客户等级", "区域", "客户经理", "每月工时", "服务水平", "是否调整"]
    )
    expect(page.locator("#pt-tier option").first).to_have_text("全部等级")
    tiers = page.eval_on_selector_all("#pt-tier option", "os => os.map(o => o.textContent)")
    assert set(tiers[1:]) <= {"战略客户", "重点客户", "标准客户"} and tiers[1:], tiers
    expect(page.locator("#pt-count")).to_contain_text("个客户")
    expect(page.locator("#workload-chart + p.legend")).to_contain_text("超出可用工时")
    # The charts' legends, axis names and tooltips in Chinese too.
    assert "战略客户" in _chart_texts(page, "#accounts-chart", "战略客户")  # the tier legend
    workload = _chart_texts(page, "#workload-chart", "每月工时")
    assert {"每月工时（小时）", "可用工时"} <= set(workload), workload
    page.evaluate(
        "async () => { const e = await import('/static/echarts.min.js');"
        " e.getInstanceByDom(document.querySelector('#workload-chart'))"
        ".dispatchAction({ type: 'showTip', seriesIndex: 0, dataIndex: 0 }); }"
    )
    tip = [x for x in _chart_texts(page, "#workload-chart", "路途") if "路途" in x]
    assert tip and "小时" in tip[0], workload
    # The export asked for in Chinese: the language in the query, every account of the plan.
    with (
        page.expect_request(lambda r: "/export.csv" in r.url) as request,
        page.expect_download() as download,
    ):
        page.get_by_test_id("export-csv").click()
    assert request.value.url.endswith("?lang=zh-CN"), request.value.url
    got = list(csv.reader(io.StringIO(Path(download.value.path()).read_text(encoding="utf-8-sig"))))
    assert [line[0] for line in got[1:]] == [r["account_id"] for r in rows]
    _shoot_both(page, "lang-zh-plan")

    page.click("#tabs button[data-tab=overview]")
    expect(page.locator("#managers-table thead th").first).to_have_text("工号")
    expect(page.get_by_test_id("tier-cards")).to_contain_text("战略客户")
    expect(page.locator("#upload summary")).to_have_text("上传数据集")
    _shoot_both(page, "lang-zh-overview")

    page.click("#tabs button[data-tab=fairness]")
    expect(page.locator("#fairness-out h2").first).to_have_text("提示")
    expect(page.locator("#fairness-out")).to_contain_text("路途时间占工时的比例")
    expect(page.locator("#fairness-out canvas")).to_have_count(3)
    fairness = _chart_texts(page, "#fairness-out", "工作量不足")
    assert any("工作量不足" in x for x in fairness) and "可用工时的使用比例" in fairness, fairness
    _shoot_both(page, "lang-zh-fairness")

    page.click("#tabs button[data-tab=compare]")
    page.locator("#compare-picker input").nth(0).check()
    page.locator("#compare-picker input").nth(1).check()
    page.click("#compare-run")
    expect(page.locator("[data-kpi='moves.total'] th")).to_have_text("更换客户经理的客户")
    expect(page.locator("#compare-out")).to_contain_text("各客户经理的客户增减")
    _shoot_both(page, "lang-zh-compare")

    page.click("#tabs button[data-tab=scenario]")
    expect(page.locator("#scenario-form legend").first).to_have_text("假设情景")
    expect(page.locator("#run-scenario")).to_have_text("运行情景")
    expect(page.locator("select[name=hire_seniority] option")).to_have_text(["初级", "高级", "资深"])
    _shoot(page, "lang-zh-scenario", (390, 844))
    page.set_viewport_size({"width": 1280, "height": 800})

    # Kept across a reload (localStorage), and back to English at a click.
    page.reload()
    expect(page.locator("#status")).to_contain_text("300 个客户")
    expect(page.locator("#lang")).to_have_value("zh-CN")
    page.select_option("#lang", "en")
    expect(page.locator("#status")).to_contain_text("300 accounts")
    expect(page.locator("#tabs button[data-tab=scenario]")).to_have_text("Scenario")
    assert errors == []
    page.close()

    # A browser set to Chinese, nothing chosen yet: the page starts in Chinese.
    page, errors = _open_logged_in(browser, dashboard_server.url + "/", locale="zh-CN")
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    expect(page.locator("#status")).to_contain_text("300 个客户")
    expect(page.locator("#key-form button")).to_have_text("使用密钥")
    assert errors == []


def test_read_only_key_sees_no_write_controls_in_browser(dashboard_server: Server, browser: Any) -> None:
    """A read-only key (GET /api/v1/me says scope read): no upload, solve, adopt, staff change or
    calendar build on any tab, a note saying why; reading and downloading still work."""
    expect = _playwright()[1]
    with dashboard_server.client() as c:
        solved = _solve_demo(c, name="baseline")
        job = c.post(
            "/api/v1/jobs",
            headers=WRITE,
            json={"dataset_id": solved["dataset_id"], "name": "other", "solver": {"time_limit_seconds": 4}},
        ).json()
        other = wait_for_job(c, job["id"])
        me = c.get("/api/v1/me", headers=READ)
        assert me.status_code == 200
        assert me.json() == {"name": "reader", "scope": "read", "can_write": False, "workspace": "default"}
        assert c.get("/api/v1/me", headers=WRITE).json()["can_write"] is True
        assert c.get("/api/v1/me").status_code == 401
        assert c.get("/api/v1/me", headers={"X-API-Key": "nope"}).status_code == 401
        spec = c.get("/openapi.json").json()["paths"]["/api/v1/me"]["get"]
        assert {"200", "401"} <= set(spec["responses"])

    ARTIFACTS.mkdir(exist_ok=True)
    page, errors = _open_logged_in(browser, dashboard_server.url + "/", key=READ["X-API-Key"])
    failed: list[str] = []
    page.on("response", lambda r: failed.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    expect(page.locator("#status")).to_contain_text("300 accounts")
    expect(page.get_by_test_id("key-who")).to_have_text("reader · read only")
    expect(page.get_by_test_id("read-only-note")).to_be_visible()
    for tab in (
        "overview",
        "plan",
        "scenario",
        "compare",
        "fairness",
        "staff",
        "calendar",
        "history",
    ):
        page.click(f"#tabs button[data-tab={tab}]")
        if tab == "plan":
            expect(page.get_by_test_id("plan-table").locator("tbody tr")).to_have_count(300)
            page.select_option("#plan-select", other["plan_id"])  # not current: adopt would show
            expect(page.get_by_test_id("plan-kpis")).to_be_visible()
            expect(page.get_by_test_id("export-csv")).to_be_visible()
        for selector in WRITE_CONTROLS:
            assert not page.locator(selector).is_visible(), f"{selector} visible on {tab}"
        expect(page.get_by_test_id("read-only-note")).to_be_visible()
    page.select_option("#lang", "zh-CN")
    expect(page.get_by_test_id("read-only-note")).to_contain_text("只读")
    page.click("#tabs button[data-tab=plan]")
    _shoot(page, "read-only-zh-plan", (1280, 800))
    _shoot(page, "read-only-zh-plan", (390, 844))
    # Nothing the key may not do was tried (no 403); the one failed load is the calendar
    # tab's "this plan has no calendar yet" (404), which the browser logs as an error.
    assert [f for f in failed if not f.startswith("404 ") or "/calendar" not in f] == []
    assert [e for e in errors if "404 (Not Found)" not in e] == []
    page.close()

    # The write key on the same page sees them again (adopt on a plan that is not current).
    page, errors = _open_logged_in(browser, dashboard_server.url + "/#plan")
    expect(page.locator("#status")).to_contain_text("300 accounts")
    page.select_option("#plan-select", other["plan_id"])
    expect(page.get_by_test_id("adopt-plan")).to_be_visible()
    expect(page.get_by_test_id("read-only-note")).to_be_hidden()
    page.click("#tabs button[data-tab=scenario]")
    expect(page.locator("#run-scenario")).to_be_visible()
    assert errors == []
