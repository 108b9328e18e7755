"""The risk chart: the leavers whose going costs most, and how full the team is after.

Left: value left uncovered per leaver set (the risk table's first key), with the accounts it
stands for written on the bar; where no one leaves accounts uncovered, the moves the re-plan
needs take its place, so the chart still says something. Right: the fullest manager after each
re-plan, against 100 %. Drawn with planner.reports.charts' helpers (no pyplot, no GUI backend).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from planner.reports.charts import new_figure, to_png, to_svg

TOP = 20  # bars drawn: a director reads the top of the list


def write_risk_chart(rows: Sequence[dict[str, Any]], out: Path, stem: str = "risk") -> list[Path]:
    """`stem`.png and `stem`.svg in `out` from risk rows (most at risk first)."""
    top = list(rows[:TOP])[::-1]  # barh draws bottom-up
    fig = new_figure(width=11.0, height=max(3.0, 0.32 * len(top) + 1.4))
    left, right = fig.subplots(1, 2, width_ratios=(3, 2), sharey=True)
    labels = [f"{r['names']}" if r["names"] else r["leavers"] for r in top]
    y = range(len(top))
    by_value = any(r["value_uncovered"] > 0 for r in top)
    if by_value:
        left.barh(y, [r["value_uncovered"] for r in top], color="#e45756")
        for k, r in enumerate(top):
            if r["uncovered"]:
                left.annotate(f" {r['uncovered']} acc.", (r["value_uncovered"], k), va="center", fontsize=7)
        left.set_xlabel("value left uncovered")
    else:
        left.barh(y, [r["forced_moves"] + r["voluntary_moves"] for r in top], color="#4c78a8")
        left.set_xlabel("accounts moved by the re-plan (every account finds a successor)")
    left.set_yticks(list(y), labels, fontsize=8)
    left.grid(axis="x", alpha=0.3)
    right.barh(y, [100 * r["utilisation_max"] for r in top], color="#f58518")
    right.axvline(100, color="#444444", linewidth=1)
    right.set_xlabel("fullest manager after, % of capacity")
    right.grid(axis="x", alpha=0.3)
    fig.suptitle(f"If they leave: the {len(top)} most costly of {len(rows)}", fontsize=10)
    return _write(fig, out, stem)


def write_bench_chart(rows: Sequence[dict[str, Any]], out: Path, stem: str = "bench") -> list[Path]:
    """A grid of region (rows) x language / seniority (columns): managers in each cell; thin
    cells (one person) stand out."""
    import numpy as np

    regions = sorted({r["region"] for r in rows})
    columns = sorted({(r["language"], r["seniority"]) for r in rows})
    grid = np.zeros((len(regions), len(columns)))
    for r in rows:
        grid[regions.index(r["region"]), columns.index((r["language"], r["seniority"]))] = r["managers"]
    fig = new_figure(width=max(5.0, 0.5 * len(columns) + 2.5), height=max(2.5, 0.35 * len(regions) + 1.8))
    ax = fig.add_subplot()
    image = ax.imshow(grid, cmap="Blues", aspect="auto", vmin=0)
    for i in range(len(regions)):
        for j in range(len(columns)):
            n = int(grid[i, j])
            if n:
                ax.text(
                    j, i, str(n), ha="center", va="center", fontsize=7, color="#e45756" if n == 1 else "black"
                )
    ax.set_yticks(range(len(regions)), regions, fontsize=8)
    ax.set_xticks(range(len(columns)), [f"{lang} / {sen}" for lang, sen in columns], rotation=60, fontsize=7)
    fig.colorbar(image, ax=ax, label="managers (red: one person)")
    ax.set_title("Bench strength: region x language / seniority", fontsize=10)
    return _write(fig, out, stem)


def _write(fig: Any, out: Path, stem: str) -> list[Path]:
    png, svg = out / f"{stem}.png", out / f"{stem}.svg"
    png.write_bytes(to_png(fig))
    svg.write_text(to_svg(fig, stem), encoding="utf-8")
    return [png, svg]
