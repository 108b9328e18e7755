"""The plan export (GET /api/v1/plans/{id}/export.csv and .xlsx): the same rows as the API's
assignments, in the same order, with headers and reasons in words; CSV in UTF-8 with a BOM."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

import pytest
from api_conftest import READ, WRITE, demo_files, settings_for, wait_for_job
from fastapi.testclient import TestClient
from openpyxl import load_workbook

from api.app import create_app
from api.services.exports import FAIRNESS_HEADERS, HEADERS, reason_words, service_words


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'planner.db'}"
    with TestClient(create_app(settings_for(url, max_body_bytes=2_000_000))) as c:
        yield c


@pytest.fixture(scope="module")
def plan(client: TestClient) -> dict:
    """The demo with a shortfall: a shortfall allowed and every manager's hours halved, so the
    export holds reduced and unserved accounts as well as full service."""
    r = client.post("/api/v1/datasets/upload", headers=WRITE, data={"name": "short"}, files=shortfall_files())
    assert r.status_code == 201, r.text
    body = {"dataset_id": r.json()["id"], "solver": {"time_limit_seconds": 5}}
    job = wait_for_job(client, client.post("/api/v1/jobs", headers=WRITE, json=body).json()["id"])
    assert job["status"] == "succeeded", job
    rows = client.get(f"/api/v1/plans/{job['plan_id']}/assignments", headers=READ).json()
    version = client.get(f"/api/v1/datasets/{r.json()['id']}/versions/1", headers=READ).json()
    regions = {a["account_id"]: a["region"] for a in version["data"]["accounts"]}
    return {"id": job["plan_id"], "rows": rows, "regions": regions}


def shortfall_files() -> dict[str, tuple[str, bytes]]:
    """The demo's files with a shortfall allowed and every manager's capacity_hours halved."""
    files = demo_files()
    name, policy = files["policy"]
    files["policy"] = (name, policy.replace(b"allow_unassigned: false", b"allow_unassigned: true"))
    mname, managers = files["managers"]
    files["managers"] = (mname, _halve_capacity(managers))
    return files


def _halve_capacity(managers: bytes) -> bytes:
    table = list(csv.DictReader(io.StringIO(managers.decode("utf-8-sig"))))
    for m in table:
        m["capacity_hours"] = str(float(m["capacity_hours"]) / 2)
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(table[0]))
    writer.writeheader()
    writer.writerows(table)
    return out.getvalue().encode()


def _expected(plan: dict) -> list[list[str]]:
    return expected_rows(plan["rows"], plan["regions"])


def expected_rows(rows: list[dict], regions: dict[str, str]) -> list[list[str]]:
    """The export's rows, as text, from the API's assignments and the accounts' regions."""
    return [
        [
            r["account_id"],
            r["account_name"],
            r["tier"],
            regions[r["account_id"]],
            r["manager_id"] or "",
            r["manager_name"] if r["manager_id"] else "",
            str(float(r["workload_hours"])),
            service_words(r["service"]),
            "yes" if r["moved"] else "no",
            reason_words(r["move_reason"]),
        ]
        for r in rows
    ]


def test_csv_rows_equal_the_plan_assignments(client: TestClient, plan: dict) -> None:
    r = client.get(f"/api/v1/plans/{plan['id']}/export.csv", headers=READ)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("text/csv")
    assert r.headers["content-disposition"] == f'attachment; filename="plan-{plan["id"][:8]}.csv"'
    assert r.content.startswith(b"\xef\xbb\xbf")  # the BOM Excel needs to read UTF-8
    lines = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert tuple(lines[0]) == HEADERS
    assert lines[1:] == _expected(plan)
    services = {r["service"] for r in plan["rows"]}
    assert "full" in services and len(services) > 1, services  # the shortfall shows in the rows


def test_xlsx_rows_equal_the_plan_assignments(client: TestClient, plan: dict) -> None:
    r = client.get(f"/api/v1/plans/{plan['id']}/export.xlsx", headers=READ)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(r.content), read_only=True).worksheets[0]
    values = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert tuple(values[0]) == HEADERS
    assert all(isinstance(row[6], float | int) for row in values[1:])  # hours stay numbers
    shown = [
        [("" if v is None else str(float(v) if i == 6 else v)) for i, v in enumerate(row)]
        for row in values[1:]
    ]
    assert shown == _expected(plan)


def test_export_needs_a_key_and_a_known_plan(client: TestClient, plan: dict) -> None:
    assert client.get(f"/api/v1/plans/{plan['id']}/export.csv").status_code == 401
    assert client.get("/api/v1/plans/nope/export.xlsx", headers=READ).status_code == 404
    spec = client.get("/openapi.json").json()["paths"]
    for ext in ("csv", "xlsx"):
        responses = spec[f"/api/v1/plans/{{plan_id}}/export.{ext}"]["get"]["responses"]
        assert {"200", "401", "404"} <= set(responses)


def test_formula_like_text_is_kept_as_text() -> None:
    from api.services.exports import to_csv

    text = to_csv([["A1", "=cmd()", "key", "", "", "", 1.5, "full service", "no", ""]]).decode("utf-8-sig")
    assert "'=cmd()" in text


def test_fairness_export_has_one_row_per_manager_of_the_report(client: TestClient, plan: dict) -> None:
    report = client.get(f"/api/v1/plans/{plan['id']}/fairness", headers=READ).json()
    r = client.get(f"/api/v1/plans/{plan['id']}/fairness/export.csv", headers=READ)
    assert r.status_code == 200, r.text
    assert r.content.startswith(b"\xef\xbb\xbf")
    lines = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert tuple(lines[0]) == FAIRNESS_HEADERS
    assert [(x[0], float(x[5]), int(x[10])) for x in lines[1:]] == [
        (m["manager_id"], float(m["hours"]), m["accounts"]) for m in report["managers"]
    ]
    x = client.get(f"/api/v1/plans/{plan['id']}/fairness/export.xlsx", headers=READ)
    assert x.status_code == 200
    sheet = load_workbook(io.BytesIO(x.content), read_only=True).worksheets[0]
    assert [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)] == [
        m["manager_id"] for m in report["managers"]
    ]
    assert client.get(f"/api/v1/plans/{plan['id']}/fairness/export.pdf", headers=READ).status_code == 422


def test_comparison_export_holds_the_kpis_and_the_moved_accounts(client: TestClient, plan: dict) -> None:
    r = client.post("/api/v1/datasets/upload", headers=WRITE, data={"name": "full"}, files=demo_files())
    body = {"dataset_id": r.json()["id"], "solver": {"time_limit_seconds": 4}}
    other = wait_for_job(client, client.post("/api/v1/jobs", headers=WRITE, json=body).json()["id"])[
        "plan_id"
    ]
    ids = [plan["id"], other]
    answer = client.post("/api/v1/compare", headers=READ, json={"plan_ids": ids}).json()
    query = "&".join(f"plan_ids={i}" for i in ids)
    r = client.get(f"/api/v1/compare/export.csv?{query}", headers=READ)
    assert r.status_code == 200, r.text
    lines = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    blank = lines.index([])
    kpis, moved = lines[1:blank], lines[blank + 3 :]
    assert len(lines[0]) == 3 and lines[0][1].startswith("base: ")
    assert ["accounts changing manager", str(answer["plans"][0]["kpis"]["moves"]["total"])] == kpis[
        [k[0] for k in kpis].index("accounts changing manager")
    ][:2]
    assert [m[0] for m in moved] == [m["account_id"] for m in answer["diffs"][0]["moved"]]
    x = client.get(f"/api/v1/compare/export.xlsx?{query}", headers=READ)
    book = load_workbook(io.BytesIO(x.content), read_only=True)
    assert [ws.title for ws in book.worksheets] == ["KPIs", f"Moved in {other[:8]}"]
    assert client.get(f"/api/v1/compare/export.csv?plan_ids={ids[0]}", headers=READ).status_code == 422


def test_the_page_and_the_export_read_one_catalogue() -> None:
    """api/static/messages.json is the one place for words: every entry in English and Chinese with the
    same placeholders, no key twice, the page's scripts ask only for keys it has, and the comparison
    export's KPI names are its kpi.* entries."""
    import json
    import re

    from api.dashboard import STATIC_DIR
    from api.services.exports import KPI_WORDS, kpi_words

    def no_duplicates(pairs: list[tuple[str, object]]) -> dict[str, object]:
        keys = [k for k, _ in pairs]
        assert len(keys) == len(set(keys)), [k for k in keys if keys.count(k) > 1]
        return dict(pairs)

    catalogue = json.loads(
        (STATIC_DIR / "messages.json").read_text(encoding="utf-8"), object_pairs_hook=no_duplicates
    )
    for key, entry in catalogue.items():
        assert set(entry) == {"en", "zh-CN"}, key
        assert entry["en"].strip() and entry["zh-CN"].strip(), key
        assert sorted(re.findall(r"\{(\w+)\}", entry["en"])) == sorted(
            re.findall(r"\{(\w+)\}", entry["zh-CN"])
        ), key
    scripts = "\n".join(p.read_text(encoding="utf-8") for p in STATIC_DIR.glob("*.js"))
    scripts += (STATIC_DIR / "index.html").read_text(encoding="utf-8")
    asked = set(re.findall(r'\bt\("([\w.]+)"', scripts)) | set(
        re.findall(r'data-i18n(?:-\w+)?="([\w.]+)"', scripts)
    )
    assert asked - set(catalogue) == set()
    assert {k[4:]: v["en"] for k, v in catalogue.items() if k.startswith("kpi.")} == KPI_WORDS
    assert kpi_words("zh-CN")["moves.total"] == "更换客户经理的客户"
    assert not (STATIC_DIR / "words.js").exists()  # the old second copy of the KPI words


def test_export_words_in_chinese() -> None:
    from api.services.exports import fairness_headers, plan_headers

    assert plan_headers("zh-CN")[:3] == ("客户编号", "客户名称", "客户等级")
    assert len(plan_headers("zh-CN")) == len(HEADERS) and len(fairness_headers("zh-CN")) == len(
        FAIRNESS_HEADERS
    )
    assert reason_words("voluntary", "zh-CN") == "主动调整（计入调整上限）"
    assert reason_words("rule: seniority_by_tier", "zh-CN") == "规则：该等级需要更资深的客户经理"
    assert service_words("every 26 weeks", "zh-CN") == "减少拜访：每 26 周一次"
    assert service_words("every 26 weeks") == "reduced: every 26 weeks"


@pytest.mark.parametrize(
    ("lang", "accept", "expected"),
    [
        (None, None, "en"),
        ("zh-CN", None, "zh-CN"),
        (None, "zh-CN,zh;q=0.9,en;q=0.8", "zh-CN"),
        (None, "fr-FR, en;q=0.5, zh;q=0.4", "en"),
        ("en", "zh-CN", "en"),
        (None, "de", "en"),
    ],
)
def test_export_language_from_query_then_accept_language(
    lang: str | None, accept: str | None, expected: str
) -> None:
    from api.i18n import pick

    assert pick(lang, accept) == expected


def test_plan_rows_in_chinese_are_the_same_rows(client: TestClient, plan: dict) -> None:
    """Only the words change: ids, names, regions, managers and hours are the English export's."""
    from api.services.exports import table_rows

    services = client.app.state.services  # type: ignore[attr-defined]
    english, chinese = table_rows(services.plans, plan["id"]), table_rows(services.plans, plan["id"], "zh-CN")
    same = (0, 1, 3, 4, 5, 6)
    assert [[r[i] for i in same] for r in chinese] == [[r[i] for i in same] for r in english]
    assert {r[2] for r in chinese} <= {"战略客户", "重点客户", "标准客户"}
    assert {r[8] for r in chinese} <= {"是", "否"}
    assert any(r[7].startswith("减少拜访：") for r in chinese)


def test_export_endpoints_take_lang(client: TestClient, plan: dict) -> None:
    r = client.get(f"/api/v1/plans/{plan['id']}/export.csv?lang=zh-CN", headers=READ)
    lines = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert lines[0][:2] == ["客户编号", "客户名称"]
    x = client.get(
        f"/api/v1/plans/{plan['id']}/fairness/export.csv", headers={**READ, "Accept-Language": "zh-CN"}
    )
    assert x.content.decode("utf-8-sig").startswith("客户经理工号")
    spec = client.get("/openapi.json").json()["paths"]["/api/v1/plans/{plan_id}/export.csv"]["get"]
    assert "lang" in [p["name"] for p in spec["parameters"]]
