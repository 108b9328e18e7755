"""Charts as inline SVG (and PNG for files), drawn with matplotlib's object API.

`matplotlib.figure.Figure` is used directly, never pyplot: no global figure state,
no GUI backend, safe inside a server. matplotlib is imported here only, so commands
that draw nothing do not pay for it.
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from matplotlib.figure import Figure

_BAR = "#4c78a8"
_CAP = "#e45756"
_PALETTE = ("#4c78a8", "#f58518", "#54a24b", "#b279a2", "#e45756", "#72b7b2", "#eeca3b", "#9d755d")


def new_figure(width: float = 9.0, height: float = 3.6) -> Figure:
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), layout="constrained")
    return fig


def to_svg(fig: Figure, salt: str) -> str:
    """The figure as an <svg> element for inlining; `salt` keeps element ids unique per page
    and makes the output byte-identical across runs (no date, no random ids)."""
    import matplotlib

    buf = io.StringIO()
    with matplotlib.rc_context({"svg.hashsalt": salt, "svg.fonttype": "none"}):
        fig.savefig(buf, format="svg", metadata={"Date": None})
    text = buf.getvalue()
    return text[text.index("<svg") :]


def to_png(fig: Figure) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, metadata={"Software": None})
    return buf.getvalue()


def hours_vs_capacity(managers: Sequence[dict[str, Any]]) -> Figure:
    """One bar per manager (hours per month), capacity as a red tick on each bar."""
    fig = new_figure(width=max(6.0, 0.55 * len(managers) + 2))
    ax = fig.add_subplot()
    ids = [m["manager_id"] for m in managers]
    x = range(len(ids))
    ax.bar(x, [m["hours"] for m in managers], color=_BAR, label="hours / month")
    ax.scatter(x, [m["capacity_hours"] for m in managers], marker="_", s=400, color=_CAP, label="capacity")
    ax.set_xticks(list(x), ids, rotation=60, fontsize=8)
    ax.set_ylabel("hours per month")
    ax.legend(loc="upper right", fontsize=8)
    ax.grid(axis="y", alpha=0.3)
    return fig


def utilisation_histogram(utilisation: Sequence[float], low: float, high: float) -> Figure:
    fig = new_figure(width=6.0, height=3.2)
    ax = fig.add_subplot()
    values = [100 * u for u in utilisation]
    top = max([110.0, *values])
    ax.hist(values, bins=[b * 5.0 for b in range(int(top // 5) + 2)], color=_BAR, edgecolor="white")
    for cut, label in ((low, "under-use"), (high, "overload")):
        ax.axvline(100 * cut, color=_CAP, linestyle="--", linewidth=1)
        ax.text(
            100 * cut,
            ax.get_ylim()[1] * 0.97,
            f" {label}",
            color=_CAP,
            fontsize=8,
            va="top",
            bbox={"facecolor": "white", "edgecolor": "none", "alpha": 0.8, "pad": 1},
        )
    ax.set_xlabel("utilisation (%)")
    ax.set_ylabel("managers")
    from matplotlib.ticker import MaxNLocator

    ax.yaxis.set_major_locator(MaxNLocator(integer=True))  # a count of managers has no halves
    return fig


def utilisation_by_plan(
    manager_ids: Sequence[str], series: Sequence[tuple[str, Sequence[float | None]]]
) -> Figure:
    """Grouped bars: utilisation of each manager in each plan (missing = not on the team)."""
    fig = new_figure(width=max(7.0, 0.35 * len(manager_ids) * len(series) + 2))
    ax = fig.add_subplot()
    width = 0.8 / max(len(series), 1)
    for k, (name, values) in enumerate(series):
        xs = [j + (k - (len(series) - 1) / 2) * width for j in range(len(manager_ids))]
        ax.bar(
            xs, [100 * (v or 0.0) for v in values], width=width, label=name, color=_PALETTE[k % len(_PALETTE)]
        )
    ax.axhline(100, color=_CAP, linewidth=1)
    ax.set_xticks(list(range(len(manager_ids))), list(manager_ids), rotation=60, fontsize=8)
    ax.set_ylabel("utilisation (%)")
    # Above the axes: inside, it would hide the bars of the first managers.
    ax.legend(
        fontsize=8, ncols=min(len(series), 6), loc="lower center", bbox_to_anchor=(0.5, 1.0), frameon=False
    )
    ax.grid(axis="y", alpha=0.3)
    return fig


def kpi_bars(names: Sequence[str], panels: Sequence[tuple[str, Sequence[float]]]) -> Figure:
    """Small multiples: one bar chart per KPI, one bar per plan."""
    fig = new_figure(width=3.0 * len(panels) + 1, height=3.0)
    axes = fig.subplots(1, len(panels), squeeze=False)[0]
    for ax, (title, values) in zip(axes, panels, strict=True):
        ax.bar(range(len(names)), values, color=[_PALETTE[k % len(_PALETTE)] for k in range(len(names))])
        ax.set_title(title, fontsize=9)
        ax.set_xticks(list(range(len(names))), list(names), rotation=45, fontsize=7, ha="right")
        ax.grid(axis="y", alpha=0.3)
    return fig


def pareto_front(points: Sequence[dict[str, Any]]) -> Figure:
    """Disruption (moves) against balance (utilisation spread) and against value left unserved."""
    fig = new_figure(width=10.0, height=3.8)
    left, right = fig.subplots(1, 2)
    moves = [p["moves"] for p in points]
    for ax, key, label in (
        (left, "utilisation_spread", "utilisation spread max − min (%)"),
        (right, "value_unserved", "value unserved (points)"),
    ):
        ys = [100 * p[key] if key == "utilisation_spread" else p[key] for p in points]
        ax.plot(moves, ys, color="#bbbbbb", linewidth=1, zorder=1)
        ax.scatter(moves, ys, color=_BAR, zorder=2)
        for p, x, y in zip(points, moves, ys, strict=True):
            ax.annotate(p["label"], (x, y), textcoords="offset points", xytext=(4, 4), fontsize=8)
        ax.set_xlabel("voluntary moves (disruption)")
        ax.set_ylabel(label)
        ax.grid(alpha=0.3)
    return fig


def safe_id(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_-]", "-", text)


def opportunity_by_peers(managers: Sequence[dict[str, Any]]) -> Figure:
    """Value carried and strategic accounts held per manager, managers side by side within
    their seniority (one colour per seniority): what peers get (#18 item 4)."""
    order = {"principal": 0, "senior": 1, "junior": 2}
    rows = sorted(managers, key=lambda m: (order.get(m["seniority"], 3), m["seniority"], m["manager_id"]))
    levels = list(dict.fromkeys(m["seniority"] for m in rows))
    colour = {s: _PALETTE[k % len(_PALETTE)] for k, s in enumerate(levels)}
    fig = new_figure(width=max(6.0, 0.55 * len(rows) + 2), height=4.6)
    top, bottom = fig.subplots(2, 1, sharex=True)
    x = list(range(len(rows)))
    colours = [colour[m["seniority"]] for m in rows]
    top.bar(x, [m["value_carried"] for m in rows], color=colours)
    top.set_ylabel("value carried")
    bottom.bar(x, [m["accounts_by_tier"]["strategic"] for m in rows], color=colours)
    bottom.set_ylabel("strategic accounts")
    bottom.set_xticks(x, [m["manager_id"] for m in rows], rotation=60, fontsize=8)
    for ax in (top, bottom):
        ax.grid(axis="y", alpha=0.3)
    from matplotlib.patches import Patch

    top.legend([Patch(color=colour[s]) for s in levels], levels, fontsize=8, loc="upper right")
    return fig
