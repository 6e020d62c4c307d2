"""Reconciliation at start: account for changes that reached the topic but not the store.

The feed records a batch only after the broker acknowledged all of it, so a crash between
flush and record leaves messages on the topic that the store does not know. Every one of
them sits at or after the partition's recorded position (see consumers/alert_feed.py for
why), so reading each partition from that position to its end and marking every change
found there (its `change-id` header) as published closes the gap before anything new is
published.

"The end" comes from the fetch responses' high watermark, not from ListOffsets: Tansu's
ListOffsets answers are wrong, and the high watermark is what a reader sees anyway. A topic
that cannot be read to its end within the time limit stops the feed: publishing without
knowing what is already there could publish a change twice.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from typing import Any

import structlog
from kafka import KafkaConsumer
from kafka.consumer.fetcher import ConsumerRecord
from kafka.structs import TopicPartition

from domain.feed_changes import parse_change_id
from projections.feed_store import FeedStore, Found

log = structlog.get_logger("measure_ledger.feed")

CHANGE_ID_HEADER = "change-id"


class ReconcileTimeoutError(RuntimeError):
    """The topic could not be read to its end in time; the feed must not start publishing."""


def reconcile(
    consumer: KafkaConsumer,
    store: FeedStore,
    partitions: Iterable[int],
    now: datetime,
    timeout_s: float = 30.0,
) -> int:
    """Read every partition from its recorded position to its end; record what is found.

    Returns how many changes were newly marked as published.
    """
    records, ends = read_to_end(consumer, store.topic, partitions, store.positions(), timeout_s)
    found = [f for f in map(_found, records) if f is not None]
    marked = store.reconciled(found, ends, now)
    log.info("feed reconciled", topic=store.topic, found=len(found), marked=marked, ends=ends)
    return marked


def read_to_end(
    consumer: KafkaConsumer,
    topic: str,
    partitions: Iterable[int],
    start: Mapping[int, int],
    timeout_s: float,
    keep: Callable[[ConsumerRecord], Any] = lambda record: record,
) -> tuple[list[Any], dict[int, int]]:
    """Every record from `start` (per partition; 0 where absent) up to the high watermark.

    Returns what `keep` makes of each record (None: dropped; by default the record itself, so
    a caller that needs only a little of each need not hold whole records) and, per
    partition, the offset after the last one read. A topic that cannot be read to its end
    within `timeout_s` raises `ReconcileTimeoutError`.
    """
    tps = [TopicPartition(topic, p) for p in sorted(partitions)]
    consumer.assign(tps)
    for tp in tps:
        consumer.seek(tp, start.get(tp.partition, 0))
    records: list[Any] = []
    deadline = time.monotonic() + timeout_s
    while True:
        for batch in consumer.poll(timeout_ms=200).values():
            records.extend(kept for kept in map(keep, batch) if kept is not None)
        if _at_end(consumer, tps):
            break
        if time.monotonic() > deadline:
            raise ReconcileTimeoutError(
                f"could not read {topic} to its end within {timeout_s:.0f}s"
            )
    return records, {tp.partition: consumer.position(tp) for tp in tps}


def _at_end(consumer: KafkaConsumer, tps: list[TopicPartition]) -> bool:
    """Every partition fetched at least once and read up to its high watermark."""
    for tp in tps:
        highwater = consumer.highwater(tp)
        if highwater is None or consumer.position(tp) < highwater:
            return False
    return True


def _found(record: ConsumerRecord) -> Found | None:
    """The change a record carries, or None for a message this feed did not write."""
    header = _header(record.headers, CHANGE_ID_HEADER)
    parsed = parse_change_id(header) if header is not None else None
    if parsed is None or record.value is None:
        return None
    alert_id, change = parsed
    return Found(alert_id, change, record.partition, record.offset, record.value.decode())


def _header(headers: Any, name: str) -> str | None:
    for key, value in headers or ():
        if key == name and value is not None:
            return bytes(value).decode(errors="replace")
    return None
