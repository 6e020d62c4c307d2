"""The reports pages show each recent half-year's overview as delivered (with the hash),
due, or late: read from the provider's standing `report.delivered` events and the clock."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from api_fixtures import serving
from page_fixtures import sign_in

from api.clock import AMSTERDAM
from api.pages_report import recent_periods
from domain.report.deadline import due
from domain.wire import delivery_event_id
from tests.conftest import event, lifecycle, messages

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


def _care(provider: str, measure: str, start: datetime) -> list[dict[str, Any]]:
    """A Wzd measure proposed, reviewed and applied in the half-year that starts at `start`."""
    at = [(start + timedelta(days=d)).isoformat() for d in (2, 3, 4, 5)]
    kinds = ["measure.proposed", "stappenplan.step_completed", "review.decided", "measure.applied"]
    return [
        event(kind, event_id=f"{measure}-{i}", provider_id=provider, measure_id=measure,
              occurred_at=when)
        for i, (kind, when) in enumerate(zip(kinds, at, strict=True), 1)
    ]  # fmt: skip


def test_the_inspectorate_sees_which_providers_sent_no_overview_by_its_day(
    tmp_path: Path,
) -> None:
    now = datetime.now(UTC)
    period = recent_periods(now)[2]  # two half-years back: its day has always passed
    day = due(period)
    late_sent = day.late_from + timedelta(days=20)
    c = "AGB:11112222"
    with serving("sqlite", tmp_path, providers=[A, B]) as served:
        counts, _ = served.ledger.submit(
            messages(
                *_care(A, "ma", period.start),  # care, no delivery: not delivered
                *_care(B, "mb", period.start),
                _delivery(B, period.name, "wzd", day.late_from - timedelta(hours=1)),  # in time
                *_care(c, "mc", period.start),
                _delivery(c, period.name, "wzd", late_sent),  # after its day
            )
        )
        assert counts.accepted == 14
        served.ledger.refresh_alerts()
        text = sign_in(served, "igj").get("/reports").text
        assert "Overviews not delivered by their day" in text
        table = text[text.index('<table class="overdue">') :]
        table = table[: table.index("</table>")]
        rows = re.findall(r"<tr class=\"(\w+)\">(.*?)</tr>", table, re.S)
        shown = {re.search(r">(AGB:\d+)</a>", body).group(1): (state, body) for state, body in rows}
        assert set(shown) == {A, c}  # B delivered in time
        state, body = shown[A]
        assert state == "open" and "not delivered" in body
        assert f"<td>{period.name}</td><td>wzd</td><td>{day.day.isoformat()}</td>" in body
        assert f'href="/reports/{period.name}?provider=AGB%3A12345678"' in body
        state, body = shown[c]
        assert state == "resolved" and "delivered late" in body
        assert late_sent.astimezone(AMSTERDAM).strftime("%Y-%m-%d") in body
        # a provider sees its own deliveries, not the inspectorate's list
        own = sign_in(served, "A").get("/reports").text
        assert "Overviews not delivered by their day" not in own and c not in own
