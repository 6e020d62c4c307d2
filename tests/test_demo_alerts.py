"""`measure-ledger demo` as its user sees it: the lawful care of the synthetic year raises no
alert but LATE-REGISTRATION; every other open alert is on a measure with a planted problem.

The demo's stream stops at a fixed moment (`cli.demo.DEMO_CUTOFF`) and the summary judges
as of that moment, so what it shows does not depend on the day the test (or the demo) runs:
judged as of "now", the lawful measures still running at the cutoff fell overdue one by one
as the calendar passed their next evaluation. The real command line runs in a subprocess,
and the alerts are read back the way the demo tells its user to (`alerts --as-of`).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from cli.demo import DEMO_CUTOFF
from synthetic import generate


def _cli(cwd: Path, *argv: str) -> Any:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("LEDGER_")}
    result = subprocess.run(
        [sys.executable, "-m", "cli", "--log-level", "WARNING", *argv],
        cwd=cwd,
        env=environment | {"LEDGER_LOG_FORMAT": "json"},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def _measure_of(alert: dict[str, Any]) -> str:
    """The measure an alert is about; an authorisation alert has no measure_id, and the
    generator derives event ids from the measure id (`<measure>-eNN`)."""
    return alert["measure_id"] or alert["evidence"][0].rsplit("-e", 1)[0]


@pytest.mark.parametrize("seed", [7, 42])
def test_the_demos_lawful_care_raises_nothing_but_late_registration(
    tmp_path: Path, seed: int
) -> None:
    """The demo's summary and `alerts --as-of` its moment: only planted measures alert."""
    store = f"sqlite:///{tmp_path / 'demo.db'}"
    summary = _cli(tmp_path, "--store", store, "demo", "--seed", str(seed), "--format", "json")
    assert summary["as_of"] == DEMO_CUTOFF.isoformat()
    as_of = ["--as-of", summary["as_of"]]
    alerts = _cli(tmp_path, "--store", store, "alerts", *as_of, "--format", "json")
    opened = [a for a in alerts if a["status"] == "open"]
    by_rule = Counter(a["rule"] for a in opened)
    assert {r["rule"]: r["open"] for r in summary["open_alerts_by_rule"]} == dict(by_rule)

    _, manifest = generate(measures=300, seed=seed, return_manifest=True)
    planted = {(p.provider_id, p.measure_id) for p in manifest.problems}
    unexplained = [
        (a["rule"], a["measure_id"], a["message"])
        for a in opened
        if a["rule"] != "LATE-REGISTRATION" and (a["provider_id"], _measure_of(a)) not in planted
    ]
    assert unexplained == []
    # 2026H1's overview fell due before the cutoff: the demo delivers it in time, per law
    # with care, so the provider-level rules raise nothing (not even resolved ones)
    delivered = summary["overviews_delivered"]
    assert {d["law"] for d in delivered} >= {"wzd", "wvggz"}
    history = _cli(tmp_path, "--store", store, "alerts", *as_of, "--all", "--format", "json")
    overview_rules = {"WZD-IGJ-OVERVIEW", "WVGGZ-IGJ-OVERVIEW"}
    assert [a for a in history if a["rule"] in overview_rules] == []
    # the check has something to find: the planted problems do show
    assert len({(a["provider_id"], _measure_of(a)) for a in opened}) >= 10
    assert by_rule["NO-LEGAL-BASIS"] and by_rule["STEPPLAN-SKIPPED"]
