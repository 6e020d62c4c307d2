"""Pure rule evaluation: facts + rulebook + a moment -> alerts (CONTRACT.md §2).

No I/O, no clock, no logging. The public entry points live in `domain.rules.engine`
(`evaluate`, `evaluate_authorization`, `next_deadline`, `change_points`); this package
file stays empty so `domain.rulebook` can import `domain.rules.periods` without a cycle.
"""
