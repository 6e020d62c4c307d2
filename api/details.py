"""One measure, alert, client or authorisation as one reader may see it: built once for both
the API and the pages, so a page never shows more (or other) than the JSON answer would.

Each function returns None when the object does not exist *or* lies outside the reader's
scope: the caller logs that as "not found" and answers the same either way. On success it
returns the shaped detail with the access log's subjects, so the caller logs what it read.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, Protocol, TypeVar

from api import shaping
from api.auth import Audit, Principal
from api.schemas import (
    AlertDetail,
    Authorisation,
    AuthorisationDetail,
    ClientDetail,
    MeasureDetail,
)
from domain.rulebook import Rulebook
from projections import api_reads, queries
from projections.deadline_reads import deadlines_as_of
from projections.read_paging import Providers
from store.access_log import Subject
from store.sql import SqlRunner

T = TypeVar("T")


class _Read(Protocol):
    @property
    def subjects(self) -> list[Subject]: ...


R = TypeVar("R", bound=_Read)


def logged(audit: Audit, found: R | None, missing: Sequence[Subject], what: str) -> R:
    """The read in the access log before it is answered: allowed with what it read, or
    the 404 to raise (logged "not found", the same for absent and out of scope)."""
    if found is None:
        raise audit.not_found(list(missing), what)
    audit.allowed(found.subjects)
    return found


@dataclass(frozen=True)
class MeasureFound:
    detail: MeasureDetail
    #: Every authorisation of the client that covers the measure's form, in force now or
    #: not: the time axis draws their validity; `detail.legal_basis` is the part in force.
    covering: list[Authorisation]
    subjects: list[Subject]


@dataclass(frozen=True)
class AlertFound:
    detail: AlertDetail
    #: What its evidence belongs to, as (kind, ref): a measure or an authorisation.
    refs: list[tuple[str, str]]
    subjects: list[Subject]


@dataclass(frozen=True)
class Found(Generic[T]):
    detail: T
    subjects: list[Subject]


def measure_detail(
    sql: SqlRunner,
    principal: Principal,
    key: bytes | None,
    provider_id: str,
    measure_id: str,
    now: datetime,
    rulebook: Rulebook,
) -> MeasureFound | None:
    """Status, legal basis in force, every alert (open and resolved) and the whole timeline;
    all of it, next deadline included, as of `now`."""
    providers = principal.providers
    row = api_reads.measure(sql, providers, provider_id, measure_id)
    if row is None:
        return None
    (row,) = deadlines_as_of(sql, rulebook, [row], now)
    measure_key = (provider_id, measure_id)
    alerts = all_alerts(sql, providers, measure_key, now)
    covering = covering_authorisations(sql, providers, row)
    detail = MeasureDetail(
        measure=shaping.measure(principal, key, row),
        legal_basis=[
            shaping.authorisation(principal, key, a) for a in covering if in_force(a, now)
        ],
        alerts=[shaping.alert(principal, key, a.alert, a.client_id) for a in alerts],
        timeline=[shaping.entry(principal, e) for e in queries.timeline(sql, *measure_key)],
    )
    shaped = [shaping.authorisation(principal, key, a) for a in covering]
    return MeasureFound(detail, shaped, shaping.measure_subjects([row]))


def all_alerts(
    sql: SqlRunner, providers: Providers, measure: tuple[str, str], now: datetime
) -> list[api_reads.AlertRow]:
    """Every alert of one measure as of `now`, most serious first (one indexed read)."""
    return api_reads.measure_alerts(sql, providers, measure[0], measure[1], as_of=now)


def covering_authorisations(
    sql: SqlRunner, providers: Providers, row: dict[str, Any]
) -> list[dict[str, Any]]:
    """The client's authorisations whose covered measures include this one, at any time."""
    covering = []
    for a in api_reads.client_authorisations(sql, providers, row["provider_id"], row["client_id"]):
        full = api_reads.authorisation(sql, providers, row["provider_id"], a["authorization_id"])
        if full is not None and row["measure_id"] in {m["measure_id"] for m in full["measures"]}:
            covering.append(full)
    return covering


def in_force(authorisation: dict[str, Any], now: datetime) -> bool:
    """Registered (a registration that counts gives it a validity), not ended, and `now`
    within its validity."""
    if authorisation.get("ended_at") or authorisation.get("valid_from") is None:
        return False
    start, until = authorisation.get("valid_from"), authorisation.get("valid_until")
    return (start is None or datetime.fromisoformat(start) <= now) and (
        until is None or now <= datetime.fromisoformat(until)
    )


def alert_detail(
    sql: SqlRunner, principal: Principal, key: bytes | None, alert_id: str, as_of: datetime
) -> AlertFound | None:
    """One alert as of `as_of` with its evidence events (timeline entries of its measure or
    authorisation, each with `kind` and `ref` for the pages' links)."""
    found = api_reads.alert(sql, principal.providers, alert_id, as_of=as_of)
    if found is None:
        return None
    a = found.alert
    evidence = api_reads.events(sql, principal.providers, a.provider_id, list(a.evidence))
    detail = AlertDetail(
        alert=shaping.alert(principal, key, a, found.client_id),
        evidence=[shaping.entry(principal, e) for e in evidence],
    )
    refs = sorted({(e["kind"], e["ref"]) for e in evidence})
    return AlertFound(detail, refs, [Subject(a.provider_id, found.client_id, a.measure_id)])


def client_detail(
    sql: SqlRunner, principal: Principal, key: bytes | None, provider_id: str, client_id: str
) -> Found[ClientDetail] | None:
    """A client's measures and authorisations, by the provider's own pseudonym."""
    providers = principal.providers
    measures = api_reads.client_measures(sql, providers, provider_id, client_id)
    authorisations = api_reads.client_authorisations(sql, providers, provider_id, client_id)
    if not measures and not authorisations:
        return None
    detail = ClientDetail(
        provider_id=provider_id,
        client_id=client_id,
        measures=[shaping.measure(principal, key, m) for m in measures],
        authorisations=[shaping.authorisation(principal, key, a) for a in authorisations],
    )
    subjects = [Subject(provider_id, client_id, None), *shaping.measure_subjects(measures)]
    return Found(detail, subjects)


def authorisation_detail(
    sql: SqlRunner,
    principal: Principal,
    key: bytes | None,
    provider_id: str,
    authorization_id: str,
) -> Found[AuthorisationDetail] | None:
    """One authorisation (machtiging, crisismaatregel, ...), its events and what it covers."""
    found = api_reads.authorisation(sql, principal.providers, provider_id, authorization_id)
    if found is None:
        return None
    detail = AuthorisationDetail(
        authorisation=shaping.authorisation(principal, key, found),
        events=[shaping.entry(principal, e) for e in found["events"]],
        measures=[shaping.measure(principal, key, m) for m in found["measures"]],
    )
    subjects = [
        Subject(provider_id, found["client_id"], None),
        *shaping.measure_subjects(found["measures"]),
    ]
    return Found(detail, subjects)
