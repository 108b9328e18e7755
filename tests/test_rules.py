"""Each named rule alone, on a two- or three-entity toy.

Pair rules are called directly (they broadcast over index arrays) and through the
evaluator, which must report a violation under the rule's name for a plan that
breaks it and none for the same toy's legal plan. Aggregate rules exist only in
the evaluator (and the solvers), so they are tested there.
"""

from __future__ import annotations

import numpy as np
import pytest
from toys import STANDARD_HOURS_CH, acc, context, mgr, pairs, plan

from planner.evaluate import evaluate
from planner.models import Policy, Seniority, Tier
from planner.rules import AGGREGATE_RULES, LIMITS, PAIR_RULES, eligible, failed_pair_rules
from planner.rules.pair import (
    forbidden_pair,
    language_match,
    manager_active,
    pinned_pair,
    region_eligibility,
    seniority_by_tier,
)


def rule_names(ctx, p) -> set[str]:  # type: ignore[no-untyped-def]
    return {v.rule for v in evaluate(ctx, p).violations}


def grid(rule, ctx) -> np.ndarray:  # type: ignore[no-untyped-def]
    """rule(account i, manager j) over the full grid, as a plain bool matrix."""
    a = np.arange(ctx.n_accounts)[:, None]
    m = np.arange(ctx.n_managers)[None, :]
    return np.asarray(rule(ctx, a, m), dtype=bool)


def test_every_named_rule_is_registered_once() -> None:
    assert set(PAIR_RULES) == {
        "manager_active",
        "language_match",
        "seniority_by_tier",
        "region_eligibility",
        "pinned_pair",
        "forbidden_pair",
        "visit_fits_a_day",
        "performance_floor",
        "avoid_manager",
        "account_manager_role",
    }
    assert not set(PAIR_RULES) & set(AGGREGATE_RULES)


# --- pair rules ---------------------------------------------------------------------------------


def test_manager_active() -> None:
    ctx = context([mgr("M1"), mgr("M2", active=False)], [acc("A1")])
    assert grid(manager_active, ctx).tolist() == [[True, False]]
    assert rule_names(ctx, plan(A1="M1")) == set()
    assert rule_names(ctx, plan(A1="M2")) == {"manager_active"}


def test_language_match_blank_means_any_language() -> None:
    ctx = context(
        [mgr("M1", languages={"ja"}), mgr("M2", languages={"en"}), mgr("M3")],
        [acc("A_ja", language="ja"), acc("A_any")],
    )
    assert grid(language_match, ctx).tolist() == [[True, False, False], [True, True, True]]
    assert rule_names(ctx, plan(A_ja="M1", A_any="M3")) == set()
    bad = evaluate(ctx, plan(A_ja="M2", A_any="M2")).violations
    assert [(v.rule, v.account_id, v.manager_id) for v in bad] == [("language_match", "A_ja", "M2")]


def test_language_match_with_a_language_only_the_managers_know() -> None:
    # A manager's extra languages must not shift the lookup table of account languages.
    ctx = context([mgr("M1", languages={"de", "en", "zh"})], [acc("A1", language="zh")])
    assert grid(language_match, ctx).tolist() == [[True]]


@pytest.mark.parametrize(
    ("tier", "allowed"),
    [
        ("strategic", [False, True, True]),  # default policy: strategic needs senior or higher
        ("key", [True, True, True]),
        ("standard", [True, True, True]),
    ],
)
def test_seniority_by_tier_defaults(tier: str, allowed: list[bool]) -> None:
    ctx = context(
        [
            mgr("Mjun", seniority="junior"),
            mgr("Msen", seniority="senior"),
            mgr("Mpri", seniority="principal"),
        ],
        [acc("A1", tier=tier)],
    )
    assert grid(seniority_by_tier, ctx).tolist() == [allowed]


def test_seniority_by_tier_follows_the_policy() -> None:
    tiers = dict(Policy().tiers)
    tiers[Tier.key] = tiers[Tier.key].model_copy(update={"min_seniority": Seniority.principal})
    ctx = context(
        [mgr("Msen", seniority="senior"), mgr("Mpri", seniority="principal")],
        [acc("A1", tier="key")],
        tiers=tiers,
    )
    assert grid(seniority_by_tier, ctx).tolist() == [[False, True]]
    assert rule_names(ctx, plan(A1="Msen")) == {"seniority_by_tier"}


def test_region_eligibility_own_region_only_by_default() -> None:
    ctx = context([mgr("Mn", region="north"), mgr("Ms", region="south")], [acc("An", region="north")])
    assert grid(region_eligibility, ctx).tolist() == [[True, False]]
    assert rule_names(ctx, plan(An="Ms")) == {"region_eligibility"}


def test_region_neighbours_are_one_way() -> None:
    # north's managers may also serve east; east's managers gain nothing from that entry.
    ctx = context(
        [mgr("Mn", region="north"), mgr("Me", region="east")],
        [acc("An", region="north"), acc("Ae", region="east")],
        region_neighbours={"north": ["east"]},
    )
    assert grid(region_eligibility, ctx).tolist() == [[True, False], [True, True]]


def test_region_not_enforced() -> None:
    ctx = context(
        [mgr("Mn", region="north"), mgr("Ms", region="south")],
        [acc("An", region="north"), acc("Aw", region="west")],
        enforce_region=False,
    )
    assert grid(region_eligibility, ctx).all()


def test_pinned_pair() -> None:
    ctx = context([mgr("M1"), mgr("M2")], [acc("A1"), acc("A2")], pins=pairs(("A1", "M2")))
    assert grid(pinned_pair, ctx).tolist() == [[False, True], [True, True]]
    assert rule_names(ctx, plan(A1="M1", A2="M1")) == {"pinned_pair"}
    assert rule_names(ctx, plan(A1="M2", A2="M1")) == set()


def test_forbidden_pair() -> None:
    ctx = context([mgr("M1"), mgr("M2")], [acc("A1"), acc("A2")], forbidden=pairs(("A2", "M1")))
    assert grid(forbidden_pair, ctx).tolist() == [[True, True], [False, True]]
    assert rule_names(ctx, plan(A1="M1", A2="M1")) == {"forbidden_pair"}


def test_eligible_is_the_conjunction_and_failed_rules_name_each_one() -> None:
    ctx = context(
        [mgr("M1", region="n", languages={"ja"}, seniority="senior"), mgr("M2", region="s", active=False)],
        [acc("A1", tier="strategic", region="n", language="ja")],
        forbidden=pairs(("A1", "M2")),
    )
    assert grid(eligible, ctx).tolist() == [[True, False]]
    assert failed_pair_rules(ctx, 0, 0) == []
    assert set(failed_pair_rules(ctx, 0, 1)) == {
        "manager_active",
        "language_match",
        "seniority_by_tier",
        "region_eligibility",
        "forbidden_pair",
    }


def test_pair_rules_broadcast_over_a_plans_pairs() -> None:
    ctx = context([mgr("M1"), mgr("M2", active=False)], [acc("A1"), acc("A2"), acc("A3")])
    a = np.array([0, 1, 2])
    m = np.array([1, 0, 1])
    for rule in PAIR_RULES.values():
        assert np.shape(rule(ctx, a, m)) == (3,)
    assert manager_active(ctx, a, m).tolist() == [False, True, False]


# --- aggregate rules, through the evaluator ---------------------------------------------------------


def test_capacity_hours() -> None:
    # Two standard accounts need 2 x 0.5 h; 0.99 h of capacity is one centi-hour short.
    ctx = context([mgr("M1", capacity_hours=0.99), mgr("M2")], [acc("A1"), acc("A2")])
    assert 2 * STANDARD_HOURS_CH > 99
    ev = evaluate(ctx, plan(A1="M1", A2="M1"))
    assert [(v.rule, v.manager_id) for v in ev.violations] == [("capacity_hours", "M1")]
    assert "1.00 h" in ev.violations[0].message and "0.99 h" in ev.violations[0].message
    assert rule_names(ctx, plan(A1="M1", A2="M2")) == set()


def test_capacity_exactly_full_is_allowed() -> None:
    ctx = context([mgr("M1", capacity_hours=1.0)], [acc("A1"), acc("A2")])
    assert rule_names(ctx, plan(A1="M1", A2="M1")) == set()


def test_max_accounts() -> None:
    ctx = context([mgr("M1", max_accounts=1), mgr("M2", max_accounts=0)], [acc("A1"), acc("A2")])
    assert rule_names(ctx, plan(A1="M1", A2="M1")) == {"max_accounts"}
    assert rule_names(ctx, plan(A1="M1", A2="M2")) == {"max_accounts"}
    ctx_ok = context([mgr("M1", max_accounts=1), mgr("M2", max_accounts=1)], [acc("A1"), acc("A2")])
    assert rule_names(ctx_ok, plan(A1="M1", A2="M2")) == set()


def test_parent_group_together_is_transitive() -> None:
    # C2's parent is C1, whose parent is P: all three form one group.
    ctx = context(
        [mgr("M1"), mgr("M2")],
        [acc("P"), acc("C1", parent_id="P"), acc("C2", parent_id="C1"), acc("Solo")],
    )
    assert rule_names(ctx, plan(P="M1", C1="M1", C2="M1", Solo="M2")) == set()
    ev = evaluate(ctx, plan(P="M1", C1="M1", C2="M2", Solo="M2"))
    assert [v.rule for v in ev.violations] == ["parent_group_together"]
    assert "P, C1, C2" in ev.violations[0].message


def test_max_moves_counts_only_voluntary_moves() -> None:
    # A1 leaves an active manager (voluntary); A2 leaves one who has left (forced).
    ctx = context(
        [mgr("M1"), mgr("M2"), mgr("Mgone", active=False)],
        [acc("A1", current_manager_id="M1"), acc("A2", current_manager_id="Mgone")],
        max_moves=0,
    )
    ev = evaluate(ctx, plan(A1="M2", A2="M2"))
    assert [v.rule for v in ev.violations] == ["max_moves"]
    assert ev.moves["voluntary"] == 1 and ev.moves["forced"] == 1
    assert rule_names(ctx, plan(A1="M1", A2="M2")) == set()
    # The call's budget overrides the policy's.
    assert {v.rule for v in evaluate(ctx, plan(A1="M2", A2="M2"), max_moves=1).violations} == set()


def test_utilisation_band_lower_edge() -> None:
    # Band [0.5, 1.0] on 1 h: M2 carries nothing and is below 0.5 h; an inactive manager is exempt.
    ctx = context(
        [
            mgr("M1", capacity_hours=1.0),
            mgr("M2", capacity_hours=1.0),
            mgr("Mgone", capacity_hours=1.0, active=False),
        ],
        [acc("A1"), acc("A2")],
        utilisation_band=(0.5, 1.0),
    )
    ev = evaluate(ctx, plan(A1="M1", A2="M1"))
    assert [(v.rule, v.manager_id) for v in ev.violations] == [("utilisation_band", "M2")]
    assert rule_names(ctx, plan(A1="M1", A2="M2")) == set()


def test_utilisation_band_upper_edge_is_named_utilisation_band() -> None:
    # 1.0 h on a 1 h manager is within capacity but above a 0.9 band.
    ctx = context(
        [mgr("M1", capacity_hours=1.0), mgr("M2", capacity_hours=1.0)],
        [acc("A1"), acc("A2"), acc("A3")],
        utilisation_band=(0.0, 0.9),
    )
    assert rule_names(ctx, plan(A1="M1", A2="M1", A3="M2")) == {"utilisation_band"}


def test_assign_exactly_one() -> None:
    ctx = context([mgr("M1")], [acc("A1"), acc("A2")])
    ev = evaluate(ctx, plan(A1="M1", A2=None))
    assert [(v.rule, v.account_id) for v in ev.violations] == [("assign_exactly_one", "A2")]
    # An account the plan does not mention at all is unassigned too.
    assert rule_names(ctx, plan(A1="M1")) == {"assign_exactly_one"}


def test_unassigned_is_allowed_and_priced_when_the_policy_says_so() -> None:
    ctx = context([mgr("M1")], [acc("A1"), acc("A2")], allow_unassigned=True)
    ev = evaluate(ctx, plan(A1="M1", A2=None))
    assert ev.violations == []
    assert ev.unassigned == ["A2"]
    # Default price: 100 points per hour of lost service x service weight 1 (standard) x
    # (1 + value 40 / 100); a toy standard account has 0.5 h of service a month: 70 points.
    assert ev.parts_cp["unassigned"] == 7_000


def test_unknown_manager_and_unknown_account() -> None:
    ctx = context([mgr("M1")], [acc("A1")])
    ev = evaluate(ctx, plan(A1="M9", A9="M1"))
    found = {(v.rule, v.account_id, v.manager_id) for v in ev.violations}
    assert ("unknown_manager", "A1", "M9") in found
    assert ("unknown_account", "A9", "M1") in found
    assert any(v.rule == "assign_exactly_one" and v.account_id == "A1" for v in ev.violations)


# --- the registry: every rule brings every part ---------------------------------------------------


def test_every_pair_rule_has_words_and_a_diagnosis() -> None:
    ctx = context([mgr("M1", active=False)], [acc("A1", tier="strategic", language="ja")])
    for name, rule in PAIR_RULES.items():
        assert rule.name == name and rule.words.strip(), name
        assert np.shape(rule(ctx, np.array([0, 0]), np.array([0, 0]))) == (2,), name
        assert rule.none_left(ctx, 0).strip(), name
        assert "A1" in rule.breach(ctx, 0, 0) or "M1" in rule.breach(ctx, 0, 0), name


def test_every_manager_limit_has_every_part() -> None:
    """A limit module that leaves out a part fails here (an abstract method left out fails at
    `register`, since the class cannot be made)."""
    ctx = context([mgr("M1"), mgr("M2")], [acc("A1", tier="strategic"), acc("A2")])
    assert LIMITS, "no manager limit registered"
    for name, rule in LIMITS.items():
        assert rule.name == name and rule.words.strip(), name
        assert name in AGGREGATE_RULES
        use = rule.use(ctx)
        assert use.shape == (2,) and use.dtype.kind == "i" and (use >= 0).all(), name
        limit = rule.limit(ctx)
        assert limit is None or (limit.shape == (2,) and limit.dtype.kind == "i"), name
        assert "7" in rule.over("M1", 7, 5) and "5" in rule.over("M1", 7, 5), name
        assert "region 'n'" in rule.short("region 'n'", 9, 4) and "9" in rule.short("region 'n'", 9, 4), name


def test_every_rule_over_whole_plans_has_every_part_and_catches_its_breach() -> None:
    """Each module of planner/rules that registers a rule over whole plans brings a name, words
    and a check; here each one's check finds the one plan below that breaks it, by name."""
    from planner.models import Plan
    from planner.rules import PLAN_RULES, STRUCTURAL_RULES

    assert set(PLAN_RULES) >= {"assign_exactly_one", "full_service", "capacity_hours", "utilisation_band"}
    assert (
        set(PLAN_RULES) >= {"parent_group_together", "max_moves"}
        and STRUCTURAL_RULES.keys() == PLAN_RULES.keys()
    )
    for name, rule in PLAN_RULES.items():
        assert rule.name == name and rule.words.strip() and name in AGGREGATE_RULES, name
    # M1 has 1 h: two standard accounts (0.5 h each) and a third of the same group break
    # capacity; A3 (in A1's group) with M2 splits the group; A4 unassigned; A2 moved from M2.
    ctx = context(
        [mgr("M1", 1.0), mgr("M2", 100.0)],
        [
            acc("A1"),
            acc("A2", current_manager_id="M2"),
            acc("A3", parent_id="A1"),
            acc("A4"),
            acc("A5", current_manager_id="M1"),
        ],
        utilisation_band=(0.5, 0.9),
        max_moves=0,
    )
    plan = Plan(assignment={"A1": "M1", "A2": "M1", "A3": "M2", "A4": None, "A5": "M1"})
    from planner.evaluate import evaluate

    found = {v.rule for v in evaluate(ctx, plan).violations}
    assert {
        "assign_exactly_one",
        "capacity_hours",
        "parent_group_together",
        "max_moves",
        "utilisation_band",
    } <= found
