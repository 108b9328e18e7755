"""Schemathesis against the OpenAPI schema of a real server: no generated request, valid or
not, may get a 5xx. Examples per operation are kept few so the whole API suite stays short."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from api_conftest import WRITE, Server, upload_demo
from hypothesis import HealthCheck, given, settings


@pytest.fixture(scope="module")
def api_schema(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    folder: Path = tmp_path_factory.mktemp("schema")
    srv = Server(f"sqlite:///{folder / 'schema.db'}", folder / "server.log")
    srv.start()
    try:
        with srv.client() as c:
            upload_demo(c)  # some data, so list and lookup operations have rows to return
        yield schemathesis.openapi.from_url(srv.url + "/openapi.json")
    finally:
        srv.stop()


def test_no_server_errors(api_schema: object) -> None:
    # Driven by hand rather than @schema.parametrize: the pytest plugin's fixture-loaded schemas
    # do not work with this pytest, and one server for all operations is cheaper anyway.
    failures: list[str] = []
    for result in api_schema.get_all_operations():  # type: ignore[attr-defined]
        operation = result.ok()

        @given(case=operation.as_strategy())
        @settings(max_examples=5, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
        def check(case: schemathesis.Case) -> None:
            # Short solves only: a generated job must not tie up the one solve worker for minutes.
            if isinstance(case.body, dict) and isinstance(case.body.get("solver"), dict):
                case.body["solver"]["time_limit_seconds"] = 1
            response = case.call(headers=WRITE, timeout=60)
            if response.status_code >= 500:
                failures.append(
                    f"{case.method} {case.formatted_path}: {response.status_code} {response.text[:300]}"
                )

        check()
    assert not failures, "\n".join(failures)
