"""Properties of the overview over drawn facts: locations add up, arrival order is irrelevant."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from domain.facts import Fact
from domain.report.document import body_sha256
from domain.report.model import WzdForm
from tests.report_builders import PROVIDER, applied, proposed, report, retracted

FORMS = [
    ("wzd", "seclusion"),
    ("wzd", "supervision"),
    ("wzd", "lockable_stay"),
    ("wvggz", "admission"),
    ("jeugdwet", "physical_restraint"),
]
ORIGIN = datetime(2025, 11, 1, tzinfo=UTC)

application = st.fixed_dictionaries(
    {
        "hours": st.integers(0, 24 * 300),
        "minutes": st.none() | st.integers(1, 60 * 72),
        "emergency": st.none() | st.booleans(),
        "retracted": st.booleans(),
    }
)
measure = st.fixed_dictionaries(
    {
        "client": st.sampled_from(["c1", "c2", "c3", "c4"]),
        "location": st.sampled_from(["L1", "L2", None]),
        "form": st.sampled_from(FORMS),
        "emergency": st.booleans(),
        "applications": st.lists(application, max_size=4),
    }
)


def build(drawn: list[dict[str, Any]]) -> list[Fact]:
    facts: list[Fact] = []
    for i, m in enumerate(drawn):
        mid, client = f"m{i}", m["client"]
        framework, category = m["form"]
        facts.append(
            proposed(
                mid,
                framework,
                category,
                client=client,
                location=m["location"],
                emergency=m["emergency"],
                event_id=f"{mid}-p",
            )
        )
        for j, a in enumerate(m["applications"]):
            start = ORIGIN + timedelta(hours=a["hours"])
            end = start + timedelta(minutes=a["minutes"]) if a["minutes"] else None
            fact = applied(
                mid,
                start.isoformat(),
                client=client,
                ended=end.isoformat() if end else None,
                emergency=a["emergency"],
                event_id=f"{mid}-a{j}",
            )
            facts.append(fact)
            if a["retracted"]:
                later = (start + timedelta(days=3)).isoformat()
                facts.append(
                    retracted(mid, fact.event_id, later, client=client, event_id=f"{mid}-r{j}")
                )
    return facts


def positioned(facts: list[Fact]) -> list[Fact]:
    """As a store holds them: positions in arrival order."""
    return [_at(f, i) for i, f in enumerate(facts, start=1)]


def _at(f: Fact, position: int) -> Fact:
    return replace(f, position=position)


@settings(max_examples=150, deadline=None)
@given(st.lists(measure, max_size=12), st.sampled_from(["2026H1", "2025H2", "2026H2"]))
def test_the_locations_add_up_to_the_provider_total(
    drawn: list[dict[str, Any]], period: str
) -> None:
    body = report(positioned(build(drawn)), period, providers=[PROVIDER]).body.providers[PROVIDER]
    for law in (body.wzd, body.jeugdwet):
        for form, total in law.totals.items():
            parts = [forms[form] for forms in law.locations.values() if form in forms]
            parts += [law.without_location[form]] if form in law.without_location else []
            additive = [n for n in type(total).model_fields if n not in ("clients", "young_people")]
            for name in additive:
                assert getattr(total, name) == sum(getattr(p, name) for p in parts), (form, name)
            unique = "clients" if isinstance(total, WzdForm) else "young_people"
            counts = [getattr(p, unique) for p in parts]
            assert max(counts) <= getattr(total, unique) <= sum(counts)
    wvggz_refs = {ref for clients in body.wvggz.locations.values() for ref in clients}
    wvggz_refs |= set(body.wvggz.without_location)
    assert body.wvggz.clients == len(wvggz_refs)


@settings(max_examples=100, deadline=None)
@given(st.lists(measure, max_size=10), st.randoms(use_true_random=False))
def test_arrival_order_does_not_change_a_report(drawn: list[dict[str, Any]], rnd: Any) -> None:
    facts = build(drawn)
    shuffled = list(facts)
    rnd.shuffle(shuffled)
    first = report(positioned(facts)).body
    second = report(positioned(shuffled)).body
    assert first == second
    assert body_sha256(first) == body_sha256(second)


@settings(max_examples=100, deadline=None)
@given(st.lists(measure, min_size=1, max_size=10), st.data())
def test_facts_after_n_do_not_change_the_report_at_n(
    drawn: list[dict[str, Any]], data: Any
) -> None:
    """What the store does: a report at N reads positions <= N, whatever came after."""
    facts = positioned(build(drawn))
    n = data.draw(st.integers(0, len(facts)))
    extra = positioned(build(data.draw(st.lists(measure, max_size=4))))
    later = [_at(f, n + len(facts) + f.position) for f in extra]
    upto = [f for f in [*facts, *later] if f.position <= n]
    assert report(upto).body == report(facts[:n]).body
