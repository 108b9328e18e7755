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

    with local_cluster(2) as cluster:
        yield cluster.scheduler_address
