"""The Kafka ingest loop against a real broker (Tansu): groups, dead letters, the bad limit."""

from __future__ import annotations

from typing import Any

import pytest

from consumers.kafka_dlq import DlqLimitExceededError
from ledger.service import Ledger
from tests.conftest import event, lifecycle
from tests.kafka_fixtures import (  # noqa: F401
    Topics,
    broker_fixture,
    committed_offsets,
    keyed,
    produce,
    read_topic,
    run_consumers_fixture,
    settings_for,
    stored_event_ids,
    topics_fixture,
    wait_for,
)

pytestmark = pytest.mark.kafka


def many_events(measures: int) -> list[dict[str, Any]]:
    return [e for m in range(measures) for e in lifecycle(f"m{m}")]


def test_two_consumers_in_a_group_store_every_event_once(
    topics: Topics, sqlite_url: str, run_consumers: Any
) -> None:
    """A second consumer joins mid-stream: the first commits on revoke, the partitions are
    shared, and together they store each event exactly once."""
    bodies = many_events(60)
    half = len(bodies) // 2
    only_on_revoke_or_stop = settings_for(topics, "pair", commit_interval_s=600)
    Ledger(sqlite_url).close()  # create the schema once, before two writers race on it
    first, first_done = run_consumers(sqlite_url, only_on_revoke_or_stop)
    ends = produce(topics.bootstrap, topics.events, keyed(bodies[:half]))
    wait_for(lambda: len(stored_event_ids(sqlite_url)) == half, 20, "the first half stored")
    assert committed(topics, "pair") == {}

    second, second_done = run_consumers(sqlite_url, only_on_revoke_or_stop)
    wait_for(
        lambda: bool(first.consumer.assignment()) and bool(second.consumer.assignment()),
        20,
        "the group to rebalance onto both members",
    )
    wait_for(lambda: committed(topics, "pair") == ends, 5, "the commit on revoke")
    for partition, end in produce(topics.bootstrap, topics.events, keyed(bodies[half:])).items():
        ends[partition] = max(ends.get(partition, 0), end)
    wait_for(lambda: len(stored_event_ids(sqlite_url)) == len(bodies), 20, "everything stored")

    run_consumers.stop.set()
    totals = [first_done.result(timeout=15), second_done.result(timeout=15)]
    assert committed(topics, "pair") == ends, "each member committed its share on stop"
    assert sorted(stored_event_ids(sqlite_url)) == sorted(
        (b["provider_id"], b["event_id"]) for b in bodies
    )
    assert all(t.batches > 0 for t in totals), "both members stored batches"


def committed(topics: Topics, group: str) -> dict[int, int]:
    return committed_offsets(topics.bootstrap, group, topics.events)


def test_poison_message_reaches_dlq_topic_and_dead_letter_store(
    topics: Topics, sqlite_url: str, run_consumers: Any
) -> None:
    """A malformed message is stored as a dead letter and copied to the DLQ with its origin."""
    good = lifecycle("m1")
    poison = (b"AGB:12345678:m1", b'{"schema": "measure-event/v1", "event_id": ')
    produce(topics.bootstrap, topics.events, [*keyed(good[:4]), poison, *keyed(good[4:])])
    _, done = run_consumers(sqlite_url, settings_for(topics, "poison"))

    [dlq] = read_topic(topics.bootstrap, topics.dlq, expected=1, timeout_s=20)
    run_consumers.stop.set()
    totals = done.result(timeout=15)

    headers = {k: v.decode() for k, v in dlq.headers}
    assert (dlq.key, dlq.value) == poison
    assert headers["origin_topic"] == topics.events
    reader = Ledger(sqlite_url)
    letters = reader.dead_letters.list()
    reader.close()
    assert [letter.raw for letter in letters] == [poison[1]]
    source = f"{topics.events}/{headers['origin_partition']}@{headers['origin_offset']}"
    assert letters[0].source == source
    assert headers["reason"] == letters[0].reason and headers["reason"]
    assert (totals.accepted, totals.rejected) == (8, 1)
    assert len(stored_event_ids(sqlite_url)) == 8


def test_bad_share_limit_stops_the_loop_without_committing(
    topics: Topics, sqlite_url: str, run_consumers: Any
) -> None:
    """A stream gone bad halts the consumer instead of draining it into the dead letters."""
    bad = [(b"k", f"not json {i}".encode()) for i in range(30)]
    produce(topics.bootstrap, topics.events, bad)
    halting = settings_for(topics, "halt", max_bad_share=0.5, bad_window=20)
    _, done = run_consumers(sqlite_url, halting)
    with pytest.raises(DlqLimitExceededError, match="malformed"):
        done.result(timeout=30)
    assert committed_offsets(topics.bootstrap, "halt", topics.events) == {}


def test_foreign_provider_is_dead_lettered_by_the_guard(
    topics: Topics, sqlite_url: str, run_consumers: Any
) -> None:
    """An event of a provider not allowed on the topic never reaches the event store."""
    mine = event(event_id="own", provider_id="AGB:1")
    foreign = event(event_id="forged", provider_id="AGB:2")
    produce(topics.bootstrap, topics.events, keyed([mine, foreign]))
    _, done = run_consumers(
        sqlite_url, settings_for(topics, "guard", allowed_providers=frozenset({"AGB:1"}))
    )
    [dlq] = read_topic(topics.bootstrap, topics.dlq, expected=1, timeout_s=20)
    run_consumers.stop.set()
    done.result(timeout=15)
    assert b"forged" in dlq.value
    assert "AGB:2" in dict(dlq.headers)["reason"].decode()
    assert stored_event_ids(sqlite_url) == [("AGB:1", "own")]
