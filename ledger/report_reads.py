"""What a reader asks of a report besides the report: a cell explained, the clients it names.

Beside `reporting.py` (binding and checking): the same bound position, the same facts and
report key, so an explanation is of exactly the report a reader has in front of them.
"""

from __future__ import annotations

from domain.report.explain import explain
from domain.report.explain_model import Explanation
from domain.report.period import HalfYear
from ledger.reporting import Made, _covering_checkpoint, _facts, _head_hash, _key
from ledger.service import Ledger


def explain_cell(
    ledger: Ledger,
    period: HalfYear,
    location: str,
    form: str,
    position: int | None = None,
    provider: str | None = None,
) -> Explanation:
    """The measures and events behind one cell, at the same bound position a report uses."""
    checkpoint = _covering_checkpoint(ledger, position)
    at = checkpoint.position if position is None else position
    facts = _facts(ledger, at, provider)
    cells = explain(
        facts,
        period,
        location,
        form,
        _key(ledger),
        providers=[provider] if provider is not None else None,
    )
    return Explanation(
        period=period.name,
        location=location,
        form=form,
        position=at,
        head_hash=_head_hash(ledger, at),
        providers=cells,
    )


def clients_in(made: Made) -> list[tuple[str, str]]:
    """(provider, client) of every client behind the report: what an export of it discloses.

    The clients of the measures received in the period, the art. 2 lid 2 ones included
    (they are counted as left out), each named as the report names it: by the client its
    measure's events named last.
    """
    named = made.named
    found = set()
    for provider_id in made.document.body.providers:
        for measure_id in made.overview.sources.get(("providers", provider_id), set()):
            client = named.get((provider_id, measure_id))
            if client is not None:
                found.add((provider_id, client))
    return sorted(found)
