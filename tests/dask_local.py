"""One real Dask `LocalCluster` (two worker processes, loopback only, no dashboard) shared by the
robustness and sweep tests of a session; shut down at the session's end, so no worker outlives
the tests. Import the fixture into a test module to use it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest


@pytest.fixture(scope="session")
def dask_address() -> Iterator[str]:
    pytest.importorskip("distributed")
    from planner.distributed import local_cluster
    from planner.robustness import replan_without
    from planner.sweep.task import solve_point

    # The workers start with the robustness and sweep tasks' modules imported.
    with local_cluster(2, (replan_without.__module__, solve_point.__module__)) as cluster:
        yield cluster.scheduler_address
