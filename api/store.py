"""The one place that reads and writes rows. Every method opens its own short transaction, so
the store is safe to share between request threads and holds no state beyond the session factory.

Workspaces: a lookup by id takes the asking key's `workspace` and finds nothing (None: answered
404) outside it; lists take it always. `workspace=None` is for the server's own work on a record
it was handed (a worker, a re-plan), never for a request. A new row gets its workspace from the
key that made it, or from its parent row (a plan from its data set)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, TypeVar, cast

from sqlalchemy import CursorResult, func, select, update
from sqlalchemy.orm import Session, sessionmaker

from api.db import (
    AdoptionRow,
    AdviceRow,
    CalendarRow,
    DatasetRow,
    DatasetVersionRow,
    EventRow,
    JobRow,
    PlanRow,
    now,
)
from api.paging import MAX_VERSION, clamp_offset

ACTIVE_JOB_STATES = ("queued", "running")

T = TypeVar("T")
Scoped = TypeVar("Scoped", DatasetRow, PlanRow, JobRow, CalendarRow, AdviceRow)
RecordT = TypeVar("RecordT", JobRow, CalendarRow, AdviceRow)
JobKind = type[JobRow] | type[CalendarRow] | type[AdviceRow]
JOB_KINDS: tuple[JobKind, ...] = (JobRow, CalendarRow, AdviceRow)


def found(row: T | None, what: str) -> T:
    """The row asked for; LookupError (answered 404) naming `what` when there is none."""
    if row is None:
        raise LookupError(f"{what} not found")
    return row


def in_workspace(row: Scoped | None, workspace: str | None) -> Scoped | None:
    """The row if it lives in `workspace` (None: any); else None, as if there were no such row."""
    if row is None or workspace is None or row.workspace == workspace:
        return row
    return None


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
    def create_dataset(
        self, name: str, payload: dict[str, Any], actor: str, counts: tuple[int, int], *, workspace: str
    ) -> str:
        with self.session() as s:
            row = DatasetRow(name=name, created_by=actor, workspace=workspace)
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

    def dataset(self, dataset_id: str, *, workspace: str | None) -> DatasetRow | None:
        with self.session() as s:
            return in_workspace(s.get(DatasetRow, dataset_id), workspace)

    def datasets(self, limit: int, offset: int, *, workspace: str) -> list[DatasetRow]:
        with self.session() as s:
            q = (
                select(DatasetRow)
                .where(DatasetRow.workspace == workspace)
                .order_by(DatasetRow.created_at, DatasetRow.id)
                .limit(limit)
                .offset(clamp_offset(offset))
            )
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
            elif not 1 <= version <= MAX_VERSION:
                return None  # no such version, and more than the column can compare against
            else:
                q = q.where(DatasetVersionRow.version == version)
            return s.scalar(q)

    def set_current_plan(self, s: Session, dataset_id: str, plan_id: str, *, actor: str, how: str) -> None:
        """Make `plan_id` the plan in force and, when that changes it, record who did and how
        (`api.db.ADOPTION_HOW`) in the adoptions audit, inside the caller's transaction."""
        before = s.execute(
            select(DatasetRow.current_plan_id, DatasetRow.workspace).where(DatasetRow.id == dataset_id)
        ).one()
        if before.current_plan_id == plan_id:
            return
        s.execute(update(DatasetRow).where(DatasetRow.id == dataset_id).values(current_plan_id=plan_id))
        s.add(
            AdoptionRow(
                dataset_id=dataset_id,
                plan_id=plan_id,
                previous_plan_id=before.current_plan_id,
                how=how,
                adopted_by=actor,
                workspace=before.workspace,
            )
        )

    def adopt(self, dataset_id: str, plan_id: str, actor: str) -> None:
        with self.session() as s:
            self.set_current_plan(s, dataset_id, plan_id, actor=actor, how="adopted")

    def adoptions(self, dataset_id: str, limit: int, offset: int) -> list[tuple[AdoptionRow, PlanRow | None]]:
        """The plan-in-force audit of a data set, oldest first, each row with its plan (None if gone)."""
        with self.session() as s:
            q = (
                select(AdoptionRow, PlanRow)
                .outerjoin(PlanRow, PlanRow.id == AdoptionRow.plan_id)
                .where(AdoptionRow.dataset_id == dataset_id)
                .order_by(AdoptionRow.adopted_at, AdoptionRow.id)
                .limit(limit)
                .offset(clamp_offset(offset))
            )
            return [(a, p) for a, p in s.execute(q)]

    # --- job records: solve jobs, calendars, hire advice -------------------------------------------
    # Each kind is a table of its own with one life cycle: queued -> running -> an end. A write to a
    # record is conditional on it still being queued or running, so a cancel that lands mid-run wins
    # over the result.
    def create_record(
        self, kind: type[RecordT], request: dict[str, Any], actor: str, **columns: Any
    ) -> RecordT:
        """A queued record of `kind`; `columns` are the kind's own (what it is for)."""
        with self.session() as s:
            row = kind(**columns, request=request, status="queued", created_by=actor)
            s.add(row)
            s.flush()
            return row

    def record(self, kind: type[RecordT], record_id: str, *, workspace: str | None) -> RecordT | None:
        with self.session() as s:
            return in_workspace(s.get(kind, record_id), workspace)

    def update_active(self, kind: JobKind, record_id: str, **values: Any) -> bool:
        """Change a record that is still queued or running; False once it has finished."""
        with self.session() as s:
            res = s.execute(
                update(kind).where(kind.id == record_id, kind.status.in_(ACTIVE_JOB_STATES)).values(**values)
            )
            return rows_changed(res) > 0

    def cancel(self, kind: JobKind, record_id: str) -> bool:
        """Mark an unfinished record cancelled; False when it had already finished."""
        return self.update_active(
            kind, record_id, status="cancelled", finished_at=now(), error="cancelled by request"
        )

    def fail(self, kind: JobKind, record_id: str, reason: str) -> bool:
        return self.update_active(kind, record_id, status="failed", error=reason, finished_at=now())

    def fail_unfinished(self, reason: str) -> int:
        """Mark every queued or running record of every kind failed; how many there were."""
        failed = 0
        for kind in JOB_KINDS:
            with self.session() as s:
                res = s.execute(
                    update(kind)
                    .where(kind.status.in_(ACTIVE_JOB_STATES))
                    .values(status="failed", error=reason, finished_at=now())
                )
                failed += rows_changed(res)
        return failed

    # --- jobs --------------------------------------------------------------------------------------
    def create_job(
        self, dataset_id: str, version: int, request: dict[str, Any], actor: str, *, workspace: str
    ) -> JobRow:
        return self.create_record(
            JobRow, request, actor, dataset_id=dataset_id, dataset_version=version, workspace=workspace
        )

    def job(self, job_id: str, *, workspace: str | None) -> JobRow | None:
        return self.record(JobRow, job_id, workspace=workspace)

    def jobs(self, limit: int, offset: int, *, workspace: str) -> list[JobRow]:
        with self.session() as s:
            q = (
                select(JobRow)
                .where(JobRow.workspace == workspace)
                .order_by(JobRow.created_at.desc(), JobRow.id)
                .limit(limit)
                .offset(clamp_offset(offset))
            )
            return list(s.scalars(q))

    # --- plans -------------------------------------------------------------------------------------
    def add_plan(self, s: Session, row: PlanRow, *, make_current: bool) -> str:
        """Store a plan in its data set's workspace; the data set's current plan if asked or first."""
        dataset = s.execute(
            select(DatasetRow.current_plan_id, DatasetRow.workspace).where(DatasetRow.id == row.dataset_id)
        ).one()
        row.workspace = dataset.workspace
        s.add(row)
        s.flush()
        if make_current or dataset.current_plan_id is None:
            how = "event" if row.event_id else "solve" if make_current else "first_plan"
            self.set_current_plan(s, row.dataset_id, row.id, actor=row.created_by, how=how)
        return row.id

    def plan(self, plan_id: str, *, workspace: str | None) -> PlanRow | None:
        with self.session() as s:
            return in_workspace(s.get(PlanRow, plan_id), workspace)

    def plans(self, dataset_id: str | None, limit: int, offset: int, *, workspace: str) -> list[PlanRow]:
        with self.session() as s:
            q = select(PlanRow).where(PlanRow.workspace == workspace)
            if dataset_id is not None:
                q = q.where(PlanRow.dataset_id == dataset_id)
            q = q.order_by(PlanRow.created_at.desc(), PlanRow.id).limit(limit).offset(clamp_offset(offset))
            return list(s.scalars(q))

    # --- calendars ---------------------------------------------------------------------------------
    def create_calendar(
        self, plan_id: str, request: dict[str, Any], actor: str, *, workspace: str
    ) -> CalendarRow:
        return self.create_record(CalendarRow, request, actor, plan_id=plan_id, workspace=workspace)

    def calendar(self, calendar_id: str, *, workspace: str | None) -> CalendarRow | None:
        return self.record(CalendarRow, calendar_id, workspace=workspace)

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

    # --- hire advice -------------------------------------------------------------------------------
    def create_advice(
        self, dataset_id: str, version: int, request: dict[str, Any], actor: str, *, workspace: str
    ) -> AdviceRow:
        return self.create_record(
            AdviceRow, request, actor, dataset_id=dataset_id, dataset_version=version, workspace=workspace
        )

    def advice(self, advice_id: str, *, workspace: str | None) -> AdviceRow | None:
        return self.record(AdviceRow, advice_id, workspace=workspace)

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
                .offset(clamp_offset(offset))
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
