"""Benchmarks on public instance sets: their file readers and the runners that tabulate results.

Above the engines and imported only by the command line (`planner bench gap|pvrp`, in
`planner.cli`) and the scripts in `benchmarks/`; no engine package imports it
(tests/test_layers.py keeps it so).

- GAP (OR-Library / Yagiura): `gap_instance` reads the files into `planner.problem.AssignmentProblem`,
  `gap_peers` solves the textbook model on plain CP-SAT and HiGHS, `gap` runs the engine
  (`planner.solvers.gap_engine`) and the peers and tabulates;
- PVRP (Cordeau): `cordeau` reads instances and reads/writes `.res` solutions, `pvrp` solves
  them with the calendar's engine (`planner.pvrp.search`) and scores them with its checker.
"""
