"""`measure-ledger feed` on the command line: the key for client_ref, and the options."""

from __future__ import annotations

from pathlib import Path

import pytest

from cli.main import main
from consumers.alert_feed import FeedSettings
from ledger.keys import FeedKeyError, feed_key
from ledger.settings import Settings

GOOD_KEY = "a" * 40
FEED = ["feed", "--bootstrap-servers", "127.0.0.1:1"]  # never reached: it refuses first


@pytest.fixture(autouse=True)
def no_key_in_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LEDGER_FEED_KEY", raising=False)
    monkeypatch.delenv("LEDGER_FEED_KEY_FILE", raising=False)


def run(argv: list[str], sqlite_url: str) -> int:
    return main(["--store", sqlite_url, *argv])


def test_refuses_to_start_without_a_key(sqlite_url: str, capsys: pytest.CaptureFixture) -> None:
    """No key, no feed: exit 2 and a message that says what to set."""
    assert run(FEED, sqlite_url) == 2
    assert "LEDGER_FEED_KEY_FILE" in capsys.readouterr().err


def test_refuses_a_short_key_without_printing_it(
    sqlite_url: str, capsys: pytest.CaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A guessable key would let anyone recompute client_ref; the key is never echoed."""
    monkeypatch.setenv("LEDGER_FEED_KEY", "s3cret-but-short")
    assert run(FEED, sqlite_url) == 2
    err = capsys.readouterr().err
    assert "too short" in err and "s3cret" not in err


def test_refuses_two_key_sources(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A file and an inline key at once is ambiguous: which one hashes the clients?"""
    (tmp_path / "k").write_text(GOOD_KEY)
    monkeypatch.setenv("LEDGER_FEED_KEY_FILE", str(tmp_path / "k"))
    monkeypatch.setenv("LEDGER_FEED_KEY", GOOD_KEY)
    with pytest.raises(FeedKeyError, match="not both"):
        feed_key(Settings())


def test_an_unreadable_key_file_is_a_usage_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The error names the file, not its content."""
    monkeypatch.setenv("LEDGER_FEED_KEY_FILE", str(tmp_path / "missing"))
    with pytest.raises(FeedKeyError, match="missing"):
        feed_key(Settings())


def test_the_key_comes_from_the_file_without_its_newline(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`openssl rand -hex 32 > feed.key` works as it is."""
    (tmp_path / "k").write_text(GOOD_KEY + "\n")
    monkeypatch.setenv("LEDGER_FEED_KEY_FILE", str(tmp_path / "k"))
    assert feed_key(Settings()) == GOOD_KEY.encode()


def test_the_key_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """LEDGER_FEED_KEY is the fallback, and stays hidden in the settings' repr."""
    monkeypatch.setenv("LEDGER_FEED_KEY", GOOD_KEY)
    settings = Settings()
    assert feed_key(settings) == GOOD_KEY.encode()
    assert GOOD_KEY not in repr(settings)


@pytest.mark.parametrize("option", ["acks=0", "max_in_flight_requests_per_connection=5"])
def test_the_delivery_guarantees_cannot_be_overridden(sqlite_url: str, option: str) -> None:
    """acks=all and ordered retries are what exactly-once rests on."""
    with pytest.raises(SystemExit) as stopped:
        run([*FEED, "--kafka-option", option], sqlite_url)
    assert stopped.value.code == 2


def test_an_unknown_kafka_option_is_a_usage_error(sqlite_url: str) -> None:
    """A typo in a producer setting must not pass silently."""
    with pytest.raises(SystemExit) as stopped:
        run([*FEED, "--kafka-option", "linger_msec=5"], sqlite_url)
    assert stopped.value.code == 2


def test_producer_invariants_win_over_options() -> None:
    """Even a settings object built in code keeps acks=all and one request in flight."""
    settings = FeedSettings("127.0.0.1:9092", producer_options={"acks": 0, "linger_ms": 20})
    config = settings.producer_config()
    assert (config["acks"], config["max_in_flight_requests_per_connection"]) == ("all", 1)
    assert config["linger_ms"] == 20
