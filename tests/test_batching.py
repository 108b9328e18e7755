"""planner.batching (#21): tasks in batches, longest first, each a share of the work left."""

from __future__ import annotations

import math

import pytest

from planner.batching import plan_batches


def test_a_toy_by_hand() -> None:
    # One slot, guide 2: 8 to hand out, the first batch may take 4 (task 0 alone: 4 + 1 > 4);
    # 4 left, the next may take 2 (tasks 1 and 2); 2 left, 1 (task 3); 1 left, 0.5 (task 4 alone).
    assert plan_batches([4, 1, 1, 1, 1], slots=1) == [[0], [1, 2], [3], [4]]


def test_longest_first_each_task_once_and_the_last_batches_single() -> None:
    # Robustness on 5,000 x 150 in shape: one re-plan in four long, the others short.
    costs = [15.0 if k % 4 == 0 else 1.0 + (k % 3) / 10 for k in range(150)]
    batches = plan_batches(costs, slots=2)
    order = [i for batch in batches for i in batch]
    assert sorted(order) == list(range(150))
    assert [costs[i] for i in order] == sorted(costs, reverse=True)
    assert len(batches) < 40  # a Dask task's overhead paid far fewer than 150 times
    assert all(len(batch) == 1 for batch in batches[-4:])  # the end is filled task by task
    remaining = math.fsum(costs)
    for batch in batches:
        cost = math.fsum(costs[i] for i in batch)
        assert len(batch) == 1 or cost <= remaining / (2 * 2) + 1e-9  # within its share
        remaining -= cost


def test_no_batch_holds_more_than_its_cap() -> None:
    batches = plan_batches([1.0] * 1000, slots=2, max_tasks=64)
    assert max(len(b) for b in batches) == 64
    assert sorted(i for b in batches for i in b) == list(range(1000))


def test_more_slots_make_smaller_batches() -> None:
    costs = [1.0] * 100
    assert len(plan_batches(costs, slots=16)) > len(plan_batches(costs, slots=2))
    assert plan_batches([], slots=2) == []


@pytest.mark.parametrize("bad", [0.0, -1.0, math.nan, math.inf])
def test_cost_estimates_must_be_positive_numbers(bad: float) -> None:
    with pytest.raises(ValueError, match="task 1 has"):
        plan_batches([1.0, bad], slots=2)


def test_at_least_one_slot() -> None:
    with pytest.raises(ValueError, match="at least one slot"):
        plan_batches([1.0], slots=0)
