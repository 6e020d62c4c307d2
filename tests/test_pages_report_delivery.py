"""The reports pages show each recent half-year's overview as delivered (with the hash),
due, or late: read from the provider's standing `report.delivered` events and the clock."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from api_fixtures import serving
from page_fixtures import sign_in

from api.pages_report import recent_periods
from domain.report.deadline import due
from domain.wire import delivery_event_id
from tests.conftest import lifecycle, messages

A, B = "AGB:12345678", "AGB:87654321"
BODY = "c0ffee00" * 8


def _delivery(provider: str, period: str, law: str, when: datetime) -> dict[str, Any]:
    return {
        "schema": "measure-event/v1",
        "event_id": delivery_event_id(period, law, BODY),
        "provider_id": provider,
        "occurred_at": when.isoformat(),
        "type": "report.delivered",
        "data": {
            "period": period,
            "law": law,
            "body_sha256": BODY,
            "position": 1,
            "checkpoint_id": 1,
        },
    }


def _row(text: str, period: str, law: str) -> str:
    rows = re.findall(r"<tr class=\"(\w+)\">\s*<td>(\w+)</td><td>(\w+)</td>(.*?)</tr>", text, re.S)
    [found] = [f"{state} {rest}" for state, p, lw, rest in rows if (p, lw) == (period, law)]
    return found


def test_the_index_and_the_overview_show_where_each_delivery_stands(tmp_path: Path) -> None:
    now = datetime.now(UTC)
    running, last, earlier = recent_periods(now)[:3]
    late_from = due(last).late_from
    with serving("sqlite", tmp_path, providers=[A, B]) as served:
        counts, _ = served.ledger.submit(
            messages(
                *lifecycle("m1"),
                _delivery(A, last.name, "wzd", late_from),  # the first late instant: late
                _delivery(A, last.name, "wvggz", late_from - timedelta(minutes=1)),  # in time
                _delivery(B, earlier.name, "wzd", late_from),
            )
        )
        assert counts.accepted == 11
        browser = sign_in(served, "A")
        index = browser.get("/reports")
        assert index.status_code == 200, index.text
        assert f"Deliveries of {A}" in index.text and B not in index.text
        delivered = _row(index.text, last.name, "wzd")
        assert delivered.startswith("delivered") and "(late)" in delivered
        assert f"<code>{BODY}</code>" in delivered
        in_time = _row(index.text, last.name, "wvggz")
        assert in_time.startswith("delivered") and "(late)" not in in_time
        expected = "due" if now < late_from else "late"
        assert _row(index.text, last.name, "jeugdwet").startswith(expected)
        assert _row(index.text, running.name, "wzd").startswith("due")
        # B's delivery of `earlier` is B's, not A's
        assert _row(index.text, earlier.name, "wzd").startswith(
            "due" if now < due(earlier).late_from else "late"
        )

        page = browser.get(f"/reports/{last.name}")
        assert page.status_code == 200, page.text
        assert _row(page.text, last.name, "wzd").startswith("delivered")
        assert f"<code>{BODY}</code>" in page.text
