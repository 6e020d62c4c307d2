"""The straightforward definition of the findings at a moment, kept as the specification.

At every moment: take the facts that count (`active_facts`), fold them into a
`MeasureState`, run every rule. `domain.rules.incremental` computes the same lists much
faster for a whole sweep; `tests/test_rules_performance_equivalence.py` checks that the two
agree, finding for finding and in the same order, so this stays the readable reference.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace
from datetime import datetime
from itertools import chain

from domain.facts import Fact
from domain.rulebook import Rulebook
from domain.rules import (
    deadlines,
    jeugdwet,
    jeugdwet_procedure,
    legal_basis,
    registered_locations,
    wvggz_procedure,
    wzd_emergency,
    wzd_physician,
    wzd_procedure,
)
from domain.rules.findings import Finding
from domain.rules.registration import authorization_too_long, late_registration
from domain.rules.sweep import FindingsAt
from domain.rules.timeline_state import External, MeasureState, active_facts
from domain.rules.title_precedence import title_precedence
from domain.wire import AUTHORIZATION_TYPES

MEASURE_RULES: tuple[Callable[[MeasureState, Rulebook], Iterable[Finding]], ...] = (
    legal_basis.check,
    deadlines.check,
    wzd_procedure.check,
    jeugdwet.check,
    # Catalogue 2: Wzd and across the laws
    wzd_physician.check,
    wzd_emergency.check,
    registered_locations.check,
    # Catalogue 2: Wvggz and Jeugdwet
    wvggz_procedure.check,
    jeugdwet_procedure.check,
)


def measure_findings(facts: Sequence[Fact], book: Rulebook, external: External) -> FindingsAt:
    def findings_at(moment: datetime) -> list[Finding]:
        active = active_facts(facts, moment, external)
        orders = [fact for fact in active if fact.type in AUTHORIZATION_TYPES]
        own = [fact for fact in active if fact.type not in AUTHORIZATION_TYPES]
        state = MeasureState.fold(own, orders)
        found = chain.from_iterable(rule(state, book) for rule in MEASURE_RULES)
        return [
            replace(f, framework=state.framework, category=state.category)
            for f in chain(found, late_registration(state.facts, book))
        ]

    return findings_at


def authorization_findings(facts: Sequence[Fact], book: Rulebook, external: External) -> FindingsAt:
    def findings_at(moment: datetime) -> list[Finding]:
        orders = [f for f in active_facts(facts, moment, external) if f.type in AUTHORIZATION_TYPES]
        return [
            *authorization_too_long(orders, book),
            *wvggz_procedure.pre_crisis_too_long(orders, book),
            *late_registration(orders, book),
            # Catalogue 2: Wzd and across the laws
            *title_precedence(orders, book),
        ]

    return findings_at
