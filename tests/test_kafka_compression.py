"""Compressed batches from a real librdkafka producer, through the real ingest loop.

Providers pick their producer's `compression.type`; any of the codecs Kafka defines must be
ingested, because one provider's setting must not stop ingestion for all of them.
"""

from __future__ import annotations

import json
import signal
import subprocess
from typing import Any

import pytest
from kafka import KafkaProducer, codec
from kafka.record.default_records import DefaultRecordBatch

from ledger.service import Ledger
from tests.conftest import lifecycle
from tests.kafka_fixtures import (  # noqa: F401
    Topics,
    broker_fixture,
    committed_offsets,
    consume_command,
    keyed,
    produce,
    produce_damaged_lz4_batch,
    read_topic,
    repo_root,
    run_consumers_fixture,
    settings_for,
    stored_event_ids,
    topics_fixture,
    wait_for,
)

confluent_kafka = pytest.importorskip("confluent_kafka")

pytestmark = pytest.mark.kafka

# kafka-python's codec ids (DefaultRecordBatch.CODEC_*) by librdkafka's name for them.
CODECS = {"gzip": 1, "snappy": 2, "lz4": 3, "zstd": 4}


def produce_compressed(topics: Topics, compression: str, bodies: list[dict[str, Any]]) -> None:
    """Send with librdkafka, batching all of it so the broker holds compressed batches."""
    errors: list[Any] = []
    producer = confluent_kafka.Producer(
        {
            "bootstrap.servers": topics.bootstrap,
            "compression.type": compression,
            "linger.ms": 200,
            "acks": "all",
        }
    )
    for body in bodies:
        producer.produce(
            topics.events,
            key=f"{body['provider_id']}:{body['measure_id']}".encode(),
            value=json.dumps(body).encode(),
            on_delivery=lambda error, _msg: errors.append(error) if error else None,
        )
    assert producer.flush(30) == 0, "not every message was delivered"
    assert errors == []


def test_every_kafka_codec_is_installed_with_the_package() -> None:
    """kafka-python decodes only the codecs whose libraries are importable."""
    assert (codec.has_gzip(), codec.has_snappy(), codec.has_lz4(), codec.has_zstd()) == (
        True,
        True,
        True,
        True,
    )


@pytest.mark.parametrize("compression", sorted(CODECS))
def test_compressed_batches_are_consumed_and_stored(
    compression: str,
    topics: Topics,
    sqlite_url: str,
    run_consumers: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Every event of a compressed stream is stored and committed; the loop decoded batches
    of that codec (so the broker really served them compressed)."""
    seen: set[int] = set()
    decompress = DefaultRecordBatch._maybe_uncompress

    def spy(batch: DefaultRecordBatch) -> None:
        seen.add(batch.compression_type)
        decompress(batch)

    monkeypatch.setattr(DefaultRecordBatch, "_maybe_uncompress", spy)
    bodies = [e for m in range(20) for e in lifecycle(f"m{m}")]
    produce_compressed(topics, compression, bodies)
    _, done = run_consumers(sqlite_url, settings_for(topics, f"codec-{compression}"))
    expected = sorted((b["provider_id"], b["event_id"]) for b in bodies)
    wait_for(lambda: sorted(stored_event_ids(sqlite_url)) == expected, 30, "every event stored")
    run_consumers.stop.set()
    totals = done.result(timeout=15)
    assert (totals.accepted, totals.rejected) == (len(bodies), 0)
    assert CODECS[compression] in seen, f"no {compression} batch reached the consumer"
    assert sum(
        committed_offsets(topics.bootstrap, f"codec-{compression}", topics.events).values()
    ) == len(bodies)


# `consume` in an installation without the zstd library: its batches cannot be decoded.
WITHOUT_ZSTD = (
    "import sys; sys.modules['zstandard'] = None; "
    "from cli.main import main; sys.exit(main(sys.argv[1:]))"
)


@pytest.mark.parametrize("topics", [1], indirect=True)
def test_an_undecodable_batch_is_dead_lettered_offset_by_offset_and_the_loop_goes_on(
    topics: Topics, store_url: str
) -> None:
    """A zstd batch between plain ones, read by a consumer that cannot decode zstd: each of
    its offsets is dead-lettered and copied to the DLQ with its origin and the reason, the
    events around it are stored, every offset is committed, and the process keeps running
    until asked to stop."""
    before = [e for m in range(2) for e in lifecycle(f"a{m}")]
    compressed = [e for m in range(2) for e in lifecycle(f"z{m}")]
    after = [e for m in range(2) for e in lifecycle(f"b{m}")]
    produce(topics.bootstrap, topics.events, keyed(before))
    produce_compressed(topics, "zstd", compressed)
    ends = produce(topics.bootstrap, topics.events, keyed(after))
    first_bad, last_bad = len(before), len(before) + len(compressed) - 1
    command = consume_command(store_url, topics, "undecodable", "--commit-interval", "0")
    command[:3] = ["python", "-c", WITHOUT_ZSTD]
    process = subprocess.Popen(
        command, cwd=repo_root(), stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    try:
        wait_for(
            lambda: committed_offsets(topics.bootstrap, "undecodable", topics.events) == ends,
            60,
            "every offset committed",
        )
        assert process.poll() is None, "the consumer stopped"
        process.send_signal(signal.SIGTERM)
        stdout, stderr = process.communicate(timeout=20)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=10)
    assert process.returncode == 0, stderr.decode(errors="replace")[-1500:]
    totals = json.loads(stdout)
    assert (totals["accepted"], totals["rejected"]) == (len(before) + len(after), len(compressed))
    expected = sorted((b["provider_id"], b["event_id"]) for b in [*before, *after])
    assert sorted(stored_event_ids(store_url)) == expected
    reader = Ledger(store_url)
    try:
        letters = reader.dead_letters.list()
    finally:
        reader.close()
    sources = [f"{topics.events}/0@{offset}" for offset in range(first_bad, last_bad + 1)]
    assert [letter.source for letter in letters] == sources
    assert all("UnsupportedCodecError" in letter.reason for letter in letters)
    dlq = read_topic(topics.bootstrap, topics.dlq, expected=len(compressed), timeout_s=20)
    origins = [{k: v.decode() for k, v in record.headers} for record in dlq]
    assert [int(h["origin_offset"]) for h in origins] == list(range(first_bad, last_bad + 1))
    assert {h["origin_topic"] for h in origins} == {topics.events}
    assert all("could not be decoded" in h["reason"] for h in origins)


@pytest.mark.parametrize("topics", [1], indirect=True)
def test_a_damaged_batch_is_dead_lettered_and_the_loop_goes_on(
    topics: Topics, sqlite_url: str, run_consumers: Any
) -> None:
    """An lz4 batch whose payload is damaged (a codec error with every codec installed),
    between good messages: its offsets are dead-lettered with the codec's error, the rest
    is stored and committed, and the loop is still running."""
    before, after = lifecycle("m1"), lifecycle("m2")
    produce(topics.bootstrap, topics.events, keyed(before))
    produce_damaged_lz4_batch(
        topics.bootstrap, topics.events, [json.dumps(e).encode() for e in lifecycle("m3")[:3]]
    )
    ends = produce(topics.bootstrap, topics.events, keyed(after))
    _, done = run_consumers(sqlite_url, settings_for(topics, "damaged"))
    wait_for(
        lambda: committed_offsets(topics.bootstrap, "damaged", topics.events) == ends,
        30,
        "every offset committed",
    )
    assert not done.done(), "the loop stopped"
    run_consumers.stop.set()
    totals = done.result(timeout=15)
    assert (totals.accepted, totals.rejected) == (len(before) + len(after), 3)
    reader = Ledger(sqlite_url)
    try:
        letters = reader.dead_letters.list()
    finally:
        reader.close()
    first = len(before)
    assert [x.source for x in letters] == [f"{topics.events}/0@{first + n}" for n in range(3)]
    assert all("could not be decoded (RuntimeError: LZ4F" in x.reason for x in letters)
    assert len(read_topic(topics.bootstrap, topics.dlq, expected=3, timeout_s=20)) == 3


@pytest.mark.parametrize("topics", [2], indirect=True)
def test_a_damaged_batch_on_one_partition_does_not_hold_up_the_other(
    topics: Topics, sqlite_url: str, run_consumers: Any
) -> None:
    """The damaged batch on partition 0 and good events on partition 1, fetched by one
    consumer (kafka-python raises at once, or after handing out the other partition's
    records first): both partitions end fully committed."""
    values = [json.dumps(e).encode() for e in lifecycle("m9")[:2]]
    produce_damaged_lz4_batch(topics.bootstrap, topics.events, values)
    good = lifecycle("m1")
    producer = KafkaProducer(bootstrap_servers=topics.bootstrap, acks="all")
    try:
        for body in good:
            producer.send(topics.events, value=json.dumps(body).encode(), partition=1)
        producer.flush(timeout=30)
    finally:
        producer.close(timeout=10)
    ends = {0: 2, 1: len(good)}
    _, done = run_consumers(sqlite_url, settings_for(topics, "two-partitions"))
    wait_for(
        lambda: committed_offsets(topics.bootstrap, "two-partitions", topics.events) == ends,
        30,
        "both partitions committed",
    )
    run_consumers.stop.set()
    totals = done.result(timeout=15)
    assert (totals.accepted, totals.rejected) == (len(good), 2)
