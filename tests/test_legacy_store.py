"""A store written before the packages moved opens, verifies and rebuilds to the same output.

Every stored event names its class by topic (`domain.measure:Measure.Applied`), so moving
`domain/measure.py` would orphan every existing store. The fixture in `data/store-2026-11/`
was written by main at 639f5a3, the last commit with the old layout: 40 synthetic measures
ingested in two files (two signed checkpoints, 15 dead letters), with the status, one
timeline, and a digest of `alerts --all --as-of 2027-01-01` as that code printed them. Its
signing key was never committed; its public key is, so the signatures are checked too.

The alert digest pins rulebook 2026.1, which stays loadable: the digest test judges with it
explicitly (LEDGER_RULEBOOK_VERSION=2026.1), so the old store must still rebuild to exactly
what the old code printed. The active rulebook (2026.2) legitimately judges differently; the
store rebuilds under it too, and an index judged by one version refuses the other until
`rebuild`.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from eventsourcing.utils import resolve_topic

from cli.main import main

DATA = Path(__file__).parent / "data" / "store-2026-11"
EXPECTED: dict[str, Any] = json.loads((DATA / "expected.json").read_text())


@pytest.fixture
def legacy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """A private copy of the old store (tests write to it), and a key path that is not there."""
    shutil.copyfile(DATA / "store.db", tmp_path / "store.db")
    monkeypatch.setenv("LEDGER_KEY_FILE", str(tmp_path / "absent" / "signing.key"))
    return f"sqlite:///{tmp_path / 'store.db'}"


def run(capsys: pytest.CaptureFixture[str], url: str, *argv: str) -> tuple[int, Any]:
    code = main(["--store", url, *argv, "--format", "json"])
    out = capsys.readouterr().out
    return code, json.loads(out) if out.strip() else None


def test_every_stored_topic_still_names_a_class(legacy: str) -> None:
    with sqlite3.connect(legacy.removeprefix("sqlite:///")) as db:
        topics = [t for (t,) in db.execute("SELECT DISTINCT topic FROM stored_events")]
    assert len(topics) == 14  # every event class of both streams is in the fixture
    for topic in topics:
        assert isinstance(resolve_topic(topic), type), topic


def test_old_store_verifies_with_its_exported_public_key(
    legacy: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, report = run(
        capsys, legacy, "verify", "--public-key", str(DATA / "public.pem"), "--no-progress"
    )
    assert code == 0, report
    assert report["intact"] is True
    for field, value in EXPECTED["verify"].items():
        assert report[field] == value, field
    assert report["unsigned_records"] == 0


def test_old_store_rebuilds_to_the_same_views_and_alerts(
    legacy: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LEDGER_RULEBOOK_VERSION", "2026.1")
    code, rebuilt = run(capsys, legacy, "rebuild")
    assert code == 0
    assert rebuilt == {"rebuilt_events": EXPECTED["verify"]["records"]}

    assert run(capsys, legacy, "status") == (0, EXPECTED["status"])
    timeline = EXPECTED["timeline"]
    assert run(capsys, legacy, "timeline", timeline["provider"], timeline["measure"]) == (
        0,
        timeline["entries"],
    )
    code, alerts = run(capsys, legacy, "alerts", "--all", "--as-of", EXPECTED["alerts_as_of"])
    assert code == 0
    by_rule: dict[str, int] = {}
    for alert in alerts:
        by_rule[alert["rule"]] = by_rule.get(alert["rule"], 0) + 1
    assert dict(sorted(by_rule.items())) == EXPECTED["alerts_by_rule"]
    canonical = json.dumps(alerts, sort_keys=True, separators=(",", ":")).encode()
    assert hashlib.sha256(canonical).hexdigest() == EXPECTED["alerts_sha256"]
    code, rejects = run(capsys, legacy, "rejects")
    assert len(rejects) == EXPECTED["rejects"]


def test_old_store_rebuilds_under_the_active_rulebook_and_refuses_to_mix(
    legacy: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Judged by 2026.1, the index refuses a 2026.2 process until a deliberate rebuild; then
    every alert names 2026.2. Nothing in this store sits on a weekend, holiday or DST
    boundary, so the rules fire as before; only the record (the version) differs."""
    monkeypatch.setenv("LEDGER_RULEBOOK_VERSION", "2026.1")
    assert run(capsys, legacy, "rebuild")[0] == 0
    code, before = run(capsys, legacy, "alerts", "--all", "--as-of", EXPECTED["alerts_as_of"])
    late_before = [a for a in before if a["rule"] == "LATE-REGISTRATION"]
    monkeypatch.delenv("LEDGER_RULEBOOK_VERSION")
    code = main(["--store", legacy, "alerts", "--format", "json"])
    assert code != 0
    assert "rulebook 2026.1" in capsys.readouterr().err
    assert run(capsys, legacy, "rebuild") == (0, {"rebuilt_events": EXPECTED["verify"]["records"]})
    code, alerts = run(capsys, legacy, "alerts", "--all", "--as-of", EXPECTED["alerts_as_of"])
    assert code == 0
    assert {alert["rulebook_version"] for alert in alerts} == {"2026.2"}
    by_rule: dict[str, int] = {}
    for alert in alerts:
        by_rule[alert["rule"]] = by_rule.get(alert["rule"], 0) + 1
    late = [a for a in alerts if a["rule"] == "LATE-REGISTRATION"]
    # 2026.2 groups LATE-REGISTRATION: one alert per measure (and per authorisation) naming
    # the same late events 2026.1 raised one alert each for; every other rule as before
    expected = {**EXPECTED["alerts_by_rule"], "LATE-REGISTRATION": len(late)}
    # and 2026.2's half-year overview rules (catalogue 2), new beside the old ones: the old
    # store records no delivery, so one per law with care in its half-year
    overviews = {"WVGGZ-IGJ-OVERVIEW": 1, "WZD-IGJ-OVERVIEW": 1}
    assert {rule: by_rule.pop(rule) for rule in overviews} == overviews
    assert all(a["measure_id"] is None for a in alerts if a["rule"] in overviews)
    assert dict(sorted(by_rule.items())) == expected
    assert EXPECTED["alerts_by_rule"]["LATE-REGISTRATION"] == len(late_before)
    named = [e for a in late for e in a["evidence"]]
    assert sorted(named) == sorted(e for a in late_before for e in a["evidence"])
    measures = [a["measure_id"] for a in late if a["measure_id"] is not None]
    assert len(measures) == len(set(measures))
    assert set(measures) == {a["measure_id"] for a in late_before if a["measure_id"] is not None}
    assert len(late) < len(late_before)


def test_old_store_takes_a_resend_as_duplicates(
    legacy: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The idempotency index written by the old code is the one the new code reads; judged
    with 2026.1, whose fingerprint is unchanged, the old alert index takes it without a
    rebuild."""
    monkeypatch.setenv("LEDGER_RULEBOOK_VERSION", "2026.1")
    code, counts = run(capsys, legacy, "ingest", str(DATA / "part2.jsonl"), "--no-progress")
    assert code == 0
    assert counts == {"accepted": 0, "duplicates": 126, "rejected": 3}
    code, report = run(
        capsys, legacy, "verify", "--public-key", str(DATA / "public.pem"), "--no-progress"
    )
    assert (code, report["head_hash"]) == (0, EXPECTED["verify"]["head_hash"])
