"""The data-quality section: what a provider must fix in its record before delivering.

The critical alerts are judged by the same rules as the alert index, but over the facts
held at the report's position only, so the section is as reproducible as the counts. When
the alert index stands exactly at that position it holds those very judgements, and the
caller may pass them in (`judged`) instead of judging every measure again: the same
intervals filtered the same way (`open_in`), so the report is the same either way.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from domain.codes import FRAMEWORK_CATEGORIES
from domain.report.counting import Path, Sources
from domain.report.measures import Facts, MeasureInPeriod
from domain.report.model import DataQuality
from domain.report.period import HalfYear
from domain.rulebook import Rulebook
from domain.rules.engine import FAR_FUTURE, evaluate


def data_quality(
    grouped: Facts,
    measures: Sequence[MeasureInPeriod],
    period: HalfYear,
    rulebook: Rulebook,
    base: Path,
    sources: Sources,
    judged: CriticalAlerts | None = None,
) -> DataQuality:
    """`judged`: the critical alerts already judged over the same facts (the alert index at
    the report's position); None: judge them here."""
    lag = rulebook.limit("registration_lag").period
    late = [
        f.measure_id
        for f in grouped.all_facts
        if f.event_id not in grouped.retracted
        and period.start <= f.occurred_at < period.end
        and f.recorded_at > lag.after(f.occurred_at)
        # history from before the provider's onboarding date is not late (as for the rule)
        and f.occurred_at >= rulebook.onboarding.get(f.provider_id, f.occurred_at)
    ]
    alerts = _critical_alerts(grouped, period, rulebook) if judged is None else judged
    return quality_of(late, measures, base, sources, alerts)


def quality_of(
    late: Sequence[str | None],
    measures: Sequence[MeasureInPeriod],
    base: Path,
    sources: Sources,
    alerts: CriticalAlerts,
) -> DataQuality:
    """The section from its parts: the late facts by measure (None: not of a measure), the
    measures in the period, and the critical alerts open in it."""

    def note(name: str, ids: set[str]) -> None:
        sources.setdefault((*base, name), set()).update(ids)

    note("late_registrations", {m for m in late if m is not None})
    received = [m for m in measures if m.applications]
    no_location = {m.measure_id for m in received if m.framework is not None and m.location is None}
    no_framework = [m for m in received if m.framework is None]
    outside = {
        m.measure_id
        for m in received
        if m.framework is not None and m.category not in FRAMEWORK_CATEGORIES[m.framework]
    }
    note("measures_without_location", no_location)
    note("applications_without_framework", {m.measure_id for m in no_framework})
    note("measures_outside_framework", outside)
    for rule, ids in alerts.items():
        note("open_critical_alerts", ids)
        sources.setdefault((*base, "open_critical_alerts", rule), set()).update(ids)
    return DataQuality(
        late_registrations=len(late),
        measures_without_location=len(no_location),
        applications_without_framework=sum(len(m.applications) for m in no_framework),
        measures_outside_framework=len(outside),
        open_critical_alerts={rule: len(ids) for rule, ids in sorted(alerts.items())},
    )


#: rule -> the measures with a critical alert open at some moment in the period
CriticalAlerts = dict[str, set[str]]


def _critical_alerts(grouped: Facts, period: HalfYear, rulebook: Rulebook) -> CriticalAlerts:
    """rule -> the measures with a critical alert open at some moment in the period.

    Counted per measure and rule (an alert that fired twice for one measure is one finding
    to fix). As in the alert index, a measure is judged with all its facts, retracted ones
    included, and the provider's retractions; authorisations of its client go with it.
    """
    by_measure: dict[str, list] = {}
    by_client: dict[str, list] = {}
    for fact in grouped.all_facts:
        if fact.measure_id is None:
            by_client.setdefault(fact.client_id, []).append(fact)
        else:
            by_measure.setdefault(fact.measure_id, []).append(fact)
    found: dict[str, set[str]] = {}
    for measure_id, facts in sorted(by_measure.items()):
        if min(f.occurred_at for f in facts) >= period.end:
            continue  # an alert never holds before the measure's first fact
        orders = by_client.get(grouped.clients[measure_id], [])
        for alert in evaluate(facts, orders, rulebook, FAR_FUTURE, grouped.retractions):
            if alert.severity == "critical" and open_in(period, alert.since, alert.resolved_at):
                found.setdefault(alert.rule, set()).add(measure_id)
    return found


def open_in(period: HalfYear, since: datetime, resolved_at: datetime | None) -> bool:
    """An alert interval `[since, resolved_at)` that shares an instant with the period."""
    return since < period.end and (resolved_at is None or resolved_at > period.start)
