"""Route the whole horizon in one OR-Tools model: one vehicle per (day, route slot).

Each planned visit is a node. A customer with a single visit over the horizon may be moved by
the solver to any day its rule allows (its node may use the vehicles of all those days): for
such customers the day is just a choice of vehicle, and OR-Tools' inter-route moves (relocate,
exchange, cross, 2-opt*) work across days. Visits of customers with several visits stay on
their current days, because the solver's moves change one node at a time and would break the
day combination; the caller re-chooses those days between solves.
"""

from __future__ import annotations

import logging
import math

import numpy as np
from ortools.constraint_solver import pywrapcp

from planner.pvrp.problem import PeriodicProblem
from planner.pvrp.routing import search_parameters

logger = logging.getLogger(__name__)

_BIG = 10**15


def optimise_horizon(
    problem: PeriodicProblem,
    routes: list[list[list[int]]],
    free_days: dict[int, np.ndarray],
    *,
    time_limit_s: float,
    scale: float = 1000.0,
    excess_penalty: float | None = None,
    guided: bool = True,
    first_solution: str | None = None,
) -> list[list[list[int]]] | None:
    """New routes per day (same shape as `routes`) or None when the solver found nothing.

    free_days[c] = the days a single-visit customer c may move to.
    """
    p = problem
    slots = [(d, k) for d in range(p.n_days) for k in range(int(p.vehicles[d]))]
    if not slots:
        return None
    vehicle_of = {s: v for v, s in enumerate(slots)}
    day_vehicles = [[vehicle_of[(d, k)] for k in range(int(p.vehicles[d]))] for d in range(p.n_days)]
    visit_customer = [0]  # node 0 = depot
    visit_day = [-1]
    start: list[list[int]] = [[] for _ in slots]
    for d, day in enumerate(routes):
        for k, route in enumerate(day):
            for c in route:
                start[vehicle_of[(d, k)]].append(len(visit_customer))
                visit_customer.append(c)
                visit_day.append(d)
    n_nodes = len(visit_customer)
    if n_nodes <= 2:
        return None
    nodes = np.array(visit_customer, dtype=np.int64)
    n_veh = len(slots)
    manager = pywrapcp.RoutingIndexManager(n_nodes, n_veh, 0)
    model = pywrapcp.RoutingModel(manager)
    travel = p.travel[np.ix_(nodes, nodes)]
    model.SetArcCostEvaluatorOfAllVehicles(
        model.RegisterTransitMatrix(np.rint(travel * scale).astype(np.int64).tolist())
    )
    veh_day = np.array([d for d, _ in slots])
    _dimension(model, "load", None, p.demand[nodes], p.capacity[veh_day], scale, excess_penalty, slack=False)
    if np.isfinite(p.max_duration).any():
        transit = travel + p.service[nodes][:, None]
        _dimension(model, "time", transit, None, p.max_duration[veh_day], scale, excess_penalty, slack=False)
    for i in range(1, n_nodes):
        c = int(nodes[i])
        allowed = (
            [v for d in free_days[c] for v in day_vehicles[int(d)]]
            if c in free_days
            else day_vehicles[visit_day[i]]
        )
        # SetAllowedVehiclesForIndex cannot be called from Python in OR-Tools 9.15 (its span
        # argument has no SWIG typemap); restricting the vehicle variable is equivalent.
        model.VehicleVar(manager.NodeToIndex(i)).SetValues([int(v) for v in allowed])
    params = search_parameters(time_limit_s, guided, first_solution)
    model.CloseModelWithParameters(params)
    initial = None if first_solution else model.ReadAssignmentFromRoutes(start, True)
    if initial is None:
        logger.debug("horizon: current routes rejected by the routing model; solving from scratch")
        solved = model.SolveWithParameters(params)
    else:
        solved = model.SolveFromAssignmentWithParameters(initial, params)
    if solved is None:
        return None
    out: list[list[list[int]]] = [[[] for _ in range(int(v))] for v in p.vehicles]
    for v, (d, k) in enumerate(slots):
        index = solved.Value(model.NextVar(model.Start(v)))
        while not model.IsEnd(index):
            out[d][k].append(int(nodes[manager.IndexToNode(index)]))
            index = solved.Value(model.NextVar(index))
    return out


def _dimension(
    model: pywrapcp.RoutingModel,
    name: str,
    transit: np.ndarray | None,
    unary: np.ndarray | None,
    limit: np.ndarray,
    scale: float,
    excess_penalty: float | None,
    slack: bool,
) -> None:
    """A load (unary) or time (matrix) dimension with one limit per vehicle, soft when priced."""
    if not np.isfinite(limit).any() or (unary is not None and not unary.any()):
        return
    if unary is not None:
        cb = model.RegisterUnaryTransitVector(np.rint(unary * scale).astype(np.int64).tolist())
    else:
        assert transit is not None
        cb = model.RegisterTransitMatrix(np.rint(transit * scale).astype(np.int64).tolist())
    caps = [round(x * scale) if math.isfinite(x) else _BIG for x in limit]
    hard = [_BIG] * len(caps) if excess_penalty is not None else caps
    model.AddDimensionWithVehicleCapacity(cb, _BIG if slack else 0, hard, True, name)
    if excess_penalty is not None:
        dim = model.GetDimensionOrDie(name)
        for v, x in enumerate(limit):
            if math.isfinite(x):
                dim.SetCumulVarSoftUpperBound(model.End(v), caps[v], max(1, round(excess_penalty / x)))
