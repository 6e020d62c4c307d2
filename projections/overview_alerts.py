"""The alert index's provider-level judgement: the half-year overview rules, per provider.

The index judges measures and clients; WZD-IGJ-OVERVIEW and WVGGZ-IGJ-OVERVIEW are about a
provider's half-year (domain/rules/overview_delivery.py). A (provider, half-year) is judged
again when a refresh sees something that can change its answer: an application of one of
its measures received in that half-year (any fact of a measure re-judges the half-years of
all its applications, since a proposal or a retraction can move the measure in or out of a
law's section), or a `report.delivered` of that half-year, or a retraction of one.

Whether the law's section says `deliver` is asked of the report's own steps one measure at
a time, most likely first (an application received in the half-year, per the status view's
framework, which is the report's: the latest unretracted proposal), and it stops at the
first measure that counts: with care in the half-year that is one measure read, whatever
the size of the provider.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from domain.alerts import Alert, alert_id
from domain.codes import FRAMEWORK_CATEGORIES
from domain.facts import Fact
from domain.report.period import HalfYear
from domain.rulebook import Rulebook
from domain.rules.overview_delivery import (
    OVERVIEW_RULES,
    care_given,
    enabled_laws,
    overview_alert,
    periods_of,
)
from projections.alert_index import ALERT_COLUMNS, FACT_ROWS, facts_from_rows
from projections.retraction_reads import chain_rows, retracted_now
from store.sql import SqlCursor, utc_key

APPLICATIONS_OF_MEASURE = (
    "SELECT occurred_at, data FROM view_timeline WHERE provider_id = ? AND kind = 'measure' "
    "AND ref = ? AND type = 'measure.applied'"
)
PROVIDER_ROWS_IN = (
    "SELECT provider_id, kind, type, data FROM view_timeline WHERE position > ? "
    "AND position <= ? AND type IN ('report.delivered', 'event.retracted')"
)
DELIVERIES_OF_PROVIDER = FACT_ROWS + "WHERE provider_id = ? AND kind = 'provider' AND ref = ''"
MEASURES_OF_LAW = (
    "SELECT measure_id, category, first_applied_at, last_applied_at FROM view_status "
    "WHERE provider_id = ? AND framework = ? AND first_applied_at IS NOT NULL"
)
FACTS_OF_MEASURE = FACT_ROWS + "WHERE provider_id = ? AND kind = 'measure' AND ref = ?"


def judge_overviews(
    c: SqlCursor,
    rulebook: Rulebook,
    after: int,
    upto: int,
    measures: Iterable[tuple[str, str]],
    judged: set[tuple[str, str, str]],
) -> int:
    """Re-judge the (provider, half-year)s that rows `(after, upto]` touched; return how many.

    `measures`: the measures the refresh re-judges for these rows (retraction chains
    followed); `judged` as in `AlertIndex.apply`: what this refresh judged already.
    """
    laws = enabled_laws(rulebook)
    if not laws:
        return 0  # 2026.1: nothing to judge, nothing read
    wanted = _touched(c, after, upto, measures)
    count = 0
    for provider_id, period in sorted(wanted, key=lambda w: (w[0], w[1].name)):
        if ("overview", provider_id, period.name) in judged:
            continue
        judged.add(("overview", provider_id, period.name))
        deliveries = _deliveries(c, provider_id)
        for law in laws:
            care = _care(c, provider_id, period, law)
            alert = overview_alert(provider_id, period, law, care, deliveries, rulebook)
            _store(c, provider_id, period, law, alert)
        count += 1
    return count


def _touched(
    c: SqlCursor, after: int, upto: int, measures: Iterable[tuple[str, str]]
) -> set[tuple[str, HalfYear]]:
    wanted: set[tuple[str, HalfYear]] = set()
    for provider_id, measure_id in measures:
        for r in c.execute(APPLICATIONS_OF_MEASURE, [provider_id, measure_id]).fetchall():
            ended = json.loads(r["data"]).get("ended_at")
            applied_at = datetime.fromisoformat(r["occurred_at"])
            ended_at = datetime.fromisoformat(ended) if ended else None
            wanted.update((provider_id, p) for p in periods_of(applied_at, ended_at))
    for r in c.execute(PROVIDER_ROWS_IN, [after, upto]).fetchall():
        rows = [r]
        if r["type"] == "event.retracted":  # down the chain to a delivery it may name
            target = json.loads(r["data"])["retracts_event_id"]
            rows = chain_rows(c, r["provider_id"], target)
        for row in rows:
            if row["type"] == "report.delivered":
                period = HalfYear.parse(json.loads(row["data"])["period"])
                wanted.add((r["provider_id"], period))
    return wanted


def _deliveries(c: SqlCursor, provider_id: str) -> list[Fact]:
    """The provider's `report.delivered` facts that stand: a retracted one does not count."""
    facts = facts_from_rows(c.execute(DELIVERIES_OF_PROVIDER, [provider_id]).fetchall())
    if not facts:
        return []
    retracted = retracted_now(c, provider_id, [f.event_id for f in facts])
    return [f for f in facts if f.event_id not in retracted]


def _care(c: SqlCursor, provider_id: str, period: HalfYear, law: str) -> str | None:
    """An application that puts care of `law` in the half-year's overview, or None."""
    forms = set(FRAMEWORK_CATEGORIES[law])
    start, end = period.start, period.end
    candidates = []
    for r in c.execute(MEASURES_OF_LAW, [provider_id, law]).fetchall():
        first = datetime.fromisoformat(r["first_applied_at"])
        if r["category"] not in forms or first >= end:
            continue  # outside the law's forms, or every application after the period
        last = datetime.fromisoformat(r["last_applied_at"] or r["first_applied_at"])
        inside = start <= last < end
        candidates.append((not inside, -last.timestamp(), r["measure_id"]))
    for _, _, measure_id in sorted(candidates):
        found = care_given(_standing_facts(c, provider_id, measure_id), period, law)
        if found is not None:
            return found
    return None


def _standing_facts(c: SqlCursor, provider_id: str, measure_id: str) -> list[Fact]:
    """One measure's facts without the retracted ones (as the report reads them)."""
    facts = facts_from_rows(c.execute(FACTS_OF_MEASURE, [provider_id, measure_id]).fetchall())
    retracted = retracted_now(c, provider_id, [f.event_id for f in facts])
    return [f for f in facts if f.event_id not in retracted and f.type != "event.retracted"]


def _store(c: SqlCursor, provider_id: str, period: HalfYear, law: str, alert: Alert | None) -> None:
    """Replace the stored alert of (provider, half-year, law): its id is fixed by those three."""
    c.execute(
        "DELETE FROM view_alerts WHERE alert_id = ?",
        [alert_id(OVERVIEW_RULES[law], provider_id, None, period.name)],
    )
    if alert is None:
        return
    marks = ", ".join("?" * len(ALERT_COLUMNS))
    c.execute(
        f"INSERT INTO view_alerts ({', '.join(ALERT_COLUMNS)}) VALUES ({marks})",
        _row(alert),
    )


def _row(alert: Alert) -> list[Any]:
    """The index row of a provider's alert: no measure, and `client_id` '' (it names none)."""
    return [
        alert.alert_id,
        alert.provider_id,
        None,
        "",
        alert.rule,
        alert.severity,
        alert.framework,
        alert.category,
        alert.since.isoformat(),
        utc_key(alert.since),
        alert.resolved_at.isoformat() if alert.resolved_at else None,
        utc_key(alert.resolved_at) if alert.resolved_at else None,
        alert.rulebook_version,
        alert.message,
        json.dumps(list(alert.evidence)),
    ]
