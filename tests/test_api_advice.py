"""Planning under scarcity over the API, through a real `planner serve` process: an
over-subscribed data set uploaded as CSV is solved, its plan shows the shortfall, hire advice
runs as a job (202, poll, result, cancel), and the advised hires, added as a new version of the
data set, give every account full service when it is solved again with full service required.

The data, no coordinates so no travel: M1 (senior, east) has 5 h a month; K1 is a key account
(1 visit x 2 h + 1 h admin = 3 h) and E01-E10 standard ones (1/3 visit x 1.5 h = 0.5 h each),
8 h in all. So 3 h are missing, and one hire with the region's typical capacity (5 h) covers
them.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from api_conftest import POLL_SECONDS, READ, WRITE, Server, SpareServers, wait_for_job

STANDARD = [f"E{k:02d}" for k in range(1, 11)]
REVENUE = {"K1": 5_000_000.0, **{a: 100_000.0 * k for k, a in enumerate(STANDARD, start=1)}}
ACCOUNTS_CSV = "account_id,name,tier,region,annual_revenue,current_manager_id\n" + "".join(
    f"{a},Account {a},{'key' if a == 'K1' else 'standard'},east,{REVENUE[a]:.0f},M1\n" for a in REVENUE
)
MANAGERS_CSV = "manager_id,name,seniority,region,capacity_hours\nM1,Mei Lin,senior,east,5\n"


@pytest.fixture(scope="module")
def server(spare_servers: SpareServers) -> Iterator[Server]:
    srv = spare_servers.take()  # booted while earlier tests ran (tests/conftest.py)
    try:
        yield srv
    finally:
        srv.stop()


@pytest.fixture(scope="module")
def short(server: Server) -> dict[str, Any]:
    """The over-subscribed data uploaded as CSV and solved once: its id and the plan."""
    with server.client() as c:
        files = {
            "accounts": ("accounts.csv", ACCOUNTS_CSV.encode()),
            "managers": ("managers.csv", MANAGERS_CSV.encode()),
        }
        r = c.post("/api/v1/datasets/upload", headers=WRITE, data={"name": "short of hours"}, files=files)
        assert r.status_code == 201, r.text
        dataset_id = r.json()["id"]
        job = _solve(c, {"dataset_id": dataset_id})
        plan = c.get(f"/api/v1/jobs/{job['id']}/result", headers=READ).json()["plan"]
    return {"dataset_id": dataset_id, "plan": plan}


def _solve(c: httpx.Client, body: dict[str, Any]) -> dict[str, Any]:
    r = c.post(
        "/api/v1/jobs", headers=WRITE, json={"solver": {"time_limit_seconds": 10, "threads": 1}, **body}
    )
    assert r.status_code == 202, r.text
    job = wait_for_job(c, r.json()["id"])
    assert job["status"] == "succeeded", job
    return job


def _wait_for_advice(c: httpx.Client, advice_id: str, timeout_s: float = 120) -> dict[str, Any]:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        body = c.get(f"/api/v1/advice/{advice_id}", headers=READ).json()
        if body["status"] not in ("queued", "running"):
            return body
        time.sleep(POLL_SECONDS)
    raise AssertionError(f"hire advice {advice_id} still {body['status']} after {timeout_s} s")


def test_the_plan_shows_its_shortfall(server: Server, short: dict[str, Any]) -> None:
    plan = short["plan"]
    shortfall = plan["shortfall"]
    assert shortfall == plan["summary"]["shortfall"]  # the summary's section, typed
    assert shortfall["has_shortfall"]
    assert shortfall["hours_needed_for_full_service"] == 8.0 and shortfall["hours_available"] == 5.0
    assert shortfall["by_tier"]["key"] == {"reduced": 0, "unserved": 0}  # key service outweighs standard
    assert shortfall["accounts_reduced"] + shortfall["accounts_unserved"] > 0
    assert shortfall["hours_missing"][0]["region"] == "east"
    with server.client() as c:
        rows = c.get(f"/api/v1/plans/{plan['id']}/assignments", headers=READ).json()
        short_ids = {r["account_id"] for r in rows if r["service"] != "full"}
        assert short_ids == {a["account_id"] for a in shortfall["reduced"] + shortfall["unserved"]}
        assert "K1" not in short_ids
        # The plan resource and the data set's current plan carry the same section.
        current = c.get(f"/api/v1/datasets/{short['dataset_id']}/current-plan", headers=READ).json()
        assert current["shortfall"] == shortfall
        schema = c.get("/openapi.json").json()
        assert "shortfall" in schema["components"]["schemas"]["PlanOut"]["properties"]


def test_advised_hires_restore_full_service(server: Server, short: dict[str, Any]) -> None:
    dataset_id = short["dataset_id"]
    shortfall = short["plan"]["shortfall"]
    short_ids = {a["account_id"] for a in shortfall["reduced"] + shortfall["unserved"]}
    with server.client() as c:
        body = {"solver": {"time_limit_seconds": 5, "threads": 1}, "budget_seconds": 60}
        r = c.post(f"/api/v1/datasets/{dataset_id}/advise-hires", headers=WRITE, json=body)
        assert r.status_code == 202, r.text
        job = r.json()
        assert job["status"] in ("queued", "running") and job["dataset_version"] == 1
        assert r.headers["location"] == f"/api/v1/advice/{job['id']}"
        done = _wait_for_advice(c, job["id"])
        assert done["status"] == "succeeded", done
        r = c.get(f"/api/v1/advice/{job['id']}/result", headers=READ)
        assert r.status_code == 200
        result = r.json()
        assert result["status"] == "succeeded" and result["error"] is None
        advice = result["advice"]
        assert advice["has_shortfall"] and advice["shortfall"]["has_shortfall"]
        hires = advice["hires"]
        assert hires and all(h["region"] == "east" for h in hires)
        assert advice["still_short"] == []
        assert set(advice["restored_account_ids"]) == short_ids
        assert advice["restored_accounts"] == len(short_ids)
        assert advice["restored_revenue"] == pytest.approx(sum(REVENUE[a] for a in short_ids))
        assert sum(p["hires"] for p in advice["by_profile"]) == len(hires)
        assert all("east" in p["words"] for p in advice["by_profile"])
        assert advice["advice"] and advice["replans"] >= 1

        # Plan again with the hires as a new version, full service required: it must hold.
        data = c.get(f"/api/v1/datasets/{dataset_id}/versions/1", headers=READ).json()["data"]
        grown = {
            "managers": [*data["managers"], *hires],
            "accounts": data["accounts"],
            "policy": data["policy"],
        }
        r = c.post(f"/api/v1/datasets/{dataset_id}/versions", headers=WRITE, json=grown)
        assert r.status_code == 201, r.text
        job = _solve(
            c,
            {
                "dataset_id": dataset_id,
                "dataset_version": r.json()["version"],
                "policy_overrides": {"allow_unassigned": False},
            },
        )
        plan = c.get(f"/api/v1/plans/{job['plan_id']}", headers=READ).json()
        assert plan["shortfall"]["has_shortfall"] is False
        assert plan["summary"]["evaluation"]["hard_rule_violations"] == 0
        rows = c.get(f"/api/v1/plans/{plan['id']}/assignments", headers=READ).json()
        assert all(row["manager_id"] and row["service"] == "full" for row in rows)


def test_unknown_ids_bad_settings_and_read_keys_are_refused(server: Server, short: dict[str, Any]) -> None:
    dataset_id = short["dataset_id"]
    with server.client() as c:
        assert c.post("/api/v1/datasets/nope/advise-hires", headers=WRITE, json={}).status_code == 404
        r = c.post(f"/api/v1/datasets/{dataset_id}/advise-hires", headers=WRITE, json={"dataset_version": 99})
        assert r.status_code == 404
        r = c.post(
            f"/api/v1/datasets/{dataset_id}/advise-hires", headers=WRITE, json={"solver": {"name": "magic"}}
        )
        assert r.status_code == 422 and "magic" in r.text
        r = c.post(
            f"/api/v1/datasets/{dataset_id}/advise-hires",
            headers=WRITE,
            json={"policy_overrides": {"allow_unassigned": "perhaps"}},
        )
        assert r.status_code == 422 and r.json()["problems"][0]["column"].startswith("policy_overrides")
        assert c.post(f"/api/v1/datasets/{dataset_id}/advise-hires", headers=READ, json={}).status_code == 403
        assert c.post(f"/api/v1/datasets/{dataset_id}/advise-hires", json={}).status_code == 401
        assert c.get("/api/v1/advice/nope", headers=READ).status_code == 404
        assert c.get("/api/v1/advice/nope/result", headers=READ).status_code == 404
        assert c.delete("/api/v1/advice/nope", headers=WRITE).status_code == 404
        paths = c.get("/openapi.json").json()["paths"]
        post = paths["/api/v1/datasets/{dataset_id}/advise-hires"]["post"]["responses"]
        assert {"202", "401", "403", "404", "422"} <= set(post)
        assert {"200", "401", "404", "409"} <= set(
            paths["/api/v1/advice/{advice_id}/result"]["get"]["responses"]
        )


def test_a_queued_advice_is_not_finished_and_can_be_cancelled(server: Server, short: dict[str, Any]) -> None:
    dataset_id = short["dataset_id"]
    with server.client() as c:
        # A solve just submitted holds the server's one worker: the advice waits (or has just begun).
        blocker = c.post(
            "/api/v1/jobs",
            headers=WRITE,
            json={"dataset_id": dataset_id, "solver": {"time_limit_seconds": 60}},
        ).json()["id"]
        try:
            r = c.post(f"/api/v1/datasets/{dataset_id}/advise-hires", headers=WRITE, json={})
            assert r.status_code == 202
            advice_id = r.json()["id"]
            r = c.get(f"/api/v1/advice/{advice_id}/result", headers=READ)
            assert r.status_code == 409 and r.json()["status"] in ("queued", "running")
            assert r.json()["advice"] is None
            r = c.delete(f"/api/v1/advice/{advice_id}", headers=WRITE)
            assert r.status_code == 200 and r.json()["status"] == "cancelled"
        finally:
            c.delete(f"/api/v1/jobs/{blocker}", headers=WRITE)
        assert _wait_for_advice(c, advice_id)["status"] == "cancelled"
        result = c.get(f"/api/v1/advice/{advice_id}/result", headers=READ)
        assert result.status_code == 200
        assert result.json()["advice"] is None and result.json()["error"] == "cancelled by request"
        # Cancelling a finished job changes nothing.
        assert c.delete(f"/api/v1/advice/{advice_id}", headers=WRITE).json()["status"] == "cancelled"


def test_staff_change_events_keep_reduced_levels_and_restore_full_service(server: Server) -> None:
    # East: M1 has 3.25 h for K1 (key, 3 h) and E01 (standard, 0.5 h; 0.25 h reduced): the plan
    # keeps the key account in full and serves E01 every 26 weeks. West: M2 and W1, hours to spare.
    accounts = (
        "account_id,tier,region,current_manager_id\n"
        "K1,key,east,M1\nE01,standard,east,M1\nW1,standard,west,M2\n"
    )
    managers = "manager_id,seniority,region,capacity_hours\nM1,senior,east,3.25\nM2,junior,west,50\n"
    with server.client() as c:
        files = {
            "accounts": ("a.csv", accounts.encode()),
            "managers": ("m.csv", managers.encode()),
            # Without the utilisation-spread term, so reducing E01 is cheaper than dropping it.
            "policy": ("policy.yaml", b"weights:\n  balance: 0\n"),
        }
        dataset_id = c.post(
            "/api/v1/datasets/upload", headers=WRITE, data={"name": "events"}, files=files
        ).json()["id"]
        _solve(c, {"dataset_id": dataset_id, "adopt": True})

        def event(body: dict[str, Any]) -> dict[str, str]:
            r = c.post(f"/api/v1/datasets/{dataset_id}/events", headers=WRITE, json=body)
            assert r.status_code == 200, r.text
            plan = c.get(f"/api/v1/plans/{r.json()['plan_id']}", headers=READ).json()
            assert plan["summary"]["evaluation"]["hard_rule_violations"] == 0, plan["summary"]["evaluation"]
            rows = c.get(f"/api/v1/plans/{plan['id']}/assignments", headers=READ).json()
            return {row["account_id"]: row["service"] for row in rows}

        before = c.get(f"/api/v1/datasets/{dataset_id}/current-plan", headers=READ).json()
        assert before["shortfall"]["accounts_reduced"] == 1
        # A change in the west leaves the east as it was: E01 stays reduced, nothing breaks.
        west = {"type": "capacity_changed", "idempotency_key": "w", "manager_id": "M2", "capacity_hours": 40}
        assert event(west) == {"K1": "full", "E01": "every 26 weeks", "W1": "full"}
        # M1 gets the quarter hour E01 lacked: the re-plan restores its full service.
        east = {"type": "capacity_changed", "idempotency_key": "e", "manager_id": "M1", "capacity_hours": 3.5}
        assert event({**east, "time_limit_seconds": 5}) == {"K1": "full", "E01": "full", "W1": "full"}
