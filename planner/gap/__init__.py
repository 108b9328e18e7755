"""The generalized assignment problem: benchmark files, bound, heuristics, and the bench runner.

`instance` reads OR-Library / Yagiura files into `planner.problem.AssignmentProblem`;
`dense`, `lagrange`, `local_search` and `restricted` are the pieces of the engine backend
(`planner.solvers.gap_engine`); `peers` and `bench` compare it with textbook models.
"""
