"""`measure-ledger demo`: where it writes, what it may replace, and its options (point 17).

The demo used to delete `measure-ledger-demo.db` without a word, ignore `$LEDGER_STORE`, and
accept `--measures -5` and `--log-level bogus`. Each case runs the real command line in a
subprocess in a fresh directory, like the README's first command on a fresh machine.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import reset_postgres

MEASURES = ["--measures", "12"]


def demo(cwd: Path, *argv: str, env: dict[str, str] | None = None) -> Any:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("LEDGER_")}
    environment |= {"LEDGER_LOG_FORMAT": "json"} | (env or {})
    return subprocess.run(
        [sys.executable, "-m", "cli", *argv],
        cwd=cwd,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def events_in(path: Path) -> int:
    with sqlite3.connect(path) as conn:
        return int(conn.execute("SELECT COUNT(*) FROM ledger_event_keys").fetchone()[0])


def test_first_run_on_a_fresh_machine_and_a_rerun_both_work(tmp_path: Path) -> None:
    """The README's first command; run again, it replaces its own file and says so once."""
    first = demo(tmp_path, "demo", *MEASURES)
    assert first.returncode == 0, first.stderr
    assert "into sqlite:///measure-ledger-demo.db" in first.stdout
    assert "replacing" not in first.stderr
    stored = events_in(tmp_path / "measure-ledger-demo.db")
    again = demo(tmp_path, "demo", *MEASURES)
    assert again.returncode == 0, again.stderr
    said = [ln for ln in again.stderr.splitlines() if "replacing" in ln]
    assert len(said) == 1
    assert "measure-ledger-demo.db" in said[0] and f"{stored} events" in said[0]
    assert events_in(tmp_path / "measure-ledger-demo.db") == stored  # replaced, not appended


@pytest.mark.parametrize("how", ["option", "environment"])
def test_demo_honours_the_named_store(tmp_path: Path, how: str) -> None:
    target = tmp_path / "mine.db"
    url = f"sqlite:///{target}"
    if how == "option":
        result = demo(tmp_path, "--store", url, "demo", *MEASURES)
    else:
        result = demo(tmp_path, "demo", *MEASURES, env={"LEDGER_STORE": url})
    assert result.returncode == 0, result.stderr
    assert events_in(target) > 0
    assert not (tmp_path / "measure-ledger-demo.db").exists()


def test_a_named_store_that_is_not_empty_is_refused_unless_replace(tmp_path: Path) -> None:
    target = tmp_path / "mine.db"
    env = {"LEDGER_STORE": f"sqlite:///{target}"}
    assert demo(tmp_path, "demo", *MEASURES, env=env).returncode == 0
    stored = events_in(target)
    refused = demo(tmp_path, "demo", "--measures", "5", env=env)
    assert refused.returncode == 2 and "Traceback" not in refused.stderr
    assert "is not empty" in refused.stderr and "--replace" in refused.stderr
    assert events_in(target) == stored  # untouched
    replaced = demo(tmp_path, "demo", "--measures", "5", "--replace", env=env)
    assert replaced.returncode == 0, replaced.stderr
    assert f"replacing {target} ({stored} events" in replaced.stderr
    assert 0 < events_in(target) < stored


def test_a_file_that_is_not_a_ledger_is_never_replaced(tmp_path: Path) -> None:
    """`--replace` deletes only a ledger store: any other SQLite file stays as it was."""
    other = tmp_path / "other.db"
    with sqlite3.connect(other) as conn:
        conn.execute("CREATE TABLE notes (text TEXT)")
        conn.execute("INSERT INTO notes VALUES ('keep me')")
    conn.close()
    before = other.read_bytes()
    result = demo(tmp_path, "--store", f"sqlite:///{other}", "demo", "--replace", *MEASURES)
    assert result.returncode == 2 and "not a ledger store" in result.stderr
    assert other.read_bytes() == before


@pytest.mark.postgres
def test_demo_never_drops_a_postgres_ledger(tmp_path: Path, postgres_url: str) -> None:
    reset_postgres(postgres_url)
    env = {"LEDGER_STORE": postgres_url, "LEDGER_KEY_FILE": str(tmp_path / "signing.key")}
    assert demo(tmp_path, "demo", *MEASURES, env=env).returncode == 0
    for replace in ([], ["--replace"]):
        result = demo(tmp_path, "demo", *MEASURES, *replace, env=env)
        assert result.returncode == 2 and "never deletes a PostgreSQL ledger" in result.stderr


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["demo", "--measures", "-5"], "--measures: must be at least 1"),
        (["demo", "--measures", "0"], "--measures: must be at least 1"),
        (["demo", "--measures", "many"], "--measures: not a whole number"),
        (["demo", "--seed", "x"], "--seed"),
        (["--log-level", "bogus", "demo"], "--log-level: invalid choice: 'bogus'"),
        (["--log-format", "xml", "demo"], "--log-format: invalid choice"),
        (["demo", "--format", "csv"], "--format: invalid choice"),
    ],
)
def test_bad_options_are_usage_errors_and_write_nothing(
    tmp_path: Path, argv: list[str], expected: str
) -> None:
    result = demo(tmp_path, *argv)
    assert result.returncode == 2 and expected in result.stderr
    assert "Traceback" not in result.stderr
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("variable", "value"),
    [("LEDGER_LOG_LEVEL", "bogus"), ("LEDGER_LOG_FORMAT", "xml"), ("LEDGER_POLICY", "{bad")],
)
def test_a_bad_setting_in_the_environment_is_named(
    tmp_path: Path, variable: str, value: str
) -> None:
    result = demo(tmp_path, "demo", env={variable: value})
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "bad setting in the environment" in result.stderr
    assert variable.removeprefix("LEDGER_").lower() in result.stderr.lower()
    assert list(tmp_path.iterdir()) == []


def test_log_level_is_taken_in_any_case(tmp_path: Path) -> None:
    result = demo(tmp_path, "--log-level", "WARNING", "demo", *MEASURES)
    assert result.returncode == 0, result.stderr
