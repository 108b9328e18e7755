"""Staff-change events with dry_run (#15 item 2): the preview the dashboard shows before Accept is
the event itself, answered and not stored. On SQLite and PostgreSQL: a dry run writes no version,
plan, event or adoption and leaves the idempotency key unused; the event then posted with the same
key and body stores exactly the answer the dry run gave; if the plan in force changed in between,
the event re-plans from the new one instead."""

from __future__ import annotations

from typing import Any

from api_conftest import READ, WRITE, database_url, settings_for, upload_demo, wait_for_job  # noqa: F401
from fastapi.testclient import TestClient

from api.app import create_app

# What the answer says about the plan (ids and times differ between the dry run and the event).
SAME = (
    "type",
    "status",
    "notes",
    "reasons",
    "uncovered",
    "diff",
    "time_limit_seconds",
    "previous_plan_id",
    "timing_seconds",  # the dry run's own re-plan: the event did not plan again
)


def _stored(c: TestClient, dataset_id: str) -> dict[str, Any]:
    """Everything an event could write, as the API lists it."""
    return {
        "versions": c.get(f"/api/v1/datasets/{dataset_id}/versions", headers=READ).json(),
        "plans": sorted(
            p["id"] for p in c.get(f"/api/v1/plans?dataset_id={dataset_id}", headers=READ).json()
        ),
        "events": c.get(f"/api/v1/datasets/{dataset_id}/events", headers=READ).json(),
        "adoptions": c.get(f"/api/v1/datasets/{dataset_id}/adoptions", headers=READ).json(),
        "current": c.get(f"/api/v1/datasets/{dataset_id}/current-plan", headers=READ).json()["id"],
    }


def _left(manager_id: str, key: str, **more: Any) -> dict[str, Any]:
    return {"type": "manager_left", "idempotency_key": key, "manager_id": manager_id, "max_moves": 20,
            "time_limit_seconds": 1, **more}  # fmt: skip


def test_a_dry_run_stores_nothing_and_the_event_stores_its_answer(database_url: str) -> None:  # noqa: F811
    with TestClient(create_app(settings_for(database_url))) as c:
        dataset_id = upload_demo(c)
        body = {"dataset_id": dataset_id, "solver": {"time_limit_seconds": 2}}
        job = wait_for_job(c, c.post("/api/v1/jobs", headers=WRITE, json=body).json()["id"])
        assert job["status"] == "succeeded", job
        events = f"/api/v1/datasets/{dataset_id}/events"
        before = _stored(c, dataset_id)
        event = _left("M010", "left-M010")

        r = c.post(events, headers=WRITE, json={**event, "dry_run": True})
        assert r.status_code == 200, r.text
        preview = r.json()
        assert preview["dry_run"] is True and preview["status"] == "applied"
        assert (
            preview["event_id"] is None and preview["plan_id"] is None and preview["dataset_version"] is None
        )
        assert preview["diff"]["forced_moves"] > 0  # M010's accounts move
        assert _stored(c, dataset_id) == before  # nothing written, the key not used

        r = c.post(events, headers=WRITE, json=event)  # Accept: the same event, stored
        assert r.status_code == 200, r.text
        applied = r.json()
        assert applied["dry_run"] is False and not applied["replayed"] and applied["event_id"]
        assert {k: applied[k] for k in SAME} == {k: preview[k] for k in SAME}
        after = _stored(c, dataset_id)
        assert after["current"] == applied["plan_id"] != before["current"]
        assert len(after["events"]) == 1 and len(after["versions"]) == 2
        # The plan stored is the one previewed: its moves are the preview's.
        rows = c.get(f"/api/v1/plans/{applied['plan_id']}/assignments", headers=READ).json()
        moved = {m["account_id"]: m["to_manager_id"] for m in preview["diff"]["moved"]}
        assert {r["account_id"]: r["manager_id"] for r in rows if r["account_id"] in moved} == moved

        # A retry replays the stored answer, with dry_run false written out or left out.
        again = c.post(events, headers=WRITE, json={**event, "dry_run": False}).json()
        assert again["replayed"] and again["event_id"] == applied["event_id"]
        # A dry run now starts from the plan the event made: M010 has gone, nothing changes.
        late = c.post(events, headers=WRITE, json={**event, "idempotency_key": "x", "dry_run": True}).json()
        assert late["dry_run"] and late["status"] == "no_change" and late["plan_id"] == applied["plan_id"]
        assert late["event_id"] is None
        assert _stored(c, dataset_id) == after

        # A preview whose start has gone (another event came first) is not what the event stores:
        # the event re-plans from the plan in force now.
        stale = c.post(events, headers=WRITE, json={**_left("M011", "left-M011"), "dry_run": True}).json()
        assert stale["previous_plan_id"] == applied["plan_id"]
        other = c.post(events, headers=WRITE, json=_left("M012", "left-M012")).json()
        posted = c.post(events, headers=WRITE, json=_left("M011", "left-M011")).json()
        assert posted["previous_plan_id"] == other["plan_id"] != stale["previous_plan_id"]
        assert posted["timing_seconds"] != stale["timing_seconds"]

        # Dry runs check the change as the event does (a 422 names the bad value) and need a write key.
        bad = c.post(events, headers=WRITE, json={**event, "manager_id": "M999", "dry_run": True})
        assert bad.status_code == 422, bad.text
        assert c.post(events, headers=READ, json={**event, "dry_run": True}).status_code == 403
