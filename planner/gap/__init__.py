"""The generalized assignment problem engine's pieces, below `planner.solvers.gap_engine`.

`dense`, `lagrange`, `local_search`, `relink` and `restricted` are the pieces of the engine backend
(`planner.solvers.gap_engine`); `highs` is the textbook model on HiGHS, which the engine runs
beside its local search. The public benchmark files and the bench runner sit above the
engines, in `planner.bench`.
"""
