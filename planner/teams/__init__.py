"""Account teams (issue #19): every key account staffed with a team of roles, not one person.

The mapping onto the one model (`planner.problem.AssignmentProblem`), and why:

- A unit is a parent group's account-manager seat (the units of the one-role planner, unchanged,
  first) or one *team slot*: (parent group, extra role, k-th person of that role). Agents stay
  the people. A slot's options are the people who hold the role and pass the pair rules for it
  (`roles.role_eligible`), so "each team slot is filled once" is the unit's own
  exactly-one row, and "left unfilled at the unserved price" is the unit's unserved column.
  Every backend already knows units, options, capacity rows and unserved columns; a team needs
  no new kind of variable, and its cost and hours are the options' own numbers.
- One person holds at most one role on an account: the only new row family, `pair_exclusive`
  (per parent group and person, the person's options on the group's seat and slots sum to at
  most 1). It also keeps one person out of two slots of the same role. CP-SAT, the linear model
  (HiGHS, CBC) and `satisfies` write it; the heuristics behind auto's split and the GAP engine
  do not, so auto plans team problems with CP-SAT and the engine says so in `supports()`.
- A person's capacity covers every role they hold (the agent's capacity row sums every option);
  `capacity_hours_<role>` caps one role's hours as a named limit row (`capacity_hours_<role>`),
  which every backend writes as it writes max_accounts.
- A parent group keeps one team: a slot is a unit of the group, like the seat.
- Continuity per role: an option whose person is not among the account's `current_<role>_id`
  holders, while one of them could stay, pays the move price times the role's move_weight.
  Such a team move is a voluntary move like an account manager's: it counts against max_moves
  (the options' `pair_moves`, the evaluator's voluntary moves), in plans and re-plans alike.
- Balance per role (`planner.teams.balance`): each role's people are balanced among themselves,
  one utilisation spread per role (`balance_member`, one balance group per role), a person's
  utilisation counting all their hours, in every role group they belong to.

Without `teams` in the policy (or when no tier needs an extra role) nothing here runs: the
problem, the plan and every file are the one-role planner's, array for array.
"""

from __future__ import annotations

from planner.teams.roles import teams_of, teams_on

__all__ = ["teams_of", "teams_on"]
