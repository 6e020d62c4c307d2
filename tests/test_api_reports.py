"""The report over HTTP and on the pages: the CLI's bytes, the provider's own, logged as an export.

`GET /api/v1/reports/{period}` answers the document `measure-ledger report` writes, at the
same position, in each format; another provider's is the very "not found" of a provider that
does not exist; the inspectorate reads any provider's, with clients only as the report's
pseudonyms; every read is in the access log with every client in the report as a subject.
The report page links each cell to its explanation.
"""

from __future__ import annotations

import re
import threading
from datetime import UTC, datetime
from typing import Any

from api_fixtures import Served, served  # noqa: F401  (the module-scoped fixture)
from fastapi.testclient import TestClient

from domain.codes import FRAMEWORK_CATEGORIES
from domain.report.csv_mapping import csv_text
from domain.report.deadline import next_due
from domain.report.document import serialise
from domain.report.overview import report_pseudonym
from domain.report.period import HalfYear
from domain.report.xml_mapping import to_xml
from ledger.keys import report_key
from ledger.reporting import make_report

PERIOD = "2026H1"
PATH = f"/api/v1/reports/{PERIOD}"
NOBODY = "AGB:00000000"


def _get(s: Served, who: str, path: str = PATH, **params: Any) -> Any:
    return s.client.get(path, headers=s.as_(who), params=params)


def _last_entry(s: Served) -> Any:
    return s.ledger.access_log.read()[-1]


def test_the_report_is_the_clis_document_in_every_format(served: Served) -> None:
    """The same bytes as `report --format json|csv|xml` at the latest checkpoint."""
    a = served.providers[0]
    made = make_report(served.ledger, HalfYear.parse(PERIOD), None, a)
    r = _get(served, "A")
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("application/json")
    assert r.text == serialise(made.document)
    r = _get(served, "A", format="csv")
    assert r.headers["content-type"].startswith("text/csv")
    assert r.text == csv_text(made.document)
    r = _get(served, "A", format="xml", law="wzd")
    assert r.headers["content-type"].startswith("application/xml")
    assert r.text == to_xml(made.document, a, "wzd")
    assert 'filename="report-2026H1-wzd.xml"' in r.headers["content-disposition"]


def test_at_position_gives_the_report_at_that_position(served: Served) -> None:
    """An earlier covered position is the report at that position, bound to it."""
    first = served.ledger.checkpoints.all()[0].position
    r = _get(served, "A", at_position=str(first))
    assert r.status_code == 200, r.text
    assert r.json()["binding"]["position"] == first
    beyond = _get(served, "A", at_position="999999999")
    assert beyond.status_code == 422
    assert "not covered by a signed checkpoint" in beyond.json()["detail"]


def test_the_read_is_logged_as_an_export_of_every_client_in_it(served: Served) -> None:
    """B's Wvggz rows name clients by report pseudonym: the log names exactly those clients."""
    b = served.providers[1]
    r = _get(served, "B")
    assert r.status_code == 200, r.text
    wvggz = r.json()["body"]["providers"][b]["wvggz"]
    refs = {ref for clients in wvggz["locations"].values() for ref in clients}
    refs |= set(wvggz["without_location"])
    assert refs, "the demo gives B Wvggz care in 2026H1"
    entry = _last_entry(served)
    assert (entry.action, entry.outcome, entry.role) == ("export report", "allowed", "provider")
    clients = {x.client_id for x in entry.subjects if x.client_id is not None}
    assert {x.provider_id for x in entry.subjects} == {b}
    key = report_key(served.ledger.report_key_path)
    assert {report_pseudonym(key, b, c) for c in clients} == refs
    assert len(clients) == wvggz["clients"]


def test_another_providers_report_is_the_not_found_of_one_that_does_not_exist(
    served: Served,
) -> None:
    """Byte for byte, in the report and in an explanation, and logged as not found."""
    b = served.providers[1]
    for path, extra in (
        (PATH, {}),
        (f"{PATH}/explain", {"location": "(all)", "form": "seclusion"}),
    ):
        theirs = _get(served, "A", path, provider=b, **extra)
        assert _last_entry(served).outcome == "not_found"
        nobody = _get(served, "A", path, provider=NOBODY, **extra)
        assert theirs.status_code == nobody.status_code == 404
        assert theirs.content == nobody.content
        assert b not in theirs.text


def test_roles_without_reports_are_refused(served: Served) -> None:
    """Ingest and privacy tokens read no report: 403, logged as denied."""
    for who in ("ingest-A", "privacy-A"):
        assert _get(served, who).status_code == 403
        assert _last_entry(served).outcome == "denied"


def test_the_inspectorate_names_the_provider_and_sees_report_pseudonyms_only(
    served: Served,
) -> None:
    """No provider: 422. An explanation hides the provider's pseudonyms; the log keeps them."""
    assert _get(served, "igj").status_code == 422
    a = served.providers[0]
    r = _get(served, "igj", provider=a)
    assert r.status_code == 200 and r.json()["binding"]["provider_id"] == a
    law, form = _a_counted_cell(served, a)
    r = _get(served, "igj", f"{PATH}/explain", provider=a, location="(all)", form=form)
    assert r.status_code == 200, r.text
    [cell] = [c for c in r.json()["providers"][a] if c["law"] == law]
    assert cell["measures"]
    assert all(m["client_id"] is None for m in cell["measures"] + cell["left_out"])
    assert all(m["client_ref"].startswith("R-") for m in cell["measures"])
    entry = _last_entry(served)
    assert entry.role == "inspectorate" and entry.action == "explain report"
    logged = {x.client_id for x in entry.subjects if x.client_id}
    mine = _get(served, "A", f"{PATH}/explain", location="(all)", form=form).json()
    [own] = [c for c in mine["providers"][a] if c["law"] == law]
    assert logged == {m["client_id"] for m in own["measures"] + own["left_out"]}


def _a_counted_cell(s: Served, provider: str) -> tuple[str, str]:
    """A law and form with measures counted in `provider`'s 2026H1 (as A reads it): which
    forms the demo gives a provider depends on the generator's draw."""
    for law in ("wzd", "jeugdwet", "wvggz"):
        for form in FRAMEWORK_CATEGORIES[law]:
            r = _get(s, "A", f"{PATH}/explain", location="(all)", form=form)
            cells = [c for c in r.json()["providers"][provider] if c["law"] == law]
            if r.status_code == 200 and cells and cells[0]["measures"]:
                return law, form
    raise AssertionError(f"the demo counts nothing for {provider} in {PERIOD}")


def sign_in(s: Served, name: str) -> TestClient:
    """A browser of its own: the sign-in form's CSRF value and cookie, then the session."""
    browser = TestClient(s.client.app, base_url="http://testserver", follow_redirects=False)
    form = browser.get("/sign-in")
    match = re.search(r'name="form_csrf" value="([^"]+)"', form.text)
    assert match is not None
    r = browser.post(
        "/sign-in", data={"token": s.tokens[name], "form_csrf": match.group(1), "next": "/"}
    )
    assert r.status_code == 303, r.text
    return browser


def test_the_report_page_drills_down_to_each_cells_explanation(served: Served) -> None:
    """Each Wzd figure links to its explanation, which lists the measures counted there."""
    a = served.providers[0]
    browser = sign_in(served, "A")
    index = browser.get("/reports")
    assert index.status_code == 200 and 'href="/reports/' in index.text
    coming = next_due(datetime.now(UTC))
    assert f"<strong>{coming.period.name}</strong>, by <strong>{coming.day}</strong>" in index.text
    page = browser.get(f"/reports/{PERIOD}")
    assert page.status_code == 200, page.text
    assert "Half-year overview 2026H1" in page.text
    assert _last_entry(served).action == "export report"
    links = sorted(set(re.findall(r'href="(/reports/2026H1/explain\?[^"]+)"', page.text)))
    assert links, "a link per cell"
    made = make_report(served.ledger, HalfYear.parse(PERIOD), None, a).document
    wzd = made.body.providers[a].wzd
    cells = sum(len(f) for f in wzd.locations.values()) + len(wzd.totals)
    assert len([x for x in links if "seclusion" in x or "form=" in x]) >= cells
    link = next(x for x in links if "location=%28all%29" not in x)
    explained = browser.get(link.replace("&amp;", "&"))
    assert explained.status_code == 200, explained.text
    assert "Counted:" in explained.text and "Left out:" in explained.text
    assert _last_entry(served).action == "explain report"
    theirs = browser.get(f"/reports/{PERIOD}?provider={served.providers[1]}")
    nobody = browser.get(f"/reports/{PERIOD}?provider={NOBODY}")
    assert theirs.status_code == nobody.status_code == 404
    assert theirs.text == nobody.text


def test_a_report_does_not_wait_for_the_write_lock_when_the_views_are_current(
    served: Served,
) -> None:
    """The counting runs outside the lock that ingest and the refresh take."""
    lock = served.client.app.state.write_lock
    answers: list[int] = []
    with lock:
        reader = threading.Thread(target=lambda: answers.append(_get(served, "A").status_code))
        reader.start()
        reader.join(timeout=60)
        assert not reader.is_alive(), "the report waited for the write lock"
    assert answers == [200]
