"""Rows of the projections turned into what one reader may see.

The provider role sees its own pseudonyms and sources; the inspectorate sees each client
as `client_ref` (the feed's keyed hash) and no sources (a file name may carry a
pseudonym). Every answer that leaves the API about a client passes through here.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from api.auth import Principal
from api.problems import ProblemError
from api.schemas import Authorisation, Measure, TimelineEntry
from domain.alerts import Alert
from domain.feed_changes import client_ref
from store.access_log import Subject


def client_fields(
    principal: Principal, key: bytes | None, provider: str, client: str | None
) -> dict[str, Any]:
    """`client_id` for the provider, `client_ref` for the inspectorate; neither when the
    object names no client (an authorisation whose every registration was retracted):
    a keyed hash of "no client" would look like a real client to the feed's readers. A
    provider's own alert (the half-year overview) names none either: its client is ''."""
    if not client:
        return {}
    if principal.role == "provider":
        return {"client_id": client}
    return {"client_ref": client_ref(ref_key(key), provider, client)}


def ref_key(key: bytes | None) -> bytes:
    """The feed's key, which every client_ref needs; without it the inspectorate's read is
    refused (503) rather than answered with pseudonyms or without clients."""
    if key is None:
        raise ProblemError(
            503,
            "serve has no feed key (LEDGER_FEED_KEY_FILE or LEDGER_FEED_KEY), so it cannot "
            "show the inspectorate clients as client_ref",
            slug="no-feed-key",
        )
    return key


def measure(principal: Principal, key: bytes | None, row: dict[str, Any]) -> Measure:
    fields = {k: v for k, v in row.items() if k in Measure.model_fields and k != "client_id"}
    fields.setdefault("location_id", None)
    return Measure(**fields, **client_fields(principal, key, row["provider_id"], row["client_id"]))


def authorisation(principal: Principal, key: bytes | None, row: dict[str, Any]) -> Authorisation:
    fields = {k: v for k, v in row.items() if k in Authorisation.model_fields and k != "client_id"}
    return Authorisation(
        **fields, **client_fields(principal, key, row["provider_id"], row["client_id"])
    )


def entry(principal: Principal, row: dict[str, Any]) -> TimelineEntry:
    fields = {k: v for k, v in row.items() if k in TimelineEntry.model_fields}
    if principal.role != "provider":
        fields["source"] = None
    return TimelineEntry(**fields)


def alert(principal: Principal, key: bytes | None, found: Alert, client: str) -> Alert:
    if principal.role == "provider":
        return found
    ref = client_fields(principal, key, found.provider_id, client).get("client_ref")
    return found.model_copy(update={"client_ref": ref})


def measure_subjects(rows: Iterable[dict[str, Any]]) -> list[Subject]:
    return [Subject(r["provider_id"], r.get("client_id"), r.get("measure_id")) for r in rows]
