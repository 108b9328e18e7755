"""A data set as the two CSV files the loader reads: `managers.csv` and `accounts.csv`.

Every field the loader reads round-trips (numbers in full precision, lists `;`-joined,
UTF-8, one header row). The generator writes its data sets with it; a plan directory's
recorded inputs use it for a data set a scenario changed (`planner.io.recorded`).
"""

from __future__ import annotations

import csv
from pathlib import Path

from planner.models import Dataset

MANAGER_COLUMNS = ("manager_id", "name", "seniority", "industries", "languages", "region", "home_lat",
                   "home_lon", "capacity_hours", "max_accounts", "active")  # fmt: skip
ACCOUNT_COLUMNS = ("account_id", "name", "industry", "language", "region", "lat", "lon", "annual_revenue",
                   "contract_value", "years_as_customer", "strategic_importance", "parent_id",
                   "current_manager_id", "tier")  # fmt: skip
# Optional columns, written only when some row has a value (files without them stay as they were,
# byte for byte).
OPTIONAL_MANAGER_COLUMNS = ("performance", "roles")
OPTIONAL_ACCOUNT_COLUMNS = ("visit_every_weeks", "last_visit_date", "current_tier", "risk", "satisfaction",
                            "avoid_manager_id")  # fmt: skip
# After them, each extra tiering criterion (Account.criteria) as a column of its own name, and the
# account teams' columns: capacity_hours_<role> (managers), current_<role>_id (accounts).


def write_dataset_csv(dataset: Dataset, out_dir: Path) -> None:
    """Write `managers.csv` and `accounts.csv` (UTF-8, header row) into `out_dir`, creating it."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    capped = sorted({r for m in dataset.managers for r in m.role_capacity_hours})
    manager_rows = [
        [m.manager_id, m.name, m.seniority.value, ";".join(sorted(m.industries)),
         ";".join(sorted(m.languages)), m.region, _num(m.home_lat), _num(m.home_lon),
         _num(m.capacity_hours), "" if m.max_accounts is None else str(m.max_accounts),
         "true" if m.active else "false", _num(m.performance), ";".join(sorted(m.roles)),
         *(_num(m.role_capacity_hours.get(r)) for r in capped)]
        for m in dataset.managers
    ]  # fmt: skip
    criteria = sorted({c for a in dataset.accounts for c in a.criteria})
    held = sorted({r for a in dataset.accounts for r in a.current_team})
    account_rows = [
        [a.account_id, a.name, a.industry, a.language, a.region, _num(a.lat), _num(a.lon),
         _num(a.annual_revenue), _num(a.contract_value), _num(a.years_as_customer),
         str(a.strategic_importance), a.parent_id, a.current_manager_id, a.tier.value if a.tier else "",
         _num(a.visit_every_weeks), a.last_visit_date.isoformat() if a.last_visit_date else "",
         a.current_tier.value if a.current_tier else "",
         a.risk.value if a.risk else "", _num(a.satisfaction), ";".join(sorted(a.avoid_manager_ids)),
         *(_num(a.criteria.get(c)) for c in criteria),
         *(";".join(sorted(a.current_team.get(r, ()))) for r in held)]
        for a in dataset.accounts
    ]  # fmt: skip
    team_caps = tuple(f"capacity_hours_{r}" for r in capped)
    _write(
        out_dir / "managers.csv",
        *_used(MANAGER_COLUMNS, (*OPTIONAL_MANAGER_COLUMNS, *team_caps), manager_rows),
    )
    team_now = tuple(f"current_{r}_id" for r in held)
    _write(
        out_dir / "accounts.csv",
        *_used(ACCOUNT_COLUMNS, (*OPTIONAL_ACCOUNT_COLUMNS, *criteria, *team_now), account_rows),
    )


def _used(
    columns: tuple[str, ...], optional: tuple[str, ...], rows: list[list[str]]
) -> tuple[tuple[str, ...], list[list[str]]]:
    """The columns and rows without the optional columns (the rows' last ones) no row fills."""
    keep = list(range(len(columns))) + [
        len(columns) + k for k in range(len(optional)) if any(r[len(columns) + k] for r in rows)
    ]
    names = (*columns, *optional)
    return tuple(names[k] for k in keep), [[r[k] for k in keep] for r in rows]


def _num(x: float | None) -> str:
    # Whole numbers without a trailing ".0" keep the CSVs readable; repr round-trips everything else.
    if x is None:
        return ""
    return str(int(x)) if float(x).is_integer() else repr(float(x))


def _write(path: Path, header: tuple[str, ...], rows: list[list[str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)
