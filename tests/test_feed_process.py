"""`measure-ledger feed` as a real process: crash after flush, restart, deadlines, SIGTERM."""

from __future__ import annotations

import json
import os
import queue
import signal
import subprocess
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import IO, Any

import pytest
from kafka import KafkaConsumer
from kafka.structs import TopicPartition

from consumers.alert_feed import CRASH_AFTER_FLUSH_ENV, CRASH_EXIT_CODE
from domain.alerts import Alert
from tests.conftest import event
from tests.kafka_fixtures import broker_fixture, repo_root  # noqa: F401
from tests.test_feed import (  # noqa: F401
    KEY,
    alerts_topic_fixture,
    change_ids,
    ingest_without_review,
    key_file_fixture,
    read_all,
    submit,
)

pytestmark = pytest.mark.kafka


class FeedProcess:
    """One `feed` subprocess whose JSON log lines are read on a thread (bounded waits)."""

    def __init__(self, store_url: str, bootstrap: str, topic: str, env: dict[str, str]) -> None:
        command = [
            "python", "-m", "cli", "--store", store_url, "--log-level", "info",
            "--log-format", "json", "feed", "--format", "json",
            "--bootstrap-servers", bootstrap, "--topic", topic,
        ]  # fmt: skip
        self.process = subprocess.Popen(
            command,
            cwd=repo_root(),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env={**os.environ, "PYTHONUNBUFFERED": "1", **env},
        )
        self.lines: queue.Queue[dict[str, Any]] = queue.Queue()
        self.seen: list[dict[str, Any]] = []
        assert self.process.stderr is not None
        threading.Thread(target=self._read, args=(self.process.stderr,), daemon=True).start()

    def _read(self, stream: IO[bytes]) -> None:
        for raw in stream:
            try:
                self.lines.put(json.loads(raw))
            except ValueError:
                self.lines.put({"event": raw.decode(errors="replace").rstrip()})

    def wait_for(self, name: str, timeout_s: float = 20) -> dict[str, Any]:
        """Block until the process logs the event `name`; return that line."""
        deadline = time.monotonic() + timeout_s
        while (remaining := deadline - time.monotonic()) > 0:
            try:
                line = self.lines.get(timeout=min(remaining, 0.5))
            except queue.Empty:
                if self.process.poll() is not None:
                    break
                continue
            self.seen.append(line)
            if line.get("event") == name:
                return line
        pytest.fail(f"feed did not log {name!r} (rc={self.process.poll()}): {self.seen[-60:]}")

    def stop(self, timeout_s: float = 20) -> tuple[int, dict[str, Any]]:
        self.process.send_signal(signal.SIGTERM)
        code = self.process.wait(timeout=timeout_s)
        assert self.process.stdout is not None
        out = self.process.stdout.read().decode()
        return code, json.loads(out) if code == 0 else {}

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)

    def logged_text(self) -> str:
        while not self.lines.empty():
            self.seen.append(self.lines.get_nowait())
        return json.dumps(self.seen)


def test_a_crash_between_flush_and_record_publishes_nothing_twice(
    broker: str, alerts_topic: str, sqlite_url: str, key_file: Path
) -> None:
    """Killed after the flush, before recording: the restart reconciles, then goes on once."""
    decision = ingest_without_review(sqlite_url)
    env = {"LEDGER_FEED_KEY_FILE": str(key_file)}
    crashed = FeedProcess(sqlite_url, broker, alerts_topic, {**env, CRASH_AFTER_FLUSH_ENV: "1"})
    try:
        assert crashed.process.wait(timeout=30) == CRASH_EXIT_CODE
    finally:
        crashed.kill()
    on_topic = change_ids(read_all(broker, alerts_topic))
    assert on_topic, "the crashed feed flushed nothing"

    restarted = FeedProcess(sqlite_url, broker, alerts_topic, env)
    try:
        assert restarted.wait_for("feed reconciled")["marked"] == len(on_topic)
        restarted.wait_for("feed started")
        submit(sqlite_url, *decision)  # withdraws APPLIED-WITHOUT-REVIEW, and more
        batch = restarted.wait_for("feed batch")  # the one log line per batch
        code, totals = restarted.stop()
    finally:
        restarted.kill()
    assert code == 0 and totals["withdrawn"] == 1 and totals["reconciled"] == len(on_topic)
    assert batch["withdrawn"] == 1 and batch["published"] == batch["opened"] + batch["resolved"]
    assert batch["lag_ms"] >= 0 and batch["partitions"]
    again = FeedProcess(sqlite_url, broker, alerts_topic, env)
    try:
        assert again.wait_for("feed reconciled")["marked"] == 0
        again.wait_for("feed started")
        time.sleep(1)  # two passes at least: nothing is due that was not published
        code, totals = again.stop()
    finally:
        again.kill()
    assert (code, totals["opened"] + totals["resolved"]) == (0, 0)
    final = change_ids(read_all(broker, alerts_topic))
    assert len(final) == len(set(final)) > len(on_topic)
    assert KEY.decode() not in restarted.logged_text() + again.logged_text()


def test_a_deadline_alert_is_published_within_2s_and_sigterm_exits_0(
    broker: str, alerts_topic: str, sqlite_url: str, key_file: Path
) -> None:
    """A deadline coming due while the feed runs is on the topic within 2 s; SIGTERM → 0."""
    submit(sqlite_url, event("measure.proposed", event_id="warmup", measure_id="warm"))
    feed = FeedProcess(sqlite_url, broker, alerts_topic, {"LEDGER_FEED_KEY_FILE": str(key_file)})
    try:
        feed.wait_for("feed started")
        due = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=3)
        submit(sqlite_url, *evaluation_due_at(due))
        seen = watch_for_rule(broker, alerts_topic, "EVALUATION-OVERDUE", timeout_s=10)
        code, totals = feed.stop()
    finally:
        feed.kill()
    arrived, alert = seen
    # rulebook 2026.2: overdue from the first instant after the due time
    assert alert.since == due + timedelta(microseconds=1) and alert.status == "open"
    assert arrived - due <= timedelta(seconds=2), f"published {arrived - due} after due"
    assert code == 0 and totals["opened"] >= 1


def evaluation_due_at(due: datetime) -> list[dict[str, Any]]:
    """A Wzd measure in order, whose last evaluation asked for the next one at `due`."""

    def at(days: float) -> str:
        return (due + timedelta(days=days)).isoformat()

    proposed = {
        "framework": "wzd", "category": "seclusion", "setting": "residential",
        "grounds": ["serious_bodily_harm"], "planned_start": at(-2), "planned_end": at(60),
    }  # fmt: skip
    evaluated = {"outcome": "continue", "next_evaluation_due": due.isoformat()}
    steps = [
        ("measure.proposed", -3, proposed),
        ("stappenplan.step_completed", -2.9, None),
        ("review.decided", -2.8, None),
        ("measure.applied", -2, None),
        ("measure.evaluated", -1, evaluated),
    ]
    return [
        event(type_, event_id=f"d-{i}", measure_id="dm", occurred_at=at(days), data=data)
        for i, (type_, days, data) in enumerate(steps, start=1)
    ]


def watch_for_rule(
    bootstrap: str, topic: str, rule: str, timeout_s: float
) -> tuple[datetime, Alert]:
    """Poll the topic from its start; return when the first alert of `rule` arrived, and it."""
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    try:
        parts = [TopicPartition(topic, p) for p in sorted(consumer.partitions_for_topic(topic))]
        consumer.assign(parts)
        consumer.seek_to_beginning(*parts)
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            for batch in consumer.poll(timeout_ms=100).values():
                for record in batch:
                    alert = Alert.model_validate_json(record.value)
                    if alert.rule == rule:
                        return datetime.now(UTC), alert
        pytest.fail(f"no {rule} alert on {topic} within {timeout_s}s")
    finally:
        consumer.close(autocommit=False)
