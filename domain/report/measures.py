"""From facts to what the overview counts: each measure's form, place and applications.

Read as the ledger held the facts: a retracted event is not there (whichever retraction
named it, from whatever moment: the record was corrected, and IGJ's rule is to correct the
record and generate again), unless that retraction was retracted itself, and so on along
the chain: a retracted retraction corrects nothing. A measure's framework, form and
location come from its latest proposal in care order; its client is the one named last
(the highest position), as in the status view. Arrival order never matters otherwise.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from domain.facts import Fact
from domain.lifecycle import care_order
from domain.report.period import HalfYear
from domain.rules.timeline_state import (
    Authorization,
    Retraction,
    Window,
    fold_authorizations,
    standing,
)

#: The Wvggz titles that allow verplichte zorg (art. 3:1 a-d; e is the 8:11 emergency).
WVGGZ_TITLES = frozenset(
    {
        "zorgmachtiging",
        "crisismaatregel",
        "machtiging_voortzetting_crisismaatregel",
        "tijdelijke_verplichte_zorg",
    }
)


@dataclass(frozen=True, slots=True)
class Application:
    event_id: str
    applied_at: datetime
    ended_at: datetime | None
    emergency: bool
    titles: tuple[str, ...]  # Wvggz titles in force when it was given


@dataclass(frozen=True, slots=True)
class MeasureInPeriod:
    provider_id: str
    measure_id: str
    client_id: str
    framework: str | None
    category: str | None
    location: str | None
    applications: tuple[Application, ...]  # only those received in the period


@dataclass(frozen=True, slots=True)
class Facts:
    """The facts of one provider, unretracted, grouped as the counting needs them."""

    measures: dict[str, list[Fact]]  # measure_id -> its unretracted facts
    orders: dict[str, tuple[Authorization, ...]]  # client_id -> authorisations
    all_facts: list[Fact]  # every fact, retracted or not (for the rules)
    retracted: frozenset[str]  # the events that stand retracted (a retraction that counts)
    retractions: dict[str, tuple[Retraction, ...]]  # for the rules: event_id -> retractions
    clients: dict[str, str]  # measure_id -> the client named last


def retractions(facts: Iterable[Fact]) -> dict[str, tuple[Retraction, ...]]:
    """Every retraction by the event it names, with its own id and time (earliest first),
    so the rules can follow a chain of retractions."""
    found: dict[str, list[Retraction]] = {}
    for fact in facts:
        if fact.type == "event.retracted":
            entry = (fact.event_id, fact.occurred_at)
            found.setdefault(fact.data.retracts_event_id, []).append(entry)
    return {target: tuple(sorted(e, key=lambda r: (r[1], r[0]))) for target, e in found.items()}


def stand_retracted(chains: dict[str, tuple[Retraction, ...]]) -> frozenset[str]:
    """The events a retraction that counts names, once every retraction is in."""
    graph = {target: [rid for rid, _ in entries] for target, entries in chains.items()}
    verdict = standing(graph.keys(), graph)
    return frozenset(target for target in graph if not verdict[target])


def group(provider_facts: Sequence[Fact]) -> Facts:
    chains = retractions(provider_facts)
    retracted = stand_retracted(chains)
    measures: dict[str, list[Fact]] = {}
    by_client: dict[str, list[Fact]] = {}
    last_named: dict[str, tuple[int, str]] = {}
    for index, fact in enumerate(provider_facts):
        if fact.measure_id is not None:
            rank = fact.position if fact.position is not None else index
            if fact.measure_id not in last_named or rank > last_named[fact.measure_id][0]:
                last_named[fact.measure_id] = (rank, fact.client_id)
        if fact.event_id in retracted or fact.type == "event.retracted":
            continue
        if fact.measure_id is None:
            by_client.setdefault(fact.client_id, []).append(fact)
        else:
            measures.setdefault(fact.measure_id, []).append(fact)
    for facts in (*measures.values(), *by_client.values()):
        facts.sort(key=lambda f: care_order(f.occurred_at, f.type, f.event_id))
    orders = {client: fold_authorizations(facts) for client, facts in by_client.items()}
    clients = {measure: named[1] for measure, named in last_named.items()}
    return Facts(measures, orders, list(provider_facts), retracted, chains, clients)


def in_period(grouped: Facts, period: HalfYear) -> list[MeasureInPeriod]:
    """Every measure with an unretracted fact, with its applications received in the period."""
    result = []
    titled: dict[str, list[_Title]] = {}  # per client, its Wvggz titles with their windows
    for measure_id in sorted(grouped.measures):
        facts = grouped.measures[measure_id]
        proposals = [f for f in facts if f.type == "measure.proposed"]
        proposal = proposals[-1].data if proposals else None
        client_id = grouped.clients[measure_id]
        if client_id not in titled:
            titled[client_id] = wvggz_titles(grouped.orders.get(client_id, ()))
        category = proposal.category if proposal else None
        orders = covering(titled[client_id], category)
        planned_emergency = bool(getattr(proposal, "emergency", False))
        applications = tuple(
            application(
                f.event_id,
                f.occurred_at,
                f.data.ended_at,
                f.data.emergency,
                planned_emergency,
                orders,
                period,
            )
            for f in facts
            if f.type == "measure.applied" and period.received(f.occurred_at, f.data.ended_at)
        )
        location = proposal.location_id if proposal and proposal.location_id else None
        result.append(
            MeasureInPeriod(
                provider_id=facts[0].provider_id,
                measure_id=measure_id,
                client_id=client_id,
                framework=proposal.framework if proposal else None,
                category=category,
                location=location,
                applications=applications,
            )
        )
    return result


@dataclass(frozen=True, slots=True)
class _Title:
    """A Wvggz title of a client with its window, computed once per client, not per use."""

    kind: str
    window: Window
    order: Authorization


def wvggz_titles(orders: Iterable[Authorization]) -> list[_Title]:
    """A client's Wvggz titles (art. 3:1 a-d) with their windows."""
    return [_Title(o.kind, o.window, o) for o in orders if o.kind in WVGGZ_TITLES]


def covering(orders: Sequence[_Title], category: str | None) -> list[_Title]:
    """The titles that allow the measure's form: decided once per measure, not per use."""
    return [title for title in orders if title.order.covers(category)]


def application(
    event_id: str,
    applied_at: datetime,
    ended_at: datetime | None,
    emergency: bool | None,
    planned_emergency: bool,
    titles: Sequence[_Title],
    period: HalfYear,
) -> Application:
    """An application is unplanned when it says so, or when its measure was an emergency
    (`planned_emergency`: its latest proposal's). `titles`: its client's Wvggz titles that
    cover its form (`covering`); those in force when it was given (or from the period's
    start) are its titles."""
    if emergency is None:
        emergency = planned_emergency
    if not titles:
        return Application(event_id, applied_at, ended_at, emergency, ())
    moment = max(applied_at, period.start_utc)  # an instant: either copy of the start
    kinds = sorted({title.kind for title in titles if title.window.holds(moment)})
    return Application(event_id, applied_at, ended_at, emergency, tuple(kinds))
