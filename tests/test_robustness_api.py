"""Attrition risk and sweeps as API jobs (#21), through a real `planner serve` whose analyses run
on the session's two-worker Dask cluster (PLANNER_DASK_SCHEDULER): 202 and a Location, progress,
rows equal to a serial run in this process, a cancel that keeps the rows so far, 422 and 404."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from api_conftest import DEMO, READ, WRITE, Server, upload_demo
from dask_local import dask_address  # noqa: F401 (a fixture)

from planner.distributed import Engine
from planner.io.loader import load_dataset
from planner.robustness import ReplanSettings, baseline, leaver_sets, risk_rows, run_robustness

SAMPLE = {
    "leavers": 1,
    "sample": 3,
    "seed": 1,
    "max_moves": 20,
    "time_limit_seconds": 0.2,
    "deterministic": True,
}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, dask_address: str) -> Iterator[Server]:  # noqa: F811
    folder: Path = tmp_path_factory.mktemp("analyses")
    srv = Server(f"sqlite:///{folder / 'analyses.db'}", folder / "server.log")
    os.environ["PLANNER_DASK_SCHEDULER"] = dask_address  # read by the server process at start
    try:
        srv.start()
    finally:
        os.environ.pop("PLANNER_DASK_SCHEDULER")
    try:
        yield srv
    finally:
        srv.stop()


def _finished(c: httpx.Client, analysis_id: str, timeout_s: float = 60) -> dict[str, Any]:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        body = c.get(f"/api/v1/analyses/{analysis_id}", headers=READ).json()
        if body["status"] not in ("queued", "running"):
            return body
        time.sleep(0.2)
    raise AssertionError(f"analysis {analysis_id} still {body['status']} after {timeout_s} s")


def test_robustness_job_gives_the_serial_rows(server: Server) -> None:
    with server.client() as c:
        dataset_id = upload_demo(c)
        r = c.post(f"/api/v1/datasets/{dataset_id}/robustness", headers=WRITE, json=SAMPLE)
        assert r.status_code == 202, r.text
        assert r.headers["Location"] == f"/api/v1/analyses/{r.json()['analysis_id']}"
        status = _finished(c, r.json()["analysis_id"])
        assert status["status"] == "succeeded", status
        assert (status["finished_tasks"], status["total_tasks"], status["failed_tasks"]) == (3, 3, 0)
        result = c.get(f"/api/v1/analyses/{status['analysis_id']}/result", headers=READ)
    assert result.status_code == 200
    body = result.json()
    # The same re-plans in this process: no plan stored yet, so the demo's current managers are
    # the plan in force, as for the server.
    data = load_dataset(DEMO / "accounts.csv", DEMO / "managers.csv", DEMO / "policy.yaml")
    settings = ReplanSettings(max_moves=20, time_limit_seconds=0.2, deterministic=True)
    base = baseline(data, None, settings)
    serial = run_robustness(base, leaver_sets(data, 1, 3, 1), Engine(workers=0))
    assert body["risk"] == risk_rows(serial.outcomes)
    assert body["bench"] and all(b["managers"] >= 1 for b in body["bench"])


def test_sweep_job_marks_the_pareto_set_and_bad_points_are_422(server: Server) -> None:
    with server.client() as c:
        dataset_id = upload_demo(c)
        url = f"/api/v1/datasets/{dataset_id}/sweeps"
        solver = {"name": "cpsat", "time_limit_seconds": 0.3, "deterministic": True}
        bad = c.post(url, headers=WRITE, json={"parameters": {"weights.balanse": [1, 2]}, "solver": solver})
        assert bad.status_code == 422 and "weights.balanse" in bad.text
        r = c.post(url, headers=WRITE, json={"parameters": {"max_moves": [5, 30]}, "solver": solver})
        assert r.status_code == 202, r.text
        status = _finished(c, r.json()["analysis_id"])
        assert status["status"] == "succeeded", status
        points = c.get(f"/api/v1/analyses/{status['analysis_id']}/result", headers=READ).json()["points"]
        # The demo's current managers break capacities: 5 voluntary moves cannot mend them.
        assert [(p["point"], p["status"], p["pareto"]) for p in points] == [
            (0, "infeasible", False),
            (1, "optimal", True),
        ]
        assert "max_moves" in points[0]["reason"] and points[1]["voluntary_moves"] <= 30
        assert c.get("/api/v1/analyses/nope", headers=READ).status_code == 404


def test_a_cancelled_analysis_stops_and_keeps_what_finished(server: Server) -> None:
    with server.client() as c:
        dataset_id = upload_demo(c)
        body = {"leavers": 2, "time_limit_seconds": 0.5}  # 55 pairs: far from done when cancelled
        r = c.post(f"/api/v1/datasets/{dataset_id}/robustness", headers=WRITE, json=body)
        assert r.status_code == 202, r.text
        analysis_id = r.json()["analysis_id"]
        assert c.delete(f"/api/v1/analyses/{analysis_id}", headers=WRITE).status_code == 200
        status = _finished(c, analysis_id)
        assert status["status"] == "cancelled"
        assert status["finished_tasks"] < status["total_tasks"] == 55
        result = c.get(f"/api/v1/analyses/{analysis_id}/result", headers=READ).json()
        assert len(result["risk"]) == status["finished_tasks"] - status["failed_tasks"]
