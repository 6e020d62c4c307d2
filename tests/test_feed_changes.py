"""The pure half of the alert feed: which changes are due, and the keyed client_ref."""

from __future__ import annotations

import hashlib
import hmac
from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from domain.alerts import Alert
from domain.feed_changes import (
    FeedChange,
    Indexed,
    Withdrawn,
    change_id,
    client_ref,
    due_changes,
    lag_ms,
    parse_change_id,
)

KEY = b"k" * 32
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def alert(alert_id: str = "a1", since: datetime = T0, resolved_at: datetime | None = None) -> Alert:
    return Alert(
        alert_id=alert_id,
        rule="REVIEW-OVERDUE",
        severity="high",
        status="open",
        provider_id="AGB:12345678",
        measure_id="m1",
        framework="wzd",
        category="seclusion",
        since=since,
        resolved_at=resolved_at,
        rulebook_version="1",
        message="The review is overdue.",
        evidence=("e1",),
    )


def kinds(changes: list[FeedChange]) -> list[tuple[str, str]]:
    return [(c.alert_id, c.change) for c in changes]


def test_nothing_is_due_before_since() -> None:
    """An alert whose deadline has not come yet publishes nothing."""
    item = Indexed(alert(since=T0 + timedelta(seconds=1)), "cl-001")
    assert due_changes([item], [], T0, KEY) == []


def test_opened_carries_status_open_and_no_resolution_even_if_it_resolves_later() -> None:
    """As of the opening, the resolution has not happened: status open, resolved_at null."""
    item = Indexed(alert(resolved_at=T0 + timedelta(days=1)), "cl-001")
    [opened] = due_changes([item], [], T0, KEY)
    assert (opened.change, opened.value.status, opened.value.resolved_at) == (
        "opened",
        "open",
        None,
    )
    assert opened.due == T0


def test_opened_then_resolved_in_order_when_both_are_due() -> None:
    """A first pass over an old, resolved alert publishes both, opened first."""
    end = T0 + timedelta(days=3)
    changes = due_changes([Indexed(alert(resolved_at=end), "cl-001")], [], end, KEY)
    assert kinds(changes) == [("a1", "opened"), ("a1", "resolved")]
    assert (changes[1].value.status, changes[1].value.resolved_at) == ("resolved", end)


def test_a_zero_length_interval_still_opens_before_it_resolves() -> None:
    """Ties on the due moment never put "resolved" before its own "opened"."""
    changes = due_changes([Indexed(alert(resolved_at=T0), "cl-001")], [], T0, KEY)
    assert kinds(changes) == [("a1", "opened"), ("a1", "resolved")]


def test_published_changes_are_not_due_again() -> None:
    """What the store recorded as published is never proposed again."""
    item = Indexed(alert(resolved_at=T0), "cl-001", opened=True, resolved=True)
    assert due_changes([item], [], T0 + timedelta(days=1), KEY) == []


def test_a_withdrawn_alert_is_resolved_at_the_moment_the_feed_learned_it() -> None:
    """Opened, then gone from the index: a final resolved with resolved_at = now."""
    now = T0 + timedelta(days=5)
    last = alert().model_copy(update={"client_ref": "ref"})
    [change] = due_changes([], [Withdrawn(last, "cl-001")], now, KEY)
    assert (change.change, change.reason, change.due) == ("resolved", "withdrawn", now)
    assert (change.value.status, change.value.resolved_at, change.value.client_ref) == (
        "resolved",
        now,
        "ref",
    )


def test_changes_come_oldest_first() -> None:
    """The backlog is published in the order things came due."""
    late = Indexed(alert("late", since=T0 + timedelta(hours=2)), "c")
    early = Indexed(alert("early", since=T0), "c")
    assert kinds(due_changes([late, early], [], T0 + timedelta(days=1), KEY)) == [
        ("early", "opened"),
        ("late", "opened"),
    ]


def test_client_ref_is_the_hmac_of_provider_and_client() -> None:
    """HMAC-SHA256 over provider and client, hex; the pseudonym itself never appears."""
    expected = hmac.new(KEY, b"AGB:12345678\x1fcl-001", hashlib.sha256).hexdigest()
    assert client_ref(KEY, "AGB:12345678", "cl-001") == expected
    [opened] = due_changes([Indexed(alert(), "cl-001")], [], T0, KEY)
    assert opened.value.client_ref == expected
    assert "cl-001" not in opened.value.model_dump_json()


def test_client_ref_depends_on_key_provider_and_client() -> None:
    """Same client at another provider, or another key: another reference."""
    base = client_ref(KEY, "AGB:1", "c")
    assert base != client_ref(b"x" * 32, "AGB:1", "c")
    assert base != client_ref(KEY, "AGB:2", "c")
    assert base != client_ref(KEY, "AGB:1", "d")


def test_change_id_round_trips_and_rejects_foreign_headers() -> None:
    """The header is alert_id:change; anything else is not ours."""
    assert parse_change_id(change_id("a-1", "resolved")) == ("a-1", "resolved")
    assert parse_change_id("a-1:closed") is None
    assert parse_change_id("opened") is None


def test_lag_is_measured_from_the_oldest_due_change() -> None:
    """The batch log line reports how late the oldest change went out."""
    changes = due_changes([Indexed(alert(), "c")], [], T0 + timedelta(seconds=3), KEY)
    assert lag_ms(changes, T0 + timedelta(seconds=1.5)) == 1500
    assert lag_ms([], T0) == 0


moments = st.integers(min_value=0, max_value=100)


@given(
    intervals=st.lists(
        st.tuples(moments, st.one_of(st.none(), st.integers(min_value=0, max_value=50))),
        max_size=6,
    ),
    steps=st.lists(st.integers(min_value=0, max_value=40), min_size=1, max_size=8),
)
def test_repeated_passes_publish_each_change_once_and_in_order(
    intervals: list[tuple[int, int | None]], steps: list[int]
) -> None:
    """However the clock advances, every due change goes out once, opened before resolved."""
    alerts = [
        alert(
            f"a{i}", T0 + timedelta(minutes=s), None if d is None else T0 + timedelta(minutes=s + d)
        )
        for i, (s, d) in enumerate(intervals)
    ]
    published: list[tuple[str, str]] = []
    now = T0
    for step in steps:
        now += timedelta(minutes=step)
        done = set(published)
        indexed = [
            Indexed(a, "c", (a.alert_id, "opened") in done, (a.alert_id, "resolved") in done)
            for a in alerts
        ]
        published += kinds(due_changes(indexed, [], now, KEY))
    assert len(published) == len(set(published))
    for a in alerts:
        if (a.alert_id, "resolved") in published:
            assert published.index((a.alert_id, "opened")) < published.index(
                (a.alert_id, "resolved")
            )
        expected_open = a.since <= now
        expected_resolved = a.resolved_at is not None and a.resolved_at <= now and expected_open
        assert ((a.alert_id, "opened") in published) == expected_open
        assert ((a.alert_id, "resolved") in published) == expected_resolved
