"""GET /api/v1/datasets/{id}/adoptions: every change of the plan in force, with how, who and when,
on SQLite and PostgreSQL. The first plan solved is in force by default; a what-if solve changes
nothing; adopting a plan by hand, a solve asked to adopt and a staff-change event each add a row;
adopting the plan already in force adds none."""

from __future__ import annotations

import datetime as dt

from api_conftest import READ, WRITE, database_url, settings_for, upload_demo, wait_for_job  # noqa: F401
from fastapi.testclient import TestClient

from api.app import create_app


def _solve(c: TestClient, dataset_id: str, name: str, adopt: bool = False) -> str:
    body = {"dataset_id": dataset_id, "name": name, "adopt": adopt, "solver": {"time_limit_seconds": 2}}
    job = wait_for_job(c, c.post("/api/v1/jobs", headers=WRITE, json=body).json()["id"])
    assert job["status"] == "succeeded", job
    return job["plan_id"]


def test_adoptions_record_each_change_of_the_plan_in_force(database_url: str) -> None:  # noqa: F811
    with TestClient(create_app(settings_for(database_url))) as c:
        dataset_id = upload_demo(c)
        audit = f"/api/v1/datasets/{dataset_id}/adoptions"
        assert c.get(audit, headers=READ).json() == []

        first = _solve(c, dataset_id, "baseline")  # the data set's first plan: in force at once
        what_if = _solve(c, dataset_id, "what-if")  # not asked to adopt: nothing changes
        assert [a["plan_id"] for a in c.get(audit, headers=READ).json()] == [first]

        r = c.put(f"/api/v1/datasets/{dataset_id}/current-plan", headers=WRITE, json={"plan_id": what_if})
        assert r.status_code == 200, r.text
        # The plan already in force, adopted again: no new row.
        c.put(f"/api/v1/datasets/{dataset_id}/current-plan", headers=WRITE, json={"plan_id": what_if})
        solved = _solve(c, dataset_id, "adopted by the job", adopt=True)
        event = {
            "type": "manager_left",
            "idempotency_key": "left-1",
            "manager_id": "M010",
            "time_limit_seconds": 1,
        }
        after = c.post(f"/api/v1/datasets/{dataset_id}/events", headers=WRITE, json=event).json()

        rows = c.get(audit, headers=READ).json()
        assert [(a["plan_id"], a["previous_plan_id"], a["how"]) for a in rows] == [
            (first, None, "first_plan"),
            (what_if, first, "adopted"),
            (solved, what_if, "solve"),
            (after["plan_id"], solved, "event"),
        ]
        assert [a["adopted_by"] for a in rows] == ["writer"] * 4
        assert [a["plan_name"] for a in rows] == [
            "baseline",
            "what-if",
            "adopted by the job",
            "after manager_left",
        ]
        assert rows[3]["event_id"] == after["event_id"] and rows[3]["dataset_version"] == 2
        assert rows[0]["job_id"] is not None and rows[1]["event_id"] is None
        times = [dt.datetime.fromisoformat(a["adopted_at"]) for a in rows]
        assert times == sorted(times) and all(t.tzinfo is not None for t in times)
        # Each plan was in force until the next one came; the last one still is.
        assert [a["in_force_until"] for a in rows] == [a["adopted_at"] for a in rows[1:]] + [None]
        current = c.get(f"/api/v1/datasets/{dataset_id}/current-plan", headers=READ).json()["id"]
        assert current == rows[-1]["plan_id"]

        # Paging: the end of the last row on a page is the next page's first row.
        page = c.get(audit, headers=READ, params={"limit": 2}).json()
        assert page == rows[:2]
        assert c.get(audit, headers=READ, params={"limit": 2, "offset": 2}).json() == rows[2:]

        assert c.get(audit).status_code == 401
        assert c.get("/api/v1/datasets/nope/adoptions", headers=READ).status_code == 404
        spec = c.get("/openapi.json").json()["paths"]["/api/v1/datasets/{dataset_id}/adoptions"]["get"]
        assert {"200", "404"} <= set(spec["responses"])
