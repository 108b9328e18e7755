"""Pure domain model: pydantic only, no solver and no web framework imported here."""

from planner.models.calendar_policy import CalendarPolicy
from planner.models.dataset import Dataset
from planner.models.entities import TIER_ORDER, Account, Manager, Risk, Seniority, Tier
from planner.models.plan import Plan
from planner.models.policy import (
    MatchModel,
    Pair,
    Policy,
    TieringCriteria,
    TierRule,
    TravelModel,
    Weights,
)

__all__ = [
    "TIER_ORDER",
    "Account",
    "CalendarPolicy",
    "Dataset",
    "Manager",
    "MatchModel",
    "Pair",
    "Plan",
    "Policy",
    "Risk",
    "Seniority",
    "Tier",
    "TierRule",
    "TieringCriteria",
    "TravelModel",
    "Weights",
]
