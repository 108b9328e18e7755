"""Parent groups: accounts linked by `parent_id`, transitively, which one manager serves together.

Below the solver context (`Context.groups`) and the CRM export writer (`planner.io.crm_export`);
imports only the domain model.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from planner.models import Account


def parent_groups(accounts: Sequence[Account]) -> list[list[int]]:
    """Account positions grouped by parent_id links, transitively; every account is in exactly
    one group, each group sorted, groups in order of their first account."""
    return groups_of_layout(*parent_group_layout(accounts))


def groups_of_layout(members: np.ndarray, starts: np.ndarray) -> list[list[int]]:
    """The groups as lists from `parent_group_layout`'s arrays."""
    flat = members.tolist()
    bounds = [*starts.tolist(), len(flat)]
    return [flat[bounds[k] : bounds[k + 1]] for k in range(len(bounds) - 1)]


def parent_group_layout(
    accounts: Sequence[Account], index: Mapping[str, int] | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """`parent_groups` as two int64 arrays: the members of all groups, group after group (each
    sorted, groups in order of their first account), and where each group starts in them.
    `index`: account id -> position, when the caller has it already."""
    n = len(accounts)
    idx = {a.account_id: i for i, a in enumerate(accounts)} if index is None else index
    keys: dict[str, int] = {}
    child: list[int] = []
    parent: list[int] = []
    for i, a in enumerate(accounts):
        if a.parent_id:
            # A parent_id naming no account is a group key (a holding company that is not a
            # row): one extra node per key, after the accounts, joins the accounts that share it.
            j = idx.get(a.parent_id)
            if j is None:
                j = keys.setdefault(a.parent_id, n + len(keys))
            child.append(i)
            parent.append(j)
    label = _components(n + len(keys), np.array(child, dtype=np.int64), np.array(parent, dtype=np.int64))
    # Each component's label is its smallest node, an account (every key node has an account
    # beside it): sorting accounts by label, stably, gives groups in order of their first
    # account with their members in order.
    own = label[:n]
    members = np.argsort(own, kind="stable").astype(np.int64)
    first = np.ones(n, dtype=bool)
    first[1:] = own[members][1:] != own[members][:-1]
    return members, np.nonzero(first)[0].astype(np.int64)


def _components(nodes: int, u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Connected components of an undirected graph given by its edges (u[k], v[k]): each node's
    smallest node index in its component. Min-label propagation along the edges with pointer
    jumping, in numpy: a handful of rounds for groups of a few levels, where a graph library
    built one Python object per node and edge (about 0.05 s at 20,000 accounts)."""
    label = np.arange(nodes, dtype=np.int64)
    if u.size == 0:
        return label
    while True:
        low = np.minimum(label[u], label[v])
        new = label.copy()
        np.minimum.at(new, u, low)
        np.minimum.at(new, v, low)
        new = new[new]  # pointer jumping: follow labels to their own label
        while True:
            jumped = new[new]
            if np.array_equal(jumped, new):
                break
            new = jumped
        if np.array_equal(new, label):
            return label
        label = new
