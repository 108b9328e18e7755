"""GAP benchmark: the engine against textbook CP-SAT and HiGHS on the C, D and E instances.

Not a test. Reads ../shared/benchmarks/gap/yagiura (or --data), runs every instance (or the
ones named) through `planner.bench.gap.run_instance` at one time limit, prints a table and the
aggregate lines, and writes every row as JSON.

    .venv/bin/python benchmarks/gap_bench.py --time-limit 30 --peers --json out.json \
        c20200 c40400 c801600 d20200 d40400 d801600 e20200 e40400 e801600

A full run is 45 instances x (1 + 2 peers) x the limit: 68 minutes at 30 s.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import platform
import sys
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from planner.bench.gap import run_instance, summary, summary_lines, table_lines  # noqa: E402
from planner.bench.gap_instance import read_best_known, read_gap_file  # noqa: E402
from planner.bench.gap_peers import PEERS  # noqa: E402
from planner.gap.local_search import HAVE_NUMBA, warm_up  # noqa: E402
from planner.solvers.base import SolveOptions  # noqa: E402
from planner.solvers.gap_engine import EngineSettings, GapEngineSolver  # noqa: E402

DEFAULT_DATA = ROOT.parent / "shared" / "benchmarks" / "gap"
CDE = [f"{t}{size}" for t in "cde" for size in
       ("05100", "05200", "10100", "10200", "20100", "20200", "10400", "20400", "40400",
        "15900", "30900", "60900", "201600", "401600", "801600")]  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("instances", nargs="*", help="Yagiura instance names (default: all 45 C/D/E).")
    parser.add_argument("--time-limit", type=float, default=30.0, help="Seconds per instance and solver.")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--peers", action="store_true", help="Also run textbook CP-SAT and HiGHS.")
    parser.add_argument("--json", type=Path, help="Write rows and summary here.")
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="The gap/ benchmark folder.")
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="Override one EngineSettings field (repeatable), e.g. --set relink_pool=6.",
    )
    args = parser.parse_args(argv)
    from planner.native_output import python_stdout_only

    python_stdout_only()  # HiGHS' printf (machine code) stays off the rows
    logging.basicConfig(level=logging.WARNING)

    folder = args.data / "yagiura"
    if not folder.is_dir():
        print(f"no GAP data at {folder}; nothing to run", file=sys.stderr)
        return 0
    names = args.instances or CDE
    known = read_best_known(args.data / "best_known.csv")
    options = SolveOptions(time_limit_seconds=args.time_limit, threads=args.threads, seed=args.seed)
    engine = GapEngineSolver(_settings(args.set))
    compile_seconds = warm_up()
    load_at_start = _load()
    if args.set:
        print(f"# settings: {' '.join(args.set)}")
    print(f"# limit {args.time_limit:g} s, {args.threads} threads, seed {args.seed}, numba {HAVE_NUMBA} "
          f"(JIT warm-up {compile_seconds:.1f} s, untimed), {platform.processor() or platform.machine()}, "
          f"load average {load_at_start} on {os.cpu_count()} cores")  # fmt: skip
    peer_names = sorted(PEERS) if args.peers else []
    rows = []
    started = time.perf_counter()
    for k, name in enumerate(names):
        (instance,) = read_gap_file(folder / name)
        row = run_instance(instance, "min", options, known.get((name, "min")), args.peers, engine=engine)
        rows.append(row)
        for line in table_lines([row], peer_names, header=k == 0):
            print(line, flush=True)
    print()
    print(summary_lines(rows))
    # Time-limited figures move with the machine's load: the table is read with it.
    load_at_end = _load()
    print(f"wall time {time.perf_counter() - started:.0f} s, load average at the end {load_at_end}")
    if args.json:
        payload = {
            "time_limit": args.time_limit,
            "threads": args.threads,
            "seed": args.seed,
            "numba": HAVE_NUMBA,
            "settings": args.set,
            "load_average": {"start": load_at_start, "end": load_at_end},
            "rows": [r.to_json() for r in rows],
            "summary": summary(rows),
        }
        args.json.write_text(json.dumps(payload, indent=1))
    return 0


def _load() -> str:
    """The 1, 5 and 15 minute load averages ("n/a" where the platform has none)."""
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "n/a"


def _settings(pairs: list[str]) -> EngineSettings:
    """EngineSettings with `NAME=VALUE` overrides, each value read as the field's own type."""
    defaults = EngineSettings()
    changes: dict[str, object] = {}
    for pair in pairs:
        name, _, text = pair.partition("=")
        if not hasattr(defaults, name):
            raise SystemExit(f"--set {pair}: EngineSettings has no field {name!r}")
        kind = type(getattr(defaults, name))
        changes[name] = text.lower() in ("1", "true", "yes") if kind is bool else kind(text)
    return replace(defaults, **changes)


if __name__ == "__main__":
    raise SystemExit(main())
