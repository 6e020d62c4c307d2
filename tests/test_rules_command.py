"""`measure-ledger rules`: the catalogue and periods of the rulebook this installation uses."""

from __future__ import annotations

import json

import pytest

from cli.main import main
from domain.rulebook import Rulebook


def _json(capsys: pytest.CaptureFixture[str], *argv: str) -> dict:
    assert main(["rules", "--format", "json", *argv]) == 0
    return json.loads(capsys.readouterr().out)


def test_the_catalogue_of_the_active_version(capsys: pytest.CaptureFixture[str]) -> None:
    shown = _json(capsys)
    book = Rulebook.load_default()
    assert shown["version"] == book.version
    assert {r["rule"] for r in shown["rules"]} == set(book.rules)
    by_id = {r["rule"]: r for r in shown["rules"]}
    assert by_id["NO-LEGAL-BASIS"]["severity"] == "critical"
    assert by_id["NO-LEGAL-BASIS"]["kind"] == "statute"
    assert by_id["LATE-REGISTRATION"]["kind"] == "policy"
    severities = [r["severity"] for r in shown["rules"]]
    assert severities == sorted(severities, key=["critical", "high", "medium", "low"].index)


def test_an_installation_s_policy_and_version_are_what_it_shows(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LEDGER_RULEBOOK_VERSION", "2026.1")
    monkeypatch.setenv("LEDGER_POLICY", '{"review": "21 days", "rule.LATE-REGISTRATION": false}')
    shown = _json(capsys)
    assert shown["version"] == "2026.1"
    late = next(r for r in shown["rules"] if r["rule"] == "LATE-REGISTRATION")
    assert late["enabled"] is False
    periods = _json(capsys, "--periods")["periods"]
    review = next(p for p in periods if p["period"] == "review")
    assert (review["value"], review["kind"]) == ("21 days", "policy")


def test_periods_name_statute_and_working_day_extensions(
    capsys: pytest.CaptureFixture[str],
) -> None:
    periods = _json(capsys, "--periods")["periods"]
    assert all(p["source"] for p in periods)
    crisis = next(p for p in periods if p["scope"].endswith("crisismaatregel"))
    assert "next working day" in crisis["value"]
    assert any(p["kind"] == "statute" for p in periods)


def test_the_table_fits_and_needs_no_store(
    capsys: pytest.CaptureFixture[str], tmp_path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["--store", f"sqlite:///{tmp_path / 'none.db'}", "rules"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("rulebook ")
    assert not (tmp_path / "none.db").exists()


def test_wvggz_and_jeugdwet_catalogue_2_rules_are_listed_under_2026_2_only(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """`rules` shows the Wvggz/Jeugdwet catalogue-2 rules of 2026.2 with severity and kind,
    their periods with sources; 2026.1 lists none of them."""
    expected = {
        "WVGGZ-DECISION-PSYCH": ("critical", "statute"),
        "WVGGZ-NOOD-GD-NOTIFY": ("high", "policy"),
        "WVGGZ-PRE-CM-18H": ("high", "statute"),
        "JW-VBM-GW-CONSENT": ("high", "statute"),
        "JW-NOOD-12H-GW": ("critical", "statute"),
        "JW-VBM-NOT-IN-PLAN": ("critical", "statute"),
        "JW-AFBOUW-ONAFH": ("high", "policy"),
    }
    monkeypatch.setenv("LEDGER_RULEBOOK_VERSION", "2026.2")
    by_id = {r["rule"]: r for r in _json(capsys)["rules"]}
    assert {rule: (by_id[rule]["severity"], by_id[rule]["kind"]) for rule in expected} == expected
    periods = {(p["scope"], p["period"]): p for p in _json(capsys, "--periods")["periods"]}
    assert periods[("wvggz", "gd_notification")]["value"] == "24 hours"
    assert periods[("wvggz", "pre_crisis_after_examination")]["kind"] == "statute"
    assert periods[("jeugdwet", "emergency_consent")]["value"] == "12 hours"
    assert periods[("jeugdwet", "afbouw_advice")]["kind"] == "policy"
    monkeypatch.setenv("LEDGER_RULEBOOK_VERSION", "2026.1")
    assert not {r["rule"] for r in _json(capsys)["rules"]} & set(expected)


def test_providers_show_what_is_configured_for_each(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path
) -> None:
    """A provider's alerts depend on its profile, onboarding date and location register:
    `--providers` shows each provider some setting names, and no one else."""
    register = tmp_path / "locations.txt"
    register.write_text("# registered\nloc-1\nloc-2\n")
    monkeypatch.setenv("LEDGER_PROVIDER_PROFILES", '{"AGB:2": "bestuurlijke-afspraken-2024"}')
    monkeypatch.setenv("LEDGER_ONBOARDING", '{"AGB:1": "2026-07-01"}')
    monkeypatch.setenv("LEDGER_LOCATION_REGISTERS", json.dumps({"AGB:3": str(register)}))
    shown = _json(capsys, "--providers")["providers"]
    assert shown == [
        {
            "provider_id": "AGB:1",
            "wzd_profile": "statutory-2020",
            "onboarding": "2026-07-01T00:00:00+02:00",  # midnight on the Amsterdam clock
            "registered_locations": None,
        },
        {
            "provider_id": "AGB:2",
            "wzd_profile": "bestuurlijke-afspraken-2024",
            "onboarding": None,
            "registered_locations": None,
        },
        {
            "provider_id": "AGB:3",
            "wzd_profile": "statutory-2020",
            "onboarding": None,
            "registered_locations": 2,
        },
    ]


def test_providers_say_when_none_is_configured(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["rules", "--providers"]) == 0
    assert "every one is judged by the defaults" in capsys.readouterr().out
