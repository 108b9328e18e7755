"""Schemathesis against the OpenAPI document of a real `planner serve`: every operation, valid
and invalid requests, with a fixed seed and a bounded number of examples so that it runs in CI.
Checked on every response: no 5xx, the status code is one the operation documents, the content
type and the body match the document.

`SCHEMATHESIS_EXAMPLES` raises the example count for a longer local run (the default keeps the
test under a minute on two cores)."""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from api_conftest import WRITE, SpareServers, upload_demo
from hypothesis import HealthCheck, given, seed, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)
from schemathesis.core.failures import FailureGroup

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
EXAMPLES = int(os.environ.get("SCHEMATHESIS_EXAMPLES", "10"))
SEED = 16


@pytest.fixture(scope="module")
def api_schema(spare_servers: SpareServers) -> Iterator[tuple[Any, str]]:
    srv = spare_servers.take()  # booted while earlier tests ran (tests/conftest.py)
    try:
        with srv.client() as c:
            dataset_id = upload_demo(c)  # some data, so list and lookup operations have rows to return
        yield schemathesis.openapi.from_url(srv.url + "/openapi.json"), dataset_id
    finally:
        srv.stop()


def test_every_operation_conforms(api_schema: tuple[Any, str]) -> None:
    # Driven by hand rather than @schema.parametrize: the pytest plugin's fixture-loaded schemas
    # do not work with this pytest, and one server for all operations is cheaper anyway.
    failures: dict[str, str] = {}
    cases: Counter[str] = Counter()
    schema, dataset_id = api_schema
    for result in schema.get_all_operations():
        operation = result.ok()
        # Random ids mostly reach 404; a data set's operations also run on the demo data set, so
        # that events, versions and hire advice see generated bodies applied to real data.
        fixed = [{}, {"dataset_id": dataset_id}] if _path_names(operation) == {"dataset_id"} else [{}]
        for path_parameters in fixed:
            for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
                try:
                    _fuzz(operation, mode, path_parameters, cases, failures)
                except Unsatisfiable:  # nothing to make invalid: no parameters or body
                    assert mode is GenerationMode.NEGATIVE
    print(f"schemathesis: {sum(cases.values())} cases {dict(cases)}, {len(failures)} distinct failures")
    assert not failures, "\n".join(f"{k}\n    {v}" for k, v in sorted(failures.items()))


def _path_names(operation: Any) -> set[str]:
    return {p.name for p in operation.path_parameters}


def _fuzz(
    operation: Any,
    mode: GenerationMode,
    path_parameters: dict[str, str],
    cases: Counter[str],
    failures: dict[str, str],
) -> None:
    @seed(SEED)
    @given(case=operation.as_strategy(generation_mode=mode, path_parameters=path_parameters or None))
    @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    def check(case: schemathesis.Case) -> None:
        # Short solves only: a generated job must not tie up the one solve worker for minutes.
        if isinstance(case.body, dict) and isinstance(case.body.get("solver"), dict):
            case.body["solver"]["time_limit_seconds"] = 1
        if isinstance(case.body, dict) and "time_limit_seconds" in case.body:
            case.body["time_limit_seconds"] = 1
        cases[mode.value] += 1
        response = case.call(headers=WRITE, timeout=60)
        try:
            case.validate_response(response, checks=CHECKS)
        except FailureGroup as group:  # one line per distinct failure, with a request causing it
            for failure in group.exceptions:
                title = " ".join(str(failure).split())[:200]
                key = f"{operation.method.upper()} {operation.path}: {title}"
                failures.setdefault(key, f"{response.status_code} {case.body!r:.200} {response.text[:300]}")

    check()
