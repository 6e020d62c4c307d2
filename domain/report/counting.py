"""The counting rules per law: who received which form where, how often and how long.

Each function takes the measures of one provider (as `measures.in_period` made them) and
returns the law's section with, beside it, which measures stand behind each cell, so
`report --check` can name the events that changed a count. Definitions: docs/report.md.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta

from domain.codes import FRAMEWORK_CATEGORIES
from domain.report.measures import MeasureInPeriod
from domain.report.model import (
    JeugdwetForm,
    JeugdwetSection,
    LeftOut,
    WvggzForm,
    WvggzSection,
    WzdForm,
    WzdSection,
)
from domain.report.period import HalfYear

#: Wzd art. 2 lid 1 a-i: the forms the overview counts.
WZD_FORMS: tuple[str, ...] = FRAMEWORK_CATEGORIES["wzd"][:9]
#: Wzd art. 2 lid 2 a-c: equated forms, left out of the overview (IGJ) and counted as such.
WZD_LID_2: tuple[str, ...] = FRAMEWORK_CATEGORIES["wzd"][9:]

Path = tuple[str, ...]
Sources = dict[Path, set[str]]
Pseudonym = Callable[[str], str]  # client_id -> report pseudonym (provider bound already)


@dataclass(slots=True)
class Tally:
    """One cell's figures, added up measure by measure (also what `explain` shows)."""

    clients: set[str] = field(default_factory=set)
    planned: set[str] = field(default_factory=set)
    unplanned: set[str] = field(default_factory=set)
    measures: set[str] = field(default_factory=set)
    applications: int = 0
    applications_unplanned: int = 0
    episodes_ended: int = 0
    duration: timedelta = timedelta(0)

    def add(self, m: MeasureInPeriod, period: HalfYear) -> None:
        self.clients.add(m.client_id)
        self.measures.add(m.measure_id)
        for a in m.applications:
            self.applications += 1
            (self.unplanned if a.emergency else self.planned).add(m.client_id)
            self.applications_unplanned += a.emergency
            if a.ended_at is not None:
                self.episodes_ended += 1
                self.duration += period.clipped(a.applied_at, a.ended_at)

    def wzd(self) -> WzdForm:
        return WzdForm(
            clients=len(self.clients),
            clients_planned=len(self.planned),
            clients_unplanned=len(self.unplanned),
            measures=len(self.measures),
            applications=self.applications,
            applications_unplanned=self.applications_unplanned,
            episodes_ended=self.episodes_ended,
            episode_seconds=self.duration // timedelta(seconds=1),
        )

    def jeugdwet(self) -> JeugdwetForm:
        return JeugdwetForm(
            young_people=len(self.clients),
            measures=len(self.measures),
            applications=self.applications,
        )


def counted(measures: Sequence[MeasureInPeriod], framework: str) -> list[MeasureInPeriod]:
    """The framework's measures received in the period, with a form of that framework."""
    forms = FRAMEWORK_CATEGORIES[framework]
    return [
        m for m in measures if m.framework == framework and m.applications and m.category in forms
    ]


def _by_location(
    measures: Sequence[MeasureInPeriod], period: HalfYear
) -> dict[str | None, dict[str, Tally]]:
    cells: dict[str | None, dict[str, Tally]] = {}
    for m in measures:
        assert m.category is not None
        cells.setdefault(m.location, {}).setdefault(m.category, Tally()).add(m, period)
    return cells


def _record(sources: Sources, path: Path, tally: Tally) -> None:
    sources.setdefault(path, set()).update(tally.measures)


def wzd_section(
    measures: Sequence[MeasureInPeriod], period: HalfYear, base: Path, sources: Sources
) -> WzdSection:
    chosen = counted(measures, "wzd")
    lid_1 = [m for m in chosen if m.category in WZD_FORMS]
    lid_2 = [m for m in chosen if m.category in WZD_LID_2]
    cells = _by_location(lid_1, period)
    totals: dict[str, Tally] = {}
    for location, forms in cells.items():
        for form, tally in forms.items():
            total = totals.setdefault(form, Tally())
            total.clients |= tally.clients
            total.measures |= tally.measures
            where = ("locations", location) if location is not None else ("without_location",)
            _record(sources, (*base, *where, form), tally)
            _record(sources, (*base, "totals", form), tally)
    left = Tally()
    for m in lid_2:
        left.add(m, period)
    _record(sources, (*base, "left_out_art_2_lid_2"), left)
    sources.setdefault(base, set()).update(m.measure_id for m in chosen)
    located = {loc: forms for loc, forms in cells.items() if loc is not None}
    location_forms = {
        loc: {form: t.wzd() for form, t in sorted(forms.items())}
        for loc, forms in sorted(located.items())
    }
    without = {form: t.wzd() for form, t in sorted(cells.get(None, {}).items())}
    summed = {
        form: _summed(
            [*(f[form] for f in location_forms.values() if form in f)], without, form
        ).model_copy(update={"clients": len(totals[form].clients)})
        for form in sorted(totals)
    }
    return WzdSection(
        deliver=bool(lid_1),
        locations=location_forms,
        without_location=without,
        totals=summed,
        left_out_art_2_lid_2=LeftOut(
            clients=len(left.clients), measures=len(left.measures), applications=left.applications
        ),
    )


def _summed(located: list[WzdForm], without: dict[str, WzdForm], form: str) -> WzdForm:
    """The additive figures summed over the locations; `clients` is set by the caller."""
    parts = [*located, *([without[form]] if form in without else [])]
    return WzdForm(**{name: sum(getattr(p, name) for p in parts) for name in WzdForm.model_fields})


def wvggz_section(
    measures: Sequence[MeasureInPeriod],
    period: HalfYear,
    pseudonym: Pseudonym,
    base: Path,
    sources: Sources,
) -> WvggzSection:
    chosen = counted(measures, "wvggz")
    cells: dict[str | None, dict[str, dict[str, list[MeasureInPeriod]]]] = {}
    for m in chosen:
        assert m.category is not None
        by_client = cells.setdefault(m.location, {})
        by_client.setdefault(pseudonym(m.client_id), {}).setdefault(m.category, []).append(m)
    shown: dict[str | None, dict[str, dict[str, WvggzForm]]] = {}
    for location, clients in cells.items():
        where = ("locations", location) if location is not None else ("without_location",)
        shown[location] = {}
        for ref, forms in sorted(clients.items()):
            shown[location][ref] = {}
            for form, group in sorted(forms.items()):
                shown[location][ref][form] = wvggz_form(group, period)
                ids = {m.measure_id for m in group}
                sources.setdefault((*base, *where, ref, form), set()).update(ids)
    sources.setdefault(base, set()).update(m.measure_id for m in chosen)
    return WvggzSection(
        deliver=bool(chosen),
        clients=len({m.client_id for m in chosen}),
        locations={loc: v for loc, v in sorted(shown.items(), key=_key) if loc is not None},
        without_location=shown.get(None, {}),
    )


def _key(item: tuple[str | None, object]) -> str:
    return item[0] or ""


def wvggz_form(group: Sequence[MeasureInPeriod], period: HalfYear) -> WvggzForm:
    """One client's row for one form: the same function counts it and explains it."""
    applications = [a for m in group for a in m.applications]
    days = {d for a in applications for d in period.days(a.applied_at, a.ended_at)}
    return WvggzForm(
        dates=sorted(d.isoformat() for d in days),
        titles=sorted({t for a in applications for t in a.titles}),
        emergency_8_11=any(a.emergency for a in applications),
        applications=len(applications),
    )


def jeugdwet_section(
    measures: Sequence[MeasureInPeriod], period: HalfYear, base: Path, sources: Sources
) -> JeugdwetSection:
    chosen = counted(measures, "jeugdwet")
    cells = _by_location(chosen, period)
    totals: dict[str, Tally] = {}
    for location, forms in cells.items():
        for form, tally in forms.items():
            total = totals.setdefault(form, Tally())
            total.clients |= tally.clients
            total.measures |= tally.measures
            total.applications += tally.applications
            where = ("locations", location) if location is not None else ("without_location",)
            _record(sources, (*base, *where, form), tally)
            _record(sources, (*base, "totals", form), tally)
    sources.setdefault(base, set()).update(m.measure_id for m in chosen)
    return JeugdwetSection(
        deliver=bool(chosen),
        locations={
            loc: {form: t.jeugdwet() for form, t in sorted(forms.items())}
            for loc, forms in sorted(cells.items(), key=_key)
            if loc is not None
        },
        without_location={form: t.jeugdwet() for form, t in sorted(cells.get(None, {}).items())},
        totals={form: t.jeugdwet() for form, t in sorted(totals.items())},
    )
