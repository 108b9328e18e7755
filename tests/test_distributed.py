"""planner.distributed (#21): retries, failures kept apart, a lost worker's task run again."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import cloudpickle
import pytest
from dask_local import dask_address  # noqa: F401 (a fixture)

from planner.distributed import Engine, run_tasks

# The workers cannot import this test module by name: ship its functions by value.
cloudpickle.register_pickle_by_value(sys.modules[__name__])


def flaky(folder: str, item: int) -> int:
    """Fails the first time it runs for an item (a marker file remembers), then squares it."""
    marker = Path(folder) / f"tried-{item}"
    if not marker.exists():
        marker.touch()
        raise RuntimeError(f"first attempt at {item}")
    return item * item


def broken_on_three(folder: str, item: int) -> int:
    if item == 3:
        raise ValueError("three is bad")
    return item * item


def dies_once(folder: str, item: int) -> int:
    """Kills its own worker process the first time it runs for item 1: a lost task."""
    marker = Path(folder) / f"died-{item}"
    if item == 1 and not marker.exists():
        marker.touch()
        os._exit(1)
    return item * item


@pytest.mark.parametrize("serial", [True, False], ids=["serial", "cluster"])
def test_a_failing_task_is_retried(serial: bool, dask_address: str, tmp_path: Path) -> None:  # noqa: F811
    engine = Engine(workers=0, retries=1) if serial else Engine(cluster=dask_address, retries=1)
    items = [1, 2, 3]
    with run_tasks(flaky, str(tmp_path), items, [f"k{i}" for i in items], engine) as (_, results):
        done = {d.key: d for d in results}
    assert {k: d.result for k, d in done.items()} == {"k1": 1, "k2": 4, "k3": 9}
    assert all(d.ok for d in done.values())


@pytest.mark.parametrize("serial", [True, False], ids=["serial", "cluster"])
def test_a_task_that_keeps_failing_is_reported_and_the_rest_kept(
    serial: bool,
    dask_address: str,  # noqa: F811
    tmp_path: Path,
) -> None:
    engine = Engine(workers=0, retries=1) if serial else Engine(cluster=dask_address, retries=1)
    items = [1, 2, 3, 4]
    with run_tasks(broken_on_three, str(tmp_path), items, [f"k{i}" for i in items], engine) as (_, results):
        done = {d.key: d for d in results}
    assert {k: d.result for k, d in done.items() if d.ok} == {"k1": 1, "k2": 4, "k4": 16}
    assert not done["k3"].ok and "three is bad" in (done["k3"].error or "")


def test_a_task_whose_worker_dies_runs_again_on_a_new_one(tmp_path: Path) -> None:
    # Its own local cluster (the engine's default path), so the shared one keeps its workers.
    items = [0, 1, 2]
    with run_tasks(dies_once, str(tmp_path), items, [f"k{i}" for i in items], Engine(workers=2)) as (
        _,
        results,
    ):
        done = {d.key: d for d in results}
    assert (tmp_path / "died-1").exists()  # the first attempt did kill its worker
    assert {k: d.result for k, d in done.items()} == {"k0": 0, "k1": 1, "k2": 4}


def test_keys_must_be_one_per_item() -> None:
    with (
        pytest.raises(ValueError, match="one unique key per item"),
        run_tasks(flaky, "", [1, 2], ["a", "a"], Engine(0)),
    ):
        pass
