"""Run GAP benchmark instances through the engine (and optionally the peers) and tabulate.

One `BenchRow` per problem, in the file's own objective sense: a maximisation instance is
solved as min(-c) by the engine, and its objective and bound are turned back here, so
"bound" is an upper bound for max and a lower bound for min. Gaps are in percent and
positive when we are worse: gap_bound = |objective - bound| / |objective|,
gap_best = (objective - best_known) / |best_known| (sign flipped for max).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from planner.bench.gap_instance import GapInstance, Sense
from planner.bench.gap_peers import PEERS
from planner.solvers.base import SolveOptions, SolveResult
from planner.solvers.gap_engine import GapEngineSolver


@dataclass
class PeerRow:
    status: str
    objective: float | None
    runtime: float


@dataclass
class BenchRow:
    instance: str
    sense: str
    agents: int
    jobs: int
    status: str
    objective: float | None
    bound: float | None
    gap_bound_pct: float | None
    best_known: int | None
    gap_best_pct: float | None
    time_to_best: float | None
    runtime: float
    peers: dict[str, PeerRow] = field(default_factory=dict)
    # The engine's own account of the run (phases' statuses and times, search and relinking
    # steps, bounds): what says why a file came out as it did, kept in the JSON rows.
    statistics: dict[str, float | int | str] = field(default_factory=dict)

    def winner(self) -> str:
        """Who has the best objective among us and the peers ('tie' when we share it)."""
        sign = -1 if self.sense == "max" else 1
        scores = {"engine": self.objective, **{k: p.objective for k, p in self.peers.items()}}
        valid = {k: sign * v for k, v in scores.items() if v is not None}
        if not valid:
            return "-"
        top = min(valid.values())
        best = [k for k, v in valid.items() if v == top]
        return best[0] if len(best) == 1 else ("tie" if "engine" in best else "/".join(best))

    def beats(self, peer: str) -> bool | None:
        """True when our objective is strictly better than the peer's (a peer without a
        solution counts as beaten); None when the peer was not run."""
        if peer not in self.peers or self.objective is None:
            return None if peer not in self.peers else False
        other = self.peers[peer].objective
        if other is None:
            return True
        return (self.objective < other) if self.sense == "min" else (self.objective > other)

    def worse_than(self) -> list[str]:
        """The peers whose objective is strictly better than ours (ours missing counts)."""
        sign = -1 if self.sense == "max" else 1
        out = []
        for name, peer in sorted(self.peers.items()):
            if peer.objective is None:
                continue
            if self.objective is None or sign * peer.objective < sign * self.objective:
                out.append(name)
        return out

    def to_json(self) -> dict[str, Any]:
        out = asdict(self)
        out["winner"] = self.winner()
        return out


def _plain(value: Any) -> float | int | str:
    """A statistic as JSON writes it (NumPy scalars become Python's)."""
    return value.item() if isinstance(value, np.generic) else value


def _in_sense(value: float | None, sense: Sense) -> float | None:
    if value is None or not math.isfinite(value):
        return None
    return -value if sense == "max" else value


def _pct(a: float | None, b: float | None, sense: Sense) -> float | None:
    if a is None or b is None:
        return None
    diff = (a - b) if sense == "min" else (b - a)
    return 100.0 * diff / max(abs(b), 1.0)


def run_instance(
    instance: GapInstance,
    sense: Sense,
    options: SolveOptions,
    best_known: int | None,
    peers: bool,
    solution_dir: Path | None = None,
    engine: GapEngineSolver | None = None,
    on_peer: Callable[[str, SolveResult], None] | None = None,
) -> BenchRow:
    problem = instance.to_problem(sense)
    result = (engine or GapEngineSolver()).solve(problem, options)
    objective = _in_sense(result.objective, sense)
    bound = _in_sense(result.bound, sense)
    if result.unit_agent is not None:
        # Re-check in the file's own terms: the solver only ever saw the AssignmentProblem.
        assert instance.is_feasible(result.unit_agent), f"{instance.name}: engine returned an infeasible plan"
        assert instance.objective(result.unit_agent) == objective, f"{instance.name}: objective mismatch"
        if solution_dir is not None:
            write_solution(solution_dir / f"{instance.name}.sol", result.unit_agent)
    gap_bound = None
    if objective is not None and bound is not None:
        gap_bound = 100.0 * abs(objective - bound) / max(abs(objective), 1.0)
    row = BenchRow(
        instance=instance.name,
        sense=sense,
        agents=instance.n_agents,
        jobs=instance.n_jobs,
        status=str(result.status),
        objective=objective,
        bound=bound,
        gap_bound_pct=gap_bound,
        best_known=best_known,
        gap_best_pct=_pct(objective, best_known, sense),
        time_to_best=result.time_to_best_seconds,
        runtime=result.runtime_seconds,
        statistics={k: _plain(v) for k, v in result.statistics.items()},
    )
    if peers:
        for name, run in PEERS.items():
            peer = run(problem, options)
            if on_peer is not None:
                on_peer(name, peer)
            if peer.unit_agent is not None:
                assert instance.is_feasible(peer.unit_agent), f"{instance.name}: {name} infeasible"
            row.peers[name] = PeerRow(
                str(peer.status), _in_sense(peer.objective, sense), peer.runtime_seconds
            )
    return row


def write_solution(path: Path, unit_agent: np.ndarray) -> None:
    """One agent per job, 1-based, in job order, one per line."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(f"{int(a) + 1}\n" for a in unit_agent))


def read_solution(path: Path) -> np.ndarray:
    """The inverse of `write_solution`: 0-based agent per job."""
    return np.array(path.read_text().split(), dtype=np.int64) - 1


def _fmt(value: float | None, digits: int = 0) -> str:
    if value is None:
        return "-"
    return f"{value:.{digits}f}"


_HEAD = [
    "instance",
    "sense",
    "m x n",
    "status",
    "best-known",
    "ours",
    "gap%",
    "bound",
    "bnd-gap%",
    "t-best",
    "time",
]


def _cells(r: BenchRow, peer_names: list[str]) -> list[str]:
    cells = [
        r.instance,
        r.sense,
        f"{r.agents}x{r.jobs}",
        r.status,
        _fmt(r.best_known),
        _fmt(r.objective),
        _fmt(r.gap_best_pct, 3),
        _fmt(r.bound),
        _fmt(r.gap_bound_pct, 3),
        _fmt(r.time_to_best, 1),
        _fmt(r.runtime, 1),
    ]
    cells += [_fmt(r.peers[p].objective) if p in r.peers else "-" for p in peer_names]
    if peer_names:
        cells.append(r.winner())
    return cells


def table_lines(rows: list[BenchRow], peer_names: list[str], header: bool = True) -> list[str]:
    """Fixed-width lines, so rows printed one at a time as they finish still line up."""
    head = _HEAD + peer_names + (["winner"] if peer_names else [])
    widths = [max(len(h), 10) for h in head]
    widths[0] = max(widths[0], 9)
    lines = [_join(head, widths)] if header else []
    lines += [_join(_cells(r, peer_names), widths) for r in rows]
    return lines


def _join(cells: list[str], widths: list[int]) -> str:
    return "  ".join(c.rjust(w) for c, w in zip(cells, widths, strict=True))


def table(rows: list[BenchRow]) -> str:
    """The whole table; the peers' columns only when they ran."""
    return "\n".join(table_lines(rows, sorted({k for r in rows for k in r.peers})))


def summary(rows: list[BenchRow]) -> dict[str, float | int | list[str] | None]:
    gaps = [r.gap_best_pct for r in rows if r.gap_best_pct is not None]
    out: dict[str, float | int | list[str] | None] = {
        "instances": len(rows),
        "with_best_known": len(gaps),
        "mean_gap_best_pct": float(np.mean(gaps)) if gaps else None,
        "max_gap_best_pct": float(np.max(gaps)) if gaps else None,
        "proven_optimal": sum(r.status == "optimal" for r in rows),
    }
    for peer in sorted({k for r in rows for k in r.peers}):
        verdicts = [r.beats(peer) for r in rows if peer in r.peers]
        ties = sum(
            1 for r in rows if peer in r.peers and r.peers[peer].objective is not None
            and r.peers[peer].objective == r.objective
        )  # fmt: skip
        out[f"better_than_{peer}_pct"] = 100.0 * sum(bool(v) for v in verdicts) / len(verdicts)
        out[f"tied_with_{peer}"] = ties
    raced = [r for r in rows if r.peers]
    if raced:
        # Against all peers at once: strictly better than every one, or at least as good as
        # every one (which counts ties, e.g. everyone at the proven optimum), or worse than one.
        out["beats_every_peer"] = sum(all(r.beats(p) for p in r.peers) for r in raced)
        out["no_worse_than_any_peer"] = sum(not r.worse_than() for r in raced)
        out["worse_than_a_peer"] = sorted(
            f"{r.instance}:{'/'.join(r.worse_than())}" for r in raced if r.worse_than()
        )
    return out


def summary_lines(rows: list[BenchRow]) -> str:
    s = summary(rows)
    lines = [f"instances: {s['instances']}  proven optimal: {s['proven_optimal']}"]
    if s["mean_gap_best_pct"] is not None:
        lines.append(
            f"gap to best-known over {s['with_best_known']}: mean {s['mean_gap_best_pct']:.3f} %, "
            f"max {s['max_gap_best_pct']:.3f} %"
        )
    for key, value in s.items():
        if key.startswith("better_than_"):
            peer = key.removeprefix("better_than_").removesuffix("_pct")
            lines.append(
                f"strictly better than {peer}: {value:.1f} % of instances (ties: {s[f'tied_with_{peer}']})"
            )
    if "beats_every_peer" in s:
        n = s["instances"]
        lines.append(f"strictly better than every peer: {s['beats_every_peer']} of {n}")
        lines.append(f"no worse than any peer (ties included): {s['no_worse_than_any_peer']} of {n}")
        worse = s["worse_than_a_peer"]
        assert isinstance(worse, list)
        lines.append(f"worse than a peer: {len(worse)} of {n}" + (f" ({', '.join(worse)})" if worse else ""))
    return "\n".join(lines)
