"""GET /api/v1/me: the key's name, scope and workspace, which the dashboard uses to hide write
controls from a read-only key; 401 without a known key; documented in the OpenAPI schema."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from api_conftest import READ, WRITE, settings_for
from fastapi.testclient import TestClient

from api.app import create_app


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    folder: Path = tmp_path_factory.mktemp("me")
    with TestClient(create_app(settings_for(f"sqlite:///{folder / 'planner.db'}"))) as c:
        yield c


def test_me_names_the_key_and_its_scope(client: TestClient) -> None:
    assert client.get("/api/v1/me", headers=READ).json() == {
        "name": "reader",
        "scope": "read",
        "can_write": False,
        "workspace": "default",
    }
    writer = client.get("/api/v1/me", headers=WRITE)
    assert writer.status_code == 200
    assert (writer.json()["name"], writer.json()["scope"], writer.json()["can_write"]) == (
        "writer",
        "write",
        True,
    )


def test_me_needs_a_known_key(client: TestClient) -> None:
    assert client.get("/api/v1/me").status_code == 401
    assert client.get("/api/v1/me", headers={"X-API-Key": "not-a-key"}).status_code == 401


def test_me_is_documented(client: TestClient) -> None:
    operation = client.get("/openapi.json").json()["paths"]["/api/v1/me"]["get"]
    assert {"200", "401"} <= set(operation["responses"])
    assert operation["security"]  # the X-API-Key scheme
