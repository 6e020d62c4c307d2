"""Records kafka-python cannot decode: dead-lettered by offset, never a stop or a crash loop.

With every codec installed (pyproject.toml), a batch still fails to decode when its bytes are
damaged (a CRC or a codec error), when it uses a codec id this client does not know, or when
an installation lacks a codec library. `KafkaConsumer.poll` then raises, and it neither says
which partition failed nor lets the caller move on: the next `poll` spins forever on the
same broken batch unless the position of that partition is moved first (kafka-python 3.0).
Since nothing was committed, a restart would meet the same batch: one provider's odd
producer would stop ingestion for everyone.

So the loop asks the consumer where it failed, dead-letters that offset (no bytes: the
library discards them; the reason names the error), publishes the dead letter to the DLQ
with its origin, and seeks one offset further. A fetch inside a batch returns the whole
batch, so the next `poll` fails on the next offset of the same batch, until the position is
past it; every offset of an undecodable batch thus gets its own dead letter and DLQ
message, and the messages themselves remain in the topic, at those offsets, until its
retention ends — to be read with a client that can decode them.

Where it failed is not in kafka-python's public API: `failed_position` reads the fetcher's
in-line partition records (`_fetcher._next_partition_records`) and trusts them only when they
match the consumer's public position for an assigned partition. When they do not, the
error propagates and the consumer stops without committing, as for any other error.
"""

from __future__ import annotations

import traceback

from kafka import KafkaConsumer
from kafka import errors as kafka_errors
from kafka.structs import TopicPartition

from consumers.kafka_dlq import Origin
from store.dead_letters import DeadLetter

# Errors kafka-python raises while decoding a fetched batch.
DECODE_ERRORS = (kafka_errors.UnsupportedCodecError, kafka_errors.CorruptRecordError)
# The fetcher's generator that decodes batches: an error raised through it (a codec
# library's, the record parser's) is a decode error whatever its type.
DECODING_FUNCTION = "_unpack_records"
MAX_ERROR_TEXT = 200


def is_decode_error(error: BaseException) -> bool:
    """A codec or CRC error, or any other error raised while decoding records; not a broker,
    group or connection error, which still stops the loop."""
    if isinstance(error, DECODE_ERRORS):
        return True
    if not isinstance(error, Exception) or isinstance(error, kafka_errors.KafkaError):
        return False
    frames = traceback.walk_tb(error.__traceback__)
    return any(frame.f_code.co_name == DECODING_FUNCTION for frame, _ in frames)


def failed_position(consumer: KafkaConsumer) -> tuple[TopicPartition, int] | None:
    """The partition and offset whose records the last `poll` failed to decode, or None when
    the consumer does not show one we can trust."""
    fetcher = getattr(consumer, "_fetcher", None)
    records = getattr(fetcher, "_next_partition_records", None)
    tp = getattr(records, "topic_partition", None)
    offset = getattr(records, "next_fetch_offset", None)
    if not isinstance(tp, TopicPartition) or not isinstance(offset, int):
        return None
    if tp not in consumer.assignment() or consumer.position(tp) != offset:
        return None
    return tp, offset


def undecodable_letter(origin: Origin, error: BaseException) -> DeadLetter:
    """The dead letter of one offset that could not be decoded: no bytes, a reason."""
    text = f"{type(error).__name__}: {error}"[:MAX_ERROR_TEXT]
    return DeadLetter(
        source=origin.source,
        reason=(
            f"the record batch holding this offset could not be decoded ({text}); the "
            "message is still in the topic at this offset, for a client that can decode it"
        ),
        raw=b"",
    )
