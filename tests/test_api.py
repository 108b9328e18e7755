"""The API in-process (TestClient), against SQLite and, when reachable, PostgreSQL: the full
flow on the demo data, events and idempotency, auth, input errors and limits."""

from __future__ import annotations

import io
from collections.abc import Iterator

import pytest
from api_conftest import (
    READ,
    WRITE,
    demo_files,
    postgres_url,
    reset_postgres,
    settings_for,
    upload_demo,
    wait_for_job,
)
from fastapi.testclient import TestClient

from api.app import create_app


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def client(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'planner.db'}"
    else:
        url = postgres_url()
        if url is None:
            pytest.skip("no PostgreSQL reachable (set PLANNER_TEST_DATABASE_URL; scripts/start_postgres.sh)")
        reset_postgres(url)
    with TestClient(create_app(settings_for(url, max_body_bytes=2_000_000))) as c:
        yield c


@pytest.fixture(scope="module")
def solved(client: TestClient) -> dict:
    """The demo uploaded and solved once per database; demo solves to optimality in about 1 s."""
    return _solve(client, upload_demo(client))


@pytest.fixture(scope="module")
def solved_shortfall(client: TestClient) -> dict:
    """The demo with a shortfall allowed (`allow_unassigned: true`, the default; the demo's own
    policy requires full service), uploaded and solved once per database."""
    files = demo_files()
    name, policy = files["policy"]
    files["policy"] = (name, policy.replace(b"allow_unassigned: false", b"allow_unassigned: true"))
    assert files["policy"][1] != policy
    r = client.post("/api/v1/datasets/upload", headers=WRITE, data={"name": "demo-shortfall"}, files=files)
    assert r.status_code == 201, r.text
    return _solve(client, r.json()["id"])


def _solve(client: TestClient, dataset_id: str) -> dict:
    r = client.post(
        "/api/v1/jobs", headers=WRITE, json={"dataset_id": dataset_id, "solver": {"time_limit_seconds": 10}}
    )
    assert r.status_code == 202, r.text
    assert r.headers["location"].endswith(r.json()["id"])
    job = wait_for_job(client, r.json()["id"])
    assert job["status"] == "succeeded", job
    return {"dataset_id": dataset_id, "job": job, "plan_id": job["plan_id"]}


def test_health_and_docs_need_no_key(client: TestClient) -> None:
    assert client.get("/health").json() == {"status": "ok"}
    assert client.get("/docs").status_code == 200
    assert "/api/v1/jobs" in client.get("/openapi.json").json()["paths"]


def test_auth_missing_unknown_and_read_only_keys(client: TestClient) -> None:
    assert client.get("/api/v1/datasets").status_code == 401
    assert client.get("/api/v1/datasets", headers={"X-API-Key": "nope"}).status_code == 401
    assert client.get("/api/v1/datasets", headers=READ).status_code == 200
    r = client.post("/api/v1/datasets/upload", headers=READ, data={"name": "x"}, files=demo_files())
    assert r.status_code == 403
    assert "read" in r.json()["detail"]


def test_solve_job_result_and_plan_views(client: TestClient, solved: dict) -> None:
    job = solved["job"]
    assert job["progress"]["gap"] == 0.0
    result = client.get(f"/api/v1/jobs/{job['id']}/result", headers=READ).json()
    assert result["status"] == "succeeded"
    plan = result["plan"]
    assert plan["is_current"] and plan["summary"]["solver"]["status"] == "optimal"
    assert plan["summary"]["evaluation"]["hard_rule_violations"] == 0
    rows = client.get(f"/api/v1/plans/{plan['id']}/assignments", headers=READ).json()
    assert len(rows) == 269 or len(rows) > 100
    assert all(r["manager_id"] for r in rows)
    current = client.get(f"/api/v1/datasets/{solved['dataset_id']}/current-plan", headers=READ).json()
    assert current["id"] == plan["id"]
    explained = client.get(
        f"/api/v1/plans/{plan['id']}/accounts/{rows[0]['account_id']}/explain", headers=READ
    )
    assert explained.status_code == 200 and explained.json()["manager_id"] == rows[0]["manager_id"]
    assert client.get(f"/api/v1/plans/{plan['id']}/accounts/NOPE/explain", headers=READ).status_code == 404
    fairness = client.get(f"/api/v1/plans/{plan['id']}/fairness", headers=READ)
    assert fairness.status_code == 200


@pytest.mark.parametrize("data", ["solved", "solved_shortfall"])
def test_manager_left_event_diff_idempotent_and_compare(
    client: TestClient, data: str, request: pytest.FixtureRequest
) -> None:
    ds = request.getfixturevalue(data)["dataset_id"]
    before = client.get(f"/api/v1/datasets/{ds}/current-plan", headers=READ).json()
    rows = client.get(f"/api/v1/plans/{before['id']}/assignments", headers=READ).json()
    leaver = rows[0]["manager_id"]
    if data == "solved_shortfall":
        # The manager with the most accounts: east cannot absorb them, and before the fix the
        # re-plan dropped accounts other managers held to make room (counted as voluntary moves).
        leaver = max(
            sorted({r["manager_id"] for r in rows}), key=lambda m: sum(r["manager_id"] == m for r in rows)
        )
    held = {r["account_id"] for r in rows if r["manager_id"] == leaver}
    unserved_before = {r["account_id"] for r in rows if r["manager_id"] is None}
    event = {
        "type": "manager_left",
        "idempotency_key": f"left-{leaver}",
        "manager_id": leaver,
        "effective_date": "2026-01-31",
    }
    r = client.post(f"/api/v1/datasets/{ds}/events", headers=WRITE, json=event)
    assert r.status_code == 200, r.text
    out = r.json()
    assert out["status"] == "applied" and not out["replayed"] and out["actor"] == "writer"
    moved = {m["account_id"] for m in out["diff"]["moved"]}
    assert held <= moved  # every account of the leaver moved ...
    assert out["diff"]["forced_moves"] == len(held)
    assert out["diff"]["voluntary_moves"] <= 20  # ... and the rest stayed within the budget
    assert out["previous_plan_id"] == before["id"]
    # The diff counts moves as the new plan's evaluation does (planner/evaluate.py).
    d = out["diff"]
    moves = client.get(f"/api/v1/plans/{out['plan_id']}", headers=READ).json()["summary"]["evaluation"][
        "moves"
    ]
    assert (d["moved_count"], d["forced_moves"], d["voluntary_moves"]) == (
        moves["total"],
        moves["forced"],
        moves["voluntary"],
    )
    assert (
        d["moved_count"]
        == len(d["moved"])
        == d["forced_moves"] + d["voluntary_moves"] + d["unassigned_moves"]
    )
    assert sum(m["reason"] == "voluntary" for m in d["moved"]) == d["voluntary_moves"]
    assert d["unassigned_moves"] == 0  # no account its manager keeps is dropped for the leaver's
    # Accounts left without a manager are listed apart, each with why: only the leaver's.
    unserved = {u["account_id"]: u for u in d["unserved"]}
    assert set(unserved) == set(out["uncovered"]) - unserved_before
    assert set(unserved) <= held
    for u in unserved.values():
        assert u["reason"] == "manager_left" and u["from_manager_id"] == leaver
        assert u["why"].startswith(f"{leaver} has left; "), u["why"]

    again = client.post(f"/api/v1/datasets/{ds}/events", headers=WRITE, json=event)
    assert again.status_code == 200 and again.json()["replayed"]
    assert {k: v for k, v in again.json().items() if k != "replayed"} == {
        k: v for k, v in out.items() if k != "replayed"
    }
    versions = client.get(f"/api/v1/datasets/{ds}/versions", headers=READ).json()
    assert [v["version"] for v in versions] == [1, 2]  # the replay made no new version
    reused = client.post(
        f"/api/v1/datasets/{ds}/events", headers=WRITE, json={**event, "manager_id": rows[-1]["manager_id"]}
    )
    assert reused.status_code == 409
    # The same leaver again under a new key (the CRM resends): nothing changes, no re-plan.
    resent = client.post(
        f"/api/v1/datasets/{ds}/events", headers=WRITE, json={**event, "idempotency_key": f"again-{leaver}"}
    )
    assert resent.status_code == 200, resent.text
    body = resent.json()
    assert body["status"] == "no_change" and body["plan_id"] == out["plan_id"] == body["previous_plan_id"]
    assert body["dataset_version"] == 2 and body["diff"] is None and "no change" in body["notes"][0]
    assert [v["version"] for v in client.get(f"/api/v1/datasets/{ds}/versions", headers=READ).json()] == [
        1,
        2,
    ]

    after = client.get(f"/api/v1/datasets/{ds}/current-plan", headers=READ).json()
    assert after["id"] == out["plan_id"] and after["dataset_version"] == 2
    cmp = client.post("/api/v1/compare", headers=READ, json={"plan_ids": [before["id"], after["id"]]}).json()
    assert cmp["diffs"][0]["moved_count"] == d["moved_count"] + len(d["served"])  # compare: every change
    log = client.get(f"/api/v1/datasets/{ds}/events", headers=READ).json()
    assert [e["event_id"] for e in log] == [out["event_id"], body["event_id"]]  # the no-change one too


def test_leaver_nobody_can_replace_is_applied_with_the_uncovered_accounts_named(client: TestClient) -> None:
    """The CRM reports a fact: the event is applied even when no one may take an account."""
    body = {
        "name": "only-speaker",
        "managers": [
            {"manager_id": "A", "capacity_hours": 100, "languages": ["ja", "en"]},
            {"manager_id": "B", "capacity_hours": 100, "languages": ["en"]},
        ],
        "accounts": [
            {"account_id": "j1", "language": "ja", "current_manager_id": "A", "tier": "standard"},
            {"account_id": "e1", "language": "en", "current_manager_id": "A", "tier": "standard"},
        ],
    }
    r = client.post("/api/v1/datasets", headers=WRITE, json=body)
    assert r.status_code == 201, r.text
    event = {"type": "manager_left", "idempotency_key": "only-speaker-left", "manager_id": "A"}
    r = client.post(f"/api/v1/datasets/{r.json()['id']}/events", headers=WRITE, json=event)
    assert r.status_code == 200, r.text
    out = r.json()
    assert out["status"] == "applied" and out["uncovered"] == ["j1"]
    assert any("ja" in reason for reason in out["reasons"]), out["reasons"]
    moved = {m["account_id"]: m["to_manager_id"] for m in out["diff"]["moved"]}
    assert moved == {"j1": None, "e1": "B"}


def test_leaver_event_never_drops_an_account_another_manager_keeps(client: TestClient) -> None:
    """A shortfall allowed (the default policy). A leaves; only B speaks ja, so only B may take
    a1 (key: 3 h, 2 h reduced), and B (2 h) holds b1 (standard: 0.5 h, 0.25 h reduced): a1 fits
    on B only if b1 goes, by a voluntary move to D (none allowed) or by dropping it. b1 stays;
    a1 is left uncovered, with why. Then B's hours are cut below b1's: b1 is dropped, its
    manager could have kept it, and the diff says so apart from the moves (not as voluntary)."""
    body = {
        "name": "keep-held",
        "managers": [
            {"manager_id": "A", "capacity_hours": 100},
            {"manager_id": "B", "capacity_hours": 2, "languages": ["ja"]},
            {"manager_id": "D", "capacity_hours": 3, "languages": ["en"]},
        ],
        "accounts": [
            {"account_id": "a1", "tier": "key", "language": "ja", "current_manager_id": "A"},
            {"account_id": "b1", "tier": "standard", "current_manager_id": "B"},
        ],
        "policy": {"weights": {"balance": 0}},  # balance would reduce b1 for its own sake
    }
    r = client.post("/api/v1/datasets", headers=WRITE, json=body)
    assert r.status_code == 201, r.text
    ds = r.json()["id"]

    def post(event: dict) -> tuple[dict, dict]:
        r = client.post(f"/api/v1/datasets/{ds}/events", headers=WRITE, json={**event, "max_moves": 0})
        assert r.status_code == 200, r.text
        out = r.json()
        plan = client.get(f"/api/v1/plans/{out['plan_id']}", headers=READ).json()
        moves = plan["summary"]["evaluation"]["moves"]
        d = out["diff"]
        assert (d["moved_count"], d["forced_moves"], d["voluntary_moves"]) == (
            moves["total"],
            moves["forced"],
            moves["voluntary"],
        )
        return out, d

    out, d = post({"type": "manager_left", "idempotency_key": "keep-held-A", "manager_id": "A"})
    assert out["uncovered"] == ["a1"]
    assert [(m["account_id"], m["to_manager_id"], m["reason"], m["forced"]) for m in d["moved"]] == [
        ("a1", None, "manager_left", True)
    ]
    assert (d["forced_moves"], d["voluntary_moves"], d["unassigned_moves"]) == (1, 0, 0)
    (gone,) = d["unserved"]
    assert gone["account_id"] == "a1" and gone["reason"] == "manager_left" and gone["from_manager_id"] == "A"
    assert gone["why"] == (
        "A has left; it needs 2.00 h per month, but the 1 manager(s) who may serve it have 1.50 h free "
        "in all within the disruption budget of 0 voluntary moves"
    )

    out, d = post(
        {
            "type": "capacity_changed",
            "idempotency_key": "keep-held-B",
            "manager_id": "B",
            "capacity_hours": 0.2,
        }
    )
    assert sorted(out["uncovered"]) == ["a1", "b1"]
    assert [(m["account_id"], m["to_manager_id"], m["reason"], m["forced"]) for m in d["moved"]] == [
        ("b1", None, "unassigned", False)
    ]
    assert (d["moved_count"], d["forced_moves"], d["voluntary_moves"], d["unassigned_moves"]) == (1, 0, 0, 1)
    (gone,) = d["unserved"]  # a1 was unserved before: not news
    assert gone["account_id"] == "b1" and gone["reason"] == "unassigned"
    assert gone["why"].startswith(
        "B may keep it but no longer has the hours for it; it needs 0.25 h per month"
    )


def test_a_manager_changed_event_moves_what_the_manager_may_no_longer_serve(client: TestClient) -> None:
    """#16 item 3: B (senior, speaks ja) holds s1 (strategic: needs a senior) and j1 (needs ja).
    The CRM says B is junior now and also speaks en: s1 must move to the only other senior, A,
    as a forced move by the seniority rule; j1 stays (B still speaks ja). Sent again, nothing
    changes. A field that is another event's (active) or a bad value is refused, naming it."""
    body = {
        "name": "manager-changed",
        "managers": [
            {"manager_id": "A", "capacity_hours": 100, "seniority": "senior"},
            {"manager_id": "B", "capacity_hours": 100, "seniority": "senior", "languages": ["ja"]},
        ],
        "accounts": [
            {"account_id": "s1", "tier": "strategic", "current_manager_id": "B"},
            {"account_id": "j1", "tier": "standard", "language": "ja", "current_manager_id": "B"},
        ],
        "policy": {"weights": {"balance": 0}},
    }
    r = client.post("/api/v1/datasets", headers=WRITE, json=body)
    assert r.status_code == 201, r.text
    ds = r.json()["id"]
    event = {
        "type": "manager_changed",
        "idempotency_key": "b-junior",
        "manager_id": "B",
        "fields": {"seniority": "junior", "languages": ["ja", "en"]},
        "max_moves": 0,
    }
    r = client.post(f"/api/v1/datasets/{ds}/events", headers=WRITE, json=event)
    assert r.status_code == 200, r.text
    out = r.json()
    assert out["status"] == "applied" and out["notes"] == ["manager B: languages, seniority changed"]
    moved = [
        (m["account_id"], m["from_manager_id"], m["to_manager_id"], m["forced"]) for m in out["diff"]["moved"]
    ]
    assert moved == [("s1", "B", "A", True)] and out["uncovered"] == []
    assert out["diff"]["moved"][0]["reason"].startswith("rule:")
    version = client.get(f"/api/v1/datasets/{ds}/versions/2", headers=READ).json()["data"]
    b = next(m for m in version["managers"] if m["manager_id"] == "B")
    assert b["seniority"] == "junior" and sorted(b["languages"]) == ["en", "ja"]
    again = client.post(
        f"/api/v1/datasets/{ds}/events", headers=WRITE, json={**event, "idempotency_key": "b-2"}
    )
    assert again.json()["status"] == "no_change"
    for fields, where in (({"active": False}, "fields.active"), ({"seniority": "boss"}, "fields.seniority")):
        bad = client.post(
            f"/api/v1/datasets/{ds}/events",
            headers=WRITE,
            json={**event, "idempotency_key": f"bad-{where}", "fields": fields},
        )
        assert bad.status_code == 422 and where in bad.text, bad.text
    unknown = client.post(
        f"/api/v1/datasets/{ds}/events",
        headers=WRITE,
        json={**event, "idempotency_key": "x", "manager_id": "Z"},
    )
    assert unknown.status_code == 422 and "Z" in unknown.text


def test_other_events_chain_versions(client: TestClient, solved: dict) -> None:
    ds = solved["dataset_id"]
    data = client.get(f"/api/v1/datasets/{ds}/versions/1", headers=READ).json()["data"]
    acc = data["accounts"][5]
    mgr = data["managers"][1]
    events = [
        {
            "type": "capacity_changed",
            "manager_id": mgr["manager_id"],
            "capacity_hours": mgr["capacity_hours"] + 5,
        },
        {"type": "account_changed", "account_id": acc["account_id"], "fields": {"annual_revenue": 123456.0}},
        {"type": "account_removed", "account_id": data["accounts"][7]["account_id"]},
        {
            "type": "account_added",
            "account": {**acc, "account_id": "NEW-1", "parent_id": "", "current_manager_id": ""},
        },
        {
            "type": "manager_joined",
            "manager": {
                "manager_id": "HIRE-1",
                "region": mgr["region"],
                "capacity_hours": 120,
                "seniority": "senior",
                "languages": mgr["languages"],
            },
        },
    ]
    for k, e in enumerate(events):
        r = client.post(
            f"/api/v1/datasets/{ds}/events", headers=WRITE, json={**e, "idempotency_key": f"chain-{k}"}
        )
        assert r.status_code == 200, (e["type"], r.text)
        assert r.json()["status"] == "applied"
    bad = client.post(
        f"/api/v1/datasets/{ds}/events",
        headers=WRITE,
        json={"type": "manager_left", "idempotency_key": "bad", "manager_id": "NOBODY"},
    )
    assert bad.status_code == 422 and "NOBODY" in bad.text


def test_infeasible_scenario_is_a_job_status_with_reasons(client: TestClient, solved: dict) -> None:
    body = {
        "dataset_id": solved["dataset_id"],
        "dataset_version": 1,
        "changes": [{"kind": "set_capacity", "factor": 0.1}],
        "solver": {"time_limit_seconds": 5},
    }
    r = client.post("/api/v1/jobs", headers=WRITE, json=body)
    assert r.status_code == 202
    job = wait_for_job(client, r.json()["id"])
    assert job["status"] == "infeasible" and job["reasons"]
    result = client.get(f"/api/v1/jobs/{job['id']}/result", headers=READ).json()
    assert result["plan"] is None and result["reasons"]


def test_cancel_a_queued_or_running_job(client: TestClient, solved: dict) -> None:
    body = {
        "dataset_id": solved["dataset_id"],
        "solver": {"time_limit_seconds": 30},
        "policy_overrides": {"weights": {"balance": 5000}},
    }
    job_id = client.post("/api/v1/jobs", headers=WRITE, json=body).json()["id"]
    r = client.delete(f"/api/v1/jobs/{job_id}", headers=WRITE)
    assert r.status_code == 200 and r.json()["status"] == "cancelled"
    assert wait_for_job(client, job_id)["status"] == "cancelled"
    assert client.delete("/api/v1/jobs/unknown", headers=WRITE).status_code == 404


def test_bad_csv_names_file_row_and_column(client: TestClient) -> None:
    files = demo_files()
    text = files["managers"][1].decode("utf-8-sig").splitlines()
    header = text[0].split(",")
    cap = header.index("capacity_hours")
    row = text[2].split(",")
    row[cap] = "lots"
    text[2] = ",".join(row)
    files["managers"] = ("managers.csv", "\n".join(text).encode())
    r = client.post("/api/v1/datasets/upload", headers=WRITE, data={"name": "bad"}, files=files)
    assert r.status_code == 422
    problem = r.json()["problems"][0]
    assert problem == {**problem, "file": "managers.csv", "row": 3, "column": "capacity_hours"}


def test_malformed_json_names_the_field(client: TestClient) -> None:
    r = client.post(
        "/api/v1/jobs", headers=WRITE, json={"dataset_id": "x", "solver": {"time_limit_seconds": -1}}
    )
    assert r.status_code == 422
    assert ["body", "solver", "time_limit_seconds"] in [e["loc"] for e in r.json()["detail"]]
    r = client.post("/api/v1/jobs", headers=WRITE, json={"dataset_id": "missing"})
    assert r.status_code == 404


def test_travel_matrix_paths_are_refused(client: TestClient, solved: dict) -> None:
    body = {
        "dataset_id": solved["dataset_id"],
        "policy_overrides": {"travel": {"matrix_file": "/etc/passwd"}},
    }
    r = client.post("/api/v1/jobs", headers=WRITE, json=body)
    assert r.status_code == 422 and "matrix_file" in r.text


def test_request_size_limit(client: TestClient) -> None:
    blob = io.BytesIO(b"x" * 2_100_000)
    r = client.post(
        "/api/v1/datasets/upload",
        headers=WRITE,
        data={"name": "big"},
        files={"accounts": ("a.csv", blob), "managers": ("m.csv", b"manager_id\n")},
    )
    assert r.status_code == 413


def test_json_dataset_versions_are_kept(client: TestClient) -> None:
    managers = [{"manager_id": "M1", "capacity_hours": 100, "region": "r"}]
    accounts = [{"account_id": "A1", "region": "r"}]
    r = client.post(
        "/api/v1/datasets", headers=WRITE, json={"name": "tiny", "managers": managers, "accounts": accounts}
    )
    assert r.status_code == 201, r.text
    ds = r.json()["id"]
    r = client.post(
        f"/api/v1/datasets/{ds}/versions",
        headers=WRITE,
        json={"managers": managers, "accounts": [*accounts, {"account_id": "A2", "region": "r"}]},
    )
    assert r.status_code == 201 and r.json()["version"] == 2
    assert client.get(f"/api/v1/datasets/{ds}/versions/1", headers=READ).json()["accounts"] == 1
    assert client.get(f"/api/v1/datasets/{ds}", headers=READ).json()["latest_version"] == 2
    assert client.get("/api/v1/datasets/unknown", headers=READ).status_code == 404
    dup = client.post(
        "/api/v1/datasets", headers=WRITE, json={"name": "d", "managers": managers * 2, "accounts": accounts}
    )
    assert dup.status_code == 422 and "duplicate manager_id" in dup.text
