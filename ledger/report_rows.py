"""A report from the narrow rows, when the alert index holds its critical alerts.

Reading every fact at a position as a typed `Fact` and folding them all was most of a
report's time (docs/report.md, Benchmark). When the alert index stands at the report's
position (`report_alerts.judged_at`, as after every `ingest` at the latest checkpoint), the
overview needs only the rows `projections.report_period_reads` reads, folded by
`domain.report.period_rows` into the same body. Anywhere else `ledger.reporting` reads
every fact and judges the critical alerts itself; both ways give the same bytes.
"""

from __future__ import annotations

from domain.report.overview import Overview, compute_from_rows
from domain.report.period import HalfYear
from ledger import cyclic_gc
from ledger.keys import report_key
from ledger.report_alerts import judged_at
from ledger.service import Ledger
from projections.report_period_reads import period_rows, providers_up_to

Named = dict[tuple[str, str], str]


def from_rows(
    ledger: Ledger, period: HalfYear, at: int, provider: str | None
) -> tuple[Overview, Named] | None:
    """The overview at position `at` and who each of its measures names, or None when the
    alert index does not stand at `at` (the caller then folds every fact)."""
    wanted = [provider] if provider is not None else providers_up_to(ledger.sql, at)
    judged = judged_at(ledger, at, period, provider, wanted)
    if judged is None:
        return None
    book, key = ledger.alert_index.index.rulebook, report_key(ledger.report_key_path)
    with cyclic_gc.paused():  # hundreds of thousands of tuples, none in a cycle
        rows = {p: period_rows(ledger.sql, at, p, period) for p in wanted}
        if ledger.views.position() != at:
            return None  # rebuilt or moved while read: fold the facts instead
        overview = compute_from_rows(rows, period, book, key, judged)
    named = {(p, m): client for p, r in rows.items() for m, client in r.clients.items()}
    return overview, named
