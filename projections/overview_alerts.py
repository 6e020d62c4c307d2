"""The alert index's provider-level judgement: the half-year overview rules, per provider.

The index judges measures and clients; WZD-IGJ-OVERVIEW and WVGGZ-IGJ-OVERVIEW are about a
provider's half-year under one law (domain/rules/overview_delivery.py). A (provider,
half-year, law) is judged again when a refresh sees something that can change its answer:
an application received in that half-year of a measure of that law; a proposal or a
retraction of a measure (it can move the measure from one law to another, so its half-years
are judged under every law); a `report.delivered` of that half-year and law, or a
retraction of one.

Whether the law's section says `deliver` is asked of the report's own steps one measure at
a time, in measure-id order (per the status view's framework and form, which are the
report's: the latest unretracted proposal), and it stops at the first measure that counts.
That order makes the alert's evidence a function of the facts alone, so the index judged
refresh by refresh equals one judged from zero. A measure whose last application lies
outside the half-year is asked from its application rows first; only a half-year without
counted care of the law reads the application rows of every earlier measure of that law
(docs/report.md).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from domain.alerts import Alert, alert_id
from domain.codes import FRAMEWORK_CATEGORIES
from domain.facts import Fact
from domain.report.counting import WZD_FORMS
from domain.report.period import HalfYear
from domain.rulebook import Rulebook
from domain.rules.overview_delivery import (
    OVERVIEW_RULES,
    care_given,
    enabled_laws,
    overview_alert,
    periods_of,
)
from projections.alert_index import ALERT_COLUMNS, FACT_ROWS, _alert_row, facts_from_rows
from projections.retraction_reads import chain_rows, retracted_now
from store.sql import SqlCursor, in_chunks

APPLICATIONS_OF_MEASURE = (
    "SELECT occurred_at, data FROM view_timeline WHERE provider_id = ? AND kind = 'measure' "
    "AND ref = ? AND type = 'measure.applied'"
)
PROVIDER_ROWS_IN = (
    "SELECT provider_id, kind, ref, type, data FROM view_timeline WHERE position > ? "
    "AND position <= ? AND type IN ('report.delivered', 'event.retracted', 'measure.proposed')"
)
STORED_ALERT = f"SELECT {', '.join(ALERT_COLUMNS)} FROM view_alerts"
FRAMEWORKS_OF_MEASURES = (
    "SELECT measure_id, framework FROM view_status WHERE provider_id = ? "
    "AND measure_id IN ({marks})"
)
APPLICATIONS_OF_MEASURES = (
    "SELECT ref, occurred_at, data FROM view_timeline WHERE provider_id = ? AND kind = 'measure' "
    "AND ref IN ({marks}) AND type = 'measure.applied'"
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
    """Re-judge the (provider, half-year, law)s that rows `(after, upto]` touched; return
    how many.

    `measures`: the measures the refresh re-judges for these rows (retraction chains
    followed); `judged` as in `AlertIndex.apply`: what this refresh judged already.
    """
    laws = enabled_laws(rulebook)
    if not laws:
        return 0  # 2026.1: nothing to judge, nothing read
    wanted = _touched(c, after, upto, measures, laws)
    count = 0
    deliveries: dict[str, list[Fact]] = {}
    of_law: dict[tuple[str, str], Measures] = {}
    for provider_id, period, law in sorted(wanted, key=lambda w: (w[0], w[1].name, w[2])):
        key = ("overview", provider_id, f"{period.name}:{law}")
        if key in judged:
            continue
        judged.add(key)
        if provider_id not in deliveries:
            deliveries[provider_id] = _deliveries(c, provider_id)
        if (provider_id, law) not in of_law:
            of_law[(provider_id, law)] = _measures_of_law(c, provider_id, law)
        care = _care(c, provider_id, period, law, of_law[(provider_id, law)])
        alert = overview_alert(provider_id, period, law, care, deliveries[provider_id], rulebook)
        _store(c, provider_id, period, law, alert)
        count += 1
    return count


def _touched(
    c: SqlCursor,
    after: int,
    upto: int,
    measures: Iterable[tuple[str, str]],
    laws: tuple[str, ...],
) -> set[tuple[str, HalfYear, str]]:
    """What to judge again. An application re-judges its half-years under its measure's
    law; a proposal or a retraction can move a measure from one law to another, so those
    re-judge its half-years under every law; a delivery (or its retraction) its own."""
    wanted: set[tuple[str, HalfYear, str]] = set()
    reframed: set[tuple[str, str]] = set()
    for r in c.execute(PROVIDER_ROWS_IN, [after, upto]).fetchall():
        provider_id = r["provider_id"]
        if r["type"] == "measure.proposed":
            reframed.add((provider_id, r["ref"]))
            continue
        rows = [r]
        if r["type"] == "event.retracted":  # down the chain to what it names
            rows = chain_rows(c, provider_id, json.loads(r["data"])["retracts_event_id"])
        for row in rows:
            if row["kind"] == "measure":
                reframed.add((provider_id, row["ref"]))
            elif row["type"] == "report.delivered":
                data = json.loads(row["data"])
                if data["law"] in laws:
                    wanted.add((provider_id, HalfYear.parse(data["period"]), data["law"]))
    by_provider: dict[str, list[str]] = {}
    for provider_id, measure_id in measures:
        by_provider.setdefault(provider_id, []).append(measure_id)
    for provider_id, ids in sorted(by_provider.items()):
        # A few statements per refresh, not two per measure.
        for chunk, marks in in_chunks(sorted(ids)):
            frameworks = {
                r["measure_id"]: r["framework"]
                for r in c.execute(
                    FRAMEWORKS_OF_MEASURES.format(marks=marks), [provider_id, *chunk]
                ).fetchall()
            }
            applications = c.execute(
                APPLICATIONS_OF_MEASURES.format(marks=marks), [provider_id, *chunk]
            ).fetchall()
            for r in applications:
                measure_id = r["ref"]
                own = {frameworks[measure_id]} if measure_id in frameworks else set()
                judged_laws = laws if (provider_id, measure_id) in reframed else own & set(laws)
                if not judged_laws:
                    continue
                applied_at, ended_at = _moments(r)
                for period in periods_of(applied_at, ended_at):
                    wanted.update((provider_id, period, law) for law in judged_laws)
    return wanted


def _moments(row: Any) -> tuple[datetime, datetime | None]:
    ended = json.loads(row["data"]).get("ended_at")
    return datetime.fromisoformat(row["occurred_at"]), (
        datetime.fromisoformat(ended) if ended else None
    )


def _deliveries(c: SqlCursor, provider_id: str) -> list[Fact]:
    """The provider's `report.delivered` facts that stand: a retracted one does not count."""
    facts = facts_from_rows(c.execute(DELIVERIES_OF_PROVIDER, [provider_id]).fetchall())
    if not facts:
        return []
    retracted = retracted_now(c, provider_id, [f.event_id for f in facts])
    return [f for f in facts if f.event_id not in retracted]


#: (measure_id, category, first application, last application) of one law's measures
Measures = list[tuple[str, str, datetime, datetime]]


def _measures_of_law(c: SqlCursor, provider_id: str, law: str) -> Measures:
    """The law's measures with an application, per the status view, in a form the overview
    counts (for the Wzd, art. 2 lid 1); read once per judgement of a provider and law."""
    forms = set(WZD_FORMS if law == "wzd" else FRAMEWORK_CATEGORIES[law])
    found = []
    for r in c.execute(MEASURES_OF_LAW, [provider_id, law]).fetchall():
        if r["category"] in forms:
            first = datetime.fromisoformat(r["first_applied_at"])
            last = datetime.fromisoformat(r["last_applied_at"]) if r["last_applied_at"] else first
            found.append((r["measure_id"], r["category"], first, last))
    return found


def _care(
    c: SqlCursor, provider_id: str, period: HalfYear, law: str, measures: Measures
) -> str | None:
    """An application that puts care of `law` in the half-year's overview, or None.

    The measure asked is the first, by measure id, that has such care: a pure function of
    the facts, so an index judged refresh by refresh names the same application as one
    judged from zero (`verify --views`, rebuild), whatever arrived in between. A measure
    whose last application lies outside the half-year is first asked from its application
    rows alone (is one received in the half-year at all?) before its facts are read.
    """
    start, end = period.start, period.end
    for measure_id, _, _, last in sorted(m for m in measures if m[2] < end):
        if not start <= last < end and not any(
            period.received(*_moments(r))
            for r in c.execute(APPLICATIONS_OF_MEASURE, [provider_id, measure_id]).fetchall()
        ):
            continue
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
    """Make the stored alert of (provider, half-year, law) this one: its id is fixed by those
    three. An unchanged row is left alone, so the change log (and the feed) names only real
    changes, as for the measure alerts (`alert_judging`)."""
    key = alert_id(OVERVIEW_RULES[law], provider_id, None, period.name)
    found = c.execute(f"{STORED_ALERT} WHERE alert_id = ?", [key]).fetchone()
    stored = tuple(found[name] for name in ALERT_COLUMNS) if found is not None else None
    row = _alert_row(alert, "") if alert is not None else None  # no measure; client '' (none)
    if stored == row:
        return
    if stored is not None:
        c.execute("DELETE FROM view_alerts WHERE alert_id = ?", [key])
    if row is not None:
        marks = ", ".join("?" * len(ALERT_COLUMNS))
        c.execute(f"INSERT INTO view_alerts ({', '.join(ALERT_COLUMNS)}) VALUES ({marks})", row)
