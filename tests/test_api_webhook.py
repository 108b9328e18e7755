"""The workspace webhook (#16 item 3) against a real local receiver: a plan adopted by an event or
by PUT current-plan is posted, signed with HMAC-SHA256; a failed delivery is retried."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from api_conftest import READ, WRITE, settings_for
from api_conftest import database_url as database_url
from fastapi.testclient import TestClient

from api.app import create_app

SECRET = "s3cret-shared-with-the-crm"


class Receiver:
    """An HTTP server on 127.0.0.1 that records every POST and fails the first `fail` of them."""

    def __init__(self, fail: int = 1) -> None:
        self.received: list[tuple[dict[str, str], bytes]] = []
        self.fail = fail
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.received.append((dict(self.headers), body))
                failing = len(receiver.received) <= receiver.fail
                self.send_response(500 if failing else 204)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks/planner"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def wait_for(self, n: int, timeout_s: float = 10.0) -> None:
        deadline = time.monotonic() + timeout_s
        while len(self.received) < n and time.monotonic() < deadline:
            time.sleep(0.02)
        assert len(self.received) >= n, f"{len(self.received)} deliveries, expected {n}"


@pytest.fixture
def client(database_url: str) -> Iterator[TestClient]:
    with TestClient(create_app(settings_for(database_url))) as c:
        c.app.state.services.webhooks._delays = (0.1, 0.1)  # type: ignore[attr-defined]  # seconds, not minutes
        yield c


def test_adoptions_are_posted_signed_and_retried(client: TestClient) -> None:
    receiver = Receiver(fail=1)
    try:
        assert (
            client.put(
                "/api/v1/webhook", headers=READ, json={"url": receiver.url, "secret": SECRET}
            ).status_code
            == 403
        )
        short = client.put("/api/v1/webhook", headers=WRITE, json={"url": receiver.url, "secret": "short"})
        assert short.status_code == 422
        assert client.get("/api/v1/webhook", headers=READ).status_code == 404
        r = client.put("/api/v1/webhook", headers=WRITE, json={"url": receiver.url, "secret": SECRET})
        assert r.status_code == 200, r.text
        shown = client.get("/api/v1/webhook", headers=READ).json()
        assert shown["url"] == receiver.url and SECRET not in json.dumps(shown)

        body = {
            "name": "hooked",
            "managers": [
                {"manager_id": "A", "capacity_hours": 100},
                {"manager_id": "B", "capacity_hours": 100},
            ],
            "accounts": [
                {"account_id": "a1", "tier": "standard", "current_manager_id": "A"},
                {"account_id": "a2", "tier": "standard", "current_manager_id": "A"},
            ],
        }
        ds = client.post("/api/v1/datasets", headers=WRITE, json=body).json()["id"]
        left = {"type": "manager_left", "idempotency_key": "a-left", "manager_id": "A"}
        r = client.post(f"/api/v1/datasets/{ds}/events", headers=WRITE, json=left)
        assert r.status_code == 200 and r.json()["status"] == "applied", r.text
        event = r.json()
        # The first attempt gets a 500; the retry, the same delivery, gets through.
        receiver.wait_for(2)
        (h1, b1), (h2, b2) = receiver.received[:2]
        assert b1 == b2 and h1["X-Planner-Delivery"] == h2["X-Planner-Delivery"]
        expected = "sha256=" + hmac.new(SECRET.encode(), b2, hashlib.sha256).hexdigest()
        assert h2["X-Planner-Signature"] == expected and h2["X-Planner-Event"] == "plan_adopted"
        posted = json.loads(b2)
        assert (posted["dataset_id"], posted["plan_id"], posted["event_id"]) == (
            ds,
            event["plan_id"],
            event["event_id"],
        )
        assert posted["moved"] == [
            {"account_id": a, "from_manager_id": "A", "to_manager_id": "B"} for a in ("a1", "a2")
        ]
        # The same event again is a replay: nothing adopted, nothing posted.
        client.post(f"/api/v1/datasets/{ds}/events", headers=WRITE, json=left)
        time.sleep(0.5)
        assert len(receiver.received) == 2

        # Adopting the first plan again by hand: posted, the moves reversed.
        first = event["previous_plan_id"]
        if first is None:  # no plan before the event: adopt the event's plan over a second event's
            cap = {
                "type": "capacity_changed",
                "idempotency_key": "b-cap",
                "manager_id": "B",
                "capacity_hours": 0.5,
            }
            second = client.post(f"/api/v1/datasets/{ds}/events", headers=WRITE, json=cap).json()
            receiver.wait_for(3)
            first = event["plan_id"]
            assert json.loads(receiver.received[2][1])["plan_id"] == second["plan_id"]
        n = len(receiver.received)
        r = client.put(f"/api/v1/datasets/{ds}/current-plan", headers=WRITE, json={"plan_id": first})
        assert r.status_code == 200, r.text
        receiver.wait_for(n + 1)
        adopted = json.loads(receiver.received[n][1])
        assert adopted["plan_id"] == first and adopted["event_id"] is None
        # Adopting the plan in force again changes nothing and posts nothing; nor after DELETE.
        client.put(f"/api/v1/datasets/{ds}/current-plan", headers=WRITE, json={"plan_id": first})
        assert client.delete("/api/v1/webhook", headers=WRITE).status_code == 204
        assert client.delete("/api/v1/webhook", headers=WRITE).status_code == 404
        client.post(f"/api/v1/datasets/{ds}/events", headers=WRITE, json={**left, "idempotency_key": "again"})
        time.sleep(0.5)
        assert len(receiver.received) == n + 1
    finally:
        receiver.server.shutdown()
