"""`verify --views`: the views recomputed from the events, compared row by row, on both stores.

Reads trust the views and the hash chain covers only the events, so an edit of a view row
goes straight to the output. Each test stores a synthetic stream with planted problems
(so there are critical alerts and retractions), changes one view row behind the ledger's
back, and runs `measure-ledger verify --views` as an auditor would.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from cli.main import main
from ledger.service import Ledger
from synthetic import generate
from tests.conftest import messages


@pytest.fixture
def stored(store_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Ledger]:
    """40 measures of two providers, a fifth of them with problems, and a correction (one
    application retracted), in three batches."""
    monkeypatch.setenv("LEDGER_KEY_FILE", str(tmp_path / "signing.key"))
    events = generate(40, seed=3, providers=2, problem_share=0.2)
    events.append(_retraction_of(next(e for e in events if e["type"] == "measure.applied")))
    lines = [json.dumps(e).encode() for e in events]
    ledger = Ledger(store_url)
    third = len(lines) // 3
    for chunk in (lines[:third], lines[third : 2 * third], lines[2 * third :]):
        ledger.submit(messages(*chunk))
    ledger.refresh_alerts()
    yield ledger
    ledger.close()


def _retraction_of(applied: dict[str, Any]) -> dict[str, Any]:
    """A provider's correction of `applied`, an hour after it (so views hold a retraction
    whatever the generator draws)."""
    at = datetime.fromisoformat(applied["occurred_at"]) + timedelta(hours=1)
    return {
        **{k: applied[k] for k in ("schema", "provider_id", "client_id", "measure_id")},
        "event_id": f"{applied['event_id']}-retracted",
        "type": "event.retracted",
        "occurred_at": at.isoformat(),
        "data": {"retracts_event_id": applied["event_id"], "reason": "registered twice"},
    }


def verify_views(ledger: Ledger, capsys: pytest.CaptureFixture[str]) -> tuple[int, Any]:
    argv = ["--store", ledger.store.url, "verify", "--views", "--format", "json", "--no-progress"]
    code = main(argv)
    return code, json.loads(capsys.readouterr().out)["views"]


def sql(ledger: Ledger, text: str, params: list[Any] | tuple[Any, ...] = ()) -> list[Any]:
    with ledger.sql.transaction(commit=True) as c:
        c.execute(text, params)
        return c.fetchall() if text.lstrip().upper().startswith("SELECT") else []


def test_untouched_views_compare_equal(stored: Ledger, capsys: pytest.CaptureFixture[str]) -> None:
    code, views = verify_views(stored, capsys)
    assert code == 0, views
    assert views["state"] == "equal"
    assert views["views_position"] == views["alerts_position"] > 0
    tables = ("view_timeline", "view_retractions", "view_status", "view_alert_rulebook")
    counts = {t: sql(stored, f"SELECT COUNT(*) AS n FROM {t}")[0]["n"] for t in tables}
    [alerts] = sql(stored, "SELECT COUNT(*) AS n FROM view_alerts")
    assert min(counts.values()) > 0 and alerts["n"] > 0
    assert views["rows"] == sum(counts.values()) + alerts["n"]  # every row was compared


def test_a_deleted_alert_row_is_named(stored: Ledger, capsys: pytest.CaptureFixture[str]) -> None:
    """Deleting a critical alert hides it from `alerts`; `verify --views` names it."""
    [row] = sql(
        stored,
        "SELECT alert_id FROM view_alerts WHERE severity = 'critical' ORDER BY alert_id LIMIT 1",
    )
    sql(stored, "DELETE FROM view_alerts WHERE alert_id = ?", [row["alert_id"]])
    code, views = verify_views(stored, capsys)
    assert code == 1
    assert views["state"] == "different"
    assert views["difference"] == {
        "table": "view_alerts",
        "key": {"alert_id": row["alert_id"]},
        "column": None,
        "stored": None,
        "recomputed": "row",
    }


def test_an_edited_status_is_named_with_both_values(
    stored: Ledger, capsys: pytest.CaptureFixture[str]
) -> None:
    [row] = sql(
        stored,
        "SELECT provider_id, measure_id, phase FROM view_status "
        "ORDER BY provider_id, measure_id LIMIT 1",
    )
    sql(
        stored,
        "UPDATE view_status SET phase = 'withdrawn' WHERE provider_id = ? AND measure_id = ?",
        [row["provider_id"], row["measure_id"]],
    )
    code, views = verify_views(stored, capsys)
    assert code == 1
    difference = views["difference"]
    assert (difference["table"], difference["column"]) == ("view_status", "phase")
    assert difference["key"] == {"provider_id": row["provider_id"], "measure_id": row["measure_id"]}
    assert (difference["stored"], difference["recomputed"]) == ("withdrawn", row["phase"])


def test_an_edited_timeline_entry_is_named(
    stored: Ledger, capsys: pytest.CaptureFixture[str]
) -> None:
    [row] = sql(stored, "SELECT position FROM view_timeline ORDER BY position LIMIT 1 OFFSET 3")
    edited = "UPDATE view_timeline SET occurred_at = '2020-01-01T00:00:00+00:00' WHERE position = ?"
    sql(stored, edited, [row["position"]])
    code, views = verify_views(stored, capsys)
    assert code == 1
    difference = views["difference"]
    assert (difference["table"], difference["key"], difference["column"]) == (
        "view_timeline",
        {"position": row["position"]},
        "occurred_at",
    )
    assert difference["stored"] == "2020-01-01T00:00:00+00:00"


def test_an_inserted_retraction_is_named(
    stored: Ledger, capsys: pytest.CaptureFixture[str]
) -> None:
    sql(
        stored,
        "INSERT INTO view_retractions VALUES ('AGB:0', 'x', 'y', '2026-01-01T00:00:00+00:00', "
        "'2026-01-01T00:00:00.000000Z', 'hidden')",
    )
    code, views = verify_views(stored, capsys)
    assert code == 1
    assert views["difference"]["table"] == "view_retractions"
    assert views["difference"]["stored"] == "row"


def test_views_behind_the_events_compare_at_their_own_position(
    stored: Ledger, capsys: pytest.CaptureFixture[str]
) -> None:
    """Events stored but not projected yet (or alerts not judged yet) are not a difference."""
    lines = [json.dumps(e).encode() for e in generate(5, seed=11, providers=1)]
    stored.submit(messages(*lines, name="late.jsonl"), project=False)
    code, views = verify_views(stored, capsys)
    assert (code, views["state"]) == (0, "equal")
    stored.catch_up()
    code, views = verify_views(stored, capsys)
    assert (code, views["state"]) == (0, "equal")
    assert views["views_position"] > views["alerts_position"]


def test_views_are_not_compared_over_damaged_events(
    stored: Ledger, capsys: pytest.CaptureFixture[str]
) -> None:
    sql(stored, "DELETE FROM ledger_chain WHERE position = 3")
    code, views = verify_views(stored, capsys)
    assert code == 1
    assert views["state"] == "not checked"


def test_a_tracking_position_moved_ahead_is_named(
    stored: Ledger, capsys: pytest.CaptureFixture[str]
) -> None:
    """Moving the views' position past the last event would hide every event stored next."""
    table = stored.views.tracking_table  # type: ignore[attr-defined]
    [row] = sql(stored, f"SELECT MAX(notification_id) AS n FROM {table}")
    sql(
        stored,
        f"UPDATE {table} SET notification_id = 1000000 WHERE application_name = 'measure_views'",
    )
    [after] = sql(
        stored,
        f"SELECT MAX(notification_id) AS n FROM {table} WHERE application_name = 'measure_views'",
    )
    assert after["n"] == 1000000 and row["n"] < 1000000
    code, views = verify_views(stored, capsys)
    assert code == 1
    difference = views["difference"]
    assert (difference["table"], difference["key"], difference["stored"]) == (
        "tracking",
        {"application_name": "measure_views"},
        1000000,
    )
