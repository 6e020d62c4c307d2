"""Judging the alert index in a second process while the first stores (`ingest` of a file).

The judge refreshes on read snapshots and writes in short transactions; the parent
refreshes once more at the end. Whatever the interleaving, the index must be the one a
store-then-judge run gives, row for row; two judges at once must not write over each
other; and a killed `ingest` must leave no judge running.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from ledger.judging_alongside import ALONGSIDE_FROM_BYTES, judging_alongside
from ledger.service import Ledger
from ledger.settings import Settings
from projections import queries
from projections.alert_index import ALERT_COLUMNS
from synthetic import encode_lines, generate
from tests.conftest import event, messages
from tests.kafka_fixtures import repo_root

BATCH = 400
PROVIDER = "AGB:12345678"
FAR = datetime(9000, 1, 1, tzinfo=UTC)


def _stream(measures: int, seed: int = 11) -> list[bytes]:
    """A year of care in occurrence order: every batch touches measures of earlier ones."""
    events = sorted(
        generate(measures=measures, seed=seed),
        key=lambda e: datetime.fromisoformat(e["occurred_at"]),
    )
    return list(encode_lines(iter(events), malformed_share=0.0, seed=seed))


def _index(ledger: Ledger) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    with ledger.sql.transaction(commit=False) as c:
        alerts = c.execute(
            f"SELECT {', '.join(ALERT_COLUMNS)} FROM view_alerts ORDER BY alert_id"
        ).fetchall()
        deadlines = c.execute(
            "SELECT provider_id, measure_id, next_deadline, next_deadline_rule FROM view_status "
            "ORDER BY provider_id, measure_id"
        ).fetchall()
    status = ("provider_id", "measure_id", "next_deadline", "next_deadline_rule")
    return [_comparable(r) for r in alerts], [tuple(r[n] for n in status) for r in deadlines]


def _comparable(row: Any) -> tuple[Any, ...]:
    """An alert row without what depends on when its events were recorded: the two stores
    record the same lines seconds apart, and a LATE-REGISTRATION opens at the first late
    recording and says how late (the evidence, the late events, must still agree)."""
    values = {n: row[n] for n in ALERT_COLUMNS}
    if values["rule"] == "LATE-REGISTRATION":
        values.update(since=None, since_utc=None, message=None)
    return tuple(values.values())


def _in_turn(lines: list[bytes], url: str) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    ledger = Ledger(url, settings=Settings())
    try:
        for start in range(0, len(lines), BATCH):
            ledger.submit(messages(*lines[start : start + BATCH]))
        ledger.refresh_alerts()
        return _index(ledger)
    finally:
        ledger.close()


@pytest.mark.parametrize("judges", [1, 2])
def test_judged_alongside_the_index_is_the_one_judged_in_turn(
    store_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, judges: int
) -> None:
    monkeypatch.setenv("LEDGER_KEY_FILE", str(tmp_path / "signing.key"))
    lines = _stream(240)
    expected = _in_turn(lines, f"sqlite:///{tmp_path / 'in-turn.db'}")
    settings = Settings()
    ledger = Ledger(store_url, settings=settings)
    try:
        first = judging_alongside(store_url, settings, enabled=True)
        second = judging_alongside(store_url, settings, enabled=judges == 2)
        with first as judge, second:
            assert judge is not None
            half = len(lines) // 2 // BATCH * BATCH
            for start in range(0, half, BATCH):
                ledger.submit(messages(*lines[start : start + BATCH]))
            judged_by = time.monotonic() + 60  # the judge starts (an interpreter) and judges
            while ledger.alert_index.position() == 0:
                assert time.monotonic() < judged_by, "the judge judged nothing while storing"
                time.sleep(0.05)
            for start in range(half, len(lines), BATCH):  # stored while it judges
                ledger.submit(messages(*lines[start : start + BATCH]))
                time.sleep(0.05)  # let the judges take their turns between batches
        assert judge.exitcode == 0
        ledger.refresh_alerts()
        alerts, deadlines = _index(ledger)
        assert ledger.verify_views().equal
    finally:
        ledger.close()
    assert len(alerts) > 100  # the planted problems alert: there is something to compare
    assert alerts == expected[0]
    assert deadlines == expected[1]


def test_a_killed_ingest_leaves_no_judge_running(tmp_path: Path) -> None:
    """`ingest` of a file large enough to judge alongside, killed with SIGKILL mid-file:
    its judge notices that its parent is gone and stops within a refresh."""
    path = tmp_path / "year.jsonl"
    lines, measures = [], 2000
    while sum(map(len, lines)) < ALONGSIDE_FROM_BYTES:
        lines = _stream(measures)
        measures *= 2
    path.write_bytes(b"".join(lines))
    env = {**os.environ, "LEDGER_KEY_FILE": str(tmp_path / "signing.key")}
    store = f"sqlite:///{tmp_path / 'ledger.db'}"
    victim = subprocess.Popen(
        [sys.executable, "-m", "cli", "--store", store, "ingest", str(path), "--no-progress"],
        cwd=repo_root(), env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    judge = _child_of(victim.pid, deadline=time.monotonic() + 30)
    time.sleep(2.0)  # storing and judging under way
    victim.send_signal(signal.SIGKILL)
    victim.wait(timeout=10)
    gone_by = time.monotonic() + 60
    while _running(judge):
        assert time.monotonic() < gone_by, f"the judge (pid {judge}) outlived its ingest"
        time.sleep(0.1)
    # what the kill left is whole batches, and a rerun completes with alerts current
    done = subprocess.run(
        [sys.executable, "-m", "cli", "--store", store, "ingest", str(path), "--no-progress"],
        cwd=repo_root(), env=env, capture_output=True, timeout=600,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr.decode()[-3000:]
    ledger = Ledger(store, settings=Settings())
    try:
        assert ledger.alert_index.position() == ledger.views.position()
        assert ledger.verify_views().equal
    finally:
        ledger.close()


def _child_of(parent: int, deadline: float) -> int:
    while time.monotonic() < deadline:
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit() and _stat(entry.name)[1] == parent:
                return int(entry.name)
        time.sleep(0.05)
    raise AssertionError(f"ingest (pid {parent}) started no judge")


def _running(pid: int) -> bool:
    state, _ = _stat(str(pid))
    return state not in ("", "Z", "X")  # gone, or a zombie waiting to be reaped


def _stat(pid: str) -> tuple[str, int]:
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return "", 0
    fields = text.rsplit(")", 1)[1].split()
    return fields[0], int(fields[1])


def test_a_refresh_overtaken_by_another_judges_again(store_url: str) -> None:
    """Judge A reads its snapshot; before it writes, more events arrive and judge B judges
    them and moves the index past A's chunk. A must not write its older judgement over B's
    (it finds the index moved, or the tracking refuses its smaller position) and the index
    ends where the views are, with B's judgement."""
    applied = event("measure.applied", event_id="m1-a", occurred_at="2026-03-05T10:00:00+01:00",
                    data={})  # fmt: skip
    a, b = Ledger(store_url, settings=Settings()), Ledger(store_url, settings=Settings())
    try:
        a.submit(messages(event(event_id="m1-p"), applied))  # applied with no review: alerts
        overtaken = []
        record_rules = a.alert_index.index.record_rules

        def overtake(c: Any) -> None:
            record_rules(c)
            if not overtaken:  # once: the retraction arrives and B judges it first
                overtaken.append(True)
                retraction = event(
                    "event.retracted", event_id="m1-r", occurred_at="2026-03-06T10:00:00+01:00",
                    data={"retracts_event_id": "m1-a", "reason": "entered on the wrong measure"},
                )  # fmt: skip
                b.submit(messages(retraction))
                b.refresh_alerts()

        a.alert_index.index.record_rules = overtake  # type: ignore[method-assign]
        a.refresh_alerts()
        assert overtaken
        open_now = [
            (x.rule, x.status) for x in queries.alerts(a.sql, FAR, provider_id=PROVIDER)
            if x.rule == "APPLIED-WITHOUT-REVIEW"
        ]  # fmt: skip
        assert open_now == []  # B's judgement stands: the application was retracted
        assert a.alert_index.position() == a.views.position()
    finally:
        a.close()
        b.close()


def test_a_refresh_asked_to_stop_ends_after_its_chunk(store_url: str) -> None:
    """`until` is asked between chunks: a judge told to stop records the chunk it judged
    and leaves the rest to the next refresh, which completes the index."""
    ledger = Ledger(store_url, settings=Settings())
    try:
        ledger.submit(messages(*_stream(30)[:300]))
        ledger.alert_index.chunk = 100
        asked: list[int] = []

        def until() -> bool:
            asked.append(ledger.alert_index.position())
            return True

        ledger.refresh_alerts(until=until)
        assert asked == [100] and ledger.alert_index.position() == 100
        ledger.refresh_alerts()
        assert ledger.alert_index.position() == ledger.views.position()
    finally:
        ledger.close()
