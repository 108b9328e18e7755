"""Account teams (#19) over the API, in process against SQLite and, when reachable, PostgreSQL (in a
schema of its own, so a shared server's other tests are left alone): a toy team uploaded as CSV and
as JSON (the same columns, the same data set, the same refusals), solved, its plan read back one row
per account x role, its workload per person over the roles, its export with a Role column, and its
calendar with the joint visit of the account manager and the technical support, then without it
(the support engineer on leave: not placed, with why). A plan without roles answers as before.

The toy, and why its plan is the one asserted: A1 is strategic (tier column), so its team needs an
account manager and one technical support; A2 is standard (the account manager alone). P1 holds A1
and P2 its technical support today, P3 holds A2; all three are seniors in finance living next to
the accounts with room to spare, so nothing forces a change and every move costs: today's team
stays (A1: P1 + P2, A2: P3). P3 also holds technical support but may not be placed twice on A2.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import time
from collections.abc import Iterator
from contextlib import ExitStack
from typing import Any

import pytest
from api_conftest import POLL_SECONDS, READ, WRITE, scoped_postgres, settings_for, wait_for_job
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy import Engine, inspect, text

from api import migrate
from api.app import create_app
from api.db import make_engine
from api.services import exports
from api.services.exports import plan_headers

MANAGERS = """manager_id,name,seniority,industries,languages,region,home_lat,home_lon,capacity_hours,roles,capacity_hours_technical_support
P1,Wang Fang,senior,finance,zh,east,31.23,121.47,120,account_manager,
P2,Li Na,senior,finance,zh,east,31.23,121.47,120,technical_support,
P3,Chen Jie,senior,finance,zh,east,31.24,121.48,120,account_manager;technical_support,20
"""
ACCOUNTS = """account_id,name,industry,region,lat,lon,annual_revenue,contract_value,years_as_customer,strategic_importance,tier,current_manager_id,current_technical_support_id
A1,Big Bank,finance,east,31.235,121.475,50000000,2000000,10,5,strategic,P1,P2
A2,Small Shop,finance,east,31.236,121.476,100000,10000,1,1,standard,P3,
"""
POLICY = """teams:
  roles:
    technical_support: {visits_per_month: 1, hours_per_visit: 2, admin_hours_per_month: 0.5, min_seniority: junior, ideal_seniority: senior}
  tiers:
    strategic: {technical_support: 1}
  joint_visits:
    strategic: {per_quarter: 1, role: technical_support}
"""
# 2026-03-02 is a Monday; 7 weeks ask for one joint visit (7 x 1 / 13 rounds to 1).
START, WEEKS = dt.date(2026, 3, 2), 7
OLD_ROW_KEYS = [
    "account_id", "manager_id", "tier", "previous_manager_id", "moved", "voluntary_move", "workload_hours",
    "travel_hours", "match_score", "value_score", "cost_points", "account_name", "manager_name",
    "move_reason", "service",
]  # fmt: skip
OLD_VISIT_KEYS = [
    "manager_id", "date", "start", "end", "account_id", "sequence", "travel_minutes_before", "night_away",
]  # fmt: skip


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'planner.db'}"
    else:
        with scoped_postgres("teams") as url:
            yield url


@pytest.fixture(scope="module")
def client(database_url: str) -> Iterator[TestClient]:
    with TestClient(create_app(settings_for(database_url))) as c:
        yield c


def _files(managers: str = MANAGERS, accounts: str = ACCOUNTS, policy: str = POLICY) -> dict[str, Any]:
    return {
        "accounts": ("accounts.csv", accounts.encode()),
        "managers": ("managers.csv", managers.encode()),
        "policy": ("policy.yaml", policy.encode()),
    }


def _solve(client: TestClient, dataset_id: str) -> str:
    body = {"dataset_id": dataset_id, "solver": {"name": "cpsat", "time_limit_seconds": 5, "seed": 1}}
    job = wait_for_job(client, client.post("/api/v1/jobs", headers=WRITE, json=body).json()["id"])
    assert job["status"] == "succeeded", job
    return str(job["plan_id"])


def _calendar(client: TestClient, plan_id: str, **extra: Any) -> dict[str, Any]:
    request = {"start": START.isoformat(), "weeks": WEEKS, "time_limit_seconds": 2, "seed": 1, **extra}
    r = client.post(f"/api/v1/plans/{plan_id}/calendar", headers=WRITE, json=request)
    assert r.status_code == 202, r.text
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        body: dict[str, Any] = client.get(f"/api/v1/plans/{plan_id}/calendar", headers=READ).json()
        if body["status"] not in ("queued", "running"):
            assert body["status"] == "succeeded", body
            return body
        time.sleep(POLL_SECONDS)
    raise AssertionError(f"calendar of plan {plan_id} not done")


@pytest.fixture(scope="module")
def team(client: TestClient) -> dict[str, Any]:
    r = client.post("/api/v1/datasets/upload", headers=WRITE, data={"name": "team"}, files=_files())
    assert r.status_code == 201, r.text
    dataset_id = r.json()["id"]
    return {"dataset_id": dataset_id, "plan_id": _solve(client, dataset_id)}


def test_a_team_plan_has_a_row_per_account_and_role(client: TestClient, team: dict[str, Any]) -> None:
    rows = client.get(f"/api/v1/plans/{team['plan_id']}/assignments", headers=READ).json()
    assert [(r["account_id"], r["role"], r["manager_id"]) for r in rows] == [
        ("A1", "account_manager", "P1"),
        ("A2", "account_manager", "P3"),
        ("A1", "technical_support", "P2"),
    ]
    support = rows[2]
    assert support["previous_manager_id"] == "P2" and not support["moved"] and support["move_reason"] is None
    assert (
        support["service"] == "full" and support["tier"] == "strategic" and support["manager_name"] == "Li Na"
    )
    assert support["value_score"] == rows[0]["value_score"]  # the account's, as on its manager's row
    # One visit a month of 2 h, half an hour of admin, a round trip of under a kilometre.
    assert 2.5 <= support["workload_hours"] < 2.6
    plan = client.get(f"/api/v1/plans/{team['plan_id']}", headers=READ).json()
    assert plan["summary"]["evaluation"]["team"]["technical_support"]["filled"] == 1
    assert plan["summary"]["evaluation"]["hard_rule_violations"] == 0


def test_explain_and_compare_read_the_stored_team(client: TestClient, team: dict[str, Any]) -> None:
    """The team read back from the database, not only the account managers: explain names the
    slot's person in words, compare counts the role's slots, the evaluator finds nothing wrong."""
    plan_id = team["plan_id"]
    why = client.get(f"/api/v1/plans/{plan_id}/accounts/A1/explain", headers=READ).json()
    (slot,) = why["team"]
    assert slot["manager_id"] == "P2" and slot["words"].startswith(
        "technical support: Li Na — serves finance"
    )
    r = client.post("/api/v1/compare", headers=READ, json={"plan_ids": [plan_id, plan_id]})
    assert r.status_code == 200, r.text
    for kpis in (p["kpis"] for p in r.json()["plans"]):
        assert (
            kpis["team"]["technical_support"]["filled"] == 1
            and kpis["team"]["technical_support"]["unfilled"] == 0
        )
    assert all(p["violations"] == [] for p in r.json()["plans"])
    # The comparison's export names a role's KPIs in words, in both languages.
    for lang, word in (("en", "Technical support: slots filled"), ("zh-CN", "技术支持: 已配置岗位")):
        *_, rows = exports.comparison_tables(r.json(), lang)[0]
        assert [word, 1, 1] in rows, rows
        assert not [r for r in rows if r[0].startswith(("team.", "by_role."))], rows  # every KPI in words


def test_workload_per_person_over_the_roles(client: TestClient, team: dict[str, Any]) -> None:
    rows = client.get(f"/api/v1/plans/{team['plan_id']}/assignments", headers=READ).json()
    people = {
        p["manager_id"]: p
        for p in client.get(f"/api/v1/plans/{team['plan_id']}/workload", headers=READ).json()
    }
    assert [(r["role"], r["accounts"]) for r in people["P2"]["by_role"]] == [("technical_support", 1)]
    assert [(r["role"], r["accounts"]) for r in people["P1"]["by_role"]] == [("account_manager", 1)]
    assert people["P3"]["roles"] == ["account_manager", "technical_support"]
    for person, p in people.items():
        worked = sum(r["workload_hours"] for r in rows if r["manager_id"] == person)
        assert p["hours"] == pytest.approx(worked, abs=0.02)
        assert p["hours"] == pytest.approx(sum(r["hours"] for r in p["by_role"]), abs=0.02)
        assert p["utilisation"] == pytest.approx(p["hours"] / 120, abs=1e-3)
    fairness = client.get(f"/api/v1/plans/{team['plan_id']}/fairness", headers=READ).json()
    assert [r["role"] for r in fairness["by_role"]] == ["account_manager", "technical_support"]


def test_json_upload_takes_the_csv_team_columns(client: TestClient, team: dict[str, Any]) -> None:
    """The same toy as JSON with managers.csv's and accounts.csv's keys: the same stored data."""
    stored = client.get(f"/api/v1/datasets/{team['dataset_id']}/versions/1", headers=READ).json()["data"]
    managers = [
        {k: v for k, v in m.items() if k != "role_capacity_hours"}
        | {f"capacity_hours_{r}": h for r, h in m["role_capacity_hours"].items()}
        for m in stored["managers"]
    ]
    accounts = [
        {k: v for k, v in a.items() if k != "current_team"}
        | {f"current_{r}_id": ";".join(ids) for r, ids in a["current_team"].items()}
        for a in stored["accounts"]
    ]
    assert (
        managers[2]["capacity_hours_technical_support"] == 20
        and accounts[0]["current_technical_support_id"] == "P2"
    )
    body = {"name": "team json", "managers": managers, "accounts": accounts, "policy": stored["policy"]}
    r = client.post("/api/v1/datasets", headers=WRITE, json=body)
    assert r.status_code == 201, r.text
    again = client.get(f"/api/v1/datasets/{r.json()['id']}/versions/1", headers=READ).json()["data"]
    assert again == stored
    # Blank cells of a CRM's export (null or empty) are not given, as in the CSV loader.
    blank_managers = [dict(managers[0], capacity_hours_technical_support=None), *managers[1:]]
    blank_accounts = [accounts[0], dict(accounts[1], current_technical_support_id="")]
    r = client.post(
        "/api/v1/datasets",
        headers=WRITE,
        json={**body, "managers": blank_managers, "accounts": blank_accounts},
    )
    assert r.status_code == 201, r.text
    assert client.get(f"/api/v1/datasets/{r.json()['id']}/versions/1", headers=READ).json()["data"] == stored
    # The model's own keys are taken too; a role given both ways is refused, naming both.
    both = [
        dict(m, role_capacity_hours={"technical_support": 10}) if i == 2 else m
        for i, m in enumerate(managers)
    ]
    r = client.post("/api/v1/datasets", headers=WRITE, json={**body, "managers": both})
    assert r.status_code == 422 and "capacity_hours_technical_support and role_capacity_hours" in r.text


def test_an_unknown_role_is_refused_in_the_same_words_as_csv_and_json(client: TestClient) -> None:
    managers = MANAGERS.replace("account_manager;technical_support", "account_manager;pre_sales")
    r = client.post("/api/v1/datasets/upload", headers=WRITE, data={"name": "bad"}, files=_files(managers))
    assert r.status_code == 422
    csv_words = " ".join(p["message"] for p in r.json()["problems"])
    assert "role 'pre_sales' is not in the policy's teams.roles" in csv_words
    accounts = ACCOUNTS.replace(",P1,P2", ",P1,P9")
    r = client.post(
        "/api/v1/datasets/upload", headers=WRITE, data={"name": "bad"}, files=_files(accounts=accounts)
    )
    assert r.status_code == 422 and "unknown current_technical_support_id 'P9'" in r.text
    body = {
        "name": "bad",
        "managers": [{"manager_id": "P1", "capacity_hours": 100, "roles": ["account_manager", "pre_sales"]}],
        "accounts": [{"account_id": "A1", "current_technical_support_id": "P9"}],
        "policy": {"teams": {"roles": {"technical_support": {"visits_per_month": 1, "hours_per_visit": 2}}}},
    }
    r = client.post("/api/v1/datasets", headers=WRITE, json=body)
    assert r.status_code == 422
    json_words = " ".join(p["message"] for p in r.json()["problems"])
    assert "role 'pre_sales' is not in the policy's teams.roles" in json_words
    assert "unknown current_technical_support_id 'P9'" in json_words


def test_the_export_has_a_role_column(client: TestClient, team: dict[str, Any]) -> None:
    r = client.get(f"/api/v1/plans/{team['plan_id']}/export.csv?lang=en", headers=READ)
    assert r.status_code == 200
    table = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    head = table[0]
    assert head == [*plan_headers()[:4], "Role", *plan_headers()[4:]]
    roles = [(row[0], row[4], row[5]) for row in table[1:]]
    assert roles == [
        ("A1", "Account manager", "P1"),
        ("A2", "Account manager", "P3"),
        ("A1", "Technical support", "P2"),
    ]
    r = client.get(f"/api/v1/plans/{team['plan_id']}/export.xlsx?lang=zh-CN", headers=READ)
    sheet = load_workbook(io.BytesIO(r.content)).active
    assert sheet is not None
    cells = [[c.value for c in row] for row in sheet.iter_rows()]
    assert cells[0][4] == "角色" and [row[4] for row in cells[1:]] == ["客户经理", "客户经理", "技术支持"]


def test_the_calendar_plans_every_role_and_the_joint_visit(client: TestClient, team: dict[str, Any]) -> None:
    body = _calendar(client, team["plan_id"])
    visits = body["visits"]
    assert {(v["manager_id"], v["account_id"], v["role"]) for v in visits} == {
        ("P1", "A1", "account_manager"),
        ("P3", "A2", "account_manager"),
        ("P2", "A1", "technical_support"),
    }
    joint = [v for v in visits if "joint_with" in v]
    assert sorted((v["manager_id"], v["joint_with"]) for v in joint) == [("P1", "P2"), ("P2", "P1")]
    assert len({(v["date"], v["start"], v["account_id"]) for v in joint}) == 1  # one day, one start
    assert body["joint_visits"]["asked"] == 1 and body["joint_visits"]["placed"] == 1
    (placed,) = body["joint_visits"]["visits"]
    assert (placed["account_id"], placed["manager_id"], placed["partner_id"], placed["date"]) == (
        "A1", "P1", "P2", joint[0]["date"]
    )  # fmt: skip
    assert body["joint_visits"]["not_placed"] == []
    ics = client.get(f"/api/v1/plans/{team['plan_id']}/calendar/P2.ics", headers=READ)
    assert ics.status_code == 200 and b"Joint visit" in ics.content and b"with Wang Fang" in ics.content

    # The support engineer away for the whole horizon: the joint visit is asked, not placed, with why.
    leave = [
        {
            "manager_id": "P2",
            "start": START.isoformat(),
            "end": (START + dt.timedelta(weeks=WEEKS)).isoformat(),
        }
    ]
    body = _calendar(client, team["plan_id"], leave=leave)
    assert body["joint_visits"]["asked"] == 1 and body["joint_visits"]["placed"] == 0
    (missed,) = body["joint_visits"]["not_placed"]
    assert (missed["account_id"], missed["partner_id"], missed["role"]) == ("A1", "P2", "technical_support")
    assert missed["reason"] and "working day" in missed["reason"], missed
    assert not [v for v in body["visits"] if "joint_with" in v or v["manager_id"] == "P2"]


def test_a_plan_without_roles_answers_as_before(client: TestClient, database_url: str) -> None:
    """The toy without roles and teams: no role anywhere, the plan's team column null, the columns
    and keys the API had before teams."""
    managers = "\n".join(",".join(line.split(",")[:9]) for line in MANAGERS.splitlines()) + "\n"
    accounts = "\n".join(",".join(line.split(",")[:12]) for line in ACCOUNTS.splitlines()) + "\n"
    files = _files(managers, accounts)
    del files["policy"]
    r = client.post("/api/v1/datasets/upload", headers=WRITE, data={"name": "one role"}, files=files)
    assert r.status_code == 201, r.text
    plan_id = _solve(client, r.json()["id"])
    rows = client.get(f"/api/v1/plans/{plan_id}/assignments", headers=READ).json()
    assert [list(r) for r in rows] == [OLD_ROW_KEYS] * 2
    assert [(r["account_id"], r["manager_id"]) for r in rows] == [("A1", "P1"), ("A2", "P3")]
    head = client.get(f"/api/v1/plans/{plan_id}/export.csv?lang=en", headers=READ).content
    assert head.decode("utf-8-sig").splitlines()[0] == ",".join(plan_headers())
    people = client.get(f"/api/v1/plans/{plan_id}/workload", headers=READ).json()
    assert [[r["role"] for r in p["by_role"]] for p in people] == [
        ["account_manager"],
        [],
        ["account_manager"],
    ]
    assert "team" not in client.get(f"/api/v1/plans/{plan_id}", headers=READ).json()["summary"]["evaluation"]
    body = _calendar(client, plan_id)
    assert body["visits"] and all(list(v) == OLD_VISIT_KEYS for v in body["visits"])
    assert "joint_visits" not in body and "joint_visits" not in body["summary"]
    engine = make_engine(database_url, pooled=False)
    try:
        with engine.connect() as conn:
            assert (
                conn.execute(text("SELECT team FROM plans WHERE id = :id"), {"id": plan_id}).scalar() is None
            )
    finally:
        engine.dispose()


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_migration_0007_adds_the_plan_team_and_takes_it_back(kind: str, tmp_path: Any) -> None:
    """0007 adds plans.team (null on every plan made before it: one-role plans); a downgrade drops it."""
    with ExitStack() as stack:
        url = (
            f"sqlite:///{tmp_path / 'old.db'}"
            if kind == "sqlite"
            else stack.enter_context(scoped_postgres("teams"))
        )
        engine = make_engine(url, pooled=False)
        stack.callback(engine.dispose)
        _migrate_0007(engine)


def _migrate_0007(engine: Engine) -> None:
    migrate.upgrade(engine, "0006")
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO datasets (id, name, created_at, created_by, workspace) "
                "VALUES ('d', 'old', :when, 'crm', 'default')"
            ),
            {"when": dt.datetime(2026, 5, 4, tzinfo=dt.UTC)},
        )
        conn.execute(
            text(
                "INSERT INTO plans (id, dataset_id, dataset_version, name, assignment, summary, "
                "created_at, created_by, workspace) VALUES ('p', 'd', 1, 'old', :a, '{}', :when, 'crm', 'default')"
            ),
            {"a": '{"A1": "P1"}', "when": dt.datetime(2026, 5, 4, tzinfo=dt.UTC)},
        )
    assert "team" not in {c["name"] for c in inspect(engine).get_columns("plans")}
    migrate.upgrade(engine)
    assert migrate.current(engine) == migrate.head() == "0007"
    with engine.connect() as conn:
        assert conn.execute(text("SELECT assignment, team FROM plans")).one() in (
            ({"A1": "P1"}, None),
            ('{"A1": "P1"}', None),  # SQLite's JSON read back as text by a plain query
        )
    migrate.downgrade(engine, "0006")
    assert "team" not in {c["name"] for c in inspect(engine).get_columns("plans")}
    with engine.connect() as conn:
        assert conn.execute(text("SELECT name FROM plans")).scalar() == "old"
    migrate.upgrade(engine)
    assert "team" in {c["name"] for c in inspect(engine).get_columns("plans")}


def test_team_words_in_the_export() -> None:
    """A team slot's service and move reason, and a role the words do not know, in words."""
    from api.services.exports import reason_words, role_words, service_words

    assert (
        service_words("unfilled") == "Nobody in this role"
        and service_words("unfilled", "zh-CN") == "岗位空缺"
    )
    assert reason_words("forced").startswith("Today's person") and reason_words("forced", "zh-CN")
    assert role_words("after_sales", "zh-CN") == "售后服务" and role_words("pre_sales") == "pre sales"
    assert service_words("unserved") != service_words("unfilled")


def test_a_staff_change_re_plans_the_team_and_keeps_it(client: TestClient) -> None:
    """Li Na (P2), A1's technical support, leaves: the slot goes to Chen Jie (P3), the only other
    person holding the role (20 h for it), and the plan the event adopts keeps its team. A later
    event starts from that team: Chen Jie stays on A1's support (moving back is impossible, and
    nothing else changes), where a re-plan from the CRM's original columns would see P2's slot
    as today's and P3's as a move."""
    r = client.post("/api/v1/datasets/upload", headers=WRITE, data={"name": "team-events"}, files=_files())
    assert r.status_code == 201, r.text
    dataset_id = r.json()["id"]
    _solve(client, dataset_id)
    left = {"type": "manager_left", "idempotency_key": "left-P2", "manager_id": "P2"}
    r = client.post(f"/api/v1/datasets/{dataset_id}/events", headers=WRITE, json=left)
    assert r.status_code in (200, 201), r.text
    plan_id = r.json()["plan_id"]
    slot = {"account_id": "A1", "role": "technical_support", "slot": 1}
    assert r.json()["diff"]["team_slots"] == [
        {**slot, "from_manager_id": "P2", "to_manager_id": "P3", "reason": "forced"}
    ]
    rows = client.get(f"/api/v1/plans/{plan_id}/assignments", headers=READ).json()
    support = [r for r in rows if r["role"] == "technical_support"]
    assert [(r["account_id"], r["manager_id"], r["previous_manager_id"]) for r in support] == [
        ("A1", "P3", "P2")
    ]
    assert support[0]["move_reason"] == "forced"
    assert [(r["account_id"], r["manager_id"]) for r in rows if r["role"] == "account_manager"] == [
        ("A1", "P1"),
        ("A2", "P3"),
    ]
    # The next event re-plans from the adopted team: P3 is today's support, nothing moves.
    again = {
        "type": "capacity_changed",
        "idempotency_key": "cap-P1",
        "manager_id": "P1",
        "capacity_hours": 110,
    }
    r = client.post(f"/api/v1/datasets/{dataset_id}/events", headers=WRITE, json=again)
    assert r.status_code in (200, 201), r.text
    rows = client.get(f"/api/v1/plans/{r.json()['plan_id']}/assignments", headers=READ).json()
    support = [r for r in rows if r["role"] == "technical_support"]
    assert [(r["account_id"], r["manager_id"], r["previous_manager_id"], r["moved"]) for r in support] == [
        ("A1", "P3", "P3", False)
    ]
    # Chen Jie gives up technical support and keeps the account-manager seat: A1's support slot
    # has nobody left who holds the role (unfilled), A2 stays with P3. A role P3 does not hold is
    # refused, naming the field.
    wrong = {
        "type": "manager_left",
        "idempotency_key": "left-P3-x",
        "manager_id": "P3",
        "roles": ["after_sales"],
    }
    r = client.post(f"/api/v1/datasets/{dataset_id}/events", headers=WRITE, json=wrong)
    assert r.status_code == 422 and "roles" in r.text, r.text
    role = {
        "type": "manager_left",
        "idempotency_key": "left-P3-ts",
        "manager_id": "P3",
        "roles": ["technical_support"],
    }
    preview = client.post(
        f"/api/v1/datasets/{dataset_id}/events", headers=WRITE, json={**role, "dry_run": True}
    )
    r = client.post(f"/api/v1/datasets/{dataset_id}/events", headers=WRITE, json=role)
    assert r.status_code in (200, 201), r.text
    lost = [{**slot, "from_manager_id": "P3", "to_manager_id": None, "reason": "forced"}]
    assert preview.json()["diff"]["team_slots"] == r.json()["diff"]["team_slots"] == lost
    rows = client.get(f"/api/v1/plans/{r.json()['plan_id']}/assignments", headers=READ).json()
    assert [(r["account_id"], r["role"], r["manager_id"], r["service"]) for r in rows] == [
        ("A1", "account_manager", "P1", "full"),
        ("A2", "account_manager", "P3", "full"),
        ("A1", "technical_support", None, "unfilled"),
    ]
    # The slot changed hands (to nobody) because its holder gave the role up: forced.
    assert (rows[2]["previous_manager_id"], rows[2]["moved"], rows[2]["move_reason"]) == (
        "P3",
        True,
        "forced",
    )


def test_the_webhook_posts_team_slot_changes(client: TestClient) -> None:
    """An adoption's webhook body names the team slots whose person changed, as the event's diff
    does: Li Na (P2) leaves, A1's technical support goes to Chen Jie (P3); adopting the plan before
    by hand posts the change back. A plan without teams posts no `team_slots` (test_api_webhook)."""
    import json

    from test_api_webhook import SECRET, Receiver

    from api.services.webhooks import team_slot_changes

    receiver = Receiver(fail=0)
    r = client.post("/api/v1/datasets/upload", headers=WRITE, data={"name": "team-hook"}, files=_files())
    assert r.status_code == 201, r.text
    dataset_id = r.json()["id"]
    first = _solve(client, dataset_id)
    r = client.put("/api/v1/webhook", headers=WRITE, json={"url": receiver.url, "secret": SECRET})
    assert r.status_code == 200, r.text
    try:
        left = {"type": "manager_left", "idempotency_key": "hook-left-P2", "manager_id": "P2"}
        r = client.post(f"/api/v1/datasets/{dataset_id}/events", headers=WRITE, json=left)
        assert r.status_code in (200, 201), r.text
        receiver.wait_for(1)
        posted = json.loads(receiver.received[0][1])
        assert posted["moved"] == [] and posted["team_slots_count"] == 1
        assert posted["team_slots"] == [
            {"account_id": "A1", "role": "technical_support", "from_manager_id": "P2", "to_manager_id": "P3"}
        ]
        r = client.put(f"/api/v1/datasets/{dataset_id}/current-plan", headers=WRITE, json={"plan_id": first})
        assert r.status_code == 200, r.text
        receiver.wait_for(2)
        back = json.loads(receiver.received[1][1])
        assert back["team_slots"] == [
            {"account_id": "A1", "role": "technical_support", "from_manager_id": "P3", "to_manager_id": "P2"}
        ]
    finally:
        client.delete("/api/v1/webhook", headers=WRITE)
    # Two engineers trading slot numbers on one account is no change; an emptied slot goes to null.
    assert team_slot_changes({"A": {"ts": ["X", "Y"]}}, {"A": {"ts": ["Y", "X"]}}) == []
    assert team_slot_changes({"A": {"ts": ["X"]}}, {"A": {"ts": [None]}}) == [
        {"account_id": "A", "role": "ts", "from_manager_id": "X", "to_manager_id": None}
    ]
