"""WZD-IGJ-OVERVIEW and WVGGZ-IGJ-OVERVIEW: a half-year with compulsory care and no overview
delivered by its day (catalogue 2; Wzd art. 17 lid 2 with Rzd art. 5, Wvggz art. 8:24 lid 2
with Rvggz arts. 6-7; LAW.md §8; docs/report.md "Delivery as a fact").

Judged per provider, half-year and law, not per measure: the obligation is the provider's.
Care was given when the law's section of the overview, over the facts known, says
`deliver: true`; `care_given` asks the report's own steps (`group`, `in_period`,
`counted`) about one measure at a time, so the rule and the report cannot disagree about
which care counts. The alert opens at the first late instant (`deadline.due`: 00:00 on the
day after the delivery day, Amsterdam) unless an unretracted `report.delivered` of that
period and law occurred before it, and is resolved at the first late delivery's
`occurred_at`. Its `measure_id` is null and its occurrence is the period.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from domain.alerts import Alert, alert_id
from domain.facts import Fact
from domain.report.counting import WZD_FORMS, counted
from domain.report.deadline import due
from domain.report.measures import group, in_period
from domain.report.period import AMSTERDAM, HalfYear
from domain.rulebook import Rulebook

#: law -> its rule; the Jeugdwet has no delivery date (art. 6.7.4), so no rule.
OVERVIEW_RULES: dict[str, str] = {"wzd": "WZD-IGJ-OVERVIEW", "wvggz": "WVGGZ-IGJ-OVERVIEW"}
_LAW_NAMES = {"wzd": "Wzd", "wvggz": "Wvggz"}


def enabled_laws(rulebook: Rulebook) -> tuple[str, ...]:
    """The laws whose rule this rulebook runs (none under 2026.1)."""
    return tuple(law for law, rule in OVERVIEW_RULES.items() if rulebook.enabled(rule))


def periods_of(applied_at: datetime, ended_at: datetime | None) -> list[HalfYear]:
    """The half-years an application can be received in: from its start to its end."""
    first = _half_year_of(applied_at)
    if ended_at is None or ended_at <= applied_at:
        return [first]
    last = _half_year_of(ended_at)
    found = [first]
    while found[-1] != last:
        current = found[-1]
        following = (current.year, 2) if current.half == 1 else (current.year + 1, 1)
        found.append(HalfYear(*following))
    return found


def _half_year_of(moment: datetime) -> HalfYear:
    local = moment.astimezone(AMSTERDAM)
    return HalfYear(local.year, 1 if local.month <= 6 else 2)


def care_given(measure_facts: Sequence[Fact], period: HalfYear, law: str) -> str | None:
    """The event id of an application that puts this measure in the law's section (so the
    section says `deliver: true`), or None. `measure_facts`: one measure's unretracted facts."""
    measures = in_period(group(measure_facts), period)
    chosen = counted(measures, law)
    if law == "wzd":  # art. 2 lid 2 forms are left out of the overview (docs/report.md)
        chosen = [m for m in chosen if m.category in WZD_FORMS]
    for measure in chosen:
        return min(a.event_id for a in measure.applications)
    return None


def overview_alert(
    provider_id: str,
    period: HalfYear,
    law: str,
    care: str | None,
    deliveries: Sequence[Fact],
    rulebook: Rulebook,
) -> Alert | None:
    """The provider's alert for one half-year and law, or None.

    `care`: the evidence from `care_given` (None: no care of the law, nothing to deliver).
    `deliveries`: the provider's unretracted `report.delivered` facts (any period and law).
    """
    rule = OVERVIEW_RULES[law]
    if care is None or not rulebook.enabled(rule):
        return None
    late_from = due(period).late_from
    sent = sorted(
        (f for f in deliveries if f.data.period == period.name and f.data.law == law),
        key=lambda f: (f.occurred_at, f.event_id),
    )
    if any(f.occurred_at < late_from for f in sent):
        return None
    late = sent[0] if sent else None
    name = _LAW_NAMES[law]
    message = (
        f"The {name} overview of {period.name} was not delivered to the inspectorate by "
        f"{due(period).day.isoformat()}, while compulsory care was given in that half-year"
    )
    if late is not None:
        message += f"; it was delivered on {late.occurred_at.isoformat()}"
    return Alert(
        alert_id=alert_id(rule, provider_id, None, period.name),
        rule=rule,  # type: ignore[arg-type]
        severity=rulebook.severity(rule),  # type: ignore[arg-type]
        status="open" if late is None else "resolved",
        provider_id=provider_id,
        measure_id=None,
        framework=law,
        category=None,
        since=late_from,
        resolved_at=late.occurred_at if late is not None else None,
        rulebook_version=rulebook.version,
        message=message + ".",
        evidence=(care,) if late is None else (care, late.event_id),
    )
