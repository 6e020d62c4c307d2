"""Public entry points: alerts of one measure (or one client's authorisations) at a moment.

    evaluate(measure_facts, authorization_facts, rulebook, as_of, retracted_ids=None)
    evaluate_authorization(authorization_facts, rulebook, as_of, retracted_ids=None)
    next_deadline(measure_facts, authorization_facts, rulebook, as_of, retracted_ids=None)
    change_points(measure_facts, authorization_facts, rulebook, retracted_ids=None)

Pure functions: no I/O, no clock. Facts may come in any order. `retracted_ids` names events
retracted by retractions stored elsewhere (e.g. an authorisation retracted in another
measure's stream): a mapping gives, per retracted event, each retraction's event id and
`occurred_at`, so a retraction that is itself retracted (in any stream) is followed and
its target counts again from then; a plain set means "retracted from the start of time".

History in one call: `evaluate(..., as_of=FAR_FUTURE)` gives every alert's full interval
`[since, resolved_at)`. For any T, the alerts open at T are exactly those with
`since <= T` and (`resolved_at` is None or `resolved_at > T`), and `evaluate(as_of=T)` returns
those as open plus the ones already resolved by T (see `domain.rules.sweep`). An indexed
projection can store the intervals and re-evaluate only at `change_points`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime

from domain.alerts import Alert, alert_id
from domain.facts import Fact
from domain.rulebook import Rulebook
from domain.rules.incremental import AuthorizationFindings, measure_findings
from domain.rules.sweep import Interval, sweep
from domain.rules.sweep_changes import sweep_changes
from domain.rules.timeline_state import External, Retraction
from domain.wire import AUTHORIZATION_TYPES

FAR_FUTURE = datetime(9000, 1, 1, tzinfo=UTC)
_BEGINNING = datetime(1, 1, 1, tzinfo=UTC)

#: Retractions stored elsewhere (see `_external`): by the event each names, the retractions
#: naming it as (retraction event id, occurred_at); or the old forms, a retraction time per
#: event, or a plain set ("retracted from the start of time").
RetractedIds = frozenset[str] | Mapping[str, Sequence[Retraction]] | Mapping[str, datetime] | None


def _entries(target: str, value: Sequence[Retraction] | datetime) -> tuple[Retraction, ...]:
    """A mapping's value as retractions; a bare time is one retraction nothing names (so
    nothing can retract it), under an id no event has."""
    if isinstance(value, datetime):
        return ((f"\0retraction-of:{target}", value),)
    return tuple(value)


def _external(
    retracted_ids: RetractedIds, facts: Sequence[Fact]
) -> dict[str, tuple[Retraction, ...]]:
    """The retractions from elsewhere that name one of these facts, and, following each
    chain, the retractions that name those retractions, at any depth.

    A retraction that was itself retracted no longer retracts: without its own
    retractions the engine would treat the first retraction as final and lose every
    interval in which its target counted again. The mapping is usually a whole provider's
    retractions (thousands), the facts a dozen: look ids up in it rather than scan it.
    """
    if not retracted_ids:
        return {}
    if not isinstance(retracted_ids, Mapping):
        return {
            fact.event_id: ((f"\0retraction-of:{fact.event_id}", _BEGINNING),)
            for fact in facts
            if fact.event_id in retracted_ids
        }
    found: dict[str, tuple[Retraction, ...]] = {}
    pending = [fact.event_id for fact in facts if fact.event_id in retracted_ids]
    for event_id in pending:  # grows while it is read: breadth first along the chains
        if event_id in found:
            continue
        found[event_id] = _entries(event_id, retracted_ids[event_id])
        pending.extend(r for r, _ in found[event_id] if r in retracted_ids and r not in found)
    return found


def _event_times(facts: Sequence[Fact], external: External) -> list[datetime]:
    times = [fact.occurred_at for fact in facts]
    times += [at for entries in external.values() for _, at in entries]
    return times


def _alert(interval: Interval, facts: Sequence[Fact], book: Rulebook, measure: bool) -> Alert:
    finding = interval.finding
    provider_id = facts[0].provider_id
    measure_id = next((f.measure_id for f in facts if f.measure_id), None) if measure else None
    occurrence = finding.occurrence
    if interval.ordinal > 1:
        occurrence = f"{occurrence}#{interval.ordinal}"
    return Alert(
        alert_id=alert_id(finding.rule, provider_id, measure_id, occurrence),
        rule=finding.rule,
        severity=book.severity(finding.rule),
        status="open" if interval.resolved_at is None else "resolved",
        provider_id=provider_id,
        measure_id=measure_id,
        framework=finding.framework,
        category=finding.category,
        since=interval.since,
        resolved_at=interval.resolved_at,
        rulebook_version=book.version,
        message=finding.message,
        evidence=finding.evidence,
    )


def _ordered(alerts: Iterable[Alert]) -> list[Alert]:
    return sorted(alerts, key=lambda alert: (alert.since, alert.rule, alert.alert_id))


def evaluate(
    measure_facts: Sequence[Fact],
    authorization_facts: Sequence[Fact],
    rulebook: Rulebook,
    as_of: datetime,
    retracted_ids: RetractedIds = None,
) -> list[Alert]:
    """Every alert of one measure as of `as_of`: open ones, and those resolved by then."""
    own = [fact for fact in measure_facts if fact.type not in AUTHORIZATION_TYPES]
    if not own:
        return []
    facts = [*own, *authorization_facts]
    external = _external(retracted_ids, facts)
    findings = measure_findings(facts, rulebook, external)
    result = sweep_changes(_event_times(facts, external), findings.changes, as_of)
    return _ordered(_alert(i, own, rulebook, measure=True) for i in result.intervals)


def evaluate_authorization(
    authorization_facts: Sequence[Fact],
    rulebook: Rulebook,
    as_of: datetime,
    retracted_ids: RetractedIds = None,
) -> list[Alert]:
    """Alerts about the authorisations of one provider and client (measure_id is None).

    AUTHORIZATION-TOO-LONG (occurrence: the authorization_id) and LATE-REGISTRATION of the
    authorisation events. Pass every authorisation fact of the client, so a follow-up order
    is judged against the follow-up maximum.
    """
    facts = list(authorization_facts)
    if not any(fact.type in AUTHORIZATION_TYPES for fact in facts):
        return []
    external = _external(retracted_ids, facts)
    findings_at = AuthorizationFindings(facts, rulebook, external)
    result = sweep(_event_times(facts, external), findings_at, as_of)
    return _ordered(_alert(i, facts, rulebook, measure=False) for i in result.intervals)


def next_deadline(
    measure_facts: Sequence[Fact],
    authorization_facts: Sequence[Fact],
    rulebook: Rulebook,
    as_of: datetime,
    retracted_ids: RetractedIds = None,
) -> tuple[datetime, str] | None:
    """The earliest deadline after `as_of` (due time, rule id), if nothing else happens."""
    own = [fact for fact in measure_facts if fact.type not in AUTHORIZATION_TYPES]
    if not own:
        return None
    facts = [*own, *authorization_facts]
    findings = measure_findings(facts, rulebook, _external(retracted_ids, facts))(as_of)
    upcoming = [(f.deadline_at or f.due, f.rule) for f in findings if f.deadline and f.due > as_of]
    return min(upcoming, default=None)


def change_points(
    measure_facts: Sequence[Fact],
    authorization_facts: Sequence[Fact],
    rulebook: Rulebook,
    retracted_ids: RetractedIds = None,
) -> list[datetime]:
    """Every moment at which this measure's alert set can change, in order.

    Between two consecutive points `evaluate` gives the same open set, so a projection that
    stores the far-future intervals (or re-evaluates at these points) answers any `as_of`.
    """
    own = [fact for fact in measure_facts if fact.type not in AUTHORIZATION_TYPES]
    if not own:
        return []
    facts = [*own, *authorization_facts]
    external = _external(retracted_ids, facts)
    findings = measure_findings(facts, rulebook, external)
    return list(sweep_changes(_event_times(facts, external), findings.changes, FAR_FUTURE).points)
