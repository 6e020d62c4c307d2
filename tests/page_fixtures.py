"""What the page tests share: a browser signed in the way a person signs in, and the pages.

Signed in the way a browser does it: the sign-in form's hidden `form_csrf` and its cookie,
then the session cookie. `ab` gives each of two providers a measure with an alert, its
client and an authorisation; `pages_of` names every page of one provider's objects.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from api_fixtures import Served
from fastapi.testclient import TestClient

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
