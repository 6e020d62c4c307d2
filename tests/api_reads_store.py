"""A small two-provider store for the API read tests: measures, orders, retractions, rejects.

Provider A has nine Wzd and Wvggz measures at four locations (two name none), two clients, two
authorisations (one corrected by a retraction, one wholly retracted) and a dead letter;
provider B reuses A's client pseudonym, location code, authorisation id and a measure's
phase, so any read that forgets the scope finds B's rows.
"""

from __future__ import annotations

from typing import Any

from ledger.service import Ledger
from tests.conftest import event, lifecycle, messages

A, B = "AGB:00000001", "AGB:00000002"


def proposal(
    provider: str,
    measure: str,
    event_id: str,
    at: str,
    *,
    framework: str = "wzd",
    category: str = "seclusion",
    location: str | None = None,
    client: str = "cl-1",
) -> dict[str, Any]:
    data: dict[str, Any] = {
        "framework": framework,
        "category": category,
        "setting": "residential",
        "grounds": ["serious_bodily_harm"],
        "planned_start": at,
    }
    if location is not None:
        data["location_id"] = location
    return event(
        "measure.proposed",
        event_id=event_id,
        provider_id=provider,
        measure_id=measure,
        client_id=client,
        occurred_at=at,
        data=data,
    )


def of(provider: str, measure: str, client: str, *bodies: dict[str, Any]) -> list[dict[str, Any]]:
    return [dict(b, provider_id=provider, measure_id=measure, client_id=client) for b in bodies]


def order(provider: str, event_id: str, at: str, client: str, **data: Any) -> dict[str, Any]:
    return event(
        "authorization.registered",
        event_id=event_id,
        provider_id=provider,
        client_id=client,
        occurred_at=at,
        data=data,
    )


def retraction(
    provider: str, measure: str, client: str, event_id: str, target: str, at: str
) -> dict[str, Any]:
    return event(
        "event.retracted",
        event_id=event_id,
        provider_id=provider,
        measure_id=measure,
        client_id=client,
        occurred_at=at,
        data={"retracts_event_id": target, "reason": "registered in error"},
    )


def bodies() -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    # a-m1: a lawful Wzd lifecycle at LOC-1, ended in May.
    lawful = lifecycle("a-m1")
    lawful[0] = proposal(A, "a-m1", "a-m1-1", "2026-03-02T09:00:00+01:00", location="LOC-1")
    found += of(A, "a-m1", "cl-1", *lawful)
    # a-m2: applied without review or consultation: critical and high alerts.
    found += [
        proposal(
            A,
            "a-m2",
            "a-m2-1",
            "2026-03-10T09:00:00+01:00",
            category="restrict_movement",
            location="LOC-2",
        ),
        *of(
            A,
            "a-m2",
            "cl-1",
            event("measure.applied", event_id="a-m2-2", occurred_at="2026-03-11T09:00:00+01:00"),
        ),
    ]
    # a-m3: moved to LOC-3 by a second proposal, which is retracted: back at LOC-1.
    found += [
        proposal(A, "a-m3", "a-m3-1", "2026-03-02T09:00:00+01:00", location="LOC-1"),
        proposal(A, "a-m3", "a-m3-2", "2026-03-03T09:00:00+01:00", location="LOC-3"),
        retraction(A, "a-m3", "cl-1", "a-m3-3", "a-m3-2", "2026-03-04T09:00:00+01:00"),
    ]
    # a-m4: moved to LOC-2 by a later proposal that counts.
    found += [
        proposal(A, "a-m4", "a-m4-1", "2026-03-02T09:00:00+01:00", location="LOC-1"),
        proposal(A, "a-m4", "a-m4-2", "2026-03-05T09:00:00+01:00", location="LOC-2"),
    ]
    # cl-2's Wvggz measures and one Wzd measure; ZM-1 covers admission and seclusion.
    for measure, framework, category in (
        ("a-m5", "wvggz", "admission"),
        ("a-m6", "wvggz", "restrict_visits"),
        ("a-m7", "wzd", "seclusion"),
    ):
        found.append(
            proposal(
                A,
                measure,
                f"{measure}-1",
                "2026-02-02T09:00:00+01:00",
                framework=framework,
                category=category,
                location="LOC-4",
                client="cl-2",
            )
        )
    found += [
        order(
            A,
            "zm1-a",
            "2026-01-01T09:00:00+01:00",
            "cl-2",
            authorization_id="ZM-1",
            kind="zorgmachtiging",
            valid_from="2026-01-01T00:00:00+01:00",
            valid_until="2026-06-30T00:00:00+02:00",
            covers=["admission", "seclusion"],
        ),
        order(
            A,
            "zm1-b",
            "2026-01-05T09:00:00+01:00",
            "cl-2",
            authorization_id="ZM-1",
            kind="zorgmachtiging",
            valid_from="2026-01-01T00:00:00+01:00",
            valid_until="2026-12-31T00:00:00+01:00",
            covers=["admission"],
        ),
        retraction(A, "a-m5", "cl-2", "zm1-c", "zm1-b", "2026-01-06T09:00:00+01:00"),
        event(
            "authorization.ended",
            event_id="zm1-d",
            provider_id=A,
            client_id="cl-2",
            occurred_at="2026-05-15T09:00:00+02:00",
            data={"authorization_id": "ZM-1", "reason": "lifted by the court"},
        ),
        order(
            A,
            "cm2-a",
            "2026-01-02T09:00:00+01:00",
            "cl-2",
            authorization_id="CM-2",
            kind="crisismaatregel",
            valid_from="2026-01-02T00:00:00+01:00",
            valid_until="2026-01-05T00:00:00+01:00",
        ),
        retraction(A, "a-m5", "cl-2", "cm2-b", "cm2-a", "2026-01-03T09:00:00+01:00"),
    ]
    # a-m8: proposed in April, never reviewed: its review deadline has passed by June.
    # a-m9: proposed at the end of May: its review falls due in June.
    found += [
        proposal(A, "a-m8", "a-m8-1", "2026-04-01T09:00:00+02:00", category="supervision"),
        proposal(A, "a-m9", "a-m9-1", "2026-05-28T09:00:00+02:00", category="supervision"),
    ]
    # Provider B: the same client pseudonym, location code and order id as A's.
    found += [
        proposal(B, "b-m1", "b-m1-1", "2026-03-10T09:00:00+01:00", location="LOC-1"),
        *of(B, "b-m1", "cl-1", event("measure.applied", event_id="b-m1-2",
                                     occurred_at="2026-03-11T09:00:00+01:00")),
        proposal(B, "b-m2", "b-m2-1", "2026-05-28T09:00:00+02:00", category="supervision"),
        order(B, "b-zm1", "2026-01-01T09:00:00+01:00", "cl-1", authorization_id="ZM-1",
              kind="rechterlijke_machtiging_wzd", valid_from="2026-01-01T00:00:00+01:00",
              valid_until="2026-06-30T00:00:00+02:00"),
    ]  # fmt: skip
    return found


def build(ledger: Ledger) -> None:
    """The store, with one dead letter of each provider and one that names none."""
    ledger.submit(messages(*bodies(), name="providers.jsonl"))
    reused = [
        event("review.requested", event_id=eid, provider_id=p, measure_id=m, client_id="cl-1",
              occurred_at="2026-03-12T09:00:00+01:00")
        for p, m, eid in ((A, "a-m2", "a-m2-2"), (B, "b-m1", "b-m1-2"))
    ]  # fmt: skip
    ledger.submit(messages(*reused, b"{not json", name="rejects.jsonl"))
    ledger.refresh_alerts()
