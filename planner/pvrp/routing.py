"""Sequence one day's visits with OR-Tools routing: the vehicles of that day, one depot.

Given the customers a day must see, find routes that keep travel short while each route
respects the day's load capacity and duration limit (travel + service, waiting for time
windows). Costs and times are scaled to integers for the solver; the caller re-checks the
answer in floats, so rounding never lets an over-long day through.
"""

from __future__ import annotations

import logging
import math
from typing import Any

import numpy as np
from ortools.constraint_solver import pywrapcp, routing_enums_pb2

from planner.pvrp.problem import PeriodicProblem

logger = logging.getLogger(__name__)

_BIG = 10**15


def optimise_day(
    problem: PeriodicProblem,
    day: int,
    routes: list[list[int]],
    *,
    time_limit_s: float,
    guided: bool = False,
    scale: float = 1000.0,
    excess_penalty: float | None = None,
) -> list[list[int]] | None:
    """Better routes for the same customers on `day`, or None when the solver found nothing.

    guided=False runs a plain descent from the given routes (stops at a local optimum, fast);
    guided=True runs guided local search until the time limit.
    """
    customers = [c for r in routes for c in r]
    n_vehicles = int(problem.vehicles[day])
    if len(customers) <= 1 or n_vehicles == 0:
        return None
    nodes = np.array([0, *customers], dtype=np.int64)
    local = {c: i + 1 for i, c in enumerate(customers)}
    manager = pywrapcp.RoutingIndexManager(len(nodes), n_vehicles, 0)
    model = pywrapcp.RoutingModel(manager)

    travel = problem.travel[np.ix_(nodes, nodes)]
    cost = model.RegisterTransitMatrix(np.rint(travel * scale).astype(np.int64).tolist())
    model.SetArcCostEvaluatorOfAllVehicles(cost)

    capacity = float(problem.capacity[day])
    demand = problem.demand[nodes]
    if math.isfinite(capacity) and demand.any():
        cb = model.RegisterUnaryTransitVector(np.rint(demand * scale).astype(np.int64).tolist())
        cap = round(capacity * scale)
        hard = _BIG if excess_penalty is not None else cap
        model.AddDimensionWithVehicleCapacity(cb, 0, [hard] * n_vehicles, True, "load")
        if excess_penalty is not None:
            dim = model.GetDimensionOrDie("load")
            coeff = max(1, round(excess_penalty / capacity))
            for v in range(n_vehicles):
                dim.SetCumulVarSoftUpperBound(model.End(v), cap, coeff)

    limit = float(problem.max_duration[day])
    tw = problem.time_window
    if math.isfinite(limit) or tw is not None:
        service = problem.service[nodes]
        transit = np.rint((travel + service[:, None]) * scale).astype(np.int64)
        cb = model.RegisterTransitMatrix(transit.tolist())
        horizon = round(limit * scale) if math.isfinite(limit) else _BIG
        hard = _BIG if excess_penalty is not None else horizon
        slack = hard if tw is not None else 0
        model.AddDimension(cb, slack, hard, True, "time")
        dim = model.GetDimensionOrDie("time")
        if excess_penalty is not None and math.isfinite(limit):
            coeff = max(1, round(excess_penalty / limit))
            for v in range(n_vehicles):
                dim.SetCumulVarSoftUpperBound(model.End(v), horizon, coeff)
        if tw is not None:
            for i, c in enumerate(customers, start=1):
                lo = round(tw[c, 0] * scale)
                hi = round((tw[c, 1] - problem.service[c]) * scale)
                dim.CumulVar(manager.NodeToIndex(i)).SetRange(lo, max(lo, hi))

    params = search_parameters(time_limit_s, guided)
    model.CloseModelWithParameters(params)
    start_routes = [[local[c] for c in r] for r in routes if r]
    start_routes += [[] for _ in range(n_vehicles - len(start_routes))]
    initial = model.ReadAssignmentFromRoutes(start_routes, True)
    if initial is not None:
        solved = model.SolveFromAssignmentWithParameters(initial, params)
    else:
        logger.debug("day %d: given routes rejected by the routing model; solving from scratch", day)
        solved = model.SolveWithParameters(params)
    if solved is None:
        return None
    out: list[list[int]] = []
    for v in range(n_vehicles):
        index = model.Start(v)
        route: list[int] = []
        index = solved.Value(model.NextVar(index))
        while not model.IsEnd(index):
            route.append(int(nodes[manager.IndexToNode(index)]))
            index = solved.Value(model.NextVar(index))
        if route:
            out.append(route)
    return out


def search_parameters(time_limit_s: float, guided: bool, first_solution: str | None = None) -> Any:
    """OR-Tools routing search parameters: guided local search (or plain descent) within the
    limit, from `first_solution` (a FirstSolutionStrategy name; cheapest arc by default)."""
    params = pywrapcp.DefaultRoutingSearchParameters()
    params.time_limit.FromMilliseconds(max(1, int(time_limit_s * 1000)))
    params.local_search_metaheuristic = (
        routing_enums_pb2.LocalSearchMetaheuristic.GUIDED_LOCAL_SEARCH
        if guided
        else routing_enums_pb2.LocalSearchMetaheuristic.GREEDY_DESCENT
    )
    params.first_solution_strategy = getattr(
        routing_enums_pb2.FirstSolutionStrategy, first_solution or "PATH_CHEAPEST_ARC"
    )
    return params
