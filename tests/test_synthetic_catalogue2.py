"""The demo stream under the catalogue-2 Wzd and general rules: each planted problem of
those rules raises it, and no other measure or client raises any of them (lawful Wzd
lifecycles record the physician, the functionaris notice and registered locations)."""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta

from domain.rulebook import Rulebook
from domain.rules.engine import FAR_FUTURE, evaluate, evaluate_authorization
from synthetic import generate
from tests.factories import synthetic_facts

NEW_RULES = {
    "WZD-PHYSICIAN-CONSENT",
    "WZD-EMERGENCY-PHYSICIAN",
    "WZD-EMERGENCY-NOTIFY",
    "WZD-EMERGENCY-TERM",
    "WZD-LOCATION-UNREGISTERED",
    "GEN-TITLE-PRECEDENCE",
}


def test_planted_catalogue_2_problems_raise_their_rule_and_nothing_else_does() -> None:
    for seed in (7, 42):
        _, manifest = generate(seed=seed, return_manifest=True)
        book = Rulebook.load_default().with_registered_locations(manifest.locations)
        facts = synthetic_facts(seed, 300, lambda _eid, _pos: timedelta(0))
        measures, orders = defaultdict(list), defaultdict(list)
        for fact in facts:
            if fact.type.startswith("authorization."):
                orders[(fact.provider_id, fact.client_id)].append(fact)
            else:
                measures[(fact.provider_id, fact.measure_id, fact.client_id)].append(fact)
        raised: dict[tuple[str, str | None], set[str]] = defaultdict(set)
        for (provider, measure, client), own in measures.items():
            for alert in evaluate(own, orders[(provider, client)], book, FAR_FUTURE):
                raised[(provider, measure)].add(alert.rule)
        by_client = {}
        for (provider, client), titles in orders.items():
            rules = {a.rule for a in evaluate_authorization(titles, book, FAR_FUTURE)}
            by_client[(provider, client)] = rules
        planted = {p.kind for p in manifest.problems if p.rule in NEW_RULES}
        assert len(planted) == 6, seed
        for problem in manifest.problems:
            if problem.rule == "GEN-TITLE-PRECEDENCE":
                assert problem.rule in by_client[(problem.provider_id, problem.client_id)]
            elif problem.rule in NEW_RULES:
                assert problem.rule in raised[(problem.provider_id, problem.measure_id)], problem
        expected = {(p.provider_id, p.measure_id): p.rule for p in manifest.problems}
        for key, rules in raised.items():
            assert rules & NEW_RULES <= {expected.get(key)}, (key, rules)
        clients = {
            (p.provider_id, p.client_id)
            for p in manifest.problems
            if p.kind == "two_admission_titles"
        }
        for key, rules in by_client.items():
            if key not in clients:
                assert "GEN-TITLE-PRECEDENCE" not in rules, key
