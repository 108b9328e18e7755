"""Many small tasks grouped into batches for a cluster: longest first, each batch a share of the
work still to hand out (guided self-scheduling, Polychronopoulos and Kuck 1987).

Why batches: each Dask task costs scheduling and transfer on top of its own work, on the same
cores as the work when the cluster is local (measured on 5,000 x 150, 2 workers: 16.7 ms a task,
a sixth of a median 0.11 s re-plan). Why longest first: a long task that starts last keeps one
worker busy while the others wait (one re-plan in four takes 1-1.8 s, the rest 0.1 s).

The estimate of each task's cost comes from the caller (for a leaver, the accounts they hold):
batch `b` takes tasks in order of falling cost until its estimate would pass
`remaining / (GUIDE x slots)`, `remaining` being the estimate of the tasks not yet in a batch.
So the first batches hold a few long tasks, the batches shrink as the work runs out, and the
last are single short tasks that fill the gaps at the end while the other workers finish. With
`slots` workers and cost ratio `r` between the first and the last task there are about
`GUIDE x slots x ln(r)` batches, and no batch holds more than MAX_TASKS: a batch's rows come
back together and a lost batch runs again whole, so on long runs (thousands of pairs of
leavers) the cap keeps the progress moving and what a lost worker costs small.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

# A batch takes at most 1/(GUIDE x slots) of the work left: 2 keeps every worker's last batch
# at most half of what any worker has left to do when it starts, so one wrong estimate cannot
# leave a worker alone with a quarter of the run.
GUIDE = 2
# 64 re-plans of 0.1 s are a batch of 6 s, whose Dask overhead (about 20 ms) is a third of 1 %.
MAX_TASKS = 64


def plan_batches(
    costs: Sequence[float], slots: int, guide: int = GUIDE, max_tasks: int = MAX_TASKS
) -> list[list[int]]:
    """Task indices in batches, to be started in this order; each index in exactly one batch.

    `costs`: a positive estimate per task (any unit; only ratios matter); `slots`: how many
    tasks the cluster runs at once (its worker threads)."""
    if slots < 1 or guide < 1 or max_tasks < 1:
        raise ValueError(
            f"batches need at least one slot, a guide and a batch size of 1 or more (got {slots}, {guide}, {max_tasks})"
        )
    bad = [i for i, c in enumerate(costs) if not (math.isfinite(c) and c > 0)]
    if bad:
        raise ValueError(f"task cost estimates must be positive numbers: task {bad[0]} has {costs[bad[0]]}")
    order = sorted(range(len(costs)), key=lambda i: (-costs[i], i))
    remaining = math.fsum(costs)
    batches: list[list[int]] = []
    batch: list[int] = []
    batch_cost = 0.0
    for i in order:
        if batch and (len(batch) == max_tasks or batch_cost + costs[i] > remaining / (guide * slots)):
            batches.append(batch)
            remaining -= batch_cost
            batch, batch_cost = [], 0.0
        batch.append(i)
        batch_cost += costs[i]
    if batch:
        batches.append(batch)
    return batches
