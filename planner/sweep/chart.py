"""The sweep's Pareto chart: value lost against balance, moves and travel.

Three panels share the value axis; every point with a plan is drawn, the ones no other point
beats on all four criteria (the Pareto set) in colour and the rest in grey, so a director sees
what each criterion costs in value and which settings are never worth taking.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from planner.reports.charts import new_figure, to_png, to_svg

PANELS = (
    ("utilisation_spread", "balance: utilisation spread (fullest - emptiest)"),
    ("voluntary_moves", "voluntary moves"),
    ("travel_hours", "travel, hours a month"),
)


def write_pareto_chart(rows: Sequence[dict[str, Any]], out: Path, stem: str = "pareto") -> list[Path]:
    """`stem`.png and `stem`.svg from sweep rows that have a plan (`pareto` marks the front)."""
    fig = new_figure(width=12.0, height=4.0)
    axes = fig.subplots(1, len(PANELS), sharey=True)
    front = [r for r in rows if r["pareto"]]
    rest = [r for r in rows if not r["pareto"]]
    for ax, (key, title) in zip(axes, PANELS, strict=True):
        ax.scatter(
            [r[key] for r in rest], [r["value_lost"] for r in rest], s=14, color="#bbbbbb", label="dominated"
        )
        ax.scatter(
            [r[key] for r in front],
            [r["value_lost"] for r in front],
            s=22,
            color="#f58518",
            label="Pareto set",
        )
        ax.set_xlabel(title, fontsize=8)
        ax.grid(alpha=0.3)
    axes[0].set_ylabel("value lost (lower is better)")
    axes[0].legend(fontsize=7, loc="best")
    fig.suptitle(f"Sweep: {len(front)} of {len(rows)} points on the Pareto set", fontsize=10)
    png, svg = out / f"{stem}.png", out / f"{stem}.svg"
    png.write_bytes(to_png(fig))
    svg.write_text(to_svg(fig, stem), encoding="utf-8")
    return [png, svg]
