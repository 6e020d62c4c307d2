"""The checkpoint topic's messages, and reading a whole topic back for `verify --against-topic`.

One message per signed checkpoint (docs/kafka.md, "The checkpoint topic"): the value is the
checkpoint as `checkpoint --export` writes it, without the public key (JSON, UTF-8, format
`measure-ledger-checkpoint/v1`); the key is constant, so every checkpoint of a ledger lands
in one partition in id order; the header `checkpoint-id` carries the id.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from kafka import KafkaConsumer
from kafka.consumer.fetcher import ConsumerRecord

from consumers.feed_reconcile import ReconcileTimeoutError, read_to_end
from consumers.kafka_clients import kafka_client
from store.checkpoints import Checkpoint

CHECKPOINT_ID_HEADER = "checkpoint-id"
MESSAGE_KEY = b"measure-ledger-checkpoint"


class CheckpointTopicError(Exception):
    """The topic cannot serve as the outside copy: absent, empty, unreadable or malformed."""


def message(cp: Checkpoint) -> dict[str, Any]:
    """The producer arguments for one checkpoint."""
    return {
        "key": MESSAGE_KEY,
        "value": json.dumps(cp.export(), separators=(",", ":")).encode(),
        "headers": [(CHECKPOINT_ID_HEADER, str(cp.checkpoint_id).encode())],
    }


def checkpoint_of(record: ConsumerRecord) -> Checkpoint:
    """The checkpoint a message carries; ValueError names what is wrong with it."""
    if record.value is None:
        raise ValueError("no value")
    try:
        body = json.loads(record.value)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ValueError(f"not JSON: {error}") from None
    if not isinstance(body, dict):
        raise ValueError("not a checkpoint document")
    cp = Checkpoint.from_export(body)
    if not isinstance(cp.checkpoint_id, int) or not isinstance(cp.position, int):
        raise ValueError("checkpoint_id and position must be integers")
    return cp


def read_checkpoints(
    bootstrap_servers: str,
    topic: str,
    timeout_s: float = 30.0,
    options: Mapping[str, Any] | None = None,
) -> list[Checkpoint]:
    """Every checkpoint on `topic`, read from the start of each partition to its end.

    Bounded by `timeout_s`; a message that is not a checkpoint is an error naming its
    partition and offset — an outside copy with holes in it is not one to check against.
    """
    config = {
        **dict(options or {}),
        "bootstrap_servers": bootstrap_servers.split(","),
        "enable_auto_commit": False,
        "client_id": "measure-ledger-verify",
    }
    consumer = kafka_client(KafkaConsumer, config, "checkpoint topic reader")
    try:
        consumer.topics()  # fetches the cluster's metadata
        partitions = consumer.partitions_for_topic(topic)
        if not partitions:
            raise CheckpointTopicError(f"topic {topic} does not exist or has no partitions")
        try:
            records, _ = read_to_end(consumer, topic, partitions, {}, timeout_s)
        except ReconcileTimeoutError as error:
            raise CheckpointTopicError(str(error)) from None
    finally:
        consumer.close(autocommit=False)
    found = []
    for record in records:
        try:
            found.append(checkpoint_of(record))
        except ValueError as error:
            raise CheckpointTopicError(
                f"{topic} partition {record.partition} offset {record.offset} is not a "
                f"checkpoint: {error}"
            ) from None
    if not found:
        raise CheckpointTopicError(f"topic {topic} holds no checkpoints")
    return found
