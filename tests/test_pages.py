"""The web pages without a browser: each page per role, isolation, sessions, CSP, clocks.

Signed in the way a browser does it: the sign-in form's hidden `form_csrf` and its cookie,
then the session cookie. Another provider's measure, client, authorisation or alert must be
the very same "not found" page as a missing one, and be logged as such.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from api_fixtures import Served, fill, key_file, serve, served  # noqa: F401
from fastapi.testclient import TestClient
from markupsafe import escape

from api import time_axis
from api.guard import CSP
from api.schemas import Authorisation, TimelineEntry
from domain.alerts import Alert
from ledger.service import Ledger, RawMessage

AMSTERDAM = ZoneInfo("Europe/Amsterdam")


def sign_in(s: Served, name: str) -> TestClient:
    """A browser of its own: the form's CSRF value and cookie, then the session cookie."""
    browser = TestClient(s.client.app, base_url="http://testserver", follow_redirects=False)
    form = browser.get("/sign-in")
    assert form.status_code == 200 and "ml_signin" in form.cookies
    match = re.search(r'name="form_csrf" value="([^"]+)"', form.text)
    assert match is not None
    r = browser.post(
        "/sign-in", data={"token": s.tokens[name], "form_csrf": match.group(1), "next": "/"}
    )
    assert r.status_code == 303, r.text
    assert "ml_session" in r.cookies
    return browser


def api(s: Served, who: str, path: str, **params: Any) -> Any:
    r = s.client.get(path, headers=s.as_(who), params=params)
    assert r.status_code == 200, r.text
    return r.json()


@dataclass
class Objects:
    """One provider's measure with an alert, its client, and an authorisation."""

    provider: str
    measure: str
    alert: dict[str, Any]
    client: str
    order: str


def objects_of(s: Served, who: str) -> Objects:
    alerts = api(s, who, "/api/v1/alerts", all="true", limit=500)["items"]
    ranked = sorted(
        (a for a in alerts if a["measure_id"]), key=lambda a: a["severity"] != "critical"
    )
    alert = ranked[0]
    provider, measure = alert["provider_id"], alert["measure_id"]
    client = api(s, who, f"/api/v1/measures/{provider}/{measure}")["measure"]["client_id"]
    for m in api(s, who, "/api/v1/measures", limit=500)["items"]:
        found = api(s, who, f"/api/v1/clients/{provider}/{m['client_id']}")["authorisations"]
        if found:
            return Objects(provider, measure, alert, client, found[0]["authorization_id"])
    raise AssertionError(f"{who} has no authorisation")


@pytest.fixture(scope="module")
def ab(served: Served) -> tuple[Objects, Objects]:
    return objects_of(served, "A"), objects_of(served, "B")


@pytest.fixture(scope="module")
def browsers(served: Served) -> dict[str, TestClient]:
    return {name: sign_in(served, name) for name in ("A", "igj", "privacy-A")}


def pages_of(o: Objects) -> dict[str, str]:
    p, m = o.provider, o.measure
    return {
        "overview": "/",
        "alerts": "/alerts",
        "measures": "/measures",
        "measure": f"/measures/{p}/{m}",
        "measure with alert": f"/measures/{p}/{m}?alert={o.alert['alert_id']}",
        "alert": f"/alerts/{o.alert['alert_id']}",
        "client": f"/clients/{p}/{o.client}",
        "authorisation": f"/authorisations/{p}/{o.order}",
        "rejects": "/rejects",
        "integrity": "/integrity",
        "checkpoint download": "/integrity/checkpoint.json",
        "key download": "/integrity/public-key.pem",
        "access log": "/access-log",
    }


#: Who may open which page (every other page answers 403).
ALLOWED = {
    "A": set(pages_of(Objects("P", "M", {"alert_id": "X"}, "C", "O"))) - {"access log"},
    "igj": {
        "overview",
        "alerts",
        "measures",
        "measure",
        "measure with alert",
        "alert",
        "authorisation",
        "integrity",
        "checkpoint download",
        "key download",
    },
    "privacy-A": {"access log"},
}


@pytest.mark.parametrize("who", ["A", "igj", "privacy-A"])
def test_each_page_for_each_role(
    served: Served, ab: tuple[Objects, Objects], browsers: dict[str, TestClient], who: str
) -> None:
    for page, path in pages_of(ab[0]).items():
        r = browsers[who].get(path)
        expected = 200 if page in ALLOWED[who] else 403
        assert r.status_code == expected, (who, page, r.status_code)
        assert r.headers["content-security-policy"] == CSP
        if r.headers["content-type"].startswith("text/html"):
            assert "<script" not in r.text.lower() and "<style" not in r.text.lower()
            assert "style=" not in r.text.lower(), (who, page)
        if expected == 200 and page in ("client", "measure", "alert", "authorisation"):
            last = served.ledger.access_log.read(token_id=served.token_ids[who])[-1]
            assert last.outcome == "allowed" and last.detail == path.split("?")[0]
            assert any(s.provider_id == ab[0].provider for s in last.subjects)


def test_a_provider_sees_its_pseudonyms_the_inspectorate_client_refs(
    ab: tuple[Objects, Objects], browsers: dict[str, TestClient]
) -> None:
    path = pages_of(ab[0])["measure"]
    mine, theirs = browsers["A"].get(path).text, browsers["igj"].get(path).text
    assert f"/clients/{ab[0].provider}/{ab[0].client}".replace(":", "%3A") in mine
    assert ab[0].client not in theirs and "/clients/" not in theirs
    assert re.search(r'<code class="ref"[^>]*>[0-9a-f]{64}</code>', theirs)


@pytest.mark.parametrize("page", ["measure", "client", "authorisation", "alert"])
def test_another_providers_page_is_the_not_found_page_of_a_missing_one(
    served: Served, ab: tuple[Objects, Objects], browsers: dict[str, TestClient], page: str
) -> None:
    b = ab[1]
    foreign = pages_of(b)[page]
    missing = re.sub(r"/[^/]+$", "/no-such-thing", foreign)
    before = len(served.ledger.access_log.read(token_id=served.token_ids["A"]))
    theirs, absent = browsers["A"].get(foreign), browsers["A"].get(missing)
    assert theirs.status_code == absent.status_code == 404
    assert theirs.text == absent.text and "Not found" in theirs.text
    assert b.client not in theirs.text and b.measure not in theirs.text
    logged = served.ledger.access_log.read(token_id=served.token_ids["A"])[before:]
    assert [e.outcome for e in logged] == ["not_found", "not_found"]


def test_the_measure_page_draws_its_axis_and_highlights_the_alerts_evidence(
    served: Served, ab: tuple[Objects, Objects], browsers: dict[str, TestClient]
) -> None:
    o = ab[0]
    alert = o.alert
    html = browsers["A"].get(pages_of(o)["measure with alert"]).text
    svg = re.search(r"<svg [^>]*class=\"axis\".*?</svg>", html, re.S)
    assert svg is not None and 'class="month"' in svg.group(0)
    for event_id in alert["evidence"]:
        assert re.search(rf'<tr id="e-{re.escape(event_id)}" class="[^"]*evidence', html)
        assert re.search(rf'class="mark [^"]*evidence[^"]*" data-event="{event_id}"', html)
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


def test_the_privacy_officer_reads_the_access_log_by_client_token_and_day(
    served: Served, ab: tuple[Objects, Objects], browsers: dict[str, TestClient]
) -> None:
    o = ab[0]
    browsers["A"].get(pages_of(o)["client"])
    officer = browsers["privacy-A"]
    by_client = officer.get("/access-log", params={"client": o.client}).text
    assert "view client" in by_client and served.token_ids["A"] in by_client
    assert re.search(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d CES?T", by_client)
    today = datetime.now(AMSTERDAM).date()
    params = {"token": served.token_ids["A"], "since": str(today), "until": str(today)}
    by_token = officer.get("/access-log", params=params).text
    assert "view client" in by_token and "test igj" not in by_token
    later = officer.get("/access-log", params={"since": str(today + timedelta(days=1))}).text
    assert "No accesses for these filters." in later
    other = officer.get("/access-log", params={"provider": ab[1].provider})
    assert other.status_code == 403
    last = served.ledger.access_log.read(token_id=served.token_ids["privacy-A"])[-1]
    assert last.action == "read access log" and last.outcome == "denied"


def test_sign_in_refuses_a_bad_or_an_ingest_token_and_an_old_form(served: Served) -> None:
    for token in ("mlt_000000000000_not-a-real-secret", served.tokens["ingest-A"]):
        browser = TestClient(served.client.app, follow_redirects=False)
        form = browser.get("/sign-in").text
        csrf = re.search(r'name="form_csrf" value="([^"]+)"', form)
        assert csrf is not None
        r = browser.post("/sign-in", data={"token": token, "form_csrf": csrf.group(1)})
        assert r.status_code == 401 and "not valid" in r.text
        assert "ml_session" not in r.cookies
        assert browser.get("/").status_code == 303
    stale = TestClient(served.client.app, follow_redirects=False)
    r = stale.post("/sign-in", data={"token": served.tokens["A"], "form_csrf": "forged"})
    assert r.status_code == 303 and r.headers["location"] == "/sign-in?error=expired"
    assert "ml_session" not in r.cookies


def test_signing_out_with_the_csrf_token_ends_the_session(served: Served) -> None:
    browser = sign_in(served, "A")
    session = browser.cookies["ml_session"]
    page = browser.get("/").text
    csrf = re.search(r'name="csrf" value="([^"]+)"', page)
    assert csrf is not None
    forged = browser.post("/sign-out", data={"csrf": "forged"})
    assert forged.status_code == 303
    again = TestClient(served.client.app, follow_redirects=False, cookies={"ml_session": session})
    assert again.get("/").status_code == 200  # a forged sign-out changes nothing on the server
    r = again.post("/sign-out", data={"csrf": csrf.group(1)})
    assert r.status_code == 303 and r.headers["location"] == "/sign-in"
    replay = TestClient(served.client.app, follow_redirects=False, cookies={"ml_session": session})
    refused = replay.get("/alerts")
    assert refused.status_code == 303 and refused.headers["location"].startswith("/sign-in?next=")


def test_a_revoked_tokens_session_ends(served: Served) -> None:
    served.token("revoked-soon", "provider", (served.providers[0],))
    browser = sign_in(served, "revoked-soon")
    assert browser.get("/").status_code == 200
    served.ledger.tokens.revoke(served.token_ids["revoked-soon"], datetime.now(UTC))
    r = browser.get("/measures")
    assert r.status_code == 303 and r.headers["location"].startswith("/sign-in")


def test_a_page_without_a_session_goes_to_sign_in_and_back(served: Served) -> None:
    anonymous = TestClient(served.client.app, follow_redirects=False)
    r = anonymous.get("/measures/P/M?alert=x")
    assert r.status_code == 303
    assert r.headers["location"] == "/sign-in?next=%2Fmeasures%2FP%2FM%3Falert%3Dx"
    form = anonymous.get(r.headers["location"]).text
    assert 'name="next" value="/measures/P/M?alert=x"' in form


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
