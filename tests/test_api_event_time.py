"""An event's default time grows while accounts a manager may serve stay uncovered (#16 item 3).

The toy needs a chain of five moves to cover a1 after A leaves, longer than the re-plan's
ejection chains look (planner.repair: three residents moved one by one, then several from one
manager straight to managers with room): only B speaks ja, and B's 0.5 h hold b1 (fr: only B
and C), C's hold c1 (de: only C and D), D's hold d1 (it: only D and E), E's hold e1 (es: only E
and G), G's hold g1, which may go to F. Every account needs 0.5 h and no shortfall is allowed,
so no reduced level makes room. CP-SAT finds the chain, given a few tenths of a second.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from api_conftest import KEYS, READ, WRITE
from api_conftest import database_url as database_url
from fastapi.testclient import TestClient

from api.app import create_app
from api.auth import parse_keys
from api.settings import Settings

BODY = {
    "name": "chain",
    "managers": [
        {"manager_id": "A", "capacity_hours": 100, "languages": ["ja"]},
        {"manager_id": "B", "capacity_hours": 0.5, "languages": ["ja", "fr"]},
        {"manager_id": "C", "capacity_hours": 0.5, "languages": ["fr", "de"]},
        {"manager_id": "D", "capacity_hours": 0.5, "languages": ["de", "it"]},
        {"manager_id": "E", "capacity_hours": 0.5, "languages": ["it", "es"]},
        {"manager_id": "G", "capacity_hours": 0.5, "languages": ["es"]},
        {"manager_id": "F", "capacity_hours": 100, "languages": ["en"]},
    ],
    "accounts": [
        {"account_id": "a1", "tier": "standard", "language": "ja", "current_manager_id": "A"},
        {"account_id": "b1", "tier": "standard", "language": "fr", "current_manager_id": "B"},
        {"account_id": "c1", "tier": "standard", "language": "de", "current_manager_id": "C"},
        {"account_id": "d1", "tier": "standard", "language": "it", "current_manager_id": "D"},
        {"account_id": "e1", "tier": "standard", "language": "es", "current_manager_id": "E"},
        {"account_id": "g1", "tier": "standard", "current_manager_id": "G"},
    ],
    "policy": {"weights": {"balance": 0}, "allow_unassigned": False},
}
LEFT = {"type": "manager_left", "manager_id": "A", "max_moves": 5}


@pytest.fixture
def client(database_url: str) -> Iterator[TestClient]:
    settings = Settings(
        database_url=database_url,
        api_keys=tuple(parse_keys(KEYS.replace(",", "\n"), "test")),
        event_time_limit_seconds=0.1,
        event_max_seconds=5.0,
    )
    with TestClient(create_app(settings)) as c:
        yield c


def test_the_default_time_grows_until_the_chain_is_found(client: TestClient) -> None:
    ds = client.post("/api/v1/datasets", headers=WRITE, json=BODY).json()["id"]
    # An event that names its time gets exactly that: too little for the chain.
    fixed = client.post(
        f"/api/v1/datasets/{ds}/events",
        headers=WRITE,
        json={**LEFT, "idempotency_key": "fixed", "time_limit_seconds": 0.1},
    ).json()
    # (The re-plan gets at least 0.2 s whatever is asked: below that it could not even start.)
    assert fixed["uncovered"] == ["a1"] and fixed["time_limit_seconds"] <= 0.2
    assert not any("grown" in n for n in fixed["notes"])
    # Start again from the data before the event, with the server's default (0.1 s) that grows.
    ds = client.post("/api/v1/datasets", headers=WRITE, json=BODY).json()["id"]
    out = client.post(
        f"/api/v1/datasets/{ds}/events", headers=WRITE, json={**LEFT, "idempotency_key": "grow"}
    )
    assert out.status_code == 200, out.text
    grown = out.json()
    assert grown["uncovered"] == [] and fixed["time_limit_seconds"] < grown["time_limit_seconds"] <= 5.0
    assert any(n.startswith("time limit grown from 0.20 s") for n in grown["notes"]), grown["notes"]
    plan = client.get(f"/api/v1/plans/{grown['plan_id']}/assignments", headers=READ).json()
    assert {r["account_id"]: r["manager_id"] for r in plan} == {
        "a1": "B",
        "b1": "C",
        "c1": "D",
        "d1": "E",
        "e1": "G",
        "g1": "F",
    }
