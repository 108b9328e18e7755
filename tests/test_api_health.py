"""Account health events from the CRM (#18 item 2), in-process on SQLite: a complaint that names
the manager holding the account moves it (a forced move, with the rule as its reason); a risk or
satisfaction change is stored on the account."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from api_conftest import READ, WRITE, settings_for
from fastapi.testclient import TestClient

from api.app import create_app


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'planner.db'}"
    with TestClient(create_app(settings_for(url))) as c:
        yield c


def test_a_complaint_moves_the_account_and_health_is_stored(client: TestClient) -> None:
    body = {
        "name": "health",
        "managers": [{"manager_id": "A", "capacity_hours": 100}, {"manager_id": "B", "capacity_hours": 100}],
        "accounts": [
            {"account_id": "x1", "tier": "standard", "current_manager_id": "A"},
            {"account_id": "x2", "tier": "standard", "current_manager_id": "A"},
        ],
        "policy": {"weights": {"balance": 0}},  # balance alone would move x2 to B too
    }
    r = client.post("/api/v1/datasets", headers=WRITE, json=body)
    assert r.status_code == 201, r.text
    ds = r.json()["id"]

    def post(event: dict) -> dict:
        r = client.post(f"/api/v1/datasets/{ds}/events", headers=WRITE, json={**event, "max_moves": 0})
        assert r.status_code == 200, r.text
        return r.json()

    out = post(
        {
            "type": "customer_complaint",
            "idempotency_key": "c1",
            "account_id": "x1",
            "manager_id": "A",
            "satisfaction": 30,
        }
    )
    assert out["status"] == "applied"
    assert [
        (m["account_id"], m["to_manager_id"], m["reason"], m["forced"]) for m in out["diff"]["moved"]
    ] == [("x1", "B", "rule: avoid_manager", True)]
    out = post({"type": "account_health", "idempotency_key": "h1", "account_id": "x2", "risk": "high"})
    assert out["status"] == "applied" and out["diff"]["moved"] == []
    version = out["dataset_version"]
    data = client.get(f"/api/v1/datasets/{ds}/versions/{version}", headers=READ).json()["data"]
    x1, x2 = data["accounts"]
    assert (x1["avoid_manager_ids"], x1["satisfaction"]) == (["A"], 30)
    assert x2["risk"] == "high"
    bad = client.post(
        f"/api/v1/datasets/{ds}/events",
        headers=WRITE,
        json={
            "type": "customer_complaint",
            "idempotency_key": "c2",
            "account_id": "x2",
            "manager_id": "NOBODY",
        },
    )
    assert bad.status_code == 422 and "NOBODY" in bad.text
