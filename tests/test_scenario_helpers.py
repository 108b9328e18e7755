"""Helpers, not tests (named test_* only to sit with the scenario tests): small data on disk.

Hand arithmetic (see toys.py): a standard account is 0.5 h per month without coordinates;
a key account is 1 visit x 2 h + 1 h admin = 3 h. Balance weight 0 unless a test asks.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from toys import write_rows

MANAGER_COLUMNS = [
    "manager_id",
    "name",
    "seniority",
    "industries",
    "languages",
    "region",
    "capacity_hours",
    "max_accounts",
    "active",
]
ACCOUNT_COLUMNS = ["account_id", "industry", "region", "current_manager_id", "tier", "parent_id"]


def write_data(
    folder: Path,
    managers: list[dict[str, Any]],
    accounts: list[dict[str, Any]],
    policy: dict[str, Any] | None = None,
) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    write_rows(folder / "managers.csv", [{"region": "r", **m} for m in managers], MANAGER_COLUMNS)
    write_rows(
        folder / "accounts.csv", [{"region": "r", "tier": "standard", **a} for a in accounts], ACCOUNT_COLUMNS
    )
    pol = {"weights": {"balance": 0}, **(policy or {})}
    (folder / "policy.yaml").write_text(yaml.safe_dump(pol), encoding="utf-8")
    return folder


def write_scenario(folder: Path, changes: list[dict[str, Any]], name: str = "toy", **extra: Any) -> Path:
    """A scenario next to the data written by `write_data`; paths relative, as a user writes them."""
    spec = {
        "name": name,
        "data": {"accounts": "accounts.csv", "managers": "managers.csv", "policy": "policy.yaml"},
        "changes": changes,
        "solver": {"time_limit_seconds": 10, "seed": 0, "threads": 1},
        **extra,
    }
    path = folder / f"{name}.yaml"
    path.write_text(yaml.safe_dump(spec, sort_keys=False), encoding="utf-8")
    return path


def standard_accounts(n: int, manager: str, prefix: str = "A") -> list[dict[str, Any]]:
    return [{"account_id": f"{prefix}{i}", "current_manager_id": manager} for i in range(1, n + 1)]


def write_plan_dir(
    folder: Path, data: Path, assignment: dict[str, str | None], status: str = "optimal"
) -> Path:
    """A plan directory as `planner assign` leaves it (plan.csv + summary.json), written by hand."""
    from planner.io.plan_dir import write_json

    folder.mkdir(parents=True, exist_ok=True)
    rows = [{"account_id": a, "manager_id": m or ""} for a, m in assignment.items()]
    write_rows(folder / "plan.csv", rows, ["account_id", "manager_id"])
    inputs = {k: str(data / f) for k, f in (("accounts", "accounts.csv"), ("managers", "managers.csv"))}
    inputs["policy"] = str(data / "policy.yaml")
    write_json(
        folder / "summary.json",
        {"inputs": inputs, "max_moves": None, "solver": {"name": "cpsat", "status": status, "gap": 0.0}},
    )
    return folder


class TableParser:
    """Every <table id=...> of a page as a list of rows of cell texts (header row first)."""

    def __init__(self, text: str) -> None:
        from html.parser import HTMLParser

        self.tables: dict[str, list[list[str]]] = {}
        self.svg_count = 0
        outer = self

        class _P(HTMLParser):
            current: str | None = None
            cell: list[str] | None = None

            def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
                if tag == "table":
                    self.current = dict(attrs).get("id") or ""
                    outer.tables[self.current] = []
                elif tag == "tr" and self.current is not None:
                    outer.tables[self.current].append([])
                elif tag in ("td", "th") and self.current is not None:
                    self.cell = []
                elif tag == "svg":
                    outer.svg_count += 1

            def handle_endtag(self, tag: str) -> None:
                if tag == "table":
                    self.current = None
                elif tag in ("td", "th") and self.current is not None and self.cell is not None:
                    outer.tables[self.current][-1].append("".join(self.cell).strip())
                    self.cell = None

            def handle_data(self, data: str) -> None:
                if self.cell is not None:
                    self.cell.append(data)

        parser = _P()
        parser.feed(text)
        parser.close()
