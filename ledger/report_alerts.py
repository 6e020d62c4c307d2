"""The critical alerts of a report from the alert index, when it judged exactly those facts.

Judging every measure's rules again is most of a report's time (bench/bench_report.py); the
alert index already holds those judgements, and when it stands at the report's position
they are the same ones (`domain.report.quality`). Otherwise the report judges them itself.
"""

from __future__ import annotations

from collections.abc import Sequence

from domain.report.period import HalfYear
from ledger.service import Ledger
from projections.report_facts import critical_alerts_in


def judged_at(
    ledger: Ledger, at: int, period: HalfYear, provider: str | None, wanted: Sequence[str]
) -> dict[str, dict[str, set[str]]] | None:
    """The critical alerts of the alert index, only when it holds the judgements over exactly
    the facts at positions <= `at`; None (judge them again) otherwise.

    The index at position P with the views also at P means every measure was judged with
    facts at positions <= P (a judgement reads what the views hold, and they only move
    forward; mid-refresh the views are ahead). Both positions are read before and after the
    alerts, so a refresh or an ingest in between sends the report to judging them itself,
    as does an index judged by other rules. Either way the figures are the same.
    """
    index = ledger.alert_index
    before = (ledger.views.position(), index.position())
    with ledger.sql.transaction(commit=False) as c:
        other_rules = index.index.judged_by_other_rules(c) or index.index.stored_rules(c) == "none"
    if before != (at, at) or other_rules:
        return None
    found = critical_alerts_in(ledger.sql, period.start, period.end, provider)
    if (ledger.views.position(), index.position()) != before:
        return None
    return {p: found.get(p, {}) for p in wanted}
