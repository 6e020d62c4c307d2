"""The logging set-up keeps message content out of every log line (see test_kafka_logs.py
for the end-to-end check on a real broker)."""

from __future__ import annotations

import logging

from ledger.logging import WithholdWireData, configure


def test_kafka_loggers_stay_at_info_when_the_ledger_logs_at_debug() -> None:
    """kafka-python's DEBUG lines hold whole record batches: they are never even created."""
    try:
        configure("debug", "json")
        assert logging.getLogger("measure_ledger").getEffectiveLevel() == logging.DEBUG
        assert logging.getLogger("kafka.net.connection").getEffectiveLevel() == logging.INFO
        configure("error", "json")
        assert logging.getLogger("kafka.net.connection").getEffectiveLevel() == logging.ERROR
    finally:
        configure("warning", "console")


def record(name: str, level: int, msg: str, *args: object) -> logging.LogRecord:
    return logging.LogRecord(name, level, __file__, 1, msg, args, None)


def test_library_records_lose_their_bytes_at_any_level() -> None:
    """A library line that still carries bytes (say, a future WARNING with a batch) is kept,
    with the bytes replaced by their size; the ledger's own records pass untouched."""
    withhold = WithholdWireData()
    warning = record("kafka.producer", logging.WARNING, "failed %s: %s", b"cl-7f3a 123456782", 3)
    assert withhold.filter(warning)
    assert warning.getMessage() == "failed <17 bytes withheld>: 3"
    debug = record("kafka.protocol.parser", logging.DEBUG, "Recv: %r", b"cl-7f3a")
    assert not withhold.filter(debug)
    own = record("measure_ledger.kafka", logging.DEBUG, "batch %s", "x")
    assert withhold.filter(own)
    assert own.getMessage() == "batch x"
