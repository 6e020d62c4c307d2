"""`explain`: the measures and events behind one cell of the overview, and what was left out.

It runs the very steps that make the count — `measures.group` and `measures.in_period` over
the same facts, `counting.counted` to choose, the law's section function and `counting.wvggz_form`
to add up — on the measures of one place and form, so the figures it shows are the report's by
construction, and the listed measures are exactly what those figures were added up from.
Beside them it lists what the count does not hold at that place and form: Wzd art. 2 lid 2
forms, retracted applications and proposals, applications outside the period, and
categories that are not a form of their framework.
"""

from __future__ import annotations

from collections.abc import Callable, Container, Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any

from domain.codes import FRAMEWORK_CATEGORIES
from domain.facts import Fact
from domain.report.counting import (
    WZD_LID_2,
    Sources,
    counted,
    jeugdwet_section,
    wvggz_form,
    wzd_section,
)
from domain.report.explain_model import (
    CountedApplication,
    CountedMeasure,
    ExplainedCell,
    LeftOutItem,
)
from domain.report.measures import Facts, MeasureInPeriod, group, in_period
from domain.report.overview import per_provider, report_pseudonym
from domain.report.period import HalfYear

WITHOUT_LOCATION = "(none)"
ALL_LOCATIONS = "(all)"
LAWS = ("wzd", "wvggz", "jeugdwet")

Pseudonym = Callable[[str], str]


def explain(
    facts: Iterable[Fact],
    period: HalfYear,
    location: str,
    form: str,
    key: bytes,
    providers: Iterable[str] | None = None,
) -> dict[str, list[ExplainedCell]]:
    """Per provider (all in `facts`, or `providers`), the cells of `form` at `location`."""
    by_provider = per_provider(facts)
    wanted = sorted(set(providers) if providers is not None else set(by_provider))
    return {
        p: explain_provider(
            by_provider.get(p, []),
            period,
            location,
            form,
            lambda client, p=p: report_pseudonym(key, p, client),
        )
        for p in wanted
    }


def explain_provider(
    facts: Sequence[Fact], period: HalfYear, location: str, form: str, pseudonym: Pseudonym
) -> list[ExplainedCell]:
    """Every law's cell of `form` at `location` for one provider's facts (position order)."""
    grouped = group(facts)
    measures = in_period(grouped, period)
    here = [m for m in measures if m.category == form and _at(m.location, location)]
    events = {f.event_id: f for f in grouped.all_facts}
    cells = []
    for law in LAWS:
        of_law = [m for m in here if m.framework == law]
        if form not in FRAMEWORK_CATEGORIES[law] and not of_law:
            continue
        chosen = counted(of_law, law)
        cells.append(
            ExplainedCell(
                law=law,
                counted_in=_counted_in(law, form, location),
                figures=_figures(law, form, location, chosen, period),
                clients=_clients(law, chosen, period, pseudonym),
                measures=[_measure(m, events, period, pseudonym) for m in chosen],
                left_out=_left_out(law, form, location, of_law, grouped, period, pseudonym),
            )
        )
    return cells


def _at(measure_location: str | None, asked: str) -> bool:
    if asked == ALL_LOCATIONS:
        return True
    if asked == WITHOUT_LOCATION:
        return measure_location is None
    return measure_location == asked


def _counted_in(law: str, form: str, location: str) -> str:
    if form not in FRAMEWORK_CATEGORIES[law]:
        return "none"
    if law == "wzd" and form in WZD_LID_2:
        return "left_out_art_2_lid_2"
    if location == ALL_LOCATIONS:
        return "totals"
    return "without_location" if location == WITHOUT_LOCATION else "locations"


def _figures(
    law: str, form: str, location: str, chosen: Sequence[MeasureInPeriod], period: HalfYear
) -> object | None:
    """The cell as the report computes it: the law's own section function, over these measures.

    So `(all)` has the report's totals exactly (unique `clients`, every other figure summed
    over the locations), and `(none)` its `without_location` row.
    """
    if law == "wvggz" or not chosen:
        return None
    sources: Sources = {}
    if law == "jeugdwet":
        jeugdwet = jeugdwet_section(chosen, period, (), sources)
        return _pick(jeugdwet.locations, jeugdwet.without_location, jeugdwet.totals, location, form)
    wzd = wzd_section(chosen, period, (), sources)
    if form in WZD_LID_2:
        return wzd.left_out_art_2_lid_2
    return _pick(wzd.locations, wzd.without_location, wzd.totals, location, form)


def _pick(
    locations: dict[str, dict[str, Any]],
    without: dict[str, Any],
    totals: dict[str, Any],
    location: str,
    form: str,
) -> Any:
    if location == ALL_LOCATIONS:
        return totals.get(form)
    if location == WITHOUT_LOCATION:
        return without.get(form)
    return locations.get(location, {}).get(form)


def _clients(
    law: str, chosen: Sequence[MeasureInPeriod], period: HalfYear, pseudonym: Pseudonym
) -> dict:
    """Wvggz: per client, the row `wvggz_form` makes of that client's measures of the form."""
    if law != "wvggz":
        return {}
    by_client: dict[str, list[MeasureInPeriod]] = {}
    for m in chosen:
        by_client.setdefault(pseudonym(m.client_id), []).append(m)
    return {ref: wvggz_form(group, period) for ref, group in sorted(by_client.items())}


def _measure(
    m: MeasureInPeriod, events: dict[str, Fact], period: HalfYear, pseudonym: Pseudonym
) -> CountedMeasure:
    applications = []
    for a in m.applications:
        fact = events[a.event_id]
        inside = period.clipped(a.applied_at, a.ended_at) if a.ended_at is not None else None
        applications.append(
            CountedApplication(
                event_id=a.event_id,
                position=fact.position,
                occurred_at=a.applied_at.isoformat(),
                ended_at=a.ended_at.isoformat() if a.ended_at is not None else None,
                recorded_at=fact.recorded_at.isoformat(),
                unplanned=a.emergency,
                microseconds_in_period=None if inside is None else inside // _MICROSECOND,
            )
        )
    return CountedMeasure(
        measure_id=m.measure_id,
        client_id=m.client_id,
        client_ref=pseudonym(m.client_id),
        location_id=m.location,
        applications=applications,
    )


_MICROSECOND = timedelta(microseconds=1)


def _left_out(
    law: str,
    form: str,
    location: str,
    of_law: Sequence[MeasureInPeriod],
    grouped: Facts,
    period: HalfYear,
    pseudonym: Pseudonym,
) -> list[LeftOutItem]:
    items: list[LeftOutItem] = []

    def add(reason: str, m_id: str, client: str, fact: Fact | None, detail: str) -> None:
        items.append(
            LeftOutItem(
                reason=reason,  # type: ignore[arg-type]
                measure_id=m_id,
                client_id=client,
                client_ref=pseudonym(client),
                event_id=fact.event_id if fact is not None else None,
                occurred_at=fact.occurred_at.isoformat() if fact is not None else None,
                detail=detail,
            )
        )

    retracted_by = _retracted_by(grouped.all_facts, grouped.retracted)
    applied = _applied(grouped.all_facts)
    for m in of_law:
        if form not in FRAMEWORK_CATEGORIES[law]:
            add("outside_framework", m.measure_id, m.client_id, None, _outside(law, form))
            continue
        if law == "wzd" and form in WZD_LID_2 and m.applications:
            add("art_2_lid_2", m.measure_id, m.client_id, None, _LID_2)
        for f in applied.get(m.measure_id, []):
            if f.event_id in grouped.retracted:
                by = retracted_by[f.event_id]
                add("retracted", m.measure_id, m.client_id, f, f"retracted by {by}")
            elif not period.received(f.occurred_at, f.data.ended_at):
                add("outside_period", m.measure_id, m.client_id, f, _outside_period(period))
    ours = {m.measure_id for m in of_law}
    for f in grouped.all_facts:  # a retracted proposal that put a measure here
        if (
            f.type == "measure.proposed"
            and f.event_id in grouped.retracted
            and f.data.framework == law
            and f.data.category == form
            and _at(f.data.location_id or None, location)
            and f.measure_id not in ours
        ):
            detail = f"its proposal was retracted by {retracted_by[f.event_id]}"
            add("retracted", f.measure_id or "", grouped.clients[f.measure_id or ""], f, detail)
    return items


_LID_2 = "Wzd art. 2 lid 2 (equated form): left out of the overview (IGJ), counted as left out"


def _outside(law: str, form: str) -> str:
    return f"{form} is not a form of {law}: in no section (it raises NO-LEGAL-BASIS)"


def _outside_period(period: HalfYear) -> str:
    return f"not received in {period.name} ({period.start.isoformat()} to {period.end.isoformat()})"


def _applied(facts: Iterable[Fact]) -> dict[str, list[Fact]]:
    """measure_id -> its `measure.applied` facts, retracted ones included, in ledger order."""
    found: dict[str, list[Fact]] = {}
    for f in facts:
        if f.type == "measure.applied" and f.measure_id is not None:
            found.setdefault(f.measure_id, []).append(f)
    return found


def _retracted_by(facts: Iterable[Fact], retracted: Container[str]) -> dict[str, str]:
    """Each retracted event id with the retraction to name for it: the earliest one that is
    not itself retracted (a retraction that counts), else the earliest."""
    found: dict[str, tuple[bool, datetime, str]] = {}
    for f in facts:
        if f.type == "event.retracted":
            rank = (f.event_id in retracted, f.occurred_at, f.event_id)
            target = f.data.retracts_event_id
            if target not in found or rank < found[target]:
                found[target] = rank
    return {target: rank[2] for target, rank in found.items()}
