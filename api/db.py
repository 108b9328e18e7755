"""Tables and the engine. Rows are appended, never overwritten: data set versions, plans and
events are history; only a job's status (a calendar's and a hire advice's with its result) and
a data set's current-plan pointer change in place.

Every table but the versions (reached through their data set) has a `workspace`: the API key's,
which sees nothing outside it. The schema is changed only by the migrations in
`api/migrations/versions` (`api.migrate`), which the server applies at start."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    DateTime,
    Engine,
    ForeignKey,
    Integer,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    create_engine,
    event,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, sessionmaker
from sqlalchemy.pool import NullPool

from api.auth import DEFAULT_WORKSPACE


def new_id() -> str:
    return uuid.uuid4().hex


def now() -> datetime:
    return datetime.now(UTC)


class UtcDateTime(TypeDecorator[datetime]):
    """A time stamp that comes back with its time zone: SQLite keeps none, so a naive value read
    back is the UTC it was written as (the API's date-time fields then carry an offset)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    type_annotation_map = {dict[str, Any]: JSON, list[Any]: JSON, datetime: UtcDateTime()}  # noqa: RUF012 (SQLAlchemy reads it once)


class InWorkspace:
    """The workspace a row lives in (an API key sees only its own). A mixin, so the column comes
    after the table's own ones, where the migration that added it put it; rows from before
    workspaces were moved to `default`, as keys without one are."""

    workspace: Mapped[str] = mapped_column(String(100), index=True, server_default=DEFAULT_WORKSPACE)


class DatasetRow(InWorkspace, Base):
    __tablename__ = "datasets"
    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=now)
    created_by: Mapped[str] = mapped_column(String(100))
    current_plan_id: Mapped[str | None] = mapped_column(String(32), default=None)


class DatasetVersionRow(Base):
    __tablename__ = "dataset_versions"
    __table_args__ = (UniqueConstraint("dataset_id", "version"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    dataset_id: Mapped[str] = mapped_column(ForeignKey("datasets.id"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    payload: Mapped[dict[str, Any]]  # Dataset.model_dump(mode="json")
    source: Mapped[str] = mapped_column(String(200))  # "upload", "event <id>", ...
    n_accounts: Mapped[int] = mapped_column(Integer)
    n_managers: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(default=now)
    created_by: Mapped[str] = mapped_column(String(100))


class JobRecord:
    """The columns every kind of job shares (solve jobs, calendars, hire advice): the key first,
    then, after the kind's own columns, when it was asked for, started and finished, and by whom.

    A mixin rather than repeated lines; SQLAlchemy places a mixin's columns after the class's own
    ones, and `sort_order` keeps the key first, so each table's columns stay in their old order.
    """

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id, sort_order=-1)
    created_at: Mapped[datetime] = mapped_column(default=now)
    started_at: Mapped[datetime | None] = mapped_column(default=None)
    finished_at: Mapped[datetime | None] = mapped_column(default=None)
    created_by: Mapped[str] = mapped_column(String(100))


class JobRow(JobRecord, InWorkspace, Base):
    __tablename__ = "jobs"
    dataset_id: Mapped[str] = mapped_column(ForeignKey("datasets.id"), index=True)
    dataset_version: Mapped[int] = mapped_column(Integer)
    request: Mapped[dict[str, Any]]
    status: Mapped[str] = mapped_column(String(20), index=True)
    progress: Mapped[dict[str, Any]] = mapped_column(default=dict)
    reasons: Mapped[list[Any]] = mapped_column(default=list)
    error: Mapped[str | None] = mapped_column(Text, default=None)
    plan_id: Mapped[str | None] = mapped_column(String(32), default=None)


class PlanRow(InWorkspace, Base):
    __tablename__ = "plans"
    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    dataset_id: Mapped[str] = mapped_column(ForeignKey("datasets.id"), index=True)
    dataset_version: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(200), default="")
    job_id: Mapped[str | None] = mapped_column(String(32), default=None)
    event_id: Mapped[str | None] = mapped_column(String(32), default=None)
    # The data the plan was made for when a scenario changed the stored version; else null.
    scenario_dataset: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)
    max_moves: Mapped[int | None] = mapped_column(Integer, default=None)
    assignment: Mapped[dict[str, Any]]
    # Also holds the plan's reduced service levels under "service" (account_id -> level name;
    # absent = full), as a key rather than a column: create_all adds no column to an old table.
    summary: Mapped[dict[str, Any]]
    created_at: Mapped[datetime] = mapped_column(default=now)
    created_by: Mapped[str] = mapped_column(String(100))
    # Account teams (planner.models.Plan.team): account_id -> role -> the person in each of the
    # role's slots (null: unfilled). SQL NULL for a plan without teams (migration 0007).
    team: Mapped[dict[str, Any] | None] = mapped_column(JSON(none_as_null=True), default=None)


class EventRow(InWorkspace, Base):
    """The audit log of staff changes: who (API key name), when, what, and the stored answer."""

    __tablename__ = "events"
    __table_args__ = (UniqueConstraint("dataset_id", "idempotency_key"),)
    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    dataset_id: Mapped[str] = mapped_column(ForeignKey("datasets.id"), index=True)
    idempotency_key: Mapped[str] = mapped_column(String(200))
    type: Mapped[str] = mapped_column(String(40))
    payload: Mapped[dict[str, Any]]
    actor: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(default=now)
    status_code: Mapped[int] = mapped_column(Integer)
    response: Mapped[dict[str, Any]]


class AdoptionRow(InWorkspace, Base):
    """The audit of the plan in force: one row each time a data set's current plan changes, with
    the plan before it, how (`ADOPTION_HOW`) and who. Appended, never changed; the plan a row
    names stays in force until the next row's time."""

    __tablename__ = "adoptions"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    dataset_id: Mapped[str] = mapped_column(ForeignKey("datasets.id"), index=True)
    plan_id: Mapped[str] = mapped_column(String(32))
    previous_plan_id: Mapped[str | None] = mapped_column(String(32), default=None)
    how: Mapped[str] = mapped_column(String(20))
    adopted_at: Mapped[datetime] = mapped_column(default=now)
    adopted_by: Mapped[str] = mapped_column(String(100))


# How a plan came into force: a person adopted it (PUT current-plan), a staff-change event made it,
# a solve job asked to adopt its plan, it was the data set's first plan, or it was already in force
# when the audit began (migration 0006: its time is the plan's own).
ADOPTION_HOW = ("adopted", "event", "solve", "first_plan", "before_audit")


class CalendarRow(JobRecord, InWorkspace, Base):
    """A visit calendar for a plan: a job while it is built, then its visits and summary.

    A table of its own rather than a kind of job: create_all adds a missing table to an existing
    database but never a column to an existing table. Each request is a new row; the plan's
    calendar is its latest row, its .ics files come from its latest finished one.
    """

    __tablename__ = "calendars"
    plan_id: Mapped[str] = mapped_column(ForeignKey("plans.id"), index=True)
    request: Mapped[dict[str, Any]]
    status: Mapped[str] = mapped_column(String(20), index=True)
    error: Mapped[str | None] = mapped_column(Text, default=None)
    summary: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)  # summary.json
    visits: Mapped[list[Any] | None] = mapped_column(JSON, default=None)  # the rows of visits.csv


class AdviceRow(JobRecord, InWorkspace, Base):
    """A hire-advice job for a data set version: its request, status, and the advice once done.

    A table of its own, like calendars: create_all adds a missing table to an existing database.
    """

    __tablename__ = "hire_advice"
    dataset_id: Mapped[str] = mapped_column(ForeignKey("datasets.id"), index=True)
    dataset_version: Mapped[int] = mapped_column(Integer)
    request: Mapped[dict[str, Any]]
    status: Mapped[str] = mapped_column(String(20), index=True)
    error: Mapped[str | None] = mapped_column(Text, default=None)
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)  # HireAdviceOut


class CalendarFeedRow(InWorkspace, Base):
    """A manager's calendar subscription: a secret URL a calendar app polls without an API key.

    Only the SHA-256 of the token is kept, so the table (a backup, a leak) does not give the URLs
    away; the token is shown once, when the feed is made. A revoked feed keeps its row (who made
    it and when it was revoked) and answers 404 like a token that never existed.
    """

    __tablename__ = "calendar_feeds"
    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    dataset_id: Mapped[str] = mapped_column(ForeignKey("datasets.id"), index=True)
    manager_id: Mapped[str] = mapped_column(String(100))
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=now)
    created_by: Mapped[str] = mapped_column(String(100))
    revoked_at: Mapped[datetime | None] = mapped_column(default=None)


class WebhookRow(Base):
    """A workspace's webhook: where the planner posts when a plan is adopted, and the secret
    it signs the body with (HMAC-SHA256). One per workspace; setting it again replaces it."""

    __tablename__ = "webhooks"
    workspace: Mapped[str] = mapped_column(String(100), primary_key=True)
    url: Mapped[str] = mapped_column(String(2000))
    secret: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=now)
    created_by: Mapped[str] = mapped_column(String(100))


def make_engine(url: str, *, pooled: bool = True) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30}, **_pool(pooled))
        # WAL lets the solve workers write progress while the API reads; the busy timeout
        # makes a writer wait for the lock instead of failing.
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    return create_engine(url, pool_pre_ping=True, **_pool(pooled))


def _pool(pooled: bool) -> dict[str, Any]:
    # Worker processes open one short connection per job; a pool there would only hold sockets.
    return {} if pooled else {"poolclass": NullPool}


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.close()


def make_sessions(engine: Engine) -> sessionmaker:
    """Sessions on a database whose schema is already at head (`api.migrate.upgrade`)."""
    return sessionmaker(engine, expire_on_commit=False)
