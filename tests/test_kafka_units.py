"""The Kafka loop's small policies and the `consume` options, without a broker."""

from __future__ import annotations

import argparse

import pytest
from kafka import errors as kafka_errors
from kafka.structs import TopicPartition

from cli.consume import kafka_option
from cli.main import main
from consumers.kafka_dlq import BadShareLimit, DlqLimitExceededError
from consumers.kafka_guard import ProviderGuard
from consumers.kafka_ingest import IngestSettings
from consumers.kafka_offsets import CommitPolicy, PendingOffsets
from consumers.kafka_undecodable import failed_position, is_decode_error
from ledger.service import RawMessage

TP0, TP1 = TopicPartition("t", 0), TopicPartition("t", 1)


def test_kafka_option_values_are_typed() -> None:
    """Integers, floats, booleans and strings arrive as kafka-python expects them."""
    assert kafka_option("max_poll_interval_ms=3000") == ("max_poll_interval_ms", 3000)
    assert kafka_option("check_crcs=false") == ("check_crcs", False)
    assert kafka_option("security_protocol=SSL") == ("security_protocol", "SSL")
    assert kafka_option("max-poll-records=10") == ("max_poll_records", 10)


@pytest.mark.parametrize("text", ["max_poll_intervall_ms=1", "enable_auto_commit=true", "x"])
def test_kafka_option_rejects_typos_reserved_keys_and_garbage(text: str) -> None:
    """A typo must not pass silently, and the loop's own settings cannot be overridden."""
    with pytest.raises(argparse.ArgumentTypeError):
        kafka_option(text)


def test_unknown_kafka_option_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    """`consume` exits 2 on an unknown --kafka-option, before connecting anywhere."""
    with pytest.raises(SystemExit) as exit_info:
        main(["consume", "--bootstrap-servers", "127.0.0.1:1", "--kafka-option", "nope=1"])
    assert exit_info.value.code == 2
    assert "nope" in capsys.readouterr().err


def test_auto_commit_stays_off_whatever_the_options_say() -> None:
    """The loop commits itself, after storing; no option can turn auto-commit back on."""
    config = IngestSettings("h:1", consumer_options={"enable_auto_commit": True}).consumer_config()
    assert config["enable_auto_commit"] is False
    assert config["group_id"] == "measure-ledger"


def test_bad_share_counts_against_the_whole_window() -> None:
    """A few bad messages at start-up pass; more than the share of a window stops the loop."""
    limit = BadShareLimit(max_share=0.5, window=10)
    limit.record(total=3, bad=3)
    limit.record(total=5, bad=2)
    with pytest.raises(DlqLimitExceededError, match="6 of the last 10"):
        limit.record(total=2, bad=1)


def test_bad_share_window_forgets_old_messages() -> None:
    """Bad messages that slid out of the window no longer count."""
    limit = BadShareLimit(max_share=0.5, window=10)
    limit.record(total=5, bad=5)
    limit.record(total=10, bad=0)
    limit.record(total=5, bad=5)


def test_pending_offsets_only_move_forward_and_are_taken_once() -> None:
    """Offsets queued for commit never go back, and a commit takes them out."""
    pending = PendingOffsets()
    pending.advance({TP0: 10, TP1: 5})
    pending.advance({TP0: 7})
    assert {tp: m.offset for tp, m in pending.take([TP0]).items()} == {TP0: 10}
    assert {tp: m.offset for tp, m in pending.take().items()} == {TP1: 5}
    assert not pending


def test_commit_policy_waits_for_messages_and_time() -> None:
    """Nothing stored, nothing to commit; then the interval or the count decides."""
    now = [0.0]
    policy = CommitPolicy(interval_s=1.0, every_messages=100, clock=lambda: now[0])
    assert not policy.due()
    policy.stored(10)
    assert not policy.due()
    now[0] = 1.5
    assert policy.due()
    policy.committed()
    policy.stored(100)
    assert policy.due()


def test_guard_dead_letters_other_providers_only() -> None:
    """Foreign providers are refused with a reason; malformed input is left to submit."""
    guard = ProviderGuard({"t": frozenset({"AGB:1"})})
    batch = [
        RawMessage(b'{"provider_id": "AGB:1"}', "t/0@0"),
        RawMessage(b'{"provider_id": "AGB:2"}', "t/0@1"),
        RawMessage(b"not json", "t/0@2"),
    ]
    keep, foreign = guard.split("t", batch)
    assert [m.source for m in keep] == ["t/0@0", "t/0@2"]
    assert [(d.source, d.provider_id) for d in foreign] == [("t/0@1", "AGB:2")]
    assert guard.split("other", batch) == (batch, [])


def test_decode_errors_are_told_from_other_kafka_errors() -> None:
    """Codec and CRC errors are decode errors; a broker or group error is not, nor is any
    other error not raised while decoding records (a codec library's error raised while
    decoding is: tests/test_kafka_compression.py, the damaged lz4 batch)."""
    assert is_decode_error(kafka_errors.UnsupportedCodecError("zstd"))
    assert is_decode_error(kafka_errors.CorruptRecordError("crc"))
    assert not is_decode_error(kafka_errors.TopicAuthorizationFailedError())
    assert not is_decode_error(RuntimeError("raised elsewhere"))
    assert not is_decode_error(KeyboardInterrupt())


def test_no_failed_position_without_the_fetcher_state_it_is_read_from() -> None:
    """When kafka-python does not show where a poll failed, nothing is skipped."""

    class Opaque:
        def assignment(self) -> set[TopicPartition]:
            return {TP0}

        def position(self, tp: TopicPartition) -> int:
            return 5

    assert failed_position(Opaque()) is None  # type: ignore[arg-type]
