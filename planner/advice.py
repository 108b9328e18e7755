"""Headcount advice: the hires that would restore full service, checked by re-planning.

A hire gets the typical capacity of the region's managers, or the hours of the largest
account they are hired for if that is more (an account is never split between managers).

From a plan with a shortfall, the service left undone is grouped by the profile that could do
it (`shortfall_report`: region x least seniority x language). Each group asks for
ceil(missing hours / a typical capacity) managers of that profile, living where most of its
accounts are, knowing their most common industries. Then the claim is checked, not assumed:
the data set with those hires is planned again, and while some account still misses full
service one more hire of its profile is added; afterwards each hire is taken out once, and
stays out if full service holds without them (the smallest set this greedy finds, not a
proven minimum). Accounts no hire could serve (a pin, a ban) are reported as such.
"""

from __future__ import annotations

import logging
import math
import time
from collections import Counter
from dataclasses import dataclass, field

import numpy as np

from planner.assign import AssignmentOutcome, run_assignment
from planner.budget import Budget
from planner.context import Context
from planner.errors import Cancelled
from planner.models import Dataset, Manager, Seniority
from planner.shortfall_report import full_service_hours, shortfall
from planner.solvers import DEFAULT_SOLVER, SolveOptions

log = logging.getLogger(__name__)

MAX_ROUNDS = 12  # re-plans spent adding hires before the advice says what is still short


@dataclass(frozen=True)
class Profile:
    region: str
    seniority: str
    language: str  # "any" when the accounts need none in particular

    def words(self, count: int) -> str:
        lang = "" if self.language == "any" else f" speaking {self.language}"
        noun = "manager" if count == 1 else "managers"
        return f"{count} {self.seniority} {noun}{lang} in {self.region or 'the unnamed region'}"


@dataclass
class Advice:
    hires: list[Manager]
    restored_accounts: list[str]  # short before, in full service with the hires
    restored_revenue: float
    still_short: list[str]  # accounts the hires did not bring to full service
    replans: int
    seconds: float
    by_profile: list[dict[str, object]] = field(default_factory=list)

    def summary(self) -> list[str]:
        short = len(self.restored_accounts) + len(self.still_short)
        lines = [
            f"{len(self.hires)} hire(s) restore full service for {len(self.restored_accounts)} of the "
            f"{short} account(s) short today ({self.restored_revenue:,.0f} revenue); by profile:"
        ]
        lines += [
            f"{row['words']} {'restores' if row['hires'] == 1 else 'restore'} full service for "
            f"{row['accounts']} account(s) "
            f"({row['revenue']:,.0f} revenue)"
            for row in self.by_profile
        ]
        if self.still_short:
            lines.append(
                f"{len(self.still_short)} account(s) stay short even with these hires "
                f"(e.g. {', '.join(self.still_short[:5])}): a pin, a ban or a rule no hire changes"
            )
        return lines

    def as_dict(self) -> dict[str, object]:
        return {
            "hires": [m.model_dump(mode="json") for m in self.hires],
            "by_profile": self.by_profile,
            "restored_accounts": len(self.restored_accounts),
            "restored_revenue": round(self.restored_revenue, 2),
            "still_short": self.still_short,
            "replans": self.replans,
            "seconds": round(self.seconds, 2),
            "advice": self.summary(),
        }


def advise_hires(
    dataset: Dataset,
    options: SolveOptions,
    base: AssignmentOutcome | None = None,
    budget_seconds: float = 120.0,
    solver: str = DEFAULT_SOLVER,
    budget: Budget | None = None,
) -> Advice:
    """Hires that restore full service to `dataset`, each claim checked by a re-plan with
    `solver`. A re-plan starts while less than `budget_seconds` have passed and gets its full
    time limit, so the whole advice takes at most `budget_seconds` plus one time limit: its
    budget, a child of `budget` (the caller's, e.g. for cancellation). A cancelled budget
    raises `Cancelled` before the next plan (the plan under way stops at once)."""
    limit = options.time_limit_seconds
    whole = (budget or Budget(math.inf)).child(budget_seconds + limit)
    started = time.perf_counter()
    dataset = dataset.model_copy(
        update={"policy": dataset.policy.model_copy(update={"allow_unassigned": True})}
    )

    def replan(hires: list[Manager]) -> AssignmentOutcome:
        if whole.cancelled:
            raise Cancelled("hire advice stopped by request")
        outcome = _replan(dataset, hires, options.within(whole.child(limit)), solver)
        if whole.cancelled:
            raise Cancelled("hire advice stopped by request")
        return outcome

    def time_left() -> bool:  # for one more re-plan with its full time limit
        return whole.remaining() > limit

    if base is None:
        base = replan([])
    short = _short_accounts(base)
    if not short:
        return Advice([], [], 0.0, [], 0, time.perf_counter() - started)
    hires: list[tuple[Profile, Manager]] = []
    for profile, count in _first_guess(base).items():
        for _ in range(count):
            hires.append((profile, _hire(dataset, base, profile, len(hires) + 1)))
    replans = 0
    outcome = base
    while replans < MAX_ROUNDS and time_left():
        outcome = replan([m for _, m in hires])
        replans += 1
        left = _short_accounts(outcome)
        if not left:
            break
        missing = _first_guess(outcome, only=left)
        if not missing:
            break  # short for reasons no profile fixes
        profile = max(missing, key=lambda p: missing[p])
        hires.append((profile, _hire(dataset, outcome, profile, len(hires) + 1)))
    # Take each hire out once; keep it out if full service holds without it.
    if not _short_accounts(outcome):
        for k in range(len(hires) - 1, -1, -1):
            if not time_left():
                break
            trial = hires[:k] + hires[k + 1 :]
            attempt = replan([m for _, m in trial])
            replans += 1
            if not _short_accounts(attempt):
                hires, outcome = trial, attempt
    still = sorted(_short_accounts(outcome))
    restored = sorted(set(short) - set(still))
    revenue = {a.account_id: a.annual_revenue for a in dataset.accounts}
    by_profile = _by_profile(base, hires, restored, revenue)
    return Advice(
        [m for _, m in hires],
        restored,
        float(sum(revenue[a] for a in restored)),
        still,
        replans,
        time.perf_counter() - started,
        by_profile,
    )


def _short_accounts(outcome: AssignmentOutcome) -> list[str]:
    assert outcome.evaluation is not None, "a plan with a shortfall always comes back"
    return [r.account_id for r in outcome.evaluation.accounts if r.service != "full"]


def _first_guess(outcome: AssignmentOutcome, only: list[str] | None = None) -> dict[Profile, int]:
    """Managers per profile: the missing hours over a typical capacity there, rounded up."""
    report = shortfall(outcome)
    wanted = None if only is None else set(only)
    typical = _typical_capacity(outcome.ctx.dataset)
    out: dict[Profile, int] = {}
    for row in report["hours_missing"]:
        profile = Profile(str(row["region"]), str(row["min_seniority"]), str(row["language"]))
        if wanted is not None and not _touches(outcome, profile, wanted):
            continue
        hours = float(row["hours_per_month"])
        out[profile] = max(1, math.ceil(hours / typical.get(profile.region, typical[""])))
    return out


def _touches(outcome: AssignmentOutcome, profile: Profile, accounts: set[str]) -> bool:
    ds = outcome.ctx.dataset
    return any(
        a.account_id in accounts and a.region == profile.region and (a.language or "any") == profile.language
        for a in ds.accounts
    )


def _typical_capacity(dataset: Dataset) -> dict[str, float]:
    """Median capacity of active managers per region ("" = everyone): what a hire would get."""
    out: dict[str, float] = {}
    caps: dict[str, list[float]] = {}
    for m in dataset.managers:
        if m.active and m.capacity_hours > 0:
            caps.setdefault(m.region, []).append(m.capacity_hours)
            caps.setdefault("", []).append(m.capacity_hours)
    for region, values in caps.items():
        out[region] = float(np.median(values))
    out.setdefault("", 120.0)
    return out


def _hire(dataset: Dataset, outcome: AssignmentOutcome, profile: Profile, number: int) -> Manager:
    """A manager of `profile` living by the accounts of that profile left short, knowing their
    most common industries, with the region's typical capacity."""
    short = set(_short_accounts(outcome))
    mine = [
        a
        for a in dataset.accounts
        if a.account_id in short and a.region == profile.region and (a.language or "any") == profile.language
    ] or [a for a in dataset.accounts if a.region == profile.region]
    located = [a for a in mine if a.lat is not None and a.lon is not None]
    lat = float(np.median([a.lat for a in located])) if located else None
    lon = float(np.median([a.lon for a in located])) if located else None
    industries = [ind for ind, _ in Counter(a.industry for a in mine if a.industry).most_common(3)]
    # The profile's language, and the language most of the region's managers speak.
    spoken = Counter(lang for m in dataset.managers if m.region == profile.region for lang in m.languages)
    languages = {lang for lang, _ in spoken.most_common(1)}
    if profile.language != "any":
        languages.add(profile.language)
    typical = _typical_capacity(dataset)
    # An account is not split between managers: the hire must hold the largest one whole.
    hours = full_service_hours(outcome)
    index = outcome.ctx.account_index
    largest = max(
        (float(hours[index[a.account_id]]) for a in mine if np.isfinite(hours[index[a.account_id]])),
        default=0.0,
    )
    return Manager(
        manager_id=f"HIRE-{number:02d}",
        name=f"New hire {number} ({profile.words(1)})",
        seniority=Seniority(profile.seniority),
        industries=frozenset(industries),
        languages=frozenset(languages),
        region=profile.region,
        home_lat=lat,
        home_lon=lon,
        capacity_hours=max(typical.get(profile.region, typical[""]), math.ceil(largest)),
    )


def _replan(dataset: Dataset, hires: list[Manager], options: SolveOptions, solver: str) -> AssignmentOutcome:
    grown = dataset.model_copy(update={"managers": (*dataset.managers, *hires)})
    return run_assignment(Context.build(grown), solver, options=options)


def _by_profile(
    base: AssignmentOutcome,
    hires: list[tuple[Profile, Manager]],
    restored: list[str],
    revenue: dict[str, float],
) -> list[dict[str, object]]:
    counts = Counter(p for p, _ in hires)
    accounts = {a.account_id: a for a in base.ctx.dataset.accounts}
    # Each restored account is credited to one profile of its region: the one speaking its
    # language if there is one, else the region's first (an account needing no language, or
    # one a hire elsewhere freed room for, is restored by the region's hires together).
    credited: dict[Profile, list[str]] = {profile: [] for profile in counts}
    for a in restored:
        account = accounts[a]
        here = [pr for pr in counts if pr.region == account.region]
        if not here:
            continue
        same = [pr for pr in here if pr.language == (account.language or "any")]
        credited[(same or here)[0]].append(a)
    rows = []
    for profile, count in counts.most_common():
        mine = credited[profile]
        rows.append(
            {
                "region": profile.region,
                "seniority": profile.seniority,
                "language": profile.language,
                "hires": count,
                "words": profile.words(count),
                "accounts": len(mine),
                "revenue": round(float(sum(revenue[a] for a in mine)), 2),
            }
        )
    return rows
