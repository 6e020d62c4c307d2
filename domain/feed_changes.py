"""What the inspectorate feed must publish at a moment: the pure half of the alert feed.

The alert index holds each alert's interval `[since, resolved_at)`. The feed turns those
intervals into two *changes* per alert, each published once: "opened" when `since` has come,
"resolved" when `resolved_at` has come (always after its "opened"). An alert that was
published as opened and then disappeared from the index (a late fact showed the condition
never held) gets a final "resolved" — the feed never drops an alert silently.

An alert whose message and evidence change while it stays open (a 2026.2 LATE-REGISTRATION
alert that gathers a measure's late events) is still one alert with two changes: "opened"
carries the content the index held when it was published, "resolved" the content it had
when it stopped holding. The contract knows no "updated" change, so growth in between is not
published; the index (and `serve`) show the current content.

No I/O, no clock: the caller passes `now` and the key, so this is tested on its own and
replays give the same answer. `client_ref` is computed here as well, because what leaves the
ledger must never carry the provider's pseudonym.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from domain.alerts import Alert

ChangeKind = Literal["opened", "resolved"]
Reason = Literal["due", "withdrawn"]
CHANGES: tuple[ChangeKind, ...] = ("opened", "resolved")
MIN_KEY_BYTES = 32


def client_ref(key: bytes, provider_id: str, client_id: str) -> str:
    """HMAC-SHA256 of provider and client: stable per client, useless without the key.

    The separator cannot occur in either id (CONTRACT §1 allows `A-Za-z0-9._:-`), so two
    different pairs never hash the same input.
    """
    message = f"{provider_id}\x1f{client_id}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def change_id(alert_id: str, change: ChangeKind) -> str:
    """The message header that makes a published change recognisable on the topic."""
    return f"{alert_id}:{change}"


def parse_change_id(text: str) -> tuple[str, ChangeKind] | None:
    """`alert_id:change` back into its parts; None for anything else (a foreign message)."""
    alert_id, _, change = text.rpartition(":")
    if not alert_id or change not in CHANGES:
        return None
    return alert_id, change  # type: ignore[return-value]


@dataclass(frozen=True, slots=True)
class Indexed:
    """An alert as the index holds it (its whole interval) and what the feed published of it."""

    alert: Alert
    client_id: str
    opened: bool = False
    resolved: bool = False


@dataclass(frozen=True, slots=True)
class Withdrawn:
    """An alert published as opened, never resolved, that the index no longer holds."""

    last: Alert  # the value as published with "opened"
    client_id: str | None


@dataclass(frozen=True, slots=True)
class FeedChange:
    """One message to publish: the alert as of the change, keyed by its id."""

    value: Alert
    change: ChangeKind
    due: datetime  # when the change came due: since, resolved_at, or when it was withdrawn
    reason: Reason
    client_id: str | None

    @property
    def alert_id(self) -> str:
        return self.value.alert_id

    @property
    def change_id(self) -> str:
        return change_id(self.value.alert_id, self.change)


def due_changes(
    indexed: Iterable[Indexed], withdrawn: Iterable[Withdrawn], now: datetime, key: bytes
) -> list[FeedChange]:
    """Every change due at `now` and not yet published, oldest first, opened before resolved.

    A withdrawn alert is resolved at `now`, the moment the feed learned it vanished: the
    vanishing may come from a late fact or a new rulebook with no fact at all, and a
    resolution must never precede the "opened" the inspectorate already received.
    """
    changes: list[FeedChange] = []
    for item in indexed:
        changes.extend(_interval_changes(item, now, key))
    for gone in withdrawn:
        value = gone.last.model_copy(update={"status": "resolved", "resolved_at": now})
        changes.append(FeedChange(value, "resolved", now, "withdrawn", gone.client_id))
    return sorted(changes, key=lambda c: (c.due, c.alert_id, CHANGES.index(c.change)))


def _interval_changes(item: Indexed, now: datetime, key: bytes) -> list[FeedChange]:
    alert = item.alert
    if alert.since > now:
        return []
    # A provider's own alert (the half-year overview) names no client: no client_ref.
    ref = client_ref(key, alert.provider_id, item.client_id) if item.client_id else None
    found: list[FeedChange] = []
    if not item.opened:
        opened = alert.model_copy(update={"status": "open", "resolved_at": None, "client_ref": ref})
        found.append(FeedChange(opened, "opened", alert.since, "due", item.client_id))
    end = alert.resolved_at
    if not item.resolved and end is not None and end <= now:
        resolved = alert.model_copy(update={"status": "resolved", "client_ref": ref})
        # never sorted before its own "opened", even for an interval that ends as it starts
        found.append(FeedChange(resolved, "resolved", max(end, alert.since), "due", item.client_id))
    return found


def lag_ms(changes: Sequence[FeedChange], published: datetime) -> int:
    """How long the oldest change of a batch waited between coming due and its publication."""
    if not changes:
        return 0
    oldest = min(c.due for c in changes)
    return max(int((published - oldest).total_seconds() * 1000), 0)
