"""`serve` on SQLite loads neither kafka-python nor psycopg: its start is mostly imports.

The issue asks `serve` to answer within 2 s of starting; importing kafka-python (every Kafka
command's option parser read its settings at import) and psycopg (eventsourcing.postgres,
imported by the recorders of both stores) cost about a third of a second of that, for a
process that talks to neither. This test runs the real command in a subprocess with a small
hook that writes, when the process exits, which of those modules it had loaded: after start,
a ready check and an API read, so the request paths count as well as the start.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx2 as httpx
import pytest

from tests.test_serve_process import free_port, provider_token

ROOT = Path(__file__).resolve().parents[1]
#: Top-level packages a SQLite `serve` has no use for.
UNWANTED = ("kafka", "psycopg", "psycopg_pool", "psycopg_binary", "eventsourcing.postgres")

HOOK = """
import atexit, json, sys

def _report(path=sys.argv[1]):
    loaded = sorted(name for name in sys.modules if name.startswith({unwanted!r}))
    with open(path, "w") as out:
        json.dump(loaded, out)

atexit.register(_report)
from cli.main import main
sys.exit(main(sys.argv[2:]))
"""


def _wait_for_health(base: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert process.poll() is None, f"serve exited {process.returncode}"
        try:
            if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            time.sleep(0.05)
    pytest.fail("serve did not answer /healthz within 60 s")


@pytest.fixture
def demo_url(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'demo.db'}"
    subprocess.run(
        [sys.executable, "-m", "cli", "--store", url, "demo", "--measures", "20"],
        cwd=ROOT, check=True, capture_output=True, timeout=300,
    )  # fmt: skip
    return url


def test_serve_on_sqlite_imports_no_kafka_and_no_psycopg(demo_url: str, tmp_path: Path) -> None:
    """Started, asked /readyz and an API read, then stopped: no Kafka or PostgreSQL module."""
    token = provider_token(demo_url)
    hook, found = tmp_path / "hook.py", tmp_path / "loaded.json"
    hook.write_text(HOOK.format(unwanted=UNWANTED))
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("LEDGER_FEED_KEY")}
    env |= {"LEDGER_FEED_KEY": "k" * 64, "PYTHONPATH": str(ROOT)}
    command = [sys.executable, str(hook), str(found), "--store", demo_url, "serve"]
    with (tmp_path / "serve.log").open("wb") as log:
        process = subprocess.Popen(
            [*command, "--port", str(port)], cwd=ROOT, env=env, stdout=log, stderr=log
        )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_for_health(base, process)
        ready = httpx.get(f"{base}/readyz", timeout=10)
        measures = httpx.get(
            f"{base}/api/v1/measures", headers={"Authorization": f"Bearer {token}"}, timeout=10
        )
    finally:
        process.send_signal(signal.SIGTERM)
        code = process.wait(timeout=30)
    assert (ready.status_code, measures.status_code, code) == (200, 200, 0)
    assert json.loads(found.read_text()) == []


def test_the_hook_sees_what_a_command_imports(tmp_path: Path) -> None:
    """The same hook does report kafka-python where a command needs it (the test can fail)."""
    hook, found = tmp_path / "hook.py", tmp_path / "loaded.json"
    hook.write_text(HOOK.format(unwanted=UNWANTED))
    env = os.environ | {"PYTHONPATH": str(ROOT)}
    subprocess.run(
        [sys.executable, str(hook), str(found), "--store", f"sqlite:///{tmp_path / 'l.db'}",
         "consume", "--bootstrap-servers", "127.0.0.1:1", "--kafka-option", "linger=1"],
        cwd=ROOT, env=env, capture_output=True, timeout=60,
    )  # fmt: skip
    assert "kafka" in json.loads(found.read_text())
