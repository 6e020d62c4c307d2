"""The command line of CONTRACT §3: outputs, formats and exit codes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from cli.main import build_parser, main
from ledger.settings import Settings
from tests.conftest import event, lifecycle, line


@pytest.fixture
def events_file(tmp_path: Path) -> Path:
    path = tmp_path / "events.jsonl"
    bad = [b"{broken", b"\xff\xfe", b"[]", line({**event(event_id="z"), "extra": 1})]
    body = [line(e) for e in lifecycle()] + bad + [b"", line(event(event_id="q", measure_id="m2"))]
    path.write_bytes(b"\n".join(body) + b"\n")
    return path


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_ingest_json_prints_exactly_the_counts(
    capsys: pytest.CaptureFixture[str], events_file: Path, sqlite_url: str
) -> None:
    """`ingest --format json` prints {"accepted", "duplicates", "rejected"} and exits 0."""
    code, out, _ = run(
        capsys, "--store", sqlite_url, "ingest", str(events_file), "--format", "json"
    )
    assert code == 0
    assert json.loads(out) == {"accepted": 9, "duplicates": 0, "rejected": 4}


def test_second_ingest_reports_every_event_as_duplicate(
    capsys: pytest.CaptureFixture[str], events_file: Path, sqlite_url: str
) -> None:
    """Ingesting the same file twice stores nothing new."""
    run(capsys, "--store", sqlite_url, "ingest", str(events_file))
    _, out, _ = run(capsys, "--store", sqlite_url, "ingest", str(events_file), "--format", "json")
    assert json.loads(out) == {"accepted": 0, "duplicates": 9, "rejected": 4}
    _, out, _ = run(capsys, "--store", sqlite_url, "rejects", "--format", "json")
    assert len(json.loads(out)) == 4  # the bad lines are kept once per origin


def test_rejects_lists_reason_source_and_raw(
    capsys: pytest.CaptureFixture[str], events_file: Path, sqlite_url: str
) -> None:
    """Each rejected line is listed with where it came from, why, and its raw content."""
    run(capsys, "--store", sqlite_url, "ingest", str(events_file))
    code, out, _ = run(capsys, "--store", sqlite_url, "rejects", "--format", "json")
    letters = json.loads(out)
    assert code == 0
    assert [r["source"] for r in letters] == [f"events.jsonl:{n}" for n in (9, 10, 11, 12)]
    assert letters[0]["raw"] == "{broken" and "not JSON" in letters[0]["reason"]
    assert letters[1]["raw"] == "\\xff\\xfe" and "not UTF-8" in letters[1]["reason"]
    assert "extra: unknown field" in letters[3]["reason"]
    code, out, _ = run(capsys, "--store", sqlite_url, "rejects")
    assert "events.jsonl:9" in out and "not JSON" in out


def test_status_and_timeline(
    capsys: pytest.CaptureFixture[str], events_file: Path, sqlite_url: str
) -> None:
    """status lists each measure's phase; timeline lists its events in care order."""
    run(capsys, "--store", sqlite_url, "ingest", str(events_file))
    _, out, _ = run(capsys, "--store", sqlite_url, "status", "--format", "json")
    assert {(r["measure_id"], r["phase"]) for r in json.loads(out)} == {
        ("m1", "ended"),
        ("m2", "proposed"),
    }
    _, out, _ = run(capsys, "--store", sqlite_url, "status", "--provider", "AGB:0")
    assert out.strip() == "(none)"
    _, out, _ = run(
        capsys, "--store", sqlite_url, "timeline", "AGB:12345678", "m1", "--format", "json"
    )
    assert [e["type"] for e in json.loads(out)][:2] == [
        "measure.proposed",
        "stappenplan.step_completed",
    ]
    _, out, _ = run(capsys, "--store", sqlite_url, "timeline", "AGB:12345678", "m1")
    assert "measure.ended" in out.splitlines()[-1]


def test_unknown_measure_is_an_input_error(
    capsys: pytest.CaptureFixture[str], sqlite_url: str, events_file: Path
) -> None:
    """A timeline of a measure the ledger does not hold exits 2 with a message."""
    run(capsys, "--store", sqlite_url, "ingest", str(events_file))
    code, _, err = run(capsys, "--store", sqlite_url, "timeline", "AGB:1", "nope")
    assert code == 2 and "no events" in err


def test_missing_file_is_an_input_error(
    capsys: pytest.CaptureFixture[str], sqlite_url: str
) -> None:
    """A file that cannot be read exits 2."""
    code, _, err = run(capsys, "--store", sqlite_url, "ingest", "/nonexistent.jsonl")
    assert code == 2 and "cannot read" in err


def test_bad_store_url_is_an_input_error(capsys: pytest.CaptureFixture[str]) -> None:
    """An unusable store URL exits 2 and says what is expected."""
    code, _, err = run(capsys, "--store", "mysql://x/y", "status")
    assert code == 2 and "sqlite:///" in err


def test_rebuild(capsys: pytest.CaptureFixture[str], events_file: Path, sqlite_url: str) -> None:
    """rebuild replays every stored event into fresh views."""
    run(capsys, "--store", sqlite_url, "ingest", str(events_file))
    _, before, _ = run(capsys, "--store", sqlite_url, "status", "--format", "json")
    code, out, _ = run(capsys, "--store", sqlite_url, "rebuild", "--format", "json")
    assert code == 0 and json.loads(out)["rebuilt_events"] == 9 + 2
    _, after, _ = run(capsys, "--store", sqlite_url, "status", "--format", "json")
    assert after == before


def test_rebuild_on_one_judging_process_gives_the_same_alerts(
    capsys: pytest.CaptureFixture[str], events_file: Path, sqlite_url: str
) -> None:
    """`rebuild --workers 1` judges in this process alone; `--workers 0` is a usage error."""
    run(capsys, "--store", sqlite_url, "ingest", str(events_file))
    alerts = ("--store", sqlite_url, "alerts", "--all", "--format", "json")
    _, before, _ = run(capsys, *alerts)
    code, out, _ = run(
        capsys, "--store", sqlite_url, "rebuild", "--workers", "1", "--format", "json"
    )
    assert code == 0 and json.loads(out)["rebuilt_events"] == 9 + 2
    assert run(capsys, *alerts)[1] == before and json.loads(before)
    with pytest.raises(SystemExit) as refused:
        run(capsys, "--store", sqlite_url, "rebuild", "--workers", "0")
    assert refused.value.code == 2


def test_every_command_has_help() -> None:
    """Each command documents itself in --help."""
    parser = build_parser(Settings())
    sub = next(a for a in parser._actions if a.dest == "command")
    for name, command_parser in sub.choices.items():  # type: ignore[union-attr]
        assert command_parser.description, name
        assert command_parser.format_help().strip()


def test_usage_error_exits_2() -> None:
    """argparse usage errors exit with 2."""
    with pytest.raises(SystemExit) as exit_:
        main(["no-such-command"])
    assert exit_.value.code == 2


def test_console_script_reads_stdin(tmp_path: Path, events_file: Path) -> None:
    """The installed `measure-ledger` reads `-` from stdin, in a real subprocess."""
    store = f"sqlite:///{tmp_path / 'cli.db'}"
    result = subprocess.run(
        [sys.executable, "-m", "cli", "--store", store, "ingest", "-", "--format", "json"],
        input=events_file.read_bytes(),
        capture_output=True,
        check=False,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {"accepted": 9, "duplicates": 0, "rejected": 4}


def test_policy_from_the_environment_changes_the_judgement(
    capsys: pytest.CaptureFixture[str],
    events_file: Path,
    sqlite_url: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """LEDGER_POLICY overrides a policy period; a store judged otherwise needs a rebuild."""
    run(capsys, "--store", sqlite_url, "ingest", str(events_file))

    def review_overdue_since() -> str:
        _, out, _ = run(
            capsys, "--store", sqlite_url, "alerts", "--all", "--rule", "REVIEW-OVERDUE",
            "--format", "json", "--as-of", "2026-12-31",
        )  # fmt: skip
        [alert] = json.loads(out)
        return alert["since"]

    default = review_overdue_since()
    monkeypatch.setenv("LEDGER_POLICY", '{"review": "21 days"}')
    code, _, err = run(capsys, "--store", sqlite_url, "alerts")
    assert code == 2 and "measure-ledger rebuild" in err
    assert run(capsys, "--store", sqlite_url, "rebuild")[0] == 0
    assert review_overdue_since() > default
    monkeypatch.setenv("LEDGER_POLICY", '{"rule.REVIEW-OVERDUE": "not a bool"}')
    code, _, err = run(capsys, "--store", sqlite_url, "alerts")
    assert code == 2 and "rule.REVIEW-OVERDUE" in err


def test_separate_processes_agree_on_the_rules(tmp_path: Path, events_file: Path) -> None:
    """Two processes (different hash seeds) judge with the same rules: no refusal between them."""
    store = f"sqlite:///{tmp_path / 'two.db'}"
    for seed in ("1", "2"):
        result = subprocess.run(
            [sys.executable, "-m", "cli", "--store", store, "ingest", str(events_file),
             "--format", "json"],
            capture_output=True,
            check=False,
            timeout=60,
            env={**os.environ, "PYTHONHASHSEED": seed},
        )  # fmt: skip
        assert result.returncode == 0, result.stderr


def test_the_alerts_table_puts_the_most_serious_first(
    capsys: pytest.CaptureFixture[str], sqlite_url: str
) -> None:
    """A person reads it top-down: critical before the many low LATE-REGISTRATION rows."""
    from cli.demo import demo_lines
    from ledger.service import Ledger, RawMessage

    ledger = Ledger(sqlite_url)
    ledger.submit([RawMessage(raw, f"d:{i}") for i, raw in enumerate(demo_lines(40, 7), 1)])
    ledger.close()
    code, out, _ = run(
        capsys, "--store", sqlite_url, "--log-format", "console", "alerts", "--as-of",
        "2026-12-31",
    )  # fmt: skip
    assert code == 0
    severities = [line.split()[0] for line in out.splitlines()[1:]]
    order = ["critical", "high", "medium", "low"]
    ranks = [order.index(s) for s in severities]
    assert ranks == sorted(ranks) and len(set(ranks)) >= 2
