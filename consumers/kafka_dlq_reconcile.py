"""Reconciliation at start: DLQ messages that reached the topic but not the store's record.

The publisher records a dead letter's copy only after the broker acknowledged it, so a crash
between flush and record leaves copies on the DLQ topic the store does not know; without
this, the redelivered malformed message would be published a second time. Every such copy
lies at or after the recorded position of its partition (positions move only here, to the
end this reading saw, and the log only grows), so reading each partition from there to its
end and recording every origin found (its `origin_*` headers) closes the gap before the loop
publishes anything. Several consumers of one group may do this at once: each reads up to the
end it saw, and the positions only move forwards.

"The end" is the high watermark of the fetch responses, as in the feed's reconciliation
(Tansu's ListOffsets answers are not reliable). A DLQ topic that cannot be read to its end
within the time limit stops the consumer before it consumes anything.
"""

from __future__ import annotations

from typing import Any

import structlog
from kafka import KafkaConsumer
from kafka.consumer.fetcher import ConsumerRecord

from consumers.feed_reconcile import ReconcileTimeoutError, read_to_end
from consumers.kafka_dlq import ORIGIN_OFFSET, ORIGIN_PARTITION, ORIGIN_TOPIC, origin_source
from store.dlq_publications import DlqPublications, Published

log = structlog.get_logger("measure_ledger.kafka")


class DlqReconcileTimeoutError(RuntimeError):
    """The DLQ topic could not be read to its end in time: publishing now could duplicate."""


def reconcile_dlq(
    reader: KafkaConsumer,
    publications: DlqPublications,
    dlq_topic: str,
    timeout_s: float = 30.0,
) -> int:
    """Read every DLQ partition from its recorded position to its end; record the origins
    found there as published. Returns how many copies were found."""
    partitions = reader.partitions_for_topic(dlq_topic)
    if not partitions:
        return 0  # no DLQ topic yet: nothing was ever published to it
    start = publications.positions(dlq_topic)
    try:
        found, ends = read_to_end(reader, dlq_topic, partitions, start, timeout_s, _published)
    except ReconcileTimeoutError:
        raise DlqReconcileTimeoutError(
            f"could not read {dlq_topic} to its end within {timeout_s:.0f}s; "
            "not consuming, so that no dead letter is published twice"
        ) from None
    publications.reconciled(dlq_topic, found, ends)
    log.info("dlq reconciled", topic=dlq_topic, found=len(found), ends=ends)
    return len(found)


def _published(record: ConsumerRecord) -> Published | None:
    """The origin a DLQ record is the copy of, or None for a message we did not write."""
    headers = _headers(record.headers)
    try:
        source = origin_source(
            headers[ORIGIN_TOPIC], int(headers[ORIGIN_PARTITION]), int(headers[ORIGIN_OFFSET])
        )
    except (KeyError, ValueError):
        return None
    return Published(source, record.partition, record.offset)


def _headers(headers: Any) -> dict[str, str]:
    return {
        key: bytes(value).decode(errors="replace")
        for key, value in headers or ()
        if value is not None
    }
