"""`measure-ledger consume` as a real process: graceful stop, and SIGKILL at random points."""

from __future__ import annotations

import json
import os
import queue
import random
import signal
import subprocess
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

import pytest

from ledger.service import Ledger
from tests.conftest import event, lifecycle
from tests.kafka_fixtures import (  # noqa: F401
    Topics,
    broker_fixture,
    committed_offsets,
    consume_command,
    keyed,
    produce,
    read_topic,
    repo_root,
    stored_event_ids,
    topics_fixture,
    wait_for,
)

pytestmark = pytest.mark.kafka


class Consumer:
    """One `consume` subprocess whose JSON log lines are read on a thread (bounded waits)."""

    def __init__(self, command: list[str]) -> None:
        self.process = subprocess.Popen(
            command,
            cwd=repo_root(),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
        self.lines: queue.Queue[dict[str, Any]] = queue.Queue()
        assert self.process.stderr is not None
        threading.Thread(target=self._read, args=(self.process.stderr,), daemon=True).start()

    def _read(self, stream: IO[bytes]) -> None:
        for raw in stream:
            try:
                self.lines.put(json.loads(raw))
            except ValueError:
                self.lines.put({"event": raw.decode(errors="replace").rstrip()})

    def wait_for_batches(
        self, count: int, timeout_s: float, drained: Callable[[], bool] | None = None
    ) -> None:
        """Block until the process has logged `count` stored batches, or, once `drained()`
        says no more input is coming, until it has been quiet for 2 s (the topic may hold
        fewer batches than `count` by then: a wait for them could never end)."""
        deadline, seen, quiet_since = time.monotonic() + timeout_s, 0, time.monotonic()
        while seen < count:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or self.process.poll() is not None:
                pytest.fail(f"consumer logged {seen} of {count} batches (rc={self.process.poll()})")
            try:
                seen += self.lines.get(timeout=min(remaining, 0.5)).get("event") == "kafka batch"
                quiet_since = time.monotonic()
            except queue.Empty:
                if drained is not None and drained() and time.monotonic() - quiet_since > 2:
                    return

    def wait_for_log(self, event: str, timeout_s: float) -> None:
        """Block until the process logged `event` (e.g. "consuming": its signal handlers
        are in place, so a SIGTERM is a requested stop rather than the default kill)."""
        deadline = time.monotonic() + timeout_s
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or self.process.poll() is not None:
                pytest.fail(f"consumer never logged {event!r} (rc={self.process.poll()})")
            try:
                if self.lines.get(timeout=min(remaining, 0.5)).get("event") == event:
                    return
            except queue.Empty:
                continue

    def stop(self, sig: signal.Signals, timeout_s: float = 20) -> int:
        self.process.send_signal(sig)
        return self.process.wait(timeout=timeout_s)

    def output(self) -> str:
        assert self.process.stdout is not None
        return self.process.stdout.read().decode()


def ids(bodies: list[dict[str, Any]]) -> list[tuple[str, str]]:
    return sorted((b["provider_id"], b["event_id"]) for b in bodies)


def test_sigterm_finishes_the_batch_commits_and_exits_0(topics: Topics, sqlite_url: str) -> None:
    """On SIGTERM the consumer commits what it stored (nothing earlier: long interval), exit 0."""
    bodies = [e for m in range(25) for e in lifecycle(f"m{m}")]
    ends = produce(topics.bootstrap, topics.events, keyed(bodies))
    consumer = Consumer(consume_command(sqlite_url, topics, "graceful", "--commit-interval", "600"))
    try:
        consumer.wait_for_batches(1, timeout_s=30)
        wait_for(lambda: len(stored_event_ids(sqlite_url)) == len(bodies), 20, "all stored")
        assert committed_offsets(topics.bootstrap, "graceful", topics.events) == {}
        assert consumer.stop(signal.SIGTERM) == 0
    finally:
        if consumer.process.poll() is None:
            consumer.process.kill()
    assert committed_offsets(topics.bootstrap, "graceful", topics.events) == ends
    assert json.loads(consumer.output())["accepted"] == len(bodies)


def test_judging_alongside_keeps_the_alerts_current_while_it_consumes(
    topics: Topics, sqlite_url: str
) -> None:
    """With --judge-alongside the alert index reaches what was stored while the consumer
    still runs (no reader refreshed it); the applications without review alert; a stop
    leaves no judge behind."""
    bodies = [e for m in range(25) for e in lifecycle(f"m{m}")]
    applied = "2026-03-05T10:00:00+01:00"
    bodies += [  # applied with no review at all: APPLIED-WITHOUT-REVIEW
        event(event_id="x-p", measure_id="x1"),
        event("measure.applied", event_id="x-a", measure_id="x1", occurred_at=applied, data={}),
    ]
    produce(topics.bootstrap, topics.events, keyed(bodies))
    consumer = Consumer(consume_command(sqlite_url, topics, "judged", "--judge-alongside"))
    try:
        wait_for(lambda: len(stored_event_ids(sqlite_url)) == len(bodies), 30, "all stored")

        def judged() -> bool:
            ledger = Ledger(sqlite_url)
            try:
                return ledger.alert_index.position() == ledger.views.position()
            finally:
                ledger.close()

        wait_for(judged, 30, "alerts judged up to the views while consuming")
        assert consumer.process.poll() is None  # still consuming
        ledger = Ledger(sqlite_url)
        try:
            with ledger.sql.transaction(commit=False) as c:
                rows = c.execute("SELECT rule FROM view_alerts").fetchall()
        finally:
            ledger.close()
        rules = {r["rule"] for r in rows}
        assert "APPLIED-WITHOUT-REVIEW" in rules
        judge = _children(consumer.process.pid)
        assert len(judge) == 1
        assert consumer.stop(signal.SIGTERM) == 0
        assert not [p for p in judge if Path(f"/proc/{p}").exists() and _state(p) not in "ZX"]
    finally:
        if consumer.process.poll() is None:
            consumer.process.kill()


def _children(parent: int) -> list[int]:
    """The processes `parent` spawned with multiprocessing (its judge)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
                spawned = b"spawn_main" in (entry / "cmdline").read_bytes()  # not its tracker
            except OSError:
                continue
            if int(fields[1]) == parent and spawned:
                found.append(int(entry.name))
    return found


def _state(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return "X"


@pytest.mark.slow
@pytest.mark.parametrize("topics", [3], indirect=True)
def test_sigkill_at_random_points_loses_and_duplicates_nothing(
    topics: Topics, sqlite_url: str
) -> None:
    """Killed 5 times mid-stream and restarted: every produced event is stored exactly once."""
    bodies = [e for m in range(375) for e in lifecycle(f"m{m}")]  # 3,000 events
    chunks = [bodies[i : i + 100] for i in range(0, len(bodies), 100)]
    ends: dict[int, int] = {}

    def producer() -> None:
        for chunk in chunks:
            for partition, end in produce(topics.bootstrap, topics.events, keyed(chunk)).items():
                ends[partition] = max(ends.get(partition, 0), end)
            time.sleep(0.3)

    sending = threading.Thread(target=producer)
    sending.start()

    def produced() -> bool:
        return not sending.is_alive()

    command = consume_command(
        sqlite_url, topics, "crash", "--commit-interval", "0.2",
        "--kafka-option", "max_poll_records=150",
    )  # fmt: skip
    chance = random.Random(os.environ.get("KAFKA_CRASH_SEED", time.time_ns()))
    started: list[Consumer] = []
    try:
        for _ in range(5):
            started.append(victim := Consumer(command))
            victim.wait_for_batches(chance.randint(1, 3), timeout_s=30, drained=produced)
            time.sleep(chance.uniform(0, 0.3))  # land inside a batch, or between two
            victim.process.kill()
            victim.process.wait(timeout=10)
        sending.join(timeout=60)
        assert not sending.is_alive(), "producer did not finish"
        started.append(survivor := Consumer(command))
        # The victims may have committed everything already: wait until this one runs its
        # loop, or the SIGTERM below could land before its handlers are installed.
        survivor.wait_for_log("consuming", timeout_s=30)
        wait_for(
            lambda: committed_offsets(topics.bootstrap, "crash", topics.events) == ends,
            40,
            "the last consumer to commit every partition",
        )
        assert survivor.stop(signal.SIGTERM) == 0
    finally:
        sending.join(timeout=60)
        for consumer in started:
            if consumer.process.poll() is None:
                consumer.process.kill()
                consumer.process.wait(timeout=10)
    stored = stored_event_ids(sqlite_url)
    lost = set(ids(bodies)) - set(stored)
    duplicated = len(stored) - len(set(stored))
    assert (len(lost), duplicated) == (0, 0), f"lost {len(lost)}, duplicated {duplicated}"
    assert sorted(stored) == ids(bodies)
    ledger = Ledger(sqlite_url)  # every batch left whole: its chain links, views, checkpoint
    try:
        assert ledger.verify(None).damage is None
        assert ledger.verify_views().equal
    finally:
        ledger.close()


def dlq_origins(topics: Topics, at_least: int) -> list[tuple[str, str, str]]:
    """The origin headers of every DLQ record, read once `at_least` are there (then a little
    longer, so that copies published twice would show)."""
    records = read_topic(topics.bootstrap, topics.dlq, expected=at_least, timeout_s=20)
    records += read_topic(topics.bootstrap, topics.dlq, expected=at_least + 1, timeout_s=2)[
        len(records) :
    ]
    origins = []
    for record in records:
        headers = {k: v.decode() for k, v in record.headers}
        origins.append(
            (headers["origin_topic"], headers["origin_partition"], headers["origin_offset"])
        )
    return origins


def bad_and_good(topics: Topics) -> tuple[list[dict[str, Any]], dict[int, int], int]:
    """Ten lifecycles with twelve malformed messages among them, all in one partition."""
    bodies = [e for m in range(10) for e in lifecycle(f"m{m}")]
    items = keyed(bodies)
    bad = [(b"AGB:12345678:m0", f"not json {i}".encode()) for i in range(12)]
    mixed = [item for pair in zip(items, bad, strict=False) for item in pair] + items[12:]
    mixed = [(b"one-partition", value) for _, value in mixed]
    return bodies, produce(topics.bootstrap, topics.events, mixed), len(bad)


def test_dlq_holds_one_message_per_origin_after_a_crash_before_the_commit(
    topics: Topics, store_url: str
) -> None:
    """SIGKILL after the dead letters reached the DLQ but before any offset was committed:
    the restarted consumer reads them again, stores nothing twice and publishes nothing
    twice."""
    bodies, ends, bad = bad_and_good(topics)
    command = consume_command(
        store_url, topics, "dlq-once", "--commit-interval", "600", "--max-bad-share", "1"
    )
    started = [first := Consumer(command)]
    try:
        first.wait_for_batches(1, timeout_s=30)
        assert len(dlq_origins(topics, bad)) == bad
        assert committed_offsets(topics.bootstrap, "dlq-once", topics.events) == {}
        first.process.kill()
        first.process.wait(timeout=10)
        started.append(second := Consumer(command))
        second.wait_for_batches(1, timeout_s=30)
        assert second.stop(signal.SIGTERM) == 0
    finally:
        for consumer in started:
            if consumer.process.poll() is None:
                consumer.process.kill()
                consumer.process.wait(timeout=10)
    assert committed_offsets(topics.bootstrap, "dlq-once", topics.events) == ends
    origins = dlq_origins(topics, bad)
    assert len(origins) == len(set(origins)) == bad, "one DLQ message per origin"
    assert sorted(stored_event_ids(store_url)) == ids(bodies)
    reader = Ledger(store_url)
    try:
        assert reader.dead_letters.count() == bad
    finally:
        reader.close()


def test_dlq_copies_published_but_not_recorded_are_found_at_restart(
    topics: Topics, store_url: str
) -> None:
    """Killed right after the DLQ flush, before the store recorded the copies: the next
    start reads the DLQ topic, recognises them, and does not publish them again."""
    _, ends, bad = bad_and_good(topics)
    command = consume_command(
        store_url, topics, "dlq-found", "--commit-interval", "600", "--max-bad-share", "1"
    )
    crashing = subprocess.run(
        command,
        cwd=repo_root(),
        capture_output=True,
        timeout=60,
        env={**os.environ, "LEDGER_DLQ_CRASH_AFTER_FLUSH": "1"},
    )
    assert crashing.returncode == 70, crashing.stderr.decode(errors="replace")[-1000:]
    assert len(dlq_origins(topics, bad)) == bad
    assert committed_offsets(topics.bootstrap, "dlq-found", topics.events) == {}
    survivor = Consumer(command)
    try:
        survivor.wait_for_batches(1, timeout_s=30)
        assert survivor.stop(signal.SIGTERM) == 0
    finally:
        if survivor.process.poll() is None:
            survivor.process.kill()
            survivor.process.wait(timeout=10)
    assert committed_offsets(topics.bootstrap, "dlq-found", topics.events) == ends
    origins = dlq_origins(topics, bad)
    assert len(origins) == len(set(origins)) == bad, "one DLQ message per origin"
