"""What an operator sees when the store, the broker or an option is wrong (issue 9, point 15).

Each case runs the real command line in a subprocess, as an operator would, and checks the
exit code, the one line that says what is wrong, that no traceback reaches stderr, and the
JSON log line a log collector gets when logs are JSON.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from cli.main import main
from store.dead_letters import DeadLetterStore
from store.sql import SqlRunner
from tests.conftest import event, line
from tests.kafka_fixtures import broker_fixture  # noqa: F401

FEED_KEY = "k" * 40


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def cli(*argv: str, cwd: Path, env: dict[str, str] | None = None, timeout: float = 60) -> Any:
    """The real `measure-ledger`, with JSON logs, in a subprocess."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("LEDGER_", "CIPHER_"))}
    environment |= {"LEDGER_LOG_FORMAT": "json", "LEDGER_KEY_FILE": str(cwd / "signing.key")}
    environment |= env or {}
    return subprocess.run(
        [sys.executable, "-m", "cli", *argv],
        cwd=cwd,
        env=environment,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def refused(result: Any, *expected: str) -> dict[str, Any]:
    """Exit 2, one plain line naming the problem, no traceback; returns the JSON log event."""
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    plain = [ln for ln in result.stderr.splitlines() if ln.startswith("measure-ledger")]
    assert len(plain) == 1, result.stderr
    for text in expected:
        assert text in plain[0], plain[0]
    events = [json.loads(ln) for ln in result.stderr.splitlines() if ln.startswith("{")]
    refusals = [e for e in events if e.get("event") == "command refused"]
    assert len(refusals) == 1, result.stderr
    assert refusals[0]["exit_code"] == 2 and refusals[0]["level"] == "error"
    return refusals[0]


def missing_directory(d: Path) -> Path:
    return d / "no-such-dir" / "ledger.db"


def directory(d: Path) -> Path:
    (d / "a-dir").mkdir()
    return d / "a-dir"


def not_a_database(d: Path) -> Path:
    (d / "x.db").write_bytes(b"not sqlite at all" * 100)
    return d / "x.db"


@pytest.mark.parametrize(
    ("make", "expected"),
    [
        (missing_directory, "does not exist"),
        (directory, "is a directory"),
        (not_a_database, "not a database"),
    ],
    ids=["missing-directory", "directory", "not-a-database"],
)
def test_unopenable_sqlite_store_is_one_line_and_exit_2(
    tmp_path: Path, make: Any, expected: str
) -> None:
    """`ingest` into a path SQLite cannot open names the path and why, not a traceback."""
    path = make(tmp_path)
    events = tmp_path / "events.jsonl"
    events.write_bytes(line(event()) + b"\n")
    result = cli("--store", f"sqlite:///{path}", "ingest", str(events), cwd=tmp_path)
    logged = refused(result, "measure-ledger ingest:", str(path), expected)
    assert str(path) in logged["error"]


def test_unreachable_postgres_is_one_line_and_exit_2(tmp_path: Path) -> None:
    """Nothing listens on the port: the message says so, with the URL but not a password."""
    url = f"postgresql://ledger:s3cret@127.0.0.1:{free_port()}/ledger"
    result = cli("--store", url, "status", cwd=tmp_path)
    refused(result, "cannot connect to the PostgreSQL store", "127.0.0.1", "Connection refused")
    assert "s3cret" not in result.stderr


@pytest.mark.parametrize("command", ["consume", "feed"])
def test_unreachable_broker_gives_up_with_one_line_and_exit_2(tmp_path: Path, command: str) -> None:
    """No broker: the client gives up after bootstrap_timeout_ms (30 s by default; 1 s here)
    and says which brokers it could not reach; no store is created on the way."""
    brokers = f"127.0.0.1:{free_port()}"
    started = time.monotonic()
    result = cli(
        "--store", "sqlite:///ledger.db", command, "--bootstrap-servers", brokers,
        "--kafka-option", "bootstrap_timeout_ms=1000",
        cwd=tmp_path, env={"LEDGER_FEED_KEY": FEED_KEY},
    )  # fmt: skip
    assert time.monotonic() - started < 30
    refused(result, f"measure-ledger {command}:", "cannot reach the Kafka brokers", brokers)
    assert not (tmp_path / "ledger.db").exists()


def test_contradictory_consumer_options_are_a_usage_error(tmp_path: Path) -> None:
    """Options kafka-python accepts one by one but not together are refused before any
    connection, with kafka-python's reason."""
    result = cli(
        "--store", "sqlite:///ledger.db", "consume", "--bootstrap-servers", "127.0.0.1:9",
        "--kafka-option", "request_timeout_ms=100", cwd=tmp_path,
    )  # fmt: skip
    refused(result, "measure-ledger consume:", "invalid Kafka consumer", "request_timeout_ms")
    assert not (tmp_path / "ledger.db").exists()


@pytest.mark.kafka
def test_producer_option_the_broker_cannot_take_is_a_usage_error(
    tmp_path: Path, broker: str
) -> None:
    """kafka-python checks a codec only once it knows the broker: still one line, exit 2."""
    result = cli(
        "--store", "sqlite:///ledger.db", "feed", "--bootstrap-servers", broker,
        "--kafka-option", "compression_type=bogus", cwd=tmp_path,
        env={"LEDGER_FEED_KEY": FEED_KEY},
    )  # fmt: skip
    refused(result, "measure-ledger feed:", "invalid Kafka producer", "bogus")
    assert not (tmp_path / "ledger.db").exists()


def test_malformed_bootstrap_servers_are_a_usage_error(tmp_path: Path) -> None:
    result = cli("consume", "--bootstrap-servers", "localhost", cwd=tmp_path)
    refused(result, "--bootstrap-servers", "HOST:PORT")


def test_negative_rejects_limit_is_a_usage_error_on_both_stores(
    store_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """SQLite read LIMIT -1 as "all rows" and PostgreSQL failed: both now refuse it."""
    events = tmp_path / "events.jsonl"
    events.write_bytes(b"not json\n{\n")
    assert main(["--store", store_url, "ingest", str(events)]) == 0
    capsys.readouterr()
    with pytest.raises(SystemExit) as exit_info:
        main(["--store", store_url, "rejects", "--limit", "-1"])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert "--limit: must be 0 or more" in err and "Traceback" not in err
    assert main(["--store", store_url, "rejects", "--limit", "0", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out) == []
    assert main(["--store", store_url, "rejects", "--limit", "1", "--format", "json"]) == 0
    assert len(json.loads(capsys.readouterr().out)) == 1


def test_dead_letter_store_refuses_a_negative_limit(store_url: str) -> None:
    """Below the command line too, so no caller finds the stores disagreeing."""
    from ledger.service import Ledger

    ledger = Ledger(store_url)
    try:
        letters = DeadLetterStore(SqlRunner(ledger.sql.datastore, ledger.sql.dialect))
        with pytest.raises(ValueError, match="0 or more"):
            letters.list(-1)
    finally:
        ledger.close()


def test_negative_limit_in_a_subprocess_logs_a_json_line(tmp_path: Path) -> None:
    result = cli("rejects", "--limit", "-1", cwd=tmp_path)
    logged = refused(result, "--limit")
    assert logged["command"] == "measure-ledger rejects"


def test_unknown_rule_id_is_a_usage_error_not_an_empty_list(
    store_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`alerts --rule REVIEW-OVERDU` used to print "(none)": as if no such alert existed."""
    events = tmp_path / "events.jsonl"
    events.write_bytes(line(event()) + b"\n")
    assert main(["--store", store_url, "ingest", str(events)]) == 0
    capsys.readouterr()
    assert main(["--store", store_url, "alerts", "--rule", "REVIEW-OVERDU"]) == 2
    err = capsys.readouterr().err
    assert "'REVIEW-OVERDU' is no rule of the rulebook" in err and "REVIEW-OVERDUE" in err
    assert main(["--store", store_url, "alerts", "--rule", "REVIEW-OVERDUE"]) == 0


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["consume", "--bootstrap-servers", "k:9092", "--commit-interval", "-1"], "0 or more"),
        (["consume", "--bootstrap-servers", "k:9092", "--commit-interval", "nan"], "0 or more"),
        (["consume", "--bootstrap-servers", "k:9092", "--group", ""], "--group: must not"),
        (["consume", "--bootstrap-servers", "k:9092", "--topic", " "], "--topic: must not"),
        (["consume", "--bootstrap-servers", "k:9092", "--bad-window", "0"], "at least 1"),
        (["consume", "--bootstrap-servers", "k:99999"], "HOST:PORT"),
        (["feed", "--bootstrap-servers", "k:9092", "--dlq-topic", "x"], "unrecognized"),
        (["checkpoint", "--export", "/no/such/dir/cp.json"], "--export: directory"),
        (["checkpoint", "--public-key", "/no/such/dir/k.pem"], "--public-key: directory"),
    ],
)
def test_out_of_range_options_are_usage_errors_before_anything_runs(
    tmp_path: Path, argv: list[str], expected: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["--store", f"sqlite:///{tmp_path / 'ledger.db'}", *argv])
    assert exit_info.value.code == 2
    assert expected in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []
