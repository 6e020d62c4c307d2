"""The event-sourced streams of the ledger: one per measure, one per authorisation, and one
per provider for the facts about the provider itself (`report.delivered`).

The ledger records facts; it does not refuse bad care. So these aggregates have no business
invariants to defend: a stream accepts every well-formed provider event, in arrival order,
and its events are the provider's facts plus the ledger's own metadata (the stored event's
`timestamp` is the ledger's `recorded_at`, `source` says where it came from). Whether the
care was lawful is judged later by the rulebook, over `occurred_at` order.

Stored event classes are part of the stored format: their topics (module and qualified
name) must never change, and a change of fields is a new `class_version` with an upcaster.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any, ClassVar
from uuid import UUID

from eventsourcing.domain import Aggregate

from domain.identifiers import authorization_stream_id, measure_stream_id, provider_stream_id
from domain.wire import AUTHORIZATION_TYPES, PROVIDER_TYPES, ProviderEvent

#: The `ref` of a provider's own stream: it is about no measure or authorisation.
PROVIDER_REF = ""


def canonical_content(event: ProviderEvent) -> dict[str, Any]:
    """The event as data, with defaults filled in, so two encodings of one event compare equal."""
    return event.model_dump(mode="json", by_alias=True, exclude_none=True)


def content_hash(event: ProviderEvent) -> str:
    """SHA-256 of the event's normalised JSON: defaults filled in, fields in schema order.

    Two encodings of the same event (other key order, other whitespace, an omitted default)
    hash the same, so an identical resend is recognised as a duplicate.
    """
    return hashlib.sha256(
        event.model_dump_json(by_alias=True, exclude_none=True).encode()
    ).hexdigest()


class Stream(Aggregate):
    """A provider-scoped stream of facts; its id is derived from the provider's own ids."""

    class Opened(Aggregate.Created):
        """The ledger first heard of this measure or authorisation."""

        provider_id: str
        ref: str
        client_id: str

    class Recorded(Aggregate.Event):
        """A provider event, stored as received (validated and normalised)."""

        type_name: ClassVar[str] = ""
        #: Which kind of stream holds it: "measure", "authorization" or "provider".
        kind: ClassVar[str] = "measure"
        provider_id: str
        ref: str  # measure_id, authorization_id, or PROVIDER_REF on a provider's stream
        event_id: str
        client_id: str  # "" on a provider's stream: its events name no client
        occurred_at: datetime
        actor_role: str | None
        actor_id: str | None
        source: str
        data: dict[str, Any]
        content_hash: str

        def apply(self, aggregate: Aggregate) -> None:
            assert isinstance(aggregate, Stream)
            aggregate.fact_count += 1

    def __init__(self, provider_id: str, ref: str, client_id: str) -> None:
        self.provider_id = provider_id
        self.ref = ref
        self.client_id = client_id
        self.fact_count = 0

    def record(self, event: ProviderEvent, *, source: str, digest: str) -> None:
        """Append one provider event. There is nothing to decide: facts are never refused."""
        event_class = self.recorded_class(event.type)
        actor = event.actor
        self.trigger_event(
            event_class,
            provider_id=self.provider_id,
            ref=self.ref,
            event_id=event.event_id,
            client_id=getattr(event, "client_id", ""),
            occurred_at=event.occurred_at,
            actor_role=actor.role if actor else None,
            actor_id=actor.id if actor else None,
            source=source,
            data=event.data.model_dump(mode="json", exclude_none=True),
            content_hash=digest,
        )

    @classmethod
    def recorded_class(cls, type_name: str) -> type[Stream.Recorded]:
        raise NotImplementedError


class Measure(Stream):
    """The lifecycle of one measure of compulsory care, as the provider reported it."""

    class Opened(Stream.Opened):
        pass

    class Proposed(Stream.Recorded):
        type_name = "measure.proposed"

    class StepCompleted(Stream.Recorded):
        type_name = "stappenplan.step_completed"

    class ReviewRequested(Stream.Recorded):
        type_name = "review.requested"

    class ReviewDecided(Stream.Recorded):
        type_name = "review.decided"

    class Applied(Stream.Recorded):
        type_name = "measure.applied"

    class Evaluated(Stream.Recorded):
        type_name = "measure.evaluated"

    class Extended(Stream.Recorded):
        type_name = "measure.extended"

    class AfbouwStarted(Stream.Recorded):
        type_name = "afbouw.started"

    class Ended(Stream.Recorded):
        type_name = "measure.ended"

    class Retracted(Stream.Recorded):
        """A correction: the provider says an earlier event was wrong. Both stay stored."""

        type_name = "event.retracted"

    @classmethod
    def create_id(cls, provider_id: str, ref: str, client_id: str) -> UUID:
        return measure_stream_id(provider_id, ref)

    @classmethod
    def recorded_class(cls, type_name: str) -> type[Stream.Recorded]:
        return _MEASURE_EVENTS[type_name]


class Authorization(Stream):
    """A court order or decision (machtiging, crisismaatregel, ...) for one client."""

    class Opened(Stream.Opened):
        pass

    class Registered(Stream.Recorded):
        type_name = "authorization.registered"
        kind = "authorization"

    class Ended(Stream.Recorded):
        type_name = "authorization.ended"
        kind = "authorization"

    @classmethod
    def create_id(cls, provider_id: str, ref: str, client_id: str) -> UUID:
        return authorization_stream_id(provider_id, ref)

    @classmethod
    def recorded_class(cls, type_name: str) -> type[Stream.Recorded]:
        return _AUTHORIZATION_EVENTS[type_name]


class Provider(Stream):
    """The facts about one provider itself: the half-year overviews it delivered."""

    class Opened(Stream.Opened):
        pass

    class Delivered(Stream.Recorded):
        """`report.delivered`: an overview was sent to the inspectorate."""

        type_name = "report.delivered"
        kind = "provider"

    @classmethod
    def create_id(cls, provider_id: str, ref: str, client_id: str) -> UUID:
        return provider_stream_id(provider_id)

    @classmethod
    def recorded_class(cls, type_name: str) -> type[Stream.Recorded]:
        return _PROVIDER_EVENTS[type_name]


_MEASURE_EVENTS: dict[str, type[Stream.Recorded]] = {
    c.type_name: c
    for c in (
        Measure.Proposed,
        Measure.StepCompleted,
        Measure.ReviewRequested,
        Measure.ReviewDecided,
        Measure.Applied,
        Measure.Evaluated,
        Measure.Extended,
        Measure.AfbouwStarted,
        Measure.Ended,
        Measure.Retracted,
    )
}
_AUTHORIZATION_EVENTS: dict[str, type[Stream.Recorded]] = {
    c.type_name: c for c in (Authorization.Registered, Authorization.Ended)
}
_PROVIDER_EVENTS: dict[str, type[Stream.Recorded]] = {
    Provider.Delivered.type_name: Provider.Delivered
}


def stream_of(event: ProviderEvent) -> tuple[type[Stream], str, UUID]:
    """Which stream an incoming event belongs to: (class, provider-scoped ref, aggregate id)."""
    if event.type in AUTHORIZATION_TYPES:
        ref = event.data.authorization_id  # type: ignore[union-attr]
        return Authorization, ref, authorization_stream_id(event.provider_id, ref)
    if event.type in PROVIDER_TYPES:
        return Provider, PROVIDER_REF, provider_stream_id(event.provider_id)
    ref = event.measure_id  # type: ignore[union-attr]
    return Measure, ref, measure_stream_id(event.provider_id, ref)


def open_stream(event: ProviderEvent) -> Stream:
    cls, ref, _ = stream_of(event)
    return cls._create(
        cls.Opened,
        provider_id=event.provider_id,
        ref=ref,
        client_id=getattr(event, "client_id", ""),
    )
