"""The demo prints the overview of its last full half-year, and its figures are the report's.

The figures are read back the way a user would check them: `report --period 2026H1 --format
json` per provider, summed here by hand from the body (Wvggz clients counted per form from
the client rows), and compared with what the demo printed.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from cli.demo import DELIVERED_PERIOD, DEMO_CUTOFF
from domain.report.period import HalfYear
from tests.test_demo_store import demo


def _run(cwd: Path, *argv: str) -> str:
    result = demo(cwd, "--log-level", "WARNING", *argv)
    assert result.returncode == 0, result.stderr
    return result.stdout


def _expected(report: dict[str, Any]) -> set[tuple[Any, ...]]:
    rows = set()
    for provider_id, p in report["body"]["providers"].items():
        for form, c in p["wzd"]["totals"].items():
            rows.add((provider_id, "wzd", form, c["clients"], c["applications"]))
        clients: dict[str, set[str]] = {}
        given: dict[str, int] = {}
        for by_client in [*p["wvggz"]["locations"].values(), p["wvggz"]["without_location"]]:
            for ref, forms in by_client.items():
                for form, g in forms.items():
                    clients.setdefault(form, set()).add(ref)
                    given[form] = given.get(form, 0) + g["applications"]
        rows |= {(provider_id, "wvggz", f, len(clients[f]), given[f]) for f in clients}
        for form, c in p["jeugdwet"]["totals"].items():
            rows.add((provider_id, "jeugdwet", form, c["young_people"], c["applications"]))
    return rows


def test_the_demo_prints_its_last_full_half_years_overview(tmp_path: Path) -> None:
    # 2026H1 is the last half-year that ended before the cutoff
    assert DELIVERED_PERIOD.end <= DEMO_CUTOFF
    following = HalfYear(DELIVERED_PERIOD.year, 2)
    assert following.end > DEMO_CUTOFF
    store = f"sqlite:///{tmp_path / 'demo.db'}"
    summary = json.loads(_run(tmp_path, "--store", store, "demo", "--format", "json"))
    assert summary["overview"]["period"] == "2026H1"
    printed = {
        (r["provider_id"], r["law"], r["form"], r["clients"], r["applications"])
        for r in summary["overview"]["totals"]
    }
    expected: set[tuple[Any, ...]] = set()
    for provider_id in sorted({r["provider_id"] for r in summary["overview"]["totals"]}):
        report = _run(
            tmp_path,
            "--store",
            store,
            "report",
            "--period",
            "2026H1",
            "--provider",
            provider_id,
            "--format",
            "json",
        )
        expected |= _expected(json.loads(report))
    assert printed == expected
    assert {law for _, law, *_ in printed} == {"wzd", "wvggz", "jeugdwet"}
    # delivered as printed: every provider and law with a row in the overview
    delivered = {(d["provider_id"], d["law"]) for d in summary["overviews_delivered"]}
    assert delivered == {(p, law) for p, law, *_ in printed}


def test_the_demos_table_shows_the_overview_before_the_delivery(tmp_path: Path) -> None:
    store = f"sqlite:///{tmp_path / 'demo.db'}"
    text = _run(tmp_path, "--store", store, "demo", "--measures", "60")
    overview = text.index("The half-year overview of 2026H1 (2026-01-01 to 2026-06-30")
    header = text.index("provider_id   law ", overview)
    assert "clients  measures  applications  emergency" in text[header : header + 200]
    assert overview < text.index("Overviews of 2026H1 delivered on 2026-08-10")
    assert max(len(line) for line in text[overview : text.index("Overviews")].splitlines()) < 110
