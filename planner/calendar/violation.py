"""One broken calendar rule, as `planner check-calendar` lists it (planner.calendar.check)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


@dataclass(frozen=True)
class CalendarViolation:
    rule: str
    manager_id: str
    account_id: str
    date: dt.date | None
    detail: str

    def as_dict(self) -> dict[str, str]:
        return {
            "rule": self.rule,
            "manager_id": self.manager_id,
            "account_id": self.account_id,
            "date": self.date.isoformat() if self.date else "",
            "detail": self.detail,
        }
