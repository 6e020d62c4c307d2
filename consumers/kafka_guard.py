"""Which providers may write to which topic.

When each care provider has its own topic (or its own ACL'd producer on a shared topic), an
event naming another provider is a misrouted or forged message: storing it would put facts
in another provider's ledger. The guard dead-letters it before it reaches the event store.
Malformed messages are left alone here: `Ledger.submit` gives them a precise reason.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from domain.parsing import claimed_provider
from ledger.service import RawMessage
from store.dead_letters import DeadLetter


@dataclass(frozen=True)
class ProviderGuard:
    """`allowed[topic]` is the set of provider ids that may arrive on `topic`; topics not in
    the mapping accept every provider."""

    allowed: Mapping[str, frozenset[str]]

    def split(
        self, topic: str, messages: Sequence[RawMessage], *, where: str | None = None
    ) -> tuple[list[RawMessage], list[DeadLetter]]:
        """Return the messages to submit and the dead letters of the foreign ones.

        `where` names the channel in the reason when it is not a Kafka topic (the HTTP API).
        """
        permitted = self.allowed.get(topic)
        if permitted is None:
            return list(messages), []
        keep: list[RawMessage] = []
        foreign: list[DeadLetter] = []
        for message in messages:
            provider = claimed_provider(message.raw)  # None: submit will judge it
            if provider is None or provider in permitted:
                keep.append(message)
            else:
                foreign.append(
                    DeadLetter(
                        source=message.source,
                        reason=(
                            f"provider_id {provider!r} may not send on "
                            f"{where or f'topic {topic!r}'} "
                            f"(allowed: {', '.join(sorted(permitted))})"
                        ),
                        raw=message.raw,
                        provider_id=provider,
                    )
                )
        return keep, foreign
