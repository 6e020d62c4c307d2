"""The demo stream judged by rulebook 2026.2's Wvggz and Jeugdwet catalogue-2 rules: each
planted problem raises its rule, and no lawful lifecycle raises any of them."""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta

import pytest

from domain.facts import Fact
from domain.rulebook import Rulebook
from domain.rules.engine import FAR_FUTURE, evaluate, evaluate_authorization
from synthetic import PROBLEM_RULES, generate
from tests.factories import synthetic_facts

BOOK = Rulebook.load_default(version="2026.2")
RULES = {
    "WVGGZ-DECISION-PSYCH",
    "WVGGZ-NOOD-GD-NOTIFY",
    "WVGGZ-PRE-CM-18H",
    "JW-VBM-GW-CONSENT",
    "JW-NOOD-12H-GW",
    "JW-VBM-NOT-IN-PLAN",
    "JW-AFBOUW-ONAFH",
}
Key = tuple[str, str]


def _judged(seed: int) -> tuple[dict[Key, set[str]], dict[Key, set[str]], dict[Key, str]]:
    """Rules raised per measure and per client's orders, and each measure's client."""
    facts = synthetic_facts(seed, 300, lambda event_id, position: timedelta(0))
    measures: dict[Key, list[Fact]] = defaultdict(list)
    orders: dict[Key, list[Fact]] = defaultdict(list)
    for fact in facts:
        if fact.measure_id is None:
            orders[(fact.provider_id, fact.client_id)].append(fact)
        else:
            measures[(fact.provider_id, fact.measure_id)].append(fact)
    client = {key: (key[0], facts[0].client_id) for key, facts in measures.items()}
    by_measure = {
        key: {a.rule for a in evaluate(facts, orders[client[key]], BOOK, FAR_FUTURE)}
        for key, facts in measures.items()
    }
    by_client = {
        key: {a.rule for a in evaluate_authorization(facts, BOOK, FAR_FUTURE)}
        for key, facts in orders.items()
    }
    return by_measure, by_client, {key: value[1] for key, value in client.items()}


@pytest.mark.parametrize("seed", [7, 42])
def test_planted_problems_raise_their_rule_and_lawful_care_none(seed: int) -> None:
    """Every catalogue-2 Wvggz/Jeugdwet kind is planted and raises its rule (on the measure,
    or for 7:3 on the client's orders); measures and clients without a planted problem raise
    none of these rules."""
    by_measure, by_client, client = _judged(seed)
    _, manifest = generate(measures=300, seed=seed, return_manifest=True)
    planted = {p.rule: p for p in manifest.problems if p.rule in RULES}
    assert set(planted) == RULES == set(PROBLEM_RULES.values()) & RULES
    for rule, problem in planted.items():
        key = (problem.provider_id, problem.measure_id)
        raised = by_measure[key] | by_client[(problem.provider_id, client[key])]
        assert rule in raised, problem
    problem_measures = {(p.provider_id, p.measure_id) for p in manifest.problems}
    problem_clients = {(p.provider_id, p.client_id) for p in manifest.problems}
    for key, rules in by_measure.items():
        if key not in problem_measures:
            assert not rules & RULES, key
    for key, rules in by_client.items():
        if key not in problem_clients:
            assert not rules & RULES, key
