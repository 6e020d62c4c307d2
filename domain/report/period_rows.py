"""A provider's facts read narrowly: only the rows a half-year's overview counts from.

`measures.group` folds every fact of a provider, and at a million events that fold is most
of a report's time (docs/report.md, Benchmark). When the critical alerts come from the alert
index (`ledger/report_alerts.py`) the overview needs far less of the ledger: the
applications that can be received in the period, the proposals of their measures, the
retractions, the authorisations, which client each measure named last, and the two clocks
of every fact that occurred in the period (late registrations).
`projections/report_period_reads.py` reads exactly those rows at positions <= N, without
re-validating data that was validated when it was stored; this module folds them the way
`group` and `in_period` fold the full facts, so the report is the same byte for byte
(tests/test_report_period_rows.py holds both ways to that on both stores).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from domain.facts import Fact
from domain.lifecycle import TYPE_RANK, care_order
from domain.report.measures import (
    MeasureInPeriod,
    application,
    covering,
    stand_retracted,
    wvggz_titles,
)
from domain.report.period import HalfYear
from domain.rulebook import Rulebook
from domain.rules.timeline_state import Retraction, fold_authorizations

#: (measure_id, event_id, occurred_at, ended_at, emergency): a `measure.applied` row
AppliedRow = tuple[str, str, datetime, datetime | None, bool | None]
#: (measure_id, event_id, occurred_at, framework, category, location_id, emergency)
ProposalRow = tuple[str, str, datetime, str, str, str | None, bool]
#: (measure_id or None for an authorisation, event_id, occurred_at, recorded_at)
DatedRow = tuple[str | None, str, datetime, datetime]

_APPLIED_RANK = TYPE_RANK["measure.applied"]
_PROPOSED_RANK = TYPE_RANK["measure.proposed"]


@dataclass(frozen=True, slots=True)
class PeriodRows:
    """What one provider's overview of one half-year is made from, at one position."""

    provider_id: str
    applied: Sequence[AppliedRow]  # at least every application that can be received
    proposals: Sequence[ProposalRow]  # at least those of the measures in `applied`
    retractions: Mapping[str, tuple[Retraction, ...]]  # event_id -> retractions naming it
    orders: Sequence[Fact]  # the provider's authorisation facts, retracted ones too
    clients: Mapping[str, str]  # measure_id -> the client named last (of those in `applied`)
    dated: Sequence[DatedRow]  # every fact that occurred in the period


def measures_of(
    rows: PeriodRows, period: HalfYear, retracted: frozenset[str]
) -> list[MeasureInPeriod]:
    """The measures with an application received in the period, as `in_period` makes them
    (it also lists measures without one; nothing counts those)."""
    received: dict[str, list[AppliedRow]] = {}
    for row in rows.applied:
        if row[1] not in retracted and period.received(row[2], row[3]):
            received.setdefault(row[0], []).append(row)
    latest: dict[str, ProposalRow] = {}
    for row in rows.proposals:
        measure_id = row[0]
        if measure_id not in received or row[1] in retracted:
            continue
        best = latest.get(measure_id)
        if best is None or (row[2], row[1]) > (best[2], best[1]):
            latest[measure_id] = row  # the latest proposal in care order (one rank)
    by_client: dict[str, list[Fact]] = {}
    for fact in rows.orders:
        if fact.event_id not in retracted and fact.type != "event.retracted":
            by_client.setdefault(fact.client_id, []).append(fact)
    titled: dict[str, list] = {}
    result = []
    for measure_id in sorted(received):
        client_id = rows.clients[measure_id]
        if client_id not in titled:
            facts = sorted(
                by_client.get(client_id, ()),
                key=lambda f: care_order(f.occurred_at, f.type, f.event_id),
            )
            titled[client_id] = wvggz_titles(fold_authorizations(facts))
        proposal = latest.get(measure_id)
        category = proposal[4] if proposal else None
        emergency = proposal[6] if proposal else False
        titles = covering(titled[client_id], category)
        applied = sorted(received[measure_id], key=lambda r: (r[2], r[1]))
        result.append(
            MeasureInPeriod(
                provider_id=rows.provider_id,
                measure_id=measure_id,
                client_id=client_id,
                framework=proposal[3] if proposal else None,
                category=category,
                location=(proposal[5] or None) if proposal else None,
                applications=tuple(
                    application(r[1], r[2], r[3], r[4], emergency, titles, period) for r in applied
                ),
            )
        )
    return result


def late_of(
    rows: PeriodRows, period: HalfYear, rulebook: Rulebook, retracted: frozenset[str]
) -> list[str | None]:
    """The facts registered late in the period, by measure (None: an authorisation), as
    `quality.data_quality` finds them among every fact."""
    lag = rulebook.limit("registration_lag").period
    low, high = lag.spans()  # `lag.after` only for a gap the calendar decides
    onboarded = rulebook.onboarding.get(rows.provider_id)
    late = []
    for measure_id, event_id, occurred_at, recorded_at in rows.dated:
        if (
            event_id in retracted
            or not period.holds(occurred_at)
            or (onboarded is not None and occurred_at < onboarded)
        ):
            continue
        gap = recorded_at - occurred_at
        if gap <= low:
            continue
        if (high is not None and gap > high) or recorded_at > lag.after(occurred_at):
            late.append(measure_id)
    return late


def retracted_in(rows: PeriodRows) -> frozenset[str]:
    """The events that stand retracted at the rows' position."""
    return stand_retracted(dict(rows.retractions))
