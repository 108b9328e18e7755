"""The one place that reads and writes rows. Every method opens its own short transaction, so
the store is safe to share between request threads and holds no state beyond the session factory."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, cast

from sqlalchemy import CursorResult, func, select, update
from sqlalchemy.orm import Session, sessionmaker

from api.db import AdviceRow, CalendarRow, DatasetRow, DatasetVersionRow, EventRow, JobRow, PlanRow, now

ACTIVE_JOB_STATES = ("queued", "running")


def rows_changed(result: Any) -> int:
    """Rows an UPDATE changed (SQLAlchemy types `execute` as a plain Result, which has no count)."""
    return cast("CursorResult[Any]", result).rowcount


class Store:
    def __init__(self, sessions: sessionmaker):
        self._sessions = sessions

    @contextmanager
    def session(self) -> Iterator[Session]:
        with self._sessions.begin() as s:
            yield s

    # --- data sets ---------------------------------------------------------------------------------
    def create_dataset(self, name: str, payload: dict[str, Any], actor: str, counts: tuple[int, int]) -> str:
        with self.session() as s:
            row = DatasetRow(name=name, created_by=actor)
            s.add(row)
            s.flush()
            s.add(_version(row.id, 1, payload, "upload", actor, counts))
            return row.id

    def add_version(
        self,
        s: Session,
        dataset_id: str,
        payload: dict[str, Any],
        source: str,
        actor: str,
        counts: tuple[int, int],
    ) -> int:
        """Append a version inside the caller's transaction; the unique key rejects a racing twin."""
        latest = s.scalar(
            select(func.max(DatasetVersionRow.version)).where(DatasetVersionRow.dataset_id == dataset_id)
        )
        version = (latest or 0) + 1
        s.add(_version(dataset_id, version, payload, source, actor, counts))
        s.flush()
        return version

    def new_version(
        self, dataset_id: str, payload: dict[str, Any], source: str, actor: str, counts: tuple[int, int]
    ) -> int:
        with self.session() as s:
            return self.add_version(s, dataset_id, payload, source, actor, counts)

    def dataset(self, dataset_id: str) -> DatasetRow | None:
        with self.session() as s:
            return s.get(DatasetRow, dataset_id)

    def datasets(self, limit: int, offset: int) -> list[DatasetRow]:
        with self.session() as s:
            q = select(DatasetRow).order_by(DatasetRow.created_at, DatasetRow.id).limit(limit).offset(offset)
            return list(s.scalars(q))

    def latest_versions(self, ids: list[str]) -> dict[str, int]:
        with self.session() as s:
            q = (
                select(DatasetVersionRow.dataset_id, func.max(DatasetVersionRow.version))
                .where(DatasetVersionRow.dataset_id.in_(ids))
                .group_by(DatasetVersionRow.dataset_id)
            )
            return {d: v for d, v in s.execute(q)}

    def versions(self, dataset_id: str) -> list[DatasetVersionRow]:
        with self.session() as s:
            q = (
                select(DatasetVersionRow)
                .where(DatasetVersionRow.dataset_id == dataset_id)
                .order_by(DatasetVersionRow.version)
            )
            return list(s.scalars(q))

    def version(self, dataset_id: str, version: int | None) -> DatasetVersionRow | None:
        with self.session() as s:
            q = select(DatasetVersionRow).where(DatasetVersionRow.dataset_id == dataset_id)
            if version is None:
                q = q.order_by(DatasetVersionRow.version.desc()).limit(1)
            else:
                q = q.where(DatasetVersionRow.version == version)
            return s.scalar(q)

    def set_current_plan(self, s: Session, dataset_id: str, plan_id: str) -> None:
        s.execute(update(DatasetRow).where(DatasetRow.id == dataset_id).values(current_plan_id=plan_id))

    def adopt(self, dataset_id: str, plan_id: str) -> None:
        with self.session() as s:
            self.set_current_plan(s, dataset_id, plan_id)

    # --- jobs --------------------------------------------------------------------------------------
    def create_job(self, dataset_id: str, version: int, request: dict[str, Any], actor: str) -> JobRow:
        with self.session() as s:
            row = JobRow(
                dataset_id=dataset_id,
                dataset_version=version,
                request=request,
                status="queued",
                created_by=actor,
            )
            s.add(row)
            s.flush()
            return row

    def job(self, job_id: str) -> JobRow | None:
        with self.session() as s:
            return s.get(JobRow, job_id)

    def jobs(self, limit: int, offset: int) -> list[JobRow]:
        with self.session() as s:
            q = select(JobRow).order_by(JobRow.created_at.desc(), JobRow.id).limit(limit).offset(offset)
            return list(s.scalars(q))

    def cancel_job(self, job_id: str) -> bool:
        """Mark an unfinished job cancelled; False when it had already finished."""
        with self.session() as s:
            res = s.execute(
                update(JobRow)
                .where(JobRow.id == job_id, JobRow.status.in_(ACTIVE_JOB_STATES))
                .values(status="cancelled", finished_at=now(), error="cancelled by request")
            )
            return rows_changed(res) > 0

    def fail_unfinished_jobs(self, reason: str) -> int:
        with self.session() as s:
            res = s.execute(
                update(JobRow)
                .where(JobRow.status.in_(ACTIVE_JOB_STATES))
                .values(status="failed", error=reason, finished_at=now())
            )
            return rows_changed(res)

    def fail_job(self, job_id: str, reason: str) -> None:
        with self.session() as s:
            s.execute(
                update(JobRow)
                .where(JobRow.id == job_id, JobRow.status.in_(ACTIVE_JOB_STATES))
                .values(status="failed", error=reason, finished_at=now())
            )

    # --- plans -------------------------------------------------------------------------------------
    def add_plan(self, s: Session, row: PlanRow, *, make_current: bool) -> str:
        s.add(row)
        s.flush()
        current = s.scalar(select(DatasetRow.current_plan_id).where(DatasetRow.id == row.dataset_id))
        if make_current or current is None:
            self.set_current_plan(s, row.dataset_id, row.id)
        return row.id

    def plan(self, plan_id: str) -> PlanRow | None:
        with self.session() as s:
            return s.get(PlanRow, plan_id)

    def plans(self, dataset_id: str | None, limit: int, offset: int) -> list[PlanRow]:
        with self.session() as s:
            q = select(PlanRow)
            if dataset_id is not None:
                q = q.where(PlanRow.dataset_id == dataset_id)
            q = q.order_by(PlanRow.created_at.desc(), PlanRow.id).limit(limit).offset(offset)
            return list(s.scalars(q))

    # --- calendars ---------------------------------------------------------------------------------
    def create_calendar(self, plan_id: str, request: dict[str, Any], actor: str) -> CalendarRow:
        with self.session() as s:
            row = CalendarRow(plan_id=plan_id, request=request, status="queued", created_by=actor)
            s.add(row)
            s.flush()
            return row

    def calendar(self, calendar_id: str) -> CalendarRow | None:
        with self.session() as s:
            return s.get(CalendarRow, calendar_id)

    def latest_calendar(self, plan_id: str, status: str | None = None) -> CalendarRow | None:
        with self.session() as s:
            q = select(CalendarRow).where(CalendarRow.plan_id == plan_id)
            if status is not None:
                q = q.where(CalendarRow.status == status)
            return s.scalar(q.order_by(CalendarRow.created_at.desc(), CalendarRow.id).limit(1))

    def active_calendar(self, plan_id: str) -> CalendarRow | None:
        with self.session() as s:
            q = select(CalendarRow).where(
                CalendarRow.plan_id == plan_id, CalendarRow.status.in_(ACTIVE_JOB_STATES)
            )
            return s.scalar(q.limit(1))

    def update_active_calendar(self, calendar_id: str, **values: Any) -> bool:
        """Change a calendar that is still queued or running; False once it has finished, so a
        cancel that lands mid-build wins over the result."""
        with self.session() as s:
            res = s.execute(
                update(CalendarRow)
                .where(CalendarRow.id == calendar_id, CalendarRow.status.in_(ACTIVE_JOB_STATES))
                .values(**values)
            )
            return rows_changed(res) > 0

    def fail_unfinished_calendars(self, reason: str) -> int:
        with self.session() as s:
            res = s.execute(
                update(CalendarRow)
                .where(CalendarRow.status.in_(ACTIVE_JOB_STATES))
                .values(status="failed", error=reason, finished_at=now())
            )
            return rows_changed(res)

    # --- hire advice -------------------------------------------------------------------------------
    def create_advice(self, dataset_id: str, version: int, request: dict[str, Any], actor: str) -> AdviceRow:
        with self.session() as s:
            row = AdviceRow(
                dataset_id=dataset_id,
                dataset_version=version,
                request=request,
                status="queued",
                created_by=actor,
            )
            s.add(row)
            s.flush()
            return row

    def advice(self, advice_id: str) -> AdviceRow | None:
        with self.session() as s:
            return s.get(AdviceRow, advice_id)

    def update_active_advice(self, advice_id: str, **values: Any) -> bool:
        """Change an advice job that is still queued or running; False once it has finished, so
        a cancel that lands mid-run wins over the result."""
        with self.session() as s:
            res = s.execute(
                update(AdviceRow)
                .where(AdviceRow.id == advice_id, AdviceRow.status.in_(ACTIVE_JOB_STATES))
                .values(**values)
            )
            return rows_changed(res) > 0

    def fail_unfinished_advice(self, reason: str) -> int:
        with self.session() as s:
            res = s.execute(
                update(AdviceRow)
                .where(AdviceRow.status.in_(ACTIVE_JOB_STATES))
                .values(status="failed", error=reason, finished_at=now())
            )
            return rows_changed(res)

    # --- events ------------------------------------------------------------------------------------
    def event_by_key(self, dataset_id: str, key: str) -> EventRow | None:
        with self.session() as s:
            q = select(EventRow).where(EventRow.dataset_id == dataset_id, EventRow.idempotency_key == key)
            return s.scalar(q)

    def events(self, dataset_id: str, limit: int, offset: int) -> list[EventRow]:
        with self.session() as s:
            q = (
                select(EventRow)
                .where(EventRow.dataset_id == dataset_id)
                .order_by(EventRow.created_at, EventRow.id)
                .limit(limit)
                .offset(offset)
            )
            return list(s.scalars(q))


def _version(
    dataset_id: str, version: int, payload: dict[str, Any], source: str, actor: str, counts: tuple[int, int]
) -> DatasetVersionRow:
    return DatasetVersionRow(
        dataset_id=dataset_id,
        version=version,
        payload=payload,
        source=source,
        created_by=actor,
        n_managers=counts[0],
        n_accounts=counts[1],
    )
