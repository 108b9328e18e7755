"""Write an alternatives directory: one plan directory per alternative, the front as
front.json, front.svg, front.png and an index.html that links them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from planner.io.outdir import OutputDir, atomic_directory
from planner.io.plan_dir import write_json
from planner.scenario.alternatives import Alternative, Sweep
from planner.scenario.run import input_paths, write_plan_dir


def plan_dir_name(rank: int, alt: Alternative) -> str:
    moves = alt.point["moves"]
    return f"{rank:02d}-moves-{moves:04d}" + ("-as-written" if alt.budget is None else "")


def write_alternatives(out: Path | OutputDir, scenario_name: str, result: Sweep) -> list[dict[str, Any]]:
    from planner.reports import charts
    from planner.reports.front_page import front_html

    points = []
    for rank, alt in enumerate(result.alternatives, start=1):
        points.append({"dir": plan_dir_name(rank, alt), **alt.point})
    dropped = [{"budget": b, "reason": r} for b, r in result.dropped]
    fig = charts.pareto_front(points)
    svg = charts.to_svg(fig, "front")
    inputs = [path for alt in result.alternatives for path in input_paths(alt.resolved)]
    with atomic_directory(out, "alternatives", inputs) as scratch:
        for alt, point in zip(result.alternatives, points, strict=True):
            write_plan_dir(scratch / point["dir"], alt.resolved, alt.outcome)
        write_json(scratch / "front.json", {"scenario": scenario_name, "plans": points, "dropped": dropped})
        (scratch / "front.svg").write_text(svg, encoding="utf-8")
        (scratch / "front.png").write_bytes(charts.to_png(fig))
        (scratch / "index.html").write_text(front_html(scenario_name, points, dropped, svg), encoding="utf-8")
    return points
