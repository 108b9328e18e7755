"""The Plan tab's map in a real headless Chromium (#15 item 4): Apache ECharts and the provinces of
China served by this server (no tiles, no CDN), every account and every manager's home on it, a
click on an account explains it, a region moves the view to its accounts, province and city names
follow the page's language. Screenshots at 1280x800 and 390x844 in English and Chinese.
Skips as tests/test_dashboard.py does when the browser or playwright is missing."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from api_conftest import READ, Server, SpareServers
from test_dashboard import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS, _open_logged_in, _playwright, _solve_demo

from api.dashboard import STATIC_DIR

# The chart behind #map, read through the page's own copy of ECharts (one module per URL).
CHART = "const e = await import('/static/echarts.min.js'); const c = e.getInstanceByDom(document.querySelector('#map'));"


@pytest.fixture(scope="module")
def server(spare_servers: SpareServers) -> Iterator[Server]:
    srv = spare_servers.take()  # booted while earlier tests ran (tests/conftest.py)
    try:
        yield srv
    finally:
        srv.stop()


def test_the_map_data_is_shipped_with_its_source() -> None:
    geo = json.loads((STATIC_DIR / "china-provinces.json").read_text(encoding="utf-8"))
    assert "Natural Earth" in geo["source"]
    names = {f["properties"]["name_zh"] for f in geo["features"]}
    assert {"广东省", "北京市", "新疆维吾尔自治区", "台湾省", "香港特别行政区", "澳门特别行政区"} <= names
    assert all(f["properties"]["name_en"] for f in geo["features"])
    # Sizes kept small: a custom ECharts build and a simplified outline.
    assert (STATIC_DIR / "echarts.min.js").stat().st_size < 700_000
    assert (STATIC_DIR / "china-provinces.json").stat().st_size < 150_000


def _chart(page: Any, body: str) -> Any:
    return page.evaluate(f"async () => {{ {CHART} {body} }}")


def test_accounts_and_homes_on_the_map_of_china(server: Server) -> None:
    sync_playwright, expect = _playwright()
    with server.client() as c:
        solved = _solve_demo(c)
        version = c.get(f"/api/v1/datasets/{solved['dataset_id']}/versions/1", headers=READ).json()["data"]
    region = {a["account_id"]: a["region"] for a in version["accounts"]}

    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page, errors = _open_logged_in(browser, server.url + "/#plan")
            expect(page.locator("#map[data-accounts='300'] canvas")).to_have_count(1)
            got = _chart(
                page,
                "const o = c.getOption(); return { geo: o.geo[0].map, names: o.geo[0].nameProperty, "
                "accounts: o.series.find(s => s.id === 'accounts').data.map(d => d.name), "
                "homes: o.series.find(s => s.id === 'managers').data.map(d => d.name) };",
            )
            assert got["geo"] == "china-provinces" and got["names"] == "name_en"
            assert sorted(got["accounts"]) == sorted(region)
            assert got["homes"] and all(h.startswith("M") for h in got["homes"])

            # A region moves the view to its accounts; the others stay on the map, off the view.
            page.select_option("#scatter-region", "south")
            south = sum(1 for r in region.values() if r == "south")
            expect(page.locator("#map")).to_have_attribute("data-focus", str(south))
            inside = _chart(
                page,
                """const w = c.getWidth(), h = c.getHeight();
                   return c.getOption().series.find(s => s.id === 'accounts').data.map(d => {
                     const [x, y] = c.convertToPixel({ seriesId: 'accounts' }, d.value);
                     return [d.name, x >= 0 && x <= w && y >= 0 && y <= h]; });""",
            )
            assert all(seen for a, seen in inside if region[a] == "south")
            assert not all(seen for a, seen in inside if region[a] != "south")
            # A click on an account explains it: the one in view farthest from any other dot or home.
            target = _chart(
                page,
                """const w = c.getWidth(), h = c.getHeight();
                   const at = (id) => c.getOption().series.find(s => s.id === id).data.map(d => [d.name, c.convertToPixel({ seriesId: id }, d.value)]);
                   const dots = at('accounts'), all = dots.concat(at('managers'));
                   let best = null, far = -1;
                   for (const [name, [x, y]] of dots) {
                     if (x < 10 || y < 10 || x > w - 10 || y > h - 10) continue;
                     const near = Math.min(...all.filter(([n]) => n !== name).map(([, [u, v]]) => Math.hypot(x - u, y - v)));
                     if (near > far) { far = near; best = { id: name, x, y, far }; } }
                   return best;""",
            )
            assert target["far"] > 8, target  # nothing else under the pointer
            page.locator("#map").scroll_into_view_if_needed()
            box = page.locator("#map").bounding_box()
            page.mouse.click(box["x"] + target["x"], box["y"] + target["y"])
            expect(page.locator("#explain h3")).to_contain_text(target["id"])

            for size in ((1280, 800), (390, 844)):
                page.set_viewport_size({"width": size[0], "height": size[1]})
                page.wait_for_timeout(700)
                page.locator("#map").scroll_into_view_if_needed()
                assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
                page.screenshot(path=str(ARTIFACTS / f"map-south-en-{size[0]}.png"))
            page.set_viewport_size({"width": 1280, "height": 800})

            page.select_option("#scatter-region", "")
            expect(page.locator("#map")).to_have_attribute("data-focus", str(len(region)))
            page.select_option("#lang", "zh-CN")
            expect(page.locator("#map-legend")).to_contain_text("客户经理常驻地")
            page.wait_for_timeout(500)
            names = _chart(
                page,
                "const o = c.getOption(); return [o.geo[0].nameProperty, "
                "o.series.find(s => s.id === 'cities').data.map(d => d.name)];",
            )
            assert names[0] == "name_zh" and "北京" in names[1]
            # The account explained before the switch, again in Chinese.
            expect(page.locator("#explain h4")).to_have_text("其他人选")
            for size in ((1280, 800), (390, 844)):
                page.set_viewport_size({"width": size[0], "height": size[1]})
                page.wait_for_timeout(700)
                page.locator("#map").scroll_into_view_if_needed()
                page.screenshot(path=str(ARTIFACTS / f"map-all-zh-{size[0]}.png"))
            assert errors == []
        finally:
            browser.close()
