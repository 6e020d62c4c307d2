"""`consume` and `feed` as compose runs them: the health file, and the halt's exit code.

The compose healthcheck calls a container unhealthy when `--health-file` is older than a
minute, so the running loops must touch it again and again, not once at start; and compose
must not restart a consumer that halted on bad messages, which it can only rely on if the
halt is exit 1 and says so, once, on stderr and in the JSON log (point 19). Real
subprocesses against the real broker (Tansu).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from consumers.heartbeat import BEAT_EVERY_S, Heartbeat
from tests.kafka_fixtures import (  # noqa: F401
    FAST_GROUP,
    Topics,
    broker_fixture,
    consume_command,
    topics_fixture,
)


def wait_for_file(path: Path, process: subprocess.Popen[bytes], timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while not path.exists():
        if process.poll() is not None:
            pytest.fail(f"exited {process.returncode}: {process.stderr.read().decode()[-2000:]}")  # type: ignore[union-attr]
        if time.monotonic() > deadline:
            pytest.fail(f"{path} was not touched within {timeout_s} s")
        time.sleep(0.1)


def beats_while_running(command: list[str], health: Path, env: dict[str, str]) -> None:
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env={**os.environ, **env}
    )
    try:
        wait_for_file(health, process, timeout_s=30)
        health.unlink()
        wait_for_file(health, process, timeout_s=BEAT_EVERY_S + 10)  # beaten again
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=30) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=10)


@pytest.mark.kafka
@pytest.mark.slow
def test_consume_keeps_its_health_file_fresh(
    topics: Topics, sqlite_url: str, tmp_path: Path
) -> None:
    health = tmp_path / "alive"
    command = consume_command(sqlite_url, topics, "health", "--health-file", str(health))
    beats_while_running([sys.executable, *command[1:]], health, {})


@pytest.mark.kafka
@pytest.mark.slow
def test_feed_keeps_its_health_file_fresh(topics: Topics, sqlite_url: str, tmp_path: Path) -> None:
    health = tmp_path / "alive"
    command = [
        sys.executable, "-m", "cli", "--store", sqlite_url, "--log-format", "json", "feed",
        "--bootstrap-servers", topics.bootstrap, "--topic", topics.events,
        "--health-file", str(health),
    ]  # fmt: skip
    beats_while_running(command, health, {"LEDGER_FEED_KEY": "k" * 40})


def test_a_heartbeat_is_throttled_and_a_no_op_without_a_path(tmp_path: Path) -> None:
    Heartbeat(None).beat()  # nothing to touch, nothing raised
    path = tmp_path / "alive"
    beat = Heartbeat(str(path), every_s=3600)
    beat.beat()
    first = path.stat().st_mtime_ns
    path.unlink()
    beat.beat()  # within the hour: not touched again
    assert not path.exists() and first > 0


def test_a_health_file_in_a_missing_directory_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from cli.main import main

    with pytest.raises(SystemExit) as exit_info:
        main(["consume", "--bootstrap-servers", "k:9092", "--health-file", str(tmp_path / "x/y")])
    assert exit_info.value.code == 2
    assert "--health-file: directory" in capsys.readouterr().err


@pytest.mark.kafka
def test_the_bad_share_halt_exits_1_with_one_line_and_a_json_log_line(
    topics: Topics, sqlite_url: str
) -> None:
    """The halt compose must not restart: exit 1, said once on stderr and once as JSON."""
    from tests.kafka_fixtures import produce

    produce(topics.bootstrap, topics.events, [(None, b"not json")] * 8)
    command = consume_command(
        sqlite_url, topics, "halt", "--max-bad-share", "0.5", "--bad-window", "4"
    )
    result = subprocess.run(
        [sys.executable, *command[1:]], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    plain = [ln for ln in result.stderr.splitlines() if ln.startswith("measure-ledger")]
    assert len(plain) == 1 and plain[0].startswith("measure-ledger consume: halted:")
    logged = [json.loads(ln) for ln in result.stderr.splitlines() if ln.startswith("{")]
    refusals = [e for e in logged if e.get("event") == "command refused"]
    assert len(refusals) == 1 and refusals[0]["exit_code"] == 1
