"""Who opens which page: each page per role, and nothing of another provider.

Another provider's measure, client, authorisation or alert must be the very same "not
found" page as a missing one, and be logged as such; the inspectorate sees client_ref,
never a provider's pseudonym; the privacy officer reads the access log and nothing else.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import pytest
from api_fixtures import Served, served  # noqa: F401
from fastapi.testclient import TestClient
from page_fixtures import AMSTERDAM, Objects, ab, browsers, pages_of  # noqa: F401

from api.guard import CSP

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
