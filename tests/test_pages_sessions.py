"""Page sessions: signing in with a token, signing out, and what ends a session.

A session starts only from a valid token of a reading role, through the sign-in form with
its CSRF value; signing out needs the page's CSRF token; a revoked token's session ends; a
page opened without a session goes to sign-in and comes back to where it was asked for.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

from api_fixtures import Served, served  # noqa: F401
from fastapi.testclient import TestClient
from page_fixtures import sign_in


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
