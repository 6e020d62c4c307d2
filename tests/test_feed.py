"""`measure-ledger feed` against a real broker (Tansu): exactly once, on time, pseudonymised."""

from __future__ import annotations

import itertools
import json
import re
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer
from kafka.admin import NewTopic
from kafka.structs import TopicPartition

from consumers.alert_feed import AlertFeed, FeedSettings
from domain.alerts import Alert
from domain.feed_changes import client_ref
from ledger.schemas import SCHEMA_DIR
from ledger.service import Ledger
from tests.conftest import lifecycle, messages
from tests.kafka_fixtures import broker_fixture  # noqa: F401

pytestmark = pytest.mark.kafka

KEY = b"0123456789abcdef0123456789abcdef-test-key"
PROVIDER, CLIENT = "AGB:12345678", "cl-001"
# jsonschema checks "format": "date-time" only with an optional extra package installed;
# check it here instead, strictly: RFC 3339, offset required.
RFC3339 = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)")
_names = itertools.count(1)


@pytest.fixture(name="alerts_topic")
def alerts_topic_fixture(broker: str, request: pytest.FixtureRequest) -> str:
    """A fresh `measure-alerts`-like topic with 3 partitions, for this test only."""
    name = f"alerts-{next(_names)}-{request.node.name[:40]}"
    admin = KafkaAdminClient(bootstrap_servers=broker, request_timeout_ms=10_000)
    try:
        admin.create_topics([NewTopic(name, 3, 1)], timeout_ms=10_000)
    finally:
        admin.close()
    return name


@pytest.fixture(name="key_file")
def key_file_fixture(tmp_path: Path) -> Path:
    path = tmp_path / "feed.key"
    path.write_bytes(KEY + b"\n")
    return path


@pytest.fixture
def schema_validator() -> jsonschema.protocols.Validator:
    """The published `measure-alert/v1` schema, with format checks (date-time) on."""
    schema = json.loads((SCHEMA_DIR / "measure-alert-v1.json").read_text(encoding="utf-8"))
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema, format_checker=cls.FORMAT_CHECKER)


def read_all(bootstrap: str, topic: str, timeout_s: float = 10) -> list[Any]:
    """Every record of the topic, read up to each partition's high watermark."""
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    try:
        parts = [TopicPartition(topic, p) for p in sorted(consumer.partitions_for_topic(topic))]
        consumer.assign(parts)
        consumer.seek_to_beginning(*parts)
        records: list[Any] = []
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            for batch in consumer.poll(timeout_ms=200).values():
                records.extend(batch)
            marks = [consumer.highwater(tp) for tp in parts]
            if all(
                m is not None and consumer.position(tp) >= m
                for tp, m in zip(parts, marks, strict=True)
            ):
                return records
        pytest.fail(f"could not read {topic} to its end in {timeout_s}s")
    finally:
        consumer.close(autocommit=False)


def change_ids(records: list[Any]) -> list[str]:
    return [dict(r.headers)["change-id"].decode() for r in records]


def ingest_without_review(store_url: str) -> list[dict[str, Any]]:
    """A Wzd measure applied with no review decision (the decision is returned, held back)."""
    events = lifecycle("m1")
    ledger = Ledger(store_url)
    try:
        ledger.submit(messages(*[e for e in events if e["type"] != "review.decided"]))
    finally:
        ledger.close()
    return [e for e in events if e["type"] == "review.decided"]


def submit(store_url: str, *bodies: dict[str, Any]) -> None:
    ledger = Ledger(store_url)
    try:
        ledger.submit(messages(*bodies, name="late.jsonl"))
    finally:
        ledger.close()


@pytest.fixture
def feed_in_process(
    broker: str, alerts_topic: str, sqlite_url: str
) -> Iterator[tuple[AlertFeed, Ledger]]:
    """An `AlertFeed` with real clients, reconciled and ready to `tick`."""
    settings = FeedSettings(bootstrap_servers=broker, topic=alerts_topic)
    ledger = Ledger(sqlite_url)
    producer = KafkaProducer(**settings.producer_config())
    feed = AlertFeed(ledger, producer, settings, KEY)
    consumer = KafkaConsumer(**settings.consumer_config())
    try:
        feed.reconcile(consumer)
    finally:
        consumer.close(autocommit=False)
    yield feed, ledger
    producer.close(timeout=10)
    ledger.close()


def test_changes_are_published_once_with_keys_and_valid_values(
    feed_in_process: tuple[AlertFeed, Ledger],
    broker: str,
    alerts_topic: str,
    sqlite_url: str,
    schema_validator: jsonschema.protocols.Validator,
) -> None:
    """Keyed by alert_id, valid measure-alert/v1, as of the change, client_ref keyed; once."""
    feed, _ = feed_in_process
    ingest_without_review(sqlite_url)
    published = feed.tick()
    assert feed.tick() == 0
    records = read_all(broker, alerts_topic)
    assert len(records) == published > 0
    assert len(set(change_ids(records))) == len(records)
    expected_ref = client_ref(KEY, PROVIDER, CLIENT)
    for record in records:
        body = json.loads(record.value)
        schema_validator.validate(body)
        for moment in (body["since"], body["resolved_at"]):
            assert moment is None or RFC3339.fullmatch(moment), moment
        alert = Alert.model_validate(body)
        assert record.key == alert.alert_id.encode()
        change = dict(record.headers)["change-id"].decode().rsplit(":", 1)[1]
        assert (alert.status, alert.resolved_at is None) == (
            ("open", True) if change == "opened" else ("resolved", False)
        )
        # a provider's own alert (the half-year overview, no delivery here) names no client
        provider_level = alert.rule in ("WZD-IGJ-OVERVIEW", "WVGGZ-IGJ-OVERVIEW")
        assert alert.client_ref == (None if provider_level else expected_ref)
        assert (alert.measure_id is None) == provider_level
        assert CLIENT.encode() not in record.value
    pairs = zip(records, change_ids(records), strict=True)
    rules = {(json.loads(r.value)["rule"], c.rsplit(":", 1)[1]) for r, c in pairs}
    assert {("APPLIED-WITHOUT-REVIEW", "opened"), ("REVIEW-OVERDUE", "resolved")} <= rules


def test_a_withdrawn_alert_gets_a_final_resolved(
    feed_in_process: tuple[AlertFeed, Ledger], broker: str, alerts_topic: str, sqlite_url: str
) -> None:
    """A late fact shows the condition never held: the feed resolves it, it is not dropped."""
    feed, _ = feed_in_process
    decision = ingest_without_review(sqlite_url)
    feed.tick()
    submit(sqlite_url, *decision)
    learned = datetime.now(UTC)
    feed.tick()
    records = read_all(broker, alerts_topic)
    withdrawn = [r for r in records if dict(r.headers)["change-reason"] == b"withdrawn"]
    assert len(withdrawn) == 1
    body = Alert.model_validate_json(withdrawn[0].value)
    assert (body.rule, body.status) == ("APPLIED-WITHOUT-REVIEW", "resolved")
    assert body.resolved_at is not None and body.resolved_at >= learned - timedelta(seconds=1)
    assert len(set(change_ids(records))) == len(records)
