"""Periodic visit planning: choose visit days per customer and route every day.

One engine serves the visit calendar (each manager a problem, accounts as customers) and
Cordeau's PVRP benchmark (read by `planner.bench.cordeau`, run by `planner.bench.pvrp`).
`problem` defines the model, `search` solves it, `check` is the one source of truth for cost
and feasibility.
"""
