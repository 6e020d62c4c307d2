"""Checkpoints leave the provider: `feed` publishes them, `verify --against-topic` checks them.

Against the real broker (Tansu), on both stores: the feed publishes every signed checkpoint
once (also across a lost record, by reconciliation), and a history rewritten and re-signed
— with the ledger's own key, or with a new key and a fresh checkpoints table — verifies
"intact" on its own but fails against what the topic received.
"""

from __future__ import annotations

import itertools
import json
import os
import signal
import subprocess
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer
from kafka.admin import NewTopic

from cli.main import main
from consumers.alert_feed import AlertFeed, FeedSettings
from consumers.checkpoint_topic import checkpoint_of
from ledger.service import Ledger
from store.checkpoints import public_pem
from tests.conftest import lifecycle, messages
from tests.kafka_fixtures import broker_fixture, repo_root, wait_for  # noqa: F401
from tests.tamper_fixtures import key_file, rechain, sql, stored  # noqa: F401 - fixtures, used by name
from tests.test_feed import read_all

pytestmark = pytest.mark.kafka

FEED_KEY = b"0123456789abcdef0123456789abcdef-test-key"
_names = itertools.count(1)


def _topic(broker: str, prefix: str, partitions: int) -> str:
    name = f"{prefix}-{next(_names)}-{os.getpid()}"
    admin = KafkaAdminClient(bootstrap_servers=broker, request_timeout_ms=10_000)
    try:
        admin.create_topics([NewTopic(name, partitions, 1)], timeout_ms=10_000)
    finally:
        admin.close()
    return name


@pytest.fixture
def topics(broker: str) -> tuple[str, str]:
    """(alerts topic, checkpoint topic), fresh for this test."""
    return _topic(broker, "alerts", 3), _topic(broker, "checkpoints", 2)


def run_feed_once(ledger: Ledger, broker: str, topics: tuple[str, str]) -> AlertFeed:
    """Reconcile, then one pass, as the feed process does at start."""
    settings = FeedSettings(bootstrap_servers=broker, topic=topics[0], checkpoint_topic=topics[1])
    producer = KafkaProducer(**settings.producer_config())
    feed = AlertFeed(ledger, producer, settings, FEED_KEY)
    consumer = KafkaConsumer(**settings.consumer_config())
    try:
        feed.reconcile(consumer)
    finally:
        consumer.close(autocommit=False)
    try:
        feed.tick()
    finally:
        producer.close(timeout=10)
    return feed


def verify_topic(
    ledger: Ledger, broker: str, topic: str, capsys: pytest.CaptureFixture[str], *extra: str
) -> tuple[int, Any]:
    argv = ["--store", ledger.store.url, "verify", "--format", "json", "--no-progress"]
    code = main([*argv, "--against-topic", topic, "--bootstrap-servers", broker, *extra])
    out = capsys.readouterr().out
    return code, json.loads(out) if out.strip() else None


def test_every_checkpoint_is_published_once(
    stored: Ledger, broker: str, topics: tuple[str, str]
) -> None:
    feed = run_feed_once(stored, broker, topics)
    assert feed.totals.checkpoints == 2
    records = read_all(broker, topics[1])
    on_topic = [checkpoint_of(r) for r in records]
    ours = stored.checkpoints.all()
    assert [cp.checkpoint_id for cp in on_topic] == [1, 2]
    assert all(a.same_as(b) for a, b in zip(on_topic, ours, strict=True))
    assert {r.partition for r in records} == {records[0].partition}  # one partition, in order
    assert dict(records[0].headers)["checkpoint-id"] == b"1"
    body = json.loads(records[1].value)
    assert body["format"] == "measure-ledger-checkpoint/v1"
    assert set(body) == {
        "format", "position", "head_hash", "created_at", "key_id", "signature",
        "checkpoint_id", "previous",
    }  # fmt: skip

    again = run_feed_once(stored, broker, topics)  # nothing new: nothing published
    assert (again.totals.checkpoints, again.totals.checkpoints_reconciled) == (0, 0)
    stored.submit(messages(*lifecycle("m3")))
    assert run_feed_once(stored, broker, topics).totals.checkpoints == 1
    assert [checkpoint_of(r).checkpoint_id for r in read_all(broker, topics[1])] == [1, 2, 3]


def test_a_lost_record_is_reconciled_not_published_twice(
    stored: Ledger, broker: str, topics: tuple[str, str]
) -> None:
    """Published, then the record lost (a crash between flush and record): found at start."""
    run_feed_once(stored, broker, topics)
    sql(stored, "DELETE FROM feed_checkpoints")
    sql(stored, "DELETE FROM feed_positions WHERE topic = ?", [topics[1]])
    feed = run_feed_once(stored, broker, topics)
    assert (feed.totals.checkpoints_reconciled, feed.totals.checkpoints) == (2, 0)
    assert len(read_all(broker, topics[1])) == 2
    assert [r["recorded_by"] for r in feed.checkpoint_feed.store.published()] == [
        "reconcile",
        "reconcile",
    ]


def test_history_resigned_with_the_ledgers_own_key_fails_against_the_topic(
    stored: Ledger, broker: str, topics: tuple[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    run_feed_once(stored, broker, topics)
    code, report = verify_topic(stored, broker, topics[1], capsys)
    assert (code, report["state"], report["against_checkpoints"]) == (0, "intact", 2)

    sql(stored, "UPDATE {events} SET state = ? WHERE {pos} = 4", [b'{"forged":true}'])
    rechain(stored, forger=stored.checkpoints.key)  # chain recomputed, checkpoints re-signed
    code = main(["--store", stored.store.url, "verify", "--format", "json", "--no-progress"])
    alone = json.loads(capsys.readouterr().out)
    assert (code, alone["state"]) == (0, "intact")  # consistent inside the database

    code, report = verify_topic(stored, broker, topics[1], capsys)
    assert (code, report["state"]) == (1, "damaged")
    assert report["damage"]["checkpoint_id"] == 1
    assert "does not extend checkpoint 1 of the topic" in report["damage"]["problem"]


def test_history_resigned_with_a_new_key_fails_against_the_topic(
    stored: Ledger,
    broker: str,
    topics: tuple[str, str],
    key_file: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """New key, chain recomputed, checkpoints table replaced: the topic still names it."""
    run_feed_once(stored, broker, topics)
    original = tmp_path / "original.pem"
    original.write_text(public_pem(stored.checkpoints.key.public_key()))

    sql(stored, "UPDATE {events} SET state = ? WHERE {pos} = 4", [b'{"forged":true}'])
    rechain(stored)
    sql(stored, "DELETE FROM ledger_checkpoints")
    forger = Ed25519PrivateKey.generate()
    key_file.write_bytes(
        forger.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    assert main(["--store", stored.store.url, "checkpoint"]) == 0  # a fresh checkpoint 1
    capsys.readouterr()
    code = main(["--store", stored.store.url, "verify", "--format", "json", "--no-progress"])
    assert (code, json.loads(capsys.readouterr().out)["state"]) == (0, "intact")

    code, report = verify_topic(stored, broker, topics[1], capsys)
    assert (code, report["damage"]["checkpoint_id"]) == (1, 1)
    assert "checkpoint 1 of the topic" in report["damage"]["problem"]
    assert "not signed by the trusted key" in report["damage"]["problem"]

    code, report = verify_topic(stored, broker, topics[1], capsys, "--public-key", str(original))
    assert (code, report["damage"]["checkpoint_id"]) == (1, 1)
    assert "not signed by the trusted key" in report["damage"]["problem"]


def test_deleted_newest_checkpoints_and_records_fail_against_the_topic(
    stored: Ledger, broker: str, topics: tuple[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    """Cut back to a consistent earlier state: only the outside copy knows it was longer."""
    run_feed_once(stored, broker, topics)
    sql(stored, "DELETE FROM {events} WHERE {pos} > 9")
    sql(stored, "DELETE FROM ledger_chain WHERE position > 9")
    sql(stored, "DELETE FROM ledger_checkpoints WHERE checkpoint_id = 2")
    code = main(["--store", stored.store.url, "verify", "--format", "json", "--no-progress"])
    assert (code, json.loads(capsys.readouterr().out)["state"]) == (0, "intact")
    code, report = verify_topic(stored, broker, topics[1], capsys)
    assert (code, report["damage"]["checkpoint_id"]) == (1, 2)


def test_an_unusable_topic_is_a_usage_error(
    stored: Ledger,
    broker: str,
    topics: tuple[str, str],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Absent, empty, or holding something else: exit 2, the topic named, nothing checked."""

    def refused(topic: str, *extra: str) -> str:
        argv = ["--store", stored.store.url, "verify", "--no-progress", "--against-topic", topic]
        assert main([*argv, *extra]) == 2
        captured = capsys.readouterr()
        assert captured.out == ""
        return captured.err

    assert f"topic {topics[1]} holds no checkpoints" in refused(
        topics[1], "--bootstrap-servers", broker, "--topic-timeout", "10"
    )
    producer = KafkaProducer(bootstrap_servers=broker)
    producer.send(topics[1], value=b"not a checkpoint").get(timeout=10)
    producer.close(timeout=10)
    assert "offset 0 is not a checkpoint" in refused(topics[1], "--bootstrap-servers", broker)
    assert "topic no-such-topic does not exist" in refused(
        "no-such-topic", "--bootstrap-servers", broker
    )
    monkeypatch.delenv("LEDGER_KAFKA_BOOTSTRAP_SERVERS", raising=False)
    assert "needs --bootstrap-servers" in refused(topics[1])


def test_the_feed_process_publishes_checkpoints_to_its_topic(
    sqlite_url: str, key_file: Path, broker: str, topics: tuple[str, str], tmp_path: Path
) -> None:
    """`feed --checkpoint-topic` as a real process; SIGTERM, exit 0, the count in its totals."""
    ledger = Ledger(sqlite_url)
    ledger.submit(messages(*lifecycle("m1")))
    ledger.close()
    (tmp_path / "feed.key").write_bytes(FEED_KEY)
    command = [
        "python", "-m", "cli", "--store", sqlite_url, "feed", "--format", "json",
        "--bootstrap-servers", broker, "--topic", topics[0], "--checkpoint-topic", topics[1],
    ]  # fmt: skip
    env = {**os.environ, "LEDGER_FEED_KEY_FILE": str(tmp_path / "feed.key")}
    process = subprocess.Popen(
        command, cwd=repo_root(), env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    try:
        wait_for(lambda: len(read_all(broker, topics[1], 2)) == 1, 30, "the checkpoint")
        process.send_signal(signal.SIGTERM)
        out, err = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=10)
    assert process.returncode == 0, err.decode()[-2000:]
    assert json.loads(out)["checkpoints"] == 1
