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


def flaky_and_broken(folder: str, item: int) -> int:
    """Item 3 always fails; item 5 fails its first attempt; the others square."""
    if item == 3:
        raise ValueError("three is bad")
    if item == 5:
        return flaky(folder, item)
    return item * item


def dies_once(folder: str, item: int) -> int:
    """Kills its own worker process the first time it runs for item 1: a lost task."""
    marker = Path(folder) / f"died-{item}"
    if item == 1 and not marker.exists():
        marker.touch()
        os._exit(1)
    return item * item


class Counted:
    """Shared input that notes in a file each time it is unpickled (each copy a process gets)."""

    def __init__(self, log: str):
        self.log = log

    def __setstate__(self, state: dict[str, str]) -> None:
        self.__dict__.update(state)
        with open(self.log, "a", encoding="utf-8") as fh:
            fh.write(f"{os.getpid()}\n")


def uses_shared(shared: Counted, item: int) -> int:
    return item + len(shared.log) * 0


def test_the_shared_input_is_sent_once_per_worker_not_once_per_task(
    dask_address: str,  # noqa: F811
    tmp_path: Path,
) -> None:
    log = tmp_path / "unpickled.txt"
    items = list(range(12))
    with run_tasks(
        uses_shared, Counted(str(log)), items, [f"k{i}" for i in items], Engine(cluster=dask_address)
    ) as (
        setup,
        results,
    ):
        assert sorted(d.result for d in results) == items  # type: ignore[type-var]
    copies = log.read_text(encoding="utf-8").split()
    # Each worker process holds a copy; copies do not grow with the tasks (a worker may take a
    # second one while the broadcast is being placed: seen once, 3 copies for 2 workers).
    assert setup.workers == 2 and len(set(copies)) == 2
    assert len(copies) <= 2 * setup.workers < len(items)


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


def test_batched_tasks_each_come_back_once_retried_or_failed_alone(
    dask_address: str,  # noqa: F811
    tmp_path: Path,
) -> None:
    items = list(range(12))
    keys = [f"k{i}" for i in items]
    costs = [1.0] * 12  # 2 workers: tasks 0-2, then 3-4, then one each (planner.batching)
    engine = Engine(cluster=dask_address, retries=1)
    with run_tasks(flaky_and_broken, str(tmp_path), items, keys, engine, costs) as (setup, results):
        done = [d for d in results]
    assert 1 < setup.batches < len(items)
    assert sorted(d.key for d in done) == sorted(keys)  # each task reported once
    by_key = {d.key: d for d in done}
    assert {k: d.result for k, d in by_key.items() if d.ok} == {f"k{i}": i * i for i in items if i != 3}
    # Task 3 failed alone: task 4, in its batch, came back.
    assert "three is bad" in (by_key["k3"].error or "")
    assert (tmp_path / "tried-5").exists()  # task 5 did fail once and was tried again
    assert all(d.where != f"pid {os.getpid()}" for d in done if d.ok)


def test_run_tasks_wants_one_cost_per_task() -> None:
    with (
        pytest.raises(ValueError, match="2 cost estimates for 3 tasks"),
        run_tasks(flaky, "", [1, 2, 3], ["a", "b", "c"], Engine(0), [1.0, 1.0]),
    ):
        pass


def test_a_batch_whose_worker_dies_runs_again_on_a_new_one(tmp_path: Path) -> None:
    # Its own local cluster (the engine's default path), so the shared one keeps its workers.
    # Ten tasks of equal cost on two workers: the first batch is tasks 0 and 1 (see
    # planner.batching), and task 1 kills its worker after task 0 finished in it.
    items = list(range(10))
    keys = [f"k{i}" for i in items]
    with run_tasks(dies_once, str(tmp_path), items, keys, Engine(workers=2), [1.0] * 10) as (_, results):
        done = {d.key: d for d in results}
    assert (tmp_path / "died-1").exists()  # the first attempt did kill its worker
    assert {k: d.result for k, d in done.items()} == {f"k{i}": i * i for i in items}


def worker_settings() -> tuple[str | None, str | None, bool, str]:
    import dask

    profiled = bool(dask.config.get("distributed.worker.profile.enabled"))
    tick = str(dask.config.get("distributed.admin.tick.interval"))
    return os.environ.get("MALLOC_TRIM_THRESHOLD_"), os.environ.get("OMP_NUM_THREADS"), profiled, tick


def test_local_workers_keep_glibc_malloc_one_blas_thread_no_profiler_and_a_slow_tick(
    dask_address: str,  # noqa: F811
) -> None:
    # Dask's defaults (a fixed malloc trim threshold, a stack sampler every 10 ms, a loop check
    # every 20 ms) made each re-plan take a fifth more CPU in a worker than in a plain process
    # (planner.distributed).
    from distributed import Client

    with Client(dask_address) as client:
        settings = client.run(worker_settings)
    assert len(settings) == 2
    assert all(s == (None, "1", False, "200ms") for s in settings.values())


def test_keys_must_be_one_per_item() -> None:
    with (
        pytest.raises(ValueError, match="one unique key per item"),
        run_tasks(flaky, "", [1, 2], ["a", "a"], Engine(0)),
    ):
        pass


def stdout_target(_: str, item: int) -> str:
    """Where the process running the task sends its standard output (Linux's /proc)."""
    return os.readlink("/proc/self/fd/1")


@pytest.mark.skipif(not Path("/proc/self/fd/1").exists(), reason="needs Linux's /proc")
def test_worker_processes_send_standard_output_nowhere(dask_address: str) -> None:  # noqa: F811
    # HiGHS' raw printf in a worker used to reach the terminal of `planner sweep` and
    # `robustness`: workers inherit it. Their results go back through Dask, not stdout.
    with run_tasks(stdout_target, "", [1], ["k"], Engine(cluster=dask_address)) as (_, results):
        done = list(results)
    assert done[0].ok and done[0].result == os.devnull
