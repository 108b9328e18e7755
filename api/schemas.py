"""Request and response bodies. Kept apart from the domain: the domain models appear only as
nested, already-validated parts (a manager, an account, a scenario change)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, RootModel

from api.schemas_scarcity import ServiceShortfallOut
from api.schemas_teams import AccountIn, ManagerIn
from planner.models import Account, Risk
from planner.scenario.spec import Change, Hire, SolverSettings


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


# --- data sets -------------------------------------------------------------------------------------
class DatasetIn(_In):
    name: str = Field(min_length=1, max_length=200)
    managers: list[ManagerIn] = Field(min_length=1)
    accounts: list[AccountIn] = Field(min_length=1)
    # Any policy fields; the rest keep their documented defaults.
    policy: dict[str, Any] = Field(default_factory=dict)


class DatasetVersionIn(_In):
    managers: list[ManagerIn] = Field(min_length=1)
    accounts: list[AccountIn] = Field(min_length=1)
    policy: dict[str, Any] = Field(default_factory=dict)


class DatasetVersionOut(BaseModel):
    dataset_id: str
    version: int
    source: str
    accounts: int
    managers: int
    created_at: datetime
    created_by: str


class DatasetOut(BaseModel):
    id: str
    name: str
    created_at: datetime
    created_by: str
    latest_version: int
    current_plan_id: str | None


class DatasetContentOut(DatasetVersionOut):
    data: dict[str, Any]  # managers, accounts and policy, as stored


# --- solve jobs ------------------------------------------------------------------------------------
class JobIn(_In):
    dataset_id: str = Field(min_length=1, max_length=32)
    dataset_version: int | None = Field(default=None, ge=1, description="default: the latest version")
    name: str = Field(default="", max_length=200)
    as_of: date | None = None
    policy_overrides: dict[str, Any] = Field(default_factory=dict)
    changes: list[Change] = Field(default_factory=list)
    solver: SolverSettings = SolverSettings(time_limit_seconds=10.0)
    max_moves: int | None = Field(default=None, ge=0)
    # Make the plan the data set's current plan when the solve succeeds.
    adopt: bool = False


JobStatus = Literal["queued", "running", "succeeded", "infeasible", "no_solution", "failed", "cancelled"]


class Progress(BaseModel):
    elapsed_seconds: float | None = None
    objective: float | None = None
    best_bound: float | None = None
    gap: float | None = None
    solutions: int = 0


class JobOut(BaseModel):
    id: str
    status: JobStatus
    dataset_id: str
    dataset_version: int
    name: str
    progress: Progress
    plan_id: str | None
    reasons: list[str]
    error: str | None
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    created_by: str


class JobResultOut(BaseModel):
    job_id: str
    status: JobStatus
    plan: PlanOut | None
    reasons: list[str]


# --- plans -----------------------------------------------------------------------------------------
class PlanOut(BaseModel):
    id: str
    dataset_id: str
    dataset_version: int
    name: str
    job_id: str | None
    event_id: str | None
    is_current: bool
    created_at: datetime
    created_by: str
    summary: dict[str, Any]
    shortfall: ServiceShortfallOut | None = Field(
        default=None,
        description="what the plan leaves undone when the hours fall short (summary.shortfall, typed; "
        "has_shortfall false when every account gets full service); null for plans without it: "
        "made before service levels existed, or by a staff-change event (see the event's `uncovered`)",
    )


class AssignmentRowOut(BaseModel):
    """One line of plan.csv."""

    account_id: str
    manager_id: str | None
    tier: str
    previous_manager_id: str | None
    moved: bool
    voluntary_move: bool
    workload_hours: float
    travel_hours: float
    match_score: float
    value_score: float
    cost_points: float
    account_name: str = ""
    manager_name: str = ""
    # Why the manager changed: voluntary | manager_left | rule: <rule name> | unassigned; null if not moved.
    move_reason: str | None = None
    # full | a reduced level's name (fewer visits) | unserved (no manager); a team slot's row:
    # full | unfilled (nobody holds the role on the account)
    service: str = "full"
    role: str | None = Field(
        default=None,
        exclude_if=lambda v: v is None,
        description="account teams only (absent otherwise): the person's role on the account, "
        "account_manager or a role of the policy's teams.roles; then the plan has one row per "
        "account x role, the account managers' first. A team slot's previous_manager_id lists today's "
        "holders (;-separated) and its move_reason is voluntary or forced (today's holder may not stay)",
    )


class CompareIn(_In):
    plan_ids: list[Annotated[str, Field(min_length=1, max_length=32)]] = Field(min_length=2, max_length=10)


class AdoptIn(_In):
    plan_id: str = Field(min_length=1, max_length=32)


# --- staff-change events ---------------------------------------------------------------------------
class _Event(_In):
    idempotency_key: str = Field(min_length=1, max_length=200)
    # Disruption budget: voluntary moves allowed beyond the forced ones; 0 moves only what must move.
    max_moves: int | None = Field(default=None, ge=0)
    # The answer is synchronous: by default it comes within the server's event time limit
    # (under 1 s). A caller that can wait may allow more, which lets the repair cover accounts
    # a full region could only take after reshuffling.
    time_limit_seconds: float | None = Field(default=None, gt=0, le=60)
    dry_run: bool = Field(
        default=False,
        description="true: answer what the event would do (the same re-plan, budget and time limit) and "
        "store nothing: no data set version, plan or event, and the idempotency key stays unused. The "
        "same event posted next with the same key, while the data and the plan in force are unchanged, "
        "stores exactly that answer",
    )


class ManagerLeft(_Event):
    type: Literal["manager_left"]
    manager_id: str = Field(min_length=1)
    effective_date: date | None = None
    roles: list[str] | None = Field(
        default=None,
        min_length=1,
        description="account teams: the roles the person gives up, keeping the others (e.g. "
        '["technical_support"]); absent: the person leaves',
    )


class NewManager(Hire):
    """The new person: a managers.csv row. One person per event: the CRM knows each by their own
    id (a scenario's `count` would invent ids <manager_id>-1 ... that the CRM has never heard of)."""

    count: int = Field(default=1, ge=1, le=1, description="always 1: post one event per hire")


class ManagerJoined(_Event):
    type: Literal["manager_joined"]
    manager: NewManager


class CapacityChanged(_Event):
    type: Literal["capacity_changed"]
    manager_id: str = Field(min_length=1)
    # The loader's bound (planner.models.Manager): a 31-day month round the clock.
    capacity_hours: float = Field(ge=0, le=744, allow_inf_nan=False)


class ManagerChanged(_Event):
    """The CRM changed a manager's record: promotion, industries or languages learnt, a move to
    another region or city, capacity, account cap or performance score. Accounts the manager may
    no longer serve move (forced, with the rule as reason); the rest re-plans within the budget.
    A leaver is `manager_left`, a hire `manager_joined`."""

    type: Literal["manager_changed"]
    manager_id: str = Field(min_length=1)
    # Manager fields to change, e.g. {"seniority": "senior", "languages": ["zh", "ja"]}.
    fields: dict[str, Any] = Field(min_length=1)


class AccountAdded(_Event):
    type: Literal["account_added"]
    account: Account


class AccountRemoved(_Event):
    type: Literal["account_removed"]
    account_id: str = Field(min_length=1)


class AccountChanged(_Event):
    type: Literal["account_changed"]
    account_id: str = Field(min_length=1)
    # Account fields to change, e.g. {"annual_revenue": 2.5e6, "region": "north"}.
    fields: dict[str, Any] = Field(min_length=1)


class CustomerComplaint(_Event):
    """The customer complained about a manager: that manager never serves the account again (the
    pair rule avoid_manager); if they hold it today it moves, reported as a forced move."""

    type: Literal["customer_complaint"]
    account_id: str = Field(min_length=1)
    manager_id: str = Field(min_length=1)
    # The satisfaction the complaint came with, on the data set's scale (policy health.satisfaction_scale).
    satisfaction: float | None = Field(default=None, ge=0, le=100, allow_inf_nan=False)


class AccountHealthChanged(_Event):
    """The CRM's churn risk or a satisfaction survey changed (policy health: visits, match, moves);
    a field left out keeps its value, null clears it."""

    type: Literal["account_health"]
    account_id: str = Field(min_length=1)
    risk: Risk | None = None
    satisfaction: float | None = Field(default=None, ge=0, le=100, allow_inf_nan=False)


EventIn = Annotated[
    ManagerLeft
    | ManagerJoined
    | CapacityChanged
    | ManagerChanged
    | AccountAdded
    | AccountRemoved
    | AccountChanged
    | CustomerComplaint
    | AccountHealthChanged,
    Field(discriminator="type"),
]

# A staff change has happened in the CRM, so it is always applied; what the new plan cannot
# cover is listed in `uncovered`, with `reasons`. "infeasible" and "no_solution" only appear
# when an event stored by an earlier version (which refused such changes) is replayed.
# "no_change": the event changes nothing (the manager already left, the capacity is already that):
# the plan in force stands, no new version or plan is made.
EventStatus = Literal["applied", "no_change", "infeasible", "no_solution"]


class MovedAccount(BaseModel):
    account_id: str
    from_manager_id: str | None
    to_manager_id: str | None = Field(description="null: the new plan leaves the account without a manager")
    tier: str
    value_score: float
    forced: bool = Field(description="moved because the manager left or a rule forbids the pair now")
    reason: str | None = Field(
        default=None,
        description="why, as plan.csv's move_reason: voluntary | manager_left | rule: <rule name> | "
        "unassigned (left without a manager although today's could keep it); null in `served`",
    )


class UnservedAccount(BaseModel):
    account_id: str
    from_manager_id: str | None = Field(
        description="its manager in the plan in force; null: added by the event"
    )
    tier: str
    value_score: float
    reason: str | None = Field(
        description="as plan.csv's move_reason: manager_left | rule: <rule name> | unassigned; null: added by the event"
    )
    why: str = Field(description="the reason in words")


class ManagerChange(BaseModel):
    manager_id: str
    gained: list[str]
    lost: list[str]


class TeamSlotChange(BaseModel):
    """One account team slot whose person changes: to someone else, or to nobody."""

    account_id: str
    role: str
    slot: int = Field(description="1-based rank within the role on this account")
    from_manager_id: str | None = Field(description="today's holder(s), ;-separated; null: nobody held it")
    to_manager_id: str | None = Field(description="null: nobody holds it in the new plan (unfilled)")
    reason: Literal["forced", "voluntary"] | None = Field(
        description="forced: today's holder may not stay (left, gave up the role); voluntary: by the plan's "
        "choice; null: the slot was empty before"
    )


class PlanDiff(BaseModel):
    """What the event changed, counted as the plan's evaluation counts moves (summary
    `evaluation.moves`): moved_count = forced_moves + voluntary_moves + unassigned_moves."""

    moved: list[MovedAccount] = Field(
        description="every account whose manager changes, to another manager or to none, most valuable first"
    )
    moved_count: int = Field(description="evaluation.moves.total")
    forced_moves: int = Field(
        description="evaluation.moves.forced: the manager left, or a rule forbids the pair"
    )
    voluntary_moves: int = Field(
        description="evaluation.moves.voluntary: to another manager although today's could keep the account; "
        "what the disruption budget counts (with account teams, together with team_slots' voluntary changes)"
    )
    unassigned_moves: int = Field(
        default=0,
        description="left without a manager although today's could keep the account (its hours no longer "
        "fit it, e.g. after a capacity cut); not a voluntary move",
    )
    unserved: list[UnservedAccount] = Field(
        default_factory=list,
        description="accounts the new plan leaves without a manager that the plan in force served, or that "
        "the event added, with why",
    )
    served: list[MovedAccount] = Field(
        default_factory=list,
        description="accounts without a manager in the plan in force (unserved, or added by the event) that "
        "the new plan serves: not moves",
    )
    managers: list[ManagerChange]
    team_slots: list[TeamSlotChange] = Field(
        default_factory=list,
        description="account teams: every slot beside the account manager whose person changes (empty "
        "without teams), most valuable account first",
    )


class EventOut(BaseModel):
    event_id: str | None = Field(description="null for a dry run: no event was stored")
    dataset_id: str
    type: str
    idempotency_key: str
    status: EventStatus
    actor: str
    created_at: datetime
    replayed: bool = False
    dry_run: bool = Field(
        default=False,
        description="a preview: the answer the event would give, nothing stored (plan_id and "
        "dataset_version are null unless nothing changes, when plan_id is the plan in force)",
    )
    dataset_version: int | None = None
    plan_id: str | None = None
    previous_plan_id: str | None = None
    notes: list[str] = Field(default_factory=list)
    reasons: list[str] = Field(default_factory=list)
    uncovered: list[str] = Field(
        default_factory=list,
        description="accounts the new plan leaves without a manager (most valuable first); `reasons` says why",
    )
    diff: PlanDiff | None = None
    timing_seconds: dict[str, float] = Field(default_factory=dict)
    time_limit_seconds: float | None = Field(
        default=None,
        description="the re-plan's time limit in the end: the event's own, or the server's default "
        "grown (doubled, up to PLANNER_EVENT_MAX_SECONDS in all) while coverable accounts stayed uncovered",
    )


class Problem(BaseModel):
    """One problem in an uploaded file: where it is and what is wrong."""

    file: str
    row: int | None
    column: str | None
    message: str


class InputErrorOut(BaseModel):
    detail: str
    problems: list[Problem]


class RequestProblem(BaseModel):
    """One field of a request that does not match the OpenAPI document (FastAPI's own check)."""

    loc: list[str | int]
    msg: str
    type: str


class RequestErrorOut(BaseModel):
    detail: list[RequestProblem]


class DetailOut(BaseModel):
    detail: str


class UnprocessableOut(RootModel[InputErrorOut | RequestErrorOut]):
    """A 422: the request does not match the document (`detail` lists the fields), or its data
    are bad (`detail` says what, `problems` names file, row and column)."""


class EventConflictOut(RootModel[EventOut | DetailOut]):
    """A 409 to an event: the diff of an infeasible change, or `detail` when the idempotency key
    was used for another event."""


JobResultOut.model_rebuild()
