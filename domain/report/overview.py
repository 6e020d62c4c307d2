"""The overview of a half-year: one section per provider, computed from facts alone.

`compute` is the pure function behind `report`: the same facts (in any order), period,
rulebook and pseudonym key always give the same body, byte for byte.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from domain.facts import Fact
from domain.report.counting import Path, Sources, jeugdwet_section, wvggz_section, wzd_section
from domain.report.measures import MeasureInPeriod, group, in_period
from domain.report.model import (
    DataQuality,
    JeugdwetSection,
    ProviderReport,
    ReportBody,
    WvggzSection,
    WzdSection,
)
from domain.report.period import HalfYear
from domain.report.period_rows import PeriodRows, late_of, measures_of, retracted_in
from domain.report.quality import CriticalAlerts, data_quality, quality_of
from domain.rulebook import Rulebook
from domain.wire import PROVIDER_TYPES

MIN_REPORT_KEY_BYTES = 32
_PSEUDONYM_TAG = b"measure-ledger/report-client/v1"


def report_pseudonym(key: bytes, provider_id: str, client_id: str) -> str:
    """A client's name in reports: HMAC-SHA256 under the report key, 64 bits shown.

    Stable across periods and regenerations (so a corrected record changes only its own
    rows), useless without the key; never the provider's pseudonym or a BSN. The separator
    cannot occur in either id (CONTRACT §1), so two pairs never hash the same input.
    """
    message = b"\x1f".join((_PSEUDONYM_TAG, provider_id.encode(), client_id.encode()))
    return "R-" + hmac.new(key, message, hashlib.sha256).hexdigest()[:16]


def report_key_id(key: bytes) -> str:
    """Names the key in a report (so `--check` can tell another key), without revealing it."""
    return hmac.new(key, b"measure-ledger/report-key-id/v1", hashlib.sha256).hexdigest()[:16]


def per_provider(facts: Iterable[Fact]) -> dict[str, list[Fact]]:
    """Each provider's facts in ledger order: the one order `compute` and `explain` fold in.

    A `report.delivered` is left out: it records that an overview was sent, it is not care
    the overview counts, so delivering a report never changes the report.
    """
    by_provider: dict[str, list[Fact]] = {}
    for fact in sorted(facts, key=lambda f: (f.position or 0, f.provider_id, f.event_id)):
        if fact.type in PROVIDER_TYPES:
            continue
        by_provider.setdefault(fact.provider_id, []).append(fact)
    return by_provider


@dataclass(frozen=True, slots=True)
class Overview:
    body: ReportBody
    #: cell path -> the provider's measures behind it (for naming what changed a count)
    sources: dict[Path, set[str]]


def compute(
    facts: Iterable[Fact],
    period: HalfYear,
    rulebook: Rulebook,
    key: bytes,
    providers: Iterable[str] | None = None,
    judged: Mapping[str, CriticalAlerts] | None = None,
) -> Overview:
    """The overview of every provider in `facts` (or of `providers`, even without facts).

    `judged`: per provider, its critical alerts in the period as the alert index holds them
    at the facts' position (see `quality.data_quality`); a provider not in it is judged here.
    """
    by_provider = per_provider(facts)
    wanted = sorted(set(providers) if providers is not None else set(by_provider))
    sources: Sources = {}
    sections = {
        p: _provider(
            p,
            by_provider.get(p, []),
            period,
            rulebook,
            key,
            sources,
            None if judged is None else judged.get(p),
        )
        for p in wanted
    }
    return Overview(_body(period, rulebook, sections), sources)


def _body(period: HalfYear, rulebook: Rulebook, sections: dict[str, ProviderReport]) -> ReportBody:
    return ReportBody(
        period=period.name,
        start=period.start.isoformat(),
        end=period.end.isoformat(),
        rulebook_version=rulebook.version,
        providers=sections,
    )


def _provider(
    provider_id: str,
    facts: list[Fact],
    period: HalfYear,
    rulebook: Rulebook,
    key: bytes,
    sources: Sources,
    judged: CriticalAlerts | None,
) -> ProviderReport:
    grouped = group(facts)
    measures = in_period(grouped, period)
    base: Path = ("providers", provider_id)
    sections = _laws(provider_id, measures, period, key, sources)
    quality = data_quality(
        grouped, measures, period, rulebook, (*base, "data_quality"), sources, judged
    )
    return _section(provider_id, measures, sections, quality, sources)


def compute_from_rows(
    rows: Mapping[str, PeriodRows],
    period: HalfYear,
    rulebook: Rulebook,
    key: bytes,
    judged: Mapping[str, CriticalAlerts],
) -> Overview:
    """`compute` over the narrow rows of each provider in `rows` (`period_rows`), with the
    critical alerts as the alert index holds them: the same body as `compute` over every
    fact at that position."""
    sources: Sources = {}
    sections = {}
    for provider_id in sorted(rows):
        provider_rows = rows[provider_id]
        retracted = retracted_in(provider_rows)
        measures = measures_of(provider_rows, period, retracted)
        laws = _laws(provider_id, measures, period, key, sources)
        late = late_of(provider_rows, period, rulebook, retracted)
        base: Path = ("providers", provider_id, "data_quality")
        quality = quality_of(late, measures, base, sources, judged.get(provider_id, {}))
        sections[provider_id] = _section(provider_id, measures, laws, quality, sources)
    return Overview(_body(period, rulebook, sections), sources)


def _laws(
    provider_id: str,
    measures: list[MeasureInPeriod],
    period: HalfYear,
    key: bytes,
    sources: Sources,
) -> tuple[WzdSection, WvggzSection, JeugdwetSection]:
    base: Path = ("providers", provider_id)
    wzd = wzd_section(measures, period, (*base, "wzd"), sources)
    wvggz = wvggz_section(
        measures,
        period,
        lambda client: report_pseudonym(key, provider_id, client),
        (*base, "wvggz"),
        sources,
    )
    jeugdwet = jeugdwet_section(measures, period, (*base, "jeugdwet"), sources)
    return wzd, wvggz, jeugdwet


def _section(
    provider_id: str,
    measures: list[MeasureInPeriod],
    laws: tuple[WzdSection, WvggzSection, JeugdwetSection],
    quality: DataQuality,
    sources: Sources,
) -> ProviderReport:
    wzd, wvggz, jeugdwet = laws
    base: Path = ("providers", provider_id)
    sources.setdefault(base, set()).update(m.measure_id for m in measures if m.applications)
    return ProviderReport(
        nothing_to_deliver=not (wzd.deliver or wvggz.deliver or jeugdwet.deliver),
        wzd=wzd,
        wvggz=wvggz,
        jeugdwet=jeugdwet,
        data_quality=quality,
    )
