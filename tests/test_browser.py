"""The pages in a real browser: Debian's Chromium driven by Playwright against `serve`.

What an officer does on a morning, end to end through the real server process: sign in with
a token, read the overview (its open-alert counts are the `alerts` command's), open a
critical alert from the alerts list, reach its measure and see the evidence on the timeline
and the time axis, look at the list as of another day, sign out and be refused.

The browser is the system's (`/usr/bin/chromium`), never one Playwright downloads. Without
it the module is skipped locally, with the reason; under CI=true that is a failure: CI
installs it (`.ci/run`). Each page is saved to test-artifacts/screenshots/ for a person to
look at, on a laptop's 1366×768 screen and as printed.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from api_fixtures import fill, key_file
from conftest import stop

from ledger.service import Ledger
from projections import api_reads

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[1]
SHOTS = ROOT / "test-artifacts" / "screenshots"
LAPTOP = {"width": 1366, "height": 768}
AMSTERDAM = ZoneInfo("Europe/Amsterdam")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def _unavailable(reason: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason} (CI=true requires the browser tests to run)")
    pytest.skip(reason)


@dataclass
class Server:
    base: str
    provider: str
    tokens: dict[str, str]
    open_alerts: list[dict[str, Any]]  # `alerts --provider P --format json`, as served


def _cli(env: dict[str, str], store: str, *argv: str) -> subprocess.Popen[str]:
    """A `measure-ledger` command, started: the caller collects it with `_json`."""
    return subprocess.Popen(
        [sys.executable, "-m", "cli", "--store", store, *argv],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _json(process: subprocess.Popen[str]) -> Any:
    out, err = process.communicate(timeout=120)
    assert process.returncode == 0, err[-3000:]
    return json.loads(out)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_healthy(base: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"serve exited with {process.returncode}: {log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(f"{base}/healthz", timeout=1) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.1)
    pytest.fail(f"serve did not answer /healthz within 30 s: {log.read_text()[-3000:]}")


def _demo_store(store: str, path: Path) -> tuple[str, dict[str, str]]:
    """The demo's 40 measures (the `demo` command's stream, through the fixtures' helper):
    the provider of a critical alert, and the tokens of its privacy officer and of the
    inspectorate (the officer's own is made with `token create`)."""
    with key_file(path):
        ledger = Ledger(store)
    try:
        fill(ledger, measures=40)
        ledger.checkpoints.seal()
        now = datetime.now(UTC)
        found = api_reads.alerts(ledger.sql, None, as_of=now, severity="critical").items
        assert found, "the demo has a critical alert"
        provider = found[0].alert.provider_id
        _, privacy = ledger.tokens.create("privacy", (provider,), "privacy officer", now)
        _, inspectorate = ledger.tokens.create("inspectorate", (), "inspector", now)
    finally:
        ledger.close()
    return provider, {"privacy": privacy, "inspectorate": inspectorate}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A real `serve` process on the demo store, tokens made with `token create`.

    The commands run side by side (each starts a Python that imports the ledger, a few
    seconds apiece): the store is ready before any of them starts, and SQLite's writers
    wait for one another.
    """
    tmp = tmp_path_factory.mktemp("browser")
    signing = tmp / "signing.key"
    env = {k: v for k, v in os.environ.items() if not k.startswith("LEDGER_")}
    env |= {"LEDGER_KEY_FILE": str(signing), "LEDGER_LOG_LEVEL": "warning"}
    store = f"sqlite:///{tmp / 'demo.db'}"
    provider, tokens = _demo_store(store, signing)
    port = _free_port()
    log = tmp / "serve.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "cli", "--store", store, "serve", "--port", str(port)],
            cwd=ROOT,
            env=env | {"LEDGER_FEED_KEY": "f" * 64},
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    grant = ["--role", "provider", "--provider", provider, "--label", "compliance officer"]
    made = _cli(env, store, "token", "create", *grant, "--format", "json")
    listed = _cli(env, store, "alerts", "--provider", provider, "--format", "json")
    base = f"http://127.0.0.1:{port}"
    try:
        tokens["officer"] = _json(made)["token"]
        open_alerts = _json(listed)
        _wait_healthy(base, process, log)
        yield Server(base, provider, tokens, open_alerts)
    finally:
        stop(process, timeout=10)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as error:
        _unavailable(f"playwright is not installed: {error}")
    executable = shutil.which("chromium")
    if executable is None:
        _unavailable("no chromium on PATH (Debian: apt-get install chromium)")
    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            launched.close()


def sign_in(browser: Any, server: Server, who: str) -> Any:
    page = browser.new_context(viewport=LAPTOP).new_page()
    page.set_default_timeout(10_000)
    page.goto(f"{server.base}/sign-in")
    if not (SHOTS / "sign-in.png").exists():
        shot(page, "sign-in")
    page.fill("#token", server.tokens[who])
    page.click("form[action='/sign-in'] button[type=submit]")
    page.wait_for_load_state()
    assert "/sign-in" not in page.url, page.content()[:2000]
    return page


def shot(page: Any, name: str) -> None:
    """The page as a laptop shows it (whole length), after checking that it fits its width."""
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= LAPTOP["width"], f"{name} is {width}px wide on a 1366px screen"


def test_the_overview_counts_are_the_alerts_commands(browser: Any, server: Server) -> None:
    page = sign_in(browser, server, "officer")
    cells = page.locator("#alert-counts td.n[data-rule]")
    shown = {c.get_attribute("data-rule"): int(c.inner_text()) for c in cells.all()}
    shot(page, "overview")
    listed = server.open_alerts
    assert shown == dict(Counter(a["rule"] for a in listed))
    assert int(page.inner_text("#open-total")) == len(listed)


def test_a_critical_alert_leads_to_its_measure_and_evidence(browser: Any, server: Server) -> None:
    page = sign_in(browser, server, "officer")
    page.click("nav >> text=Alerts")
    shot(page, "alerts")
    page.locator("tr.sev-critical td:nth-child(2) a").first.click()
    page.wait_for_load_state()
    assert "/alerts/" in page.url and page.locator(".badge.critical").first.is_visible()
    alert_id = page.url.rsplit("/", 1)[1]
    shot(page, "alert")
    page.click("#measure-link")
    page.wait_for_load_state()
    assert f"?alert={alert_id}" in page.url
    evidence = page.locator("#timeline tr.evidence")
    assert evidence.count() >= 1 and evidence.first.is_visible()
    background = evidence.first.locator("td").first.evaluate(
        "td => getComputedStyle(td).backgroundColor"
    )
    assert background not in ("rgba(0, 0, 0, 0)", "rgb(255, 255, 255)")  # highlighted
    axis = page.locator("svg.axis")
    assert axis.is_visible() and axis.bounding_box()["height"] > 150
    assert page.locator("svg.axis .mark.evidence").count() == evidence.count()
    assert page.locator(f"svg.axis g.alert.selected[data-alert='{alert_id}']").count() == 1
    assert page.locator("svg.axis .month").count() >= 1
    shot(page, "measure")
    page.emulate_media(media="print")
    page.set_viewport_size({"width": 1123, "height": 794})  # A4 landscape at 96 dpi
    page.screenshot(path=str(SHOTS / "measure-print.png"), full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= 1123
    assert not page.locator("header.top nav").is_visible()
    page.pdf(path=str(SHOTS.parent / "measure.pdf"), format="A4", landscape=True)
    page.emulate_media(media="screen")
    page.set_viewport_size(LAPTOP)
    page.locator("#measure-header dd a[href^='/clients/']").click()
    page.wait_for_load_state()
    shot(page, "client")
    orders = page.locator("table.authorisations a[href^='/authorisations/']")
    if orders.count():
        orders.first.click()
        page.wait_for_load_state()
        shot(page, "authorisation")


def test_the_alerts_page_as_of_another_day(browser: Any, server: Server) -> None:
    first = min(
        datetime.fromisoformat(a["since"])
        for a in server.open_alerts
        if a["severity"] == "critical"
    )
    day = first.astimezone(AMSTERDAM).date() + timedelta(days=1)
    assert day < date.today()
    page = sign_in(browser, server, "officer")
    page.goto(f"{server.base}/alerts")
    page.fill("input[name=as_of_date]", day.isoformat())
    page.click("form.filters button[type=submit]")
    page.wait_for_load_state()
    assert f"as_of_date={day.isoformat()}" in page.url
    assert f"as of {day.isoformat()} 23:59" in page.inner_text("h1")
    since = page.locator("table.alerts tbody tr td:nth-child(3)").all_inner_texts()
    end_of_day = datetime.combine(day + timedelta(days=1), datetime.min.time(), AMSTERDAM)
    expected = page.request.get(
        f"{server.base}/api/v1/alerts",
        params={"as_of": (end_of_day - timedelta(microseconds=1)).isoformat(), "limit": 500},
        headers={"Authorization": f"Bearer {server.tokens['officer']}"},
    ).json()["items"]
    assert len(since) == len(expected) >= 1
    assert all(text[:10] <= day.isoformat() for text in since)
    assert len(since) < len(server.open_alerts)  # the late records of today are not there yet
    shot(page, "alerts-as-of")


def test_the_other_pages_fit_a_laptop(browser: Any, server: Server) -> None:
    page = sign_in(browser, server, "officer")
    for path, name in (("/measures", "measures"), ("/rejects", "rejects")):
        page.goto(server.base + path)
        shot(page, name)
    page.goto(f"{server.base}/integrity")
    assert page.locator("#download-checkpoint").is_visible()
    shot(page, "integrity")
    officer = sign_in(browser, server, "privacy")
    assert "/access-log" in officer.url
    shot(officer, "access-log")
    inspector = sign_in(browser, server, "inspectorate")
    inspector.goto(f"{server.base}/measures")
    inspector.locator("table.measures a[href^='/measures/']").first.click()
    inspector.wait_for_load_state()
    assert inspector.locator("#measure-header code.ref").is_visible()
    shot(inspector, "measure-inspectorate")


def test_signing_out_ends_the_session(browser: Any, server: Server) -> None:
    page = sign_in(browser, server, "officer")
    page.click("form.who button[type=submit]")
    page.wait_for_load_state()
    assert page.url.endswith("/sign-in")
    page.goto(f"{server.base}/")
    assert "/sign-in?next=" in page.url and page.locator("#token").is_visible()
    page.goto(f"{server.base}/alerts")
    assert "/sign-in" in page.url
