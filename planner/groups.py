"""Parent groups: accounts linked by `parent_id`, transitively, which one manager serves together.

Below the solver context (`Context.groups`) and the CRM export writer (`planner.io.crm_export`);
imports only the domain model.
"""

from __future__ import annotations

from collections.abc import Sequence

import networkx as nx

from planner.models import Account


def parent_groups(accounts: Sequence[Account]) -> list[list[int]]:
    """Account positions grouped by parent_id links, transitively; every account is in exactly
    one group, each group sorted, groups in order of their first account."""
    # Only accounts with a parent link go into the graph; most accounts stand alone and
    # building thousands of one-node components costs more than the rest of a re-plan.
    graph = nx.Graph()
    idx = {a.account_id: i for i, a in enumerate(accounts)}
    for i, a in enumerate(accounts):
        if a.parent_id:
            # A parent_id naming no account is a group key (a holding company that is not a
            # row): one extra node per key joins the accounts that share it.
            graph.add_edge(i, idx.get(a.parent_id, ("key", a.parent_id)))
    comps = [sorted(n for n in c if isinstance(n, int)) for c in nx.connected_components(graph)]
    comps.extend([i] for i in range(len(accounts)) if i not in graph)
    comps.sort(key=lambda c: c[0])
    return comps
