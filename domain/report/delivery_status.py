"""Where each half-year's overview stands: delivered (with the hash), due, or late.

What the reports pages show beside the next delivery day. Read from the provider's standing
(unretracted) `report.delivered` facts and the clock alone, per law: it does not say whether
the half-year had compulsory care (that takes the report; a half-year without any needs no
overview, and the rules WZD-IGJ-OVERVIEW / WVGGZ-IGJ-OVERVIEW alert only when it had).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Literal

from domain.facts import Fact
from domain.report.deadline import due
from domain.report.period import HalfYear

State = Literal["delivered", "due", "late"]


@dataclass(frozen=True, slots=True)
class DeliveryStatus:
    period: HalfYear
    law: str
    state: State
    day: date  # the delivery day, inclusive
    #: the first standing delivery of this period and law, when there is one
    delivered_at: datetime | None = None
    body_sha256: str | None = None
    late: bool = False  # delivered, but after its day

    @property
    def event_id(self) -> str | None:
        if self.body_sha256 is None:
            return None
        return f"report.delivered:{self.period.name}:{self.law}:{self.body_sha256[:16]}"


def delivery_statuses(
    periods: Iterable[HalfYear], laws: Sequence[str], deliveries: Sequence[Fact], now: datetime
) -> list[DeliveryStatus]:
    """Per period (in the order given) and law: `deliveries` are the standing ones."""
    found = []
    for period in periods:
        deadline = due(period)
        for law in laws:
            sent = sorted(
                (f for f in deliveries if f.data.period == period.name and f.data.law == law),
                key=lambda f: (f.occurred_at, f.event_id),
            )
            if sent:
                first = sent[0]
                found.append(
                    DeliveryStatus(
                        period,
                        law,
                        "delivered",
                        deadline.day,
                        first.occurred_at,
                        first.data.body_sha256,
                        late=first.occurred_at >= deadline.late_from,
                    )
                )
            else:
                state: State = "due" if now < deadline.late_from else "late"
                found.append(DeliveryStatus(period, law, state, deadline.day))
    return found
