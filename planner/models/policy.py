"""The policy: every business parameter that is not in the two CRM tables.

A YAML file may override any field; every field has a documented default, so
no policy file is needed to run. `docs/policy.md` and `scenarios/policy.example.yaml`
describe each one; the defaults below are the source of truth.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    TypeAdapter,
    ValidationError,
    model_serializer,
    model_validator,
)

from planner.models.calendar_policy import CalendarPolicy
from planner.models.entities import Account, Seniority, Tier
from planner.models.health import AccountHealth


class _Frozen(BaseModel):
    # allow_inf_nan=False: `.inf` or `.nan` in a policy file is an input error, not a plan of nonsense.
    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)


class TieringCriteria(_Frozen):
    """Weights of the value score; each criterion enters as its percentile rank (0–1).

    Percentile ranks make the score robust to the Pareto-shaped revenue of real
    customer bases: one giant account does not squash everyone else to zero.
    """

    annual_revenue: float = Field(default=0.40, ge=0)
    contract_value: float = Field(default=0.30, ge=0)
    years_as_customer: float = Field(default=0.10, ge=0)
    strategic_importance: float = Field(default=0.20, ge=0)
    strategic_share: float = Field(default=0.10, ge=0, le=1)
    key_share: float = Field(default=0.25, ge=0, le=1)
    # Extra criteria by accounts.csv column name, weighted like the four above (percentile rank),
    # e.g. {purchase_frequency: 0.1, profit_margin: 0.1}: a new criterion is a column and a weight.
    criteria: dict[str, float] = Field(default_factory=dict)
    # Absolute lines beside the shares: {key: {annual_revenue: 1000000}} puts an account whose
    # annual revenue is at least 1 M in key or above, whatever its rank; any one listed criterion
    # suffices. Criteria: the four above, the extra ones, or value_score (0-100).
    thresholds: dict[Tier, dict[str, float]] = Field(default_factory=dict)
    # An account changes tier only when it crosses a line by this fraction of the line (0.05: a
    # score line of 60 is 57 to stay, 63 to enter), measured from its current_tier; 0: off.
    hysteresis: float = Field(default=0.0, ge=0, lt=1)
    # Tiers frozen between evaluations: an account with a current_tier keeps it (the report says
    # where the score would put it); the director re-tiers by running with freeze off.
    freeze: bool = False

    @model_validator(mode="after")
    def _shares_fit(self) -> TieringCriteria:
        if self.strategic_share + self.key_share > 1:
            raise ValueError("tiering.strategic_share + tiering.key_share must not exceed 1")
        for name, weight in self.criteria.items():
            if name in Account.model_fields or name == "value_score" or not name.isidentifier():
                raise ValueError(
                    f"tiering.criteria: {name!r} must be a column name of its own (letters, digits, _; "
                    "not a field accounts.csv already has, whose weight is set above)"
                )
            if not weight >= 0:
                raise ValueError(f"tiering.criteria.{name}: the weight must be >= 0 (got {weight})")
        if (
            self.annual_revenue
            + self.contract_value
            + self.years_as_customer
            + self.strategic_importance
            + sum(self.criteria.values())
            <= 0
        ):
            raise ValueError("tiering: at least one criterion weight must be positive")
        known = (*BUILTIN_CRITERIA, *self.criteria, "value_score")
        for tier, lines in self.thresholds.items():
            if tier == Tier.standard:
                raise ValueError(
                    "tiering.thresholds: every account is at least standard; name strategic or key"
                )
            for name in lines:
                if name not in known:
                    raise ValueError(
                        f"tiering.thresholds.{tier.value}: unknown criterion {name!r} "
                        f"(one of {', '.join(known)}; an extra column must be listed in tiering.criteria)"
                    )
        return self


# The account fields the value score reads, in the order their weights are written.
BUILTIN_CRITERIA = ("annual_revenue", "contract_value", "years_as_customer", "strategic_importance")


WEEKS_PER_MONTH = 52 / 12
_AGREE = 0.02  # both written: they may differ by rounding (2 %), not in meaning


def one_frequency(data: Any) -> Any:
    """Fill `visits_per_month` or `visit_every_weeks` from the other (a month is 52/12 weeks),
    or check that the two agree when both are written: the assignment's hours and the
    calendar's visits must not count two different frequencies."""
    if not isinstance(data, dict):
        return data
    raw_visits, raw_every = data.get("visits_per_month"), data.get("visit_every_weeks")
    if raw_visits is None and raw_every is None:
        raise ValueError("give visits_per_month or visit_every_weeks (the other follows)")
    if not all(_is_number(x) for x in (raw_visits, raw_every) if x is not None):
        return data  # a wrong type: the field's own validation names it
    if raw_visits is None:
        assert raw_every is not None
        every = float(raw_every)
        return {**data, "visits_per_month": WEEKS_PER_MONTH / every if every > 0 else every}
    visits = float(raw_visits)
    if raw_every is None:
        return {**data, "visit_every_weeks": WEEKS_PER_MONTH / visits if visits > 0 else None}
    every = float(raw_every)
    if visits > 0 and every > 0 and abs(visits * every / WEEKS_PER_MONTH - 1) > _AGREE:
        raise ValueError(
            f"visits_per_month {visits:g} and visit_every_weeks {every:g} disagree: every {every:g} weeks is "
            f"{WEEKS_PER_MONTH / every:.2f} visits per month. Give one of them (the other follows)"
        )
    return data


def _is_number(x: object) -> bool:
    return isinstance(x, int | float) and not isinstance(x, bool)


class ServiceLevel(_Frozen):
    """A reduced level of service: fewer visits, chosen only when the hours run short.

    The value lost is priced like the tier's unserved accounts, per hour of on-site service
    (visits x hours per visit) the level leaves undone, so a level is a step between full
    service and none (`Weights.unassigned` documents the price).
    """

    name: str = Field(min_length=1)
    # One frequency, written either way (`one_frequency`): the assignment's hours and the
    # calendar's spacing both come from it.
    visits_per_month: float = Field(ge=0, le=100, allow_inf_nan=False)
    visit_every_weeks: float | None = Field(default=None, gt=0, allow_inf_nan=False)

    @model_validator(mode="before")
    @classmethod
    def _one_frequency(cls, data: Any) -> Any:
        return one_frequency(data)


class TierRule(_Frozen):
    """What one tier costs to serve and who may serve it."""

    # How often the tier is visited, written either way: visits per month, or every so many weeks
    # (`one_frequency`). Both the assignment's monthly hours and the calendar's visits come from
    # this one figure. Bounded so workloads stay in the integer centi-hours of objective.py.
    visits_per_month: float = Field(ge=0, le=100)
    visit_every_weeks: float | None = Field(default=None, gt=0)  # None: never (0 visits)
    hours_per_visit: float = Field(ge=0, le=744)
    admin_hours_per_month: float = Field(ge=0, le=744)
    min_seniority: Seniority = Seniority.junior
    # Seniority the tier ideally gets; distance from it lowers the match score.
    ideal_seniority: Seniority = Seniority.junior
    # Multiplier on the disruption cost of moving an account of this tier.
    move_weight: float = Field(default=1.0, ge=0)
    # Calendar rule (used by `planner calendar`): consecutive visits at least this far apart.
    min_spacing_days: int = Field(default=7, ge=0)
    # Scarcity: how much a lost hour of this tier's service weighs against other tiers'
    # (see Weights.unassigned), and the reduced levels it may fall to, mildest first.
    service_weight: float = Field(default=1.0, ge=0, allow_inf_nan=False)
    reduced_levels: list[ServiceLevel] = Field(default_factory=list)

    @model_validator(mode="before")
    @classmethod
    def _one_frequency(cls, data: Any) -> Any:
        return one_frequency(data)

    @model_validator(mode="after")
    def _levels_reduce(self) -> TierRule:
        last = self.visits_per_month
        for level in self.reduced_levels:
            if not level.visits_per_month < last:
                raise ValueError(
                    f"reduced level {level.name!r}: visits_per_month must be below the level before it ({last:g})"
                )
            last = level.visits_per_month
        return self


def _default_tiers() -> dict[Tier, TierRule]:
    return {
        Tier.strategic: TierRule(
            visits_per_month=2,
            hours_per_visit=3,
            admin_hours_per_month=4,
            min_seniority=Seniority.senior,
            ideal_seniority=Seniority.principal,
            move_weight=3.0,
            min_spacing_days=7,
            service_weight=100.0,
        ),
        Tier.key: TierRule(
            visits_per_month=1,
            hours_per_visit=2,
            admin_hours_per_month=1,
            min_seniority=Seniority.junior,
            ideal_seniority=Seniority.senior,
            move_weight=2.0,
            min_spacing_days=14,
            service_weight=10.0,
            reduced_levels=[ServiceLevel(name="every 2 months", visits_per_month=0.5)],
        ),
        Tier.standard: TierRule(
            visits_per_month=1 / 3,
            hours_per_visit=1.5,
            admin_hours_per_month=0,
            min_seniority=Seniority.junior,
            ideal_seniority=Seniority.junior,
            move_weight=1.0,
            min_spacing_days=28,
            service_weight=1.0,
            reduced_levels=[ServiceLevel(name="every 26 weeks", visits_per_month=1 / 6)],
        ),
    }


class TravelModel(_Frozen):
    """One-way travel time from great-circle km: by road, km x road factor / speed; or, where
    it is faster, by train or plane, the access time (to and from the station or airport) plus
    km x road factor / the long-distance speed. In China a 600 km trip is a 3-4 hour train ride,
    not 13 hours by car; a trip across town stays a drive (the modes break even near 86 km)."""

    road_factor: float = Field(default=1.3, gt=0, le=10)
    speed_kmh: float = Field(default=60.0, ge=1, le=1000)
    # Trains or flights for long trips; null: the road only.
    long_distance_speed_kmh: float | None = Field(default=200.0, ge=1, le=1000)
    long_distance_access_hours: float = Field(default=1.0, ge=0, le=24)
    # Optional CSV `manager_id,account_id,minutes` (one-way); replaces the formula for listed pairs.
    matrix_file: str | None = None

    def hours(self, km: Any) -> Any:
        """One-way hours for great-circle km (a number or a numpy array): the faster mode."""
        road = km * self.road_factor
        by_road = road / self.speed_kmh
        if self.long_distance_speed_kmh is None:
            return by_road
        return np.minimum(by_road, self.long_distance_access_hours + road / self.long_distance_speed_kmh)


class MatchModel(_Frozen):
    """Skill match in [0, 1]: industry expertise plus seniority fit for the tier."""

    industry: float = Field(default=0.6, ge=0)
    seniority: float = Field(default=0.4, ge=0)

    @model_validator(mode="after")
    def _positive(self) -> MatchModel:
        if self.industry + self.seniority <= 0:
            raise ValueError("match: industry + seniority weight must be positive")
        return self


class Weights(_Frozen):
    """Objective weights, in points. The objective is a cost to minimise:

    value_match  points per unit of value score (0-100) x (1 - match) left unserved
    travel_hour  points per travel hour per month
    move         points per unit of (10 + value score) x tier move_weight for a voluntary move
    balance      points per 1.0 (=100 percentage points) of utilisation spread (max - min)
    performance  points per unit of value score x (1 - performance / 100) of the manager serving
                 a strategic account, where the manager has a performance score: high performers
                 on the most valuable accounts (经验丰富且业绩突出). Strategic only, so key accounts
                 do not fill the best performers' hours (planner.objective says why); at 20 a
                 10-point better performer on a strategic account at value 90 is worth 180
                 points, more than moving it (150)
    value_spread      points per value-score point of spread (max - min) of the value carried
                      among active managers of one seniority, summed over the seniorities
                      (fair opportunity among peers, #18 item 4); 0: off
    strategic_spread  points per strategic account of spread (max - min) of the strategic
                      accounts held among active managers of one seniority; 0: off
    unassigned   points per hour of on-site service per month left undone, by an account left
                 unserved or served at a reduced level, times the tier's service_weight and
                 (1 + value score / 100); only when a shortfall is allowed.

    Why per hour of service: a director trades hours, so the price of a lost hour must rank the
    tiers whatever an account's size. With the defaults (service_weight 100 / 10 / 1) an hour of
    strategic service outweighs an hour of key service, which outweighs an hour of standard
    service, at any value score (the (1 + value/100) factor is at most 2, under the factor 10
    between tiers), so the plan drops or reduces standard service before key, and key before
    strategic. At 100 points an hour, a standard account's lost service still outweighs what
    serving it costs in travel, match and balance, so nothing is dropped while hours are left.
    """

    # Each at most 1,000,000 points: the objective is summed in integer centi-points (objective.py).
    value_match: float = Field(default=1.0, ge=0, le=1e6)
    travel_hour: float = Field(default=2.0, ge=0, le=1e6)
    move: float = Field(default=0.5, ge=0, le=1e6)
    balance: float = Field(default=1000.0, ge=0, le=1e6)
    unassigned: float = Field(default=100.0, ge=0, le=1e6)
    performance: float = Field(default=20.0, ge=0, le=1e6)
    # Peer spreads are priced in whole centi-points per tenth of a value point (objective.py):
    # value_spread is read to 0.1 points.
    value_spread: float = Field(default=0.0, ge=0, le=1e6)
    strategic_spread: float = Field(default=0.0, ge=0, le=1e6)


@dataclass(frozen=True)
class RuleSetting:
    """A top-level policy key that belongs to a rule module (planner.rules), not to this file."""

    key: str
    adapter: TypeAdapter[Any]
    default: Any
    doc: str
    # False: left out of a written policy while it holds its default (a feature that is off
    # leaves the files of every run without it as they were).
    written_when_default: bool = True


# Filled by the rule modules when planner.rules is loaded (planner/__init__.py loads it, so a
# policy is never read before every rule's key is known). A key here is a policy field like any
# other: validated, defaulted, written back at the top level.
RULE_SETTINGS: dict[str, RuleSetting] = {}


def register_setting(
    key: str, annotation: Any, default: Any, doc: str, *, written_when_default: bool = True
) -> None:
    if key in RULE_SETTINGS or key in Policy.model_fields:
        raise ValueError(f"policy key {key!r} is defined twice")
    RULE_SETTINGS[key] = RuleSetting(key, TypeAdapter(annotation), default, doc, written_when_default)


class Pair(_Frozen):
    account_id: str
    manager_id: str


def _flat_schema(schema: dict[str, Any]) -> None:
    """The schema as a policy is written: each rule module's key at the top level."""
    props = schema.setdefault("properties", {})
    props.pop("rule_settings", None)
    for key, spec in RULE_SETTINGS.items():
        own = spec.adapter.json_schema()
        # A setting of nested models (e.g. teams) brings its own $defs, which the policy's schema
        # does not hold: they are written in place.
        own = _inline(own, own.pop("$defs", {}))
        props[key] = {**own, "default": spec.default, "description": spec.doc}


def _inline(node: Any, defs: dict[str, Any]) -> Any:
    if isinstance(node, dict):
        if "$ref" in node:
            rest = {k: v for k, v in node.items() if k != "$ref"}
            return {**_inline(defs[node["$ref"].rsplit("/", 1)[-1]], defs), **_inline(rest, defs)}
        return {k: _inline(v, defs) for k, v in node.items()}
    if isinstance(node, list):
        return [_inline(v, defs) for v in node]
    return node


class Policy(_Frozen):
    model_config = ConfigDict(json_schema_extra=_flat_schema)

    tiering: TieringCriteria = TieringCriteria()
    tiers: dict[Tier, TierRule] = Field(default_factory=_default_tiers)
    travel: TravelModel = TravelModel()
    match: MatchModel = MatchModel()
    weights: Weights = Weights()
    # At-risk and unhappy customers: more visits, a better match, more continuity (models.health).
    health: AccountHealth = AccountHealth()
    # A manager serves accounts of their own region, plus the regions listed here.
    enforce_region: bool = True
    region_neighbours: dict[str, list[str]] = Field(default_factory=dict)
    pins: list[Pair] = Field(default_factory=list)
    forbidden: list[Pair] = Field(default_factory=list)
    # Disruption budget: the most voluntary moves (forced moves from leavers do not count).
    max_moves: int | None = Field(default=None, ge=0)
    # Utilisation band every active manager must fall in, e.g. [0.3, 0.95].
    utilisation_band: tuple[float, float] | None = None
    # When the hours fall short, accounts may be served at a tier's reduced levels or not at all
    # (most valuable service kept first; `Weights.unassigned`). False: every account must be
    # served in full, and a shortfall is reported as infeasible (`--require-full-service`).
    allow_unassigned: bool = True
    # Working days and hours for `planner calendar` (planner.models.calendar_policy documents each field).
    calendar: CalendarPolicy = Field(default_factory=CalendarPolicy)
    # The settings of rule modules, by their top-level key (`RULE_SETTINGS`); read and written at
    # the top level of a policy file, e.g. `max_strategic_per_manager: 3`.
    rule_settings: dict[str, Any] = Field(
        default_factory=lambda: {k: s.default for k, s in RULE_SETTINGS.items()}, exclude=False
    )

    def setting(self, key: str) -> Any:
        """The value of a rule module's policy key."""
        return self.rule_settings[key] if key in self.rule_settings else RULE_SETTINGS[key].default

    @model_validator(mode="before")
    @classmethod
    def _rule_settings(cls, data: Any) -> Any:
        """Lift the rule modules' keys out of the top level into `rule_settings`, validated."""
        if not isinstance(data, dict):
            return data
        given = dict(data.get("rule_settings") or {})
        rest = {k: v for k, v in data.items() if k != "rule_settings"}
        for key in list(rest):
            if key in RULE_SETTINGS:
                given[key] = rest.pop(key)
        settings = {}
        for key, spec in RULE_SETTINGS.items():
            try:
                settings[key] = spec.adapter.validate_python(given.pop(key, spec.default))
            except ValidationError as exc:
                raise ValueError(f"{key}: {exc.errors()[0]['msg']}") from None
        if given:
            raise ValueError(f"unknown policy key(s): {', '.join(sorted(given))}")
        return {**rest, "rule_settings": settings}

    @model_serializer(mode="wrap")
    def _flat_settings(self, handler: Any) -> Any:
        data = handler(self)
        if isinstance(data, dict) and isinstance(data.get("rule_settings"), dict):
            settings = {
                k: v
                for k, v in data["rule_settings"].items()
                if k not in RULE_SETTINGS
                or RULE_SETTINGS[k].written_when_default
                or self.rule_settings.get(k) != RULE_SETTINGS[k].default
            }
            data = {**{k: v for k, v in data.items() if k != "rule_settings"}, **settings}
        return data

    @model_validator(mode="before")
    @classmethod
    def _tier_defaults(cls, data: Any) -> Any:
        """`tiers: {strategic: {visits_per_month: 3}}` changes one number: the rest of that tier,
        and the tiers not named, keep their defaults (every other section's fields have their own)."""
        if not isinstance(data, dict) or not isinstance(data.get("tiers"), dict):
            return data
        defaults = _default_tiers()
        tiers: dict[Any, Any] = dict(defaults)
        for key, rule in data["tiers"].items():
            tier = Tier(key) if key in Tier.__members__.values() else None
            if tier is not None and isinstance(rule, dict):
                base = defaults[tier].model_dump()
                if "visits_per_month" in rule or "visit_every_weeks" in rule:
                    # The user's frequency, written either way, replaces the default's both ways.
                    base.pop("visits_per_month")
                    base.pop("visit_every_weeks")
                tiers[tier] = {**base, **rule}
            else:
                tiers[key] = rule  # an unknown tier or a malformed rule: pydantic names it
        return {**data, "tiers": tiers}

    @model_validator(mode="after")
    def _complete(self) -> Policy:
        missing = [t.value for t in Tier if t not in self.tiers]
        if missing:
            raise ValueError(f"tiers: missing rule for tier(s) {', '.join(missing)}")
        if self.utilisation_band is not None:
            lo, hi = self.utilisation_band
            if not 0 <= lo <= hi:
                raise ValueError("utilisation_band must be [low, high] with 0 <= low <= high")
        return self

    def serves_region(self, manager_region: str, account_region: str) -> bool:
        if not self.enforce_region or manager_region == account_region:
            return True
        return account_region in self.region_neighbours.get(manager_region, ())
