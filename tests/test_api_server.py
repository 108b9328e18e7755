"""The API through a real `planner serve` process on 127.0.0.1: full flow, restart with a stored
plan, and 20 requests in parallel."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from api_conftest import READ, WRITE, Server, server, upload_demo, wait_for_job  # noqa: F401

from planner.generator import generate


def test_flow_restart_keeps_plans_and_fails_running_jobs(server: Server) -> None:  # noqa: F811
    with server.client() as c:
        ds = upload_demo(c)
        job = c.post(
            "/api/v1/jobs", headers=WRITE, json={"dataset_id": ds, "solver": {"time_limit_seconds": 10}}
        ).json()
        done = wait_for_job(c, job["id"])
        assert done["status"] == "succeeded"
        plan_id = done["plan_id"]
        rows = c.get(f"/api/v1/plans/{plan_id}/assignments", headers=READ).json()
        event = {"type": "manager_left", "idempotency_key": "srv-1", "manager_id": rows[0]["manager_id"]}
        first = c.post(f"/api/v1/datasets/{ds}/events", headers=WRITE, json=event)
        assert first.status_code == 200, first.text
        # A job on larger data that is still queued or running when the server stops.
        big = generate(1500, 50, seed=3).model_dump(mode="json")
        big_ds = c.post("/api/v1/datasets", headers=WRITE, json={"name": "big", **big}).json()["id"]
        long_job = c.post(
            "/api/v1/jobs", headers=WRITE, json={"dataset_id": big_ds, "solver": {"time_limit_seconds": 60}}
        ).json()["id"]

    server.stop()
    server.start()
    with server.client() as c:
        assert c.get(f"/api/v1/plans/{plan_id}", headers=READ).status_code == 200
        current = c.get(f"/api/v1/datasets/{ds}/current-plan", headers=READ).json()
        assert current["id"] == first.json()["plan_id"]
        replay = c.post(f"/api/v1/datasets/{ds}/events", headers=WRITE, json=event)
        assert replay.json()["replayed"] and replay.json()["plan_id"] == first.json()["plan_id"]
        stale = c.get(f"/api/v1/jobs/{long_job}", headers=READ).json()
        assert stale["status"] == "failed" and "server stopped" in stale["error"]


def test_twenty_parallel_requests(server: Server) -> None:  # noqa: F811
    with server.client() as c:
        ds = upload_demo(c)

    def one(k: int) -> tuple[int, str]:
        with server.client() as c:
            if k % 4 == 0:
                r = c.post(
                    f"/api/v1/datasets/{ds}/events",
                    headers=WRITE,
                    json={
                        "type": "capacity_changed",
                        "idempotency_key": "same-key",
                        "manager_id": "M001",
                        "capacity_hours": 150,
                    },
                )
                return r.status_code, r.json().get("event_id", "")
            if k % 4 == 1:
                r = c.get(f"/api/v1/datasets/{ds}", headers=READ)
                return r.status_code, r.json()["id"]
            if k % 4 == 2:
                r = c.get("/api/v1/datasets", headers={"X-API-Key": "wrong"})
                return r.status_code, ""
            r = c.get(f"/api/v1/datasets/{ds}/versions", headers=READ)
            return r.status_code, str(len(r.json()))

    with ThreadPoolExecutor(20) as pool:
        results = list(pool.map(one, range(20)))
    events = [r for k, r in enumerate(results) if k % 4 == 0]
    # One event stored, the other four get its stored answer (whatever the demo's own
    # current managers allow without a plan yet), never a second version.
    assert len(set(events)) == 1 and events[0][1]
    assert all(r == (200, ds) for k, r in enumerate(results) if k % 4 == 1)
    assert all(r[0] == 401 for k, r in enumerate(results) if k % 4 == 2)
    assert all(r[0] == 200 for k, r in enumerate(results) if k % 4 == 3)
    with server.client() as c:
        versions = c.get(f"/api/v1/datasets/{ds}/versions", headers=READ).json()
        assert len(versions) == (2 if events[0][0] == 200 else 1)
