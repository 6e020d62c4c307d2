"""What the pages show: the measure page's axis and timeline, the alert page, integrity,
rejects, the Europe/Amsterdam clock, and templates without inline style or script.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from api_fixtures import Served, fill, key_file, serve, served  # noqa: F401
from fastapi.testclient import TestClient
from markupsafe import escape
from page_fixtures import AMSTERDAM, Objects, ab, api, browsers, pages_of, sign_in  # noqa: F401

from api import time_axis
from api.schemas import Authorisation, TimelineEntry
from domain.alerts import Alert
from ledger.service import Ledger, RawMessage


def test_the_measure_page_draws_its_axis_and_highlights_the_alerts_evidence(
    served: Served, ab: tuple[Objects, Objects], browsers: dict[str, TestClient]
) -> None:
    o = ab[0]
    alert = o.alert
    html = browsers["A"].get(pages_of(o)["measure with alert"]).text
    svg = re.search(r"<svg [^>]*class=\"axis\".*?</svg>", html, re.S)
    assert svg is not None and 'class="month"' in svg.group(0)
    timeline = api(served, "A", f"/api/v1/measures/{o.provider}/{o.measure}")["timeline"]
    retracts = {e["event_id"]: e["data"].get("retracts_event_id") for e in timeline}
    for event_id in alert["evidence"]:
        assert re.search(rf'<tr id="e-{re.escape(event_id)}" class="[^"]*evidence', html)
        drawn = retracts.get(event_id) or event_id  # a retraction is drawn on its target
        assert re.search(rf'class="mark [^"]*evidence[^"]*" data-event="{drawn}"', html)
    assert f'data-alert="{alert["alert_id"]}"' in html
    book = served.ledger.alert_index.index.rulebook
    assert escape(book.rules[alert["rule"]].source) in html and alert["rulebook_version"] in html
    plain = browsers["A"].get(pages_of(o)["measure"]).text
    assert 'class="mark' in plain and 'evidence"' not in plain.split("<svg")[1].split("</svg>")[0]


def test_times_are_shown_on_the_amsterdam_clock_with_their_date(
    served: Served, ab: tuple[Objects, Objects], browsers: dict[str, TestClient]
) -> None:
    o = ab[0]
    timeline = api(served, "A", f"/api/v1/measures/{o.provider}/{o.measure}")["timeline"]
    html = browsers["A"].get(pages_of(o)["measure"]).text
    for e in timeline[:5]:
        for stamp in (e["occurred_at"], e["recorded_at"]):
            shown = datetime.fromisoformat(stamp).astimezone(AMSTERDAM)
            assert shown.strftime("%Y-%m-%d %H:%M %Z") in html
        assert e["recorded_at"] not in html  # the stored UTC text stays in the JSON
    assert re.search(r"\d{4}-\d\d-\d\d \d\d:\d\d CES?T", html)


def test_late_registration_is_visible_with_its_delay(
    ab: tuple[Objects, Objects], browsers: dict[str, TestClient]
) -> None:
    html = browsers["A"].get(pages_of(ab[0])["measure"]).text
    assert re.search(r'<tr id="e-[^"]+" class="[^"]*late', html)
    assert re.search(r"late: \d+ d( \d+ h)? after", html)


def test_the_alert_page_has_its_sentence_article_and_a_link_to_its_evidence(
    served: Served, ab: tuple[Objects, Objects], browsers: dict[str, TestClient]
) -> None:
    o = ab[0]
    a = o.alert
    html = browsers["A"].get(pages_of(o)["alert"]).text
    assert escape(a["message"]) in html
    assert escape(served.ledger.alert_index.index.rulebook.rules[a["rule"]].source) in html
    assert f"?alert={a['alert_id']}" in html
    since = datetime.fromisoformat(a["since"]).astimezone(AMSTERDAM)
    assert since.strftime("%Y-%m-%d %H:%M %Z") in html
    assert all(f'id="e-{e}"' in html for e in a["evidence"])
    listed = browsers["A"].get("/alerts", params={"all": "true"}).text
    assert f'href="/alerts/{a["alert_id"]}"' in listed


def test_the_checkpoint_download_is_the_apis_body(
    served: Served, browsers: dict[str, TestClient]
) -> None:
    page = browsers["A"].get("/integrity").text
    assert (
        'href="/integrity/checkpoint.json"' in page and 'href="/integrity/public-key.pem"' in page
    )
    download = browsers["A"].get("/integrity/checkpoint.json")
    assert download.headers["content-disposition"].startswith("attachment")
    assert download.json() == api(served, "A", "/api/v1/checkpoint")
    pem = browsers["igj"].get("/integrity/public-key.pem")
    assert (
        pem.text
        == served.client.get("/api/v1/checkpoint/public-key", headers=served.as_("igj")).text
    )


def test_integrity_and_overview_say_when_verify_last_ran(
    served: Served, browsers: dict[str, TestClient]
) -> None:
    from datetime import UTC, datetime

    before = served.ledger.verify_runs.latest()
    if before is None:
        assert "Not run on this store yet" in browsers["A"].get("/integrity").text
        assert "never run" in browsers["A"].get("/").text
    served.ledger.verify_runs.record(
        datetime(2026, 11, 30, 23, 30, tzinfo=UTC), "intact", 7, 7, None
    )
    page = browsers["A"].get("/integrity").text
    assert "2026-12-01 00:30:00 CET" in page and "<strong>intact</strong>" in page
    assert "2026-12-01 00:30 CET: intact" in browsers["igj"].get("/").text


# -- a ledger with corrections and many rejects (its own: the shared one is read-only) --------
@pytest.fixture(scope="module")
def corrected(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Served, str, str]]:
    tmp = tmp_path_factory.mktemp("corrected")
    with key_file(tmp / "signing.key"):
        ledger = Ledger(f"sqlite:///{tmp / 'ledger.db'}")
    try:
        providers = fill(ledger, measures=12)
        s = serve(ledger, providers)
        with ledger.sql.transaction(commit=False) as c:
            row = c.execute(
                "SELECT ref, event_id, client_id FROM view_timeline WHERE provider_id = ? "
                "AND type = 'measure.applied' ORDER BY position LIMIT 1",
                [providers[0]],
            ).fetchone()
        measure, target = row["ref"], row["event_id"]
        retraction = {
            "schema": "measure-event/v1",
            "event_id": f"{target}-retraction",
            "provider_id": providers[0],
            "measure_id": measure,
            "client_id": row["client_id"],
            "type": "event.retracted",
            "occurred_at": "2026-10-01T10:00:00+02:00",
            "actor": {"role": "administrator", "id": "ad-1"},
            "data": {"retracts_event_id": target, "reason": "registered twice"},
        }
        reused = [
            {**retraction, "data": {"retracts_event_id": target, "reason": f"copy {n}"}}
            for n in range(55)
        ]
        lines = [json.dumps(e).encode() for e in (retraction, *reused)]
        ledger.submit([RawMessage(raw, f"fix.jsonl:{n}") for n, raw in enumerate(lines, 1)])
        ledger.refresh_alerts()
        with s.client:
            yield s, measure, target
    finally:
        ledger.close()


def test_a_retracted_event_is_struck_through_beside_its_retraction(
    corrected: tuple[Served, str, str],
) -> None:
    s, measure, target = corrected
    html = sign_in(s, "A").get(f"/measures/{s.providers[0]}/{measure}").text
    rows = re.findall(r'<tr id="e-([^"]+)" class="([^"]*)"', html)
    ids = [r[0] for r in rows]
    at = ids.index(target)
    assert "retracted" in rows[at][1].split()
    assert ids[at + 1] == f"{target}-retraction" and "retraction" in rows[at + 1][1].split()
    assert "registered twice" in html
    assert re.search(rf'class="mark [^"]*retracted" data-event="{re.escape(target)}"', html)


def test_rejects_are_the_providers_own_and_paged(corrected: tuple[Served, str, str]) -> None:
    s, _, _ = corrected
    browser = sign_in(s, "A")
    first = browser.get("/rejects").text
    assert first.count('<pre class="raw">') == 50 and "fix.jsonl:" in first
    older = re.search(r'<a rel="next" href="([^"]+)"', first)
    assert older is not None
    rest = browser.get(older.group(1).replace("&amp;", "&")).text
    assert rest.count('<pre class="raw">') == 5 and 'rel="next"' not in rest
    theirs = sign_in(s, "B").get("/rejects").text
    assert "fix.jsonl:" not in theirs


# -- the time axis on its own: a pure function --------------------------------------------------
def _entry(n: int, type_: str, at: str, **data: Any) -> TimelineEntry:
    return TimelineEntry(
        position=n,
        event_id=f"e{n}",
        type=type_,
        occurred_at=at,
        recorded_at=at,
        actor_role=None,
        actor_id=None,
        data=data,
        retracted_by=None,
        retracted_at=None,
        retraction_reason=None,
    )


def test_the_axis_escapes_every_text_and_ticks_amsterdam_months() -> None:
    entries = [
        _entry(1, "measure.proposed", "2026-02-20T10:00:00+01:00"),
        _entry(
            2, "measure.applied", "2026-03-29T01:30:00+01:00", ended_at="2026-03-29T04:00+02:00"
        ),
        _entry(3, "measure.ended", "2026-04-10T12:00:00+02:00", reason="afgebouwd"),
    ]
    order = Authorisation(
        provider_id="P",
        authorization_id='<script>alert("x")</script>',
        kind="zorgmachtiging",
        valid_from="2026-01-01T00:00:00+01:00",
        valid_until="2026-12-31T00:00:00+01:00",
        covers=None,
        ended_at=None,
        end_reason=None,
    )
    alert = Alert(
        alert_id="a1",
        rule="NO-LEGAL-BASIS",
        severity="critical",
        status="open",
        provider_id="P",
        measure_id="M",
        framework="wzd",
        category="seclusion",
        since=datetime(2026, 3, 29, 0, 30, tzinfo=UTC),
        resolved_at=None,
        rulebook_version="2026.2",
        message="m",
        evidence=("e2",),
    )
    now = datetime(2026, 12, 1, tzinfo=UTC)
    svg = time_axis.draw(entries, [alert], [order], now=now, selected="a1")
    assert "<script" not in svg and "&lt;script&gt;" in svg
    assert svg.startswith("<svg ") and svg.endswith("</svg>") and "style=" not in svg
    assert re.findall(r'class="month">([^<]+)<', svg) == ["Mar 2026", "Apr"]
    ticks = time_axis.month_ticks(
        datetime(2026, 2, 20, tzinfo=UTC), datetime(2026, 4, 2, tzinfo=UTC)
    )
    assert [t.astimezone(AMSTERDAM).strftime("%d %H:%M") for t, _ in ticks] == ["01 00:00"] * 2
    assert ticks[1][0].utcoffset() == timedelta(hours=2)  # April starts on summer time
    assert 'class="mark bar evidence" data-event="e2"' in svg
    assert 'class="alert critical selected"' in svg
    assert time_axis.draw(entries, [alert], [order], now=now) == time_axis.draw(
        entries, [alert], [order], now=now
    )


def test_templates_carry_no_inline_style_or_script() -> None:
    for path in sorted((Path(__file__).parents[1] / "api" / "templates").glob("*.html")):
        text = path.read_text().lower()
        assert "style=" not in text and "<script" not in text and "<style" not in text, path


# -- the overview's "falls due": one read of 30 days, split ------------------------------------
def test_the_overview_splits_one_read_of_30_days_into_7_and_30() -> None:
    """A deadline exactly 7 days ahead (written with another offset) is in both windows."""
    from api.pages import due_windows

    as_of = datetime(2026, 6, 1, 10, 0, tzinfo=UTC)
    due = [
        {"measure_id": "m1", "next_deadline": "2026-06-02T12:00:00+02:00"},
        {"measure_id": "m2", "next_deadline": "2026-06-08T12:00:00+02:00"},  # 10:00Z: 7 days
        {"measure_id": "m3", "next_deadline": "2026-06-08T10:01:00+00:00"},
        {"measure_id": "m4", "next_deadline": "2026-07-01T10:00:00+00:00"},
    ]
    windows = [(label, [r["measure_id"] for r in rows]) for label, rows in due_windows(due, as_of)]
    assert windows == [
        ("Next 7 days", ["m1", "m2"]),
        ("Next 30 days", ["m1", "m2", "m3", "m4"]),
    ]


def test_the_overview_lists_what_two_reads_of_7_and_30_days_would(
    served: Served, browsers: dict[str, TestClient]
) -> None:
    """The counts on the page are those of `due` read for each window on its own."""
    from projections import api_reads

    html = browsers["A"].get("/").text
    now = datetime.now(UTC)
    scope = [served.providers[0]]
    for label, days in (("Next 7 days", 7), ("Next 30 days", 30)):
        rows = api_reads.due(served.ledger.sql, scope, as_of=now, within=timedelta(days=days))
        assert f"{label} <small>({len(rows)})</small>" in html
